"""One random AES key per data subject (crypto-shredding), kept beside the event tables.

Personal fields are encrypted inside the event state with their subject's key (intake/adapters/personal.py).
Erasing a subject destroys the key; the events stay as they are (immutable, hash-chained), and the
sealed values in them can no longer be opened by anyone.

Tables (in the store's database: the same SQLite file or PostgreSQL schema as the events):
- person_keys(subject_id PK, kind, key, created_at): the live keys. With SENIM_CIPHER_KEY set, each
  key is stored wrapped (AES-GCM) under it; without, as is (the events' personal fields are still
  sealed with it, so destroying it still erases them).
- erased_subjects(subject_id PK, kind, erased_at): ids only, so an erased subject is never given a
  fresh key and reads can say "erased" rather than "never given".
- keyring_secrets(name PK, value, created_at): secrets made once and shared by every process: the phone-hash
  salt when SENIM_PHONE_SALT is not set, the web sessions' signing key when SENIM_SECRET_KEY is not set
  (wrapped like the keys).

Destroying a key: the row is overwritten with zeros and deleted in one transaction, then
- SQLite: the keyring's connections run with `PRAGMA secure_delete = ON` (freed cells and pages are
  zeroed), and the WAL is checkpointed and truncated so the zeroed page replaces the old one in the
  database file and no WAL frame keeps the key;
- PostgreSQL: `VACUUM person_keys` (outside a transaction) reclaims the dead tuples that held it.
  Measured with pageinspect: VACUUM can remove them only once no older snapshot in the database
  could still see them (a long transaction, a running pg_dump: a later VACUUM or autovacuum does it),
  and the bytes of a removed tuple may stay in the page's free space until a new row reuses it.
  With SENIM_CIPHER_KEY set such remnants are wrapped: rotating the key (`senim keys rotate`) and
  retiring the old one makes them useless.
What neither store can reach: backups and copies made before the erasure, PostgreSQL WAL segments
not yet recycled (and their archive), and blocks the file system or disk already let go of.

Caches: keys are cached in memory (unwrapped) per process. Every process checks, at most once a
second, whether a subject was erased anywhere (the count of erased_subjects); when one was, it drops
its key cache and tells its listeners (the store drops its cache of decrypted aggregates).
"""
import hashlib
import hmac
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from domain.errors import Conflict
from domain.phone import normalise_phone
from projections.db import Tx, ViewDatabase, sqlite_write_gate

log = logging.getLogger(__name__)

KEY_BYTES = 32
SALT_BYTES = 32
# The first byte of a stored key or secret: how the rest is stored.
PLAIN, WRAPPED = b"\x00", b"\x01"
CACHE_SIZE = 20_000
ERASURE_CHECK_SECONDS = 1.0
PHONE_SALT = "phone_salt"


class SubjectErased(Conflict):
    """Personal data of an erased subject cannot be written again (their key is gone for good)."""

    def __init__(self) -> None:
        super().__init__("subject.erased", state="erased")


class KeyringError(RuntimeError):
    """A stored key cannot be unwrapped: the configuration (SENIM_CIPHER_KEY) does not fit the keyring."""


@dataclass(frozen=True)
class Subject:
    subject_id: str
    kind: str
    erased: bool


def subject_text(value) -> str:
    """One spelling of a subject id: a UUID with dashes, lowercase."""
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except ValueError:
        return str(value)


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat()


def wrap(master, secret: bytes) -> bytes:
    return WRAPPED + master.encrypt(secret) if master is not None else PLAIN + secret


def unwrap(master, stored) -> bytes:
    stored = bytes(stored)
    tag, body = stored[:1], stored[1:]
    if tag == PLAIN:
        return body
    if tag != WRAPPED:
        raise KeyringError("A stored key has an unknown format.")
    if master is None:
        raise KeyringError("The keyring's keys are wrapped under SENIM_CIPHER_KEY, which is not set.")
    try:
        return master.decrypt(body)
    except Exception:  # noqa: BLE001 - a wrong key fails in the cipher's own ways
        raise KeyringError("SENIM_CIPHER_KEY cannot unwrap the keyring's keys.") from None


