"""`senim keys rotate`: re-encrypt every stored event (and snapshot) from the current key to a new one.

Everything happens in one transaction of the store's database: a failure (a row the current key
cannot read, a step below that raises, a lost connection) leaves every row as it was. The hash
chain is unaffected: it hashes the state with the store's cipher removed (projections/hash_chain.py).

ROTATION_STEPS: everything else encrypted under the master key outside the events table (the
per-person keys and the kept secrets, wrapped with it) is re-wrapped in the same transaction. Each
step is a callable
    step(old_cipher, new_cipher, tx) -> None
listed here, by name, so what a rotation covers does not depend on which modules happen to be
imported. `old_cipher` is None when the store was not encrypted; both ciphers have encrypt(bytes) ->
bytes and decrypt(bytes) -> bytes (the eventsourcing Cipher interface); `tx` is a projections.db.Tx on
the store's database (%s placeholders on SQLite and PostgreSQL alike). Raise to abort the whole
rotation. Steps run in order, after the events and snapshots are re-encrypted and before the commit.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from eventsourcing.utils import Environment, resolve_topic

from intake.adapters.keyring import rewrap_person_keys
from intake.adapters.store import SenimStore
from intake.config import ConfigError
from projections.db import Tx, ViewDatabase
from projections.hash_chain import readable

PAGE = 1000

ROTATION_STEPS: tuple[Callable, ...] = (rewrap_person_keys,)


class RotationRefused(ValueError):
    """The rotation did not start or was rolled back; the message says why (and never holds a key)."""


@dataclass(frozen=True)
class Rotated:
    events: int
    snapshots: int


class Target:
    """The store to rotate and a connection to its database: nothing else of the app is started, so
    nothing in this process writes an event (under the old key) while or after the rows are rotated."""

    def __init__(self, settings):
        env = settings.event_store_env()
        self.settings = settings
        self.views = ViewDatabase(env, size=1)
        with self.views.setup_lock():
            self.store = SenimStore(env=env)  # refuses a current key that cannot read the newest event

    def close(self) -> None:
        self.views.close()
        self.store.close()


def cipher_for(settings, key: str):
    """The store's cipher for `key`, built the way the event store builds it from the settings."""
    env = replace(settings, cipher_key=key).event_store_env()
    return resolve_topic(env["CIPHER_TOPIC"])(Environment(env=env))


def _tables(store) -> list[tuple[str, str]]:
    """(table, what) of every table of stored event states: the events and, when kept, the snapshots."""
    tables = [(store.recorder.events_table_name, "event")]
    snapshots = getattr(store, "snapshots", None)
    if snapshots is not None:
        tables.append((snapshots.recorder.events_table_name, "snapshot"))
    return tables


def _lock(tx: Tx, table: str) -> None:
    """Writers wait until the commit (SQLite: the transaction already holds the write lock)."""
    if tx.dialect == "postgres":
        tx.execute("SET LOCAL lock_timeout = '10s'")
        tx.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _readable_without_cipher(store, state: bytes) -> bool:
    """Turning encryption on: the state must be what the store writes unencrypted, not ciphertext."""
    return store.mapper.cipher is None and readable(store.mapper, state)


def _reencrypt(tx: Tx, store, table: str, what: str, old, new) -> int:
    """Re-encrypts one table a page at a time, in key order; raises RotationRefused on a row old cannot read."""
    done = 0
    after: tuple = ()
    while True:
        where = "WHERE (originator_id, originator_version) > (%s, %s) " if after else ""
        rows = tx.execute(f"SELECT originator_id, originator_version, state FROM {table} {where}"
                          f"ORDER BY originator_id, originator_version LIMIT {PAGE}", after).fetchall()
        if not rows:
            return done
        updates = []
        for originator_id, version, state in rows:
            state = bytes(state)
            if old is None:
                if not _readable_without_cipher(store, state):
                    raise RotationRefused(f"A stored {what} (aggregate {_id_text(originator_id)}, version {version}) "
                                          "is not readable unencrypted: the store seems encrypted already; set "
                                          "SENIM_CIPHER_KEY to its key. Nothing was changed.")
                plain = state
            else:
                try:
                    plain = old.decrypt(state)
                except Exception:  # noqa: BLE001 - a wrong key fails in the cipher's own ways
                    raise RotationRefused(
                        f"The current SENIM_CIPHER_KEY cannot decrypt a stored {what} (aggregate "
                        f"{_id_text(originator_id)}, version {version}). Nothing was changed.") from None
            updates.append((new.encrypt(plain), originator_id, version))
        tx.executemany(f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
                       updates)
        done += len(rows)
        after = rows[-1][:2]


def _id_text(value) -> str:
    try:
        return str(UUID(str(value)))  # SQLite keeps the hex without dashes
    except ValueError:
        return str(value)


def rotate(target, new_key: str, *, before_commit: Callable[[], None] | None = None,
           steps: Sequence[Callable] | None = None) -> Rotated:
    """Re-encrypts the store under new_key in one transaction; the current key is the one it was started with.

    target: a Target (what the CLI opens) or anything with its settings, store and views (the app's Senim).

    before_commit runs last inside the transaction (the CLI prints a generated key there, so the key
    has been shown before any row depends on it).
    """
    if not new_key:
        raise RotationRefused("Turning encryption off is not supported: give a new key.")
    try:
        new = cipher_for(target.settings, new_key)  # checks the key as SENIM_CIPHER_KEY is checked
    except ConfigError as error:
        raise RotationRefused(str(error).replace("SENIM_CIPHER_KEY", "The new key")) from None
    if new_key == target.settings.cipher_key:
        raise RotationRefused("The new key is the current key.")
    store = target.store
    old = store.mapper.cipher
    counts = {"event": 0, "snapshot": 0}
    with target.views.transaction() as tx:
        for table, _what in _tables(store):
            _lock(tx, table)
        for table, what in _tables(store):
            counts[what] += _reencrypt(tx, store, table, what, old, new)
        for step in ROTATION_STEPS if steps is None else steps:
            step(old, new, tx)
        if before_commit:
            before_commit()
    return Rotated(events=counts["event"], snapshots=counts["snapshot"])