class KeyringDatabase(ViewDatabase):
    """The store's database, with connections that zero what they delete (SQLite)."""

    def _connect(self):
        connection = super()._connect()
        if self.dialect == "sqlite":
            connection.execute("PRAGMA secure_delete = ON")
        return connection

    def query(self, statement: str, params=()) -> list[tuple]:
        """One read in one round trip (no BEGIN/COMMIT around it): the keys are read on every cache miss."""
        with self._connection() as connection:
            return Tx(connection, self.dialect).execute(statement, params).fetchall()

    @contextmanager
    def creating(self) -> Iterator[Tx]:
        """A write transaction whose commit is not flushed to disk on its own: the key it makes is used
        only by an event committed after it, and that commit flushes the log (SQLite's WAL, PostgreSQL's
        WAL) up to and including this one. A crash in between loses a key no event uses yet."""
        with self._connection() as connection:
            if self.dialect == "postgres":
                with connection.transaction():
                    tx = Tx(connection, self.dialect)
                    tx.execute("SET LOCAL synchronous_commit = off")
                    yield tx
                return
            connection.execute("PRAGMA synchronous = NORMAL")
            gate = sqlite_write_gate(self._env["SQLITE_DBNAME"])  # queue in-process for the file
            gate.acquire()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield Tx(connection, self.dialect)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            finally:
                gate.release()
                connection.execute("PRAGMA synchronous = FULL")

    def reclaim(self, table: str) -> None:
        """Makes deleted rows of `table` unreachable on disk, as far as the database itself can."""
        with self._connection() as connection:
            if self.dialect == "postgres":
                connection.execute(f"VACUUM {table}")  # autocommit: outside a transaction block
                return
            connection.execute("PRAGMA busy_timeout = 5000")
            try:
                busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                connection.execute("PRAGMA busy_timeout = 30000")
            if busy:
                log.warning("the WAL could not be checkpointed after a key was destroyed (readers busy); "
                            "the next checkpoint will overwrite it")


class Keyring:
    def __init__(self, db: KeyringDatabase, master=None, phone_salt: str | None = None):
        self.db = db
        self.master = master  # the store's cipher (SENIM_CIPHER_KEY), or None
        self._configured_salt = phone_salt.encode() if phone_salt else None
        self._salt: bytes | None = None
        self._keys: OrderedDict[str, bytes] = OrderedDict()
        self._erased: set[str] = set()
        self._lock = threading.Lock()
        self._erasures: int | None = None
        self._checked_at = 0.0
        # Called when a subject was erased (here or in another process): drop decrypted copies.
        self.on_erasure: list[Callable[[], None]] = []

    @classmethod
    def for_store(cls, env, master=None) -> "Keyring":
        # As many pooled connections as a web worker has threads: keys are made in the requests' threads.
        return cls(KeyringDatabase(env, size=8), master, env.get("SENIM_PHONE_SALT") or None)

    def create_tables(self) -> None:
        with self.db.transaction() as tx:
            blob = "BYTEA" if tx.dialect == "postgres" else "BLOB"
            tx.execute(f"""CREATE TABLE IF NOT EXISTS person_keys (
                subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL, key {blob} NOT NULL, created_at TEXT NOT NULL)""")
            tx.execute("""CREATE TABLE IF NOT EXISTS erased_subjects (
                subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL, erased_at TEXT NOT NULL)""")
            tx.execute(f"""CREATE TABLE IF NOT EXISTS keyring_secrets (
                name TEXT PRIMARY KEY, value {blob} NOT NULL, created_at TEXT NOT NULL)""")

    def close(self) -> None:
        self.db.close()

    # Keys ----------------------------------------------------------------------------------------

    def key_for_sealing(self, subject_id, kind: str) -> bytes:
        """The subject's key, made on first use; SubjectErased once the subject was erased."""
        subject = subject_text(subject_id)
        key = self._cached(subject)
        if key is not None:
            return key
        if subject in self._erased:
            raise SubjectErased()
        # One short write transaction: most subjects are new (a contact's caller, a case's person).
        with self.db.creating() as tx:
            tx.execute("INSERT INTO person_keys (subject_id, kind, key, created_at) SELECT %s, %s, %s, %s "
                       "WHERE NOT EXISTS (SELECT 1 FROM erased_subjects WHERE subject_id = %s) "
                       "ON CONFLICT (subject_id) DO NOTHING",
                       (subject, kind, wrap(self.master, os.urandom(KEY_BYTES)), _now_text(), subject))
            stored = tx.scalar("SELECT key FROM person_keys WHERE subject_id = %s", (subject,))
        if stored is None:  # the subject was erased
            self._erased.add(subject)
            raise SubjectErased()
        key = unwrap(self.master, stored)
        self._remember(subject, key)
        return key

    def key_for_opening(self, subject_id) -> bytes | None:
        """The subject's key, or None when it was destroyed (or never made)."""
        self.refresh()
        subject = subject_text(subject_id)
        key = self._cached(subject)
        if key is not None or subject in self._erased:
            return key
        rows = self.db.query("SELECT key, 0 FROM person_keys WHERE subject_id = %s UNION ALL "
                             "SELECT NULL, 1 FROM erased_subjects WHERE subject_id = %s", (subject, subject))
        if any(erased for _, erased in rows):
            self._erased.add(subject)
            return None
        if not rows:
            return None
        key = unwrap(self.master, rows[0][0])
        self._remember(subject, key)
        return key

    def subject(self, subject_id) -> Subject | None:
        """What the keyring knows of a subject: its kind, and whether it was erased; None if nothing."""
        subject = subject_text(subject_id)
        rows = self.db.query("SELECT kind, 1 FROM erased_subjects WHERE subject_id = %s UNION ALL "
                             "SELECT kind, 0 FROM person_keys WHERE subject_id = %s", (subject, subject))
        if not rows:
            return None
        kind, erased = max(rows, key=lambda row: row[1])  # erased, if it says so anywhere
        return Subject(subject, kind, bool(erased))

    def is_erased(self, subject_id) -> bool:
        if subject_id is None:
            return False
        subject = subject_text(subject_id)
        if subject in self._erased:
            return True
        erased = bool(self.db.query("SELECT 1 FROM erased_subjects WHERE subject_id = %s", (subject,)))
        if erased:
            self._erased.add(subject)
        return erased

    def destroy(self, subject_id, kind: str) -> None:
        """Erases the subject for good: zeroes and deletes its key, notes the id as erased."""
        subject = subject_text(subject_id)
        with self.db.transaction() as tx:
            stored = tx.scalar("SELECT key FROM person_keys WHERE subject_id = %s", (subject,))
            tx.execute("INSERT INTO erased_subjects (subject_id, kind, erased_at) VALUES (%s, %s, %s) "
                       "ON CONFLICT (subject_id) DO NOTHING", (subject, kind, _now_text()))
            if stored is not None:
                zeros = bytes(len(bytes(stored)))
                tx.execute("UPDATE person_keys SET key = %s WHERE subject_id = %s", (zeros, subject))
                tx.execute("DELETE FROM person_keys WHERE subject_id = %s", (subject,))
        with self._lock:
            self._keys.pop(subject, None)
            self._erased.add(subject)
        self.db.reclaim("person_keys")
        self._erasure_seen()

    # Caches ---------------------------------------------------------------------------------------

    def _cached(self, subject: str) -> bytes | None:
        with self._lock:
            key = self._keys.get(subject)
            if key is not None:
                self._keys.move_to_end(subject)
            return key

    def _remember(self, subject: str, key: bytes) -> None:
        with self._lock:
            self._keys[subject] = key
            if len(self._keys) > CACHE_SIZE:
                self._keys.popitem(last=False)

    def refresh(self, *, now: float | None = None) -> None:
        """At most once a second: has any process erased a subject since? Then forget what we decrypted."""
        now = time.monotonic() if now is None else now
        if now - self._checked_at < ERASURE_CHECK_SECONDS:
            return
        self._checked_at = now
        erasures = self.db.query("SELECT count(*) FROM erased_subjects")[0][0]
        if self._erasures is not None and erasures != self._erasures:
            self._forget_all()
        self._erasures = erasures

    def _erasure_seen(self) -> None:
        self._erasures = None  # the next check takes the new count without forgetting again
        self._checked_at = 0.0
        self._forget_all()

    def _forget_all(self) -> None:
        with self._lock:
            self._keys.clear()
        for listener in self.on_erasure:
            listener()

    # The phone-hash salt ------------------------------------------------------------------------

    def phone_salt(self) -> bytes:
        """SENIM_PHONE_SALT, else a random salt made once and kept (wrapped) in the database."""
        if self._configured_salt:
            return self._configured_salt
        if self._salt is None:
            self._salt = self.stored_secret(PHONE_SALT, SALT_BYTES)
        return self._salt

    def stored_secret(self, name: str, size: int) -> bytes:
        """A random secret made once, the first time any process asks, and kept (wrapped) in the database."""
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO keyring_secrets (name, value, created_at) VALUES (%s, %s, %s) "
                       "ON CONFLICT (name) DO NOTHING",
                       (name, wrap(self.master, os.urandom(size)), _now_text()))
            stored = tx.scalar("SELECT value FROM keyring_secrets WHERE name = %s", (name,))
        return unwrap(self.master, stored)

    def phone_hash(self, phone: str) -> str:
        """A keyed hash of the normalised number: the same caller matches without the number being stored."""
        digest = hmac.new(self.phone_salt(), normalise_phone(phone).encode(), hashlib.sha256)
        return digest.hexdigest()


def rewrap_person_keys(old_cipher, new_cipher, tx: Tx) -> None:
    """`senim keys rotate` step: the person keys and the kept salt, from the old master key to the new one."""
    for table, name_column, value_column in (("person_keys", "subject_id", "key"),
                                             ("keyring_secrets", "name", "value")):
        rows = tx.execute(f"SELECT {name_column}, {value_column} FROM {table}").fetchall()
        tx.executemany(f"UPDATE {table} SET {value_column} = %s WHERE {name_column} = %s",
                       [(wrap(new_cipher, unwrap(old_cipher, stored)), name) for name, stored in rows])

