"""`senim backup` and `senim restore`: a consistent copy of the store, and its return, checked.

What a backup holds: the whole store except the read models, which restore rebuilds from the
events: the events, the person keys and the list of erased subjects (intake/adapters/keyring.py), the
secrets kept in the database (the phone-hash salt, the web sessions' key when SENIM_SECRET_KEY is
unset), staff accounts and tokens (events), and the hash chain (so restore can check the events
against the links written while the store was live). Any table that is not a read model is kept.

- SQLite: `VACUUM INTO` copies the file inside one read transaction, so writers go on while it runs
  (WAL) and the copy is one moment of the store; the read models are then dropped from the copy.
- PostgreSQL: `pg_dump` (custom format, the store's schema) in a snapshot exported by a transaction
  of ours, in which the manifest's head is read as well, so both describe the same moment.

Beside the backup, PATH.manifest.json says what it is: format version, store kind, time, head
position, the hash chain's head link at that position, whether the events are encrypted
(SENIM_CIPHER_KEY), and the backup file's SHA-256. Restore refuses a file whose checksum differs,
a chain that does not verify or does not end at the manifest's head, a key that cannot read the
events, and a target that already holds events or is open.

Erasures: restore destroys again the key of every subject whose Erasure.Performed event is in the
restored log (an erasure whose key was still there when the backup was taken). An erasure made
after the backup is not in the backup: its subject's key comes back with it (see the README).
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from eventsourcing.utils import get_topic

from domain.erasure import Erasure
from intake.adapters.keyring import subject_text
from intake.config import ConfigError, Settings
from intake.services.audit_chain import Audit, verify
from projections import all_projections
from projections.hash_chain import GENESIS, HashChainProjection, link_of

FORMAT = "senim-backup"
FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
CHUNK = 1 << 20
CHAIN = HashChainProjection.name
# pg_dump reads the whole database's catalogue: an object dropped elsewhere meanwhile (another
# application's schema) can fail it ("cache lookup failed"); a new snapshot usually succeeds.
PG_DUMP_ATTEMPTS = 3
ERASURE_TOPIC = get_topic(Erasure.Performed)  # type: ignore[attr-defined]  # made by @event, unseen by mypy


class BackupError(RuntimeError):
    """A backup or a restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    store: str  # "sqlite" or "postgres"
    created_at: str
    head_position: int
    chain_head: str | None  # the hash chain's link at head_position (hex); None for an empty store
    encrypted: bool
    file: str
    sha256: str
    size: int
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    schema: str | None = None  # PostgreSQL: the schema pg_dump copied, under which pg_restore puts it back

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Restored:
    head_position: int
    chain_head: str | None
    links_verified: int
    erasures_reapplied: int
    rebuilt: dict[str, int]


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(settings: Settings) -> Path:
    return Path(settings.event_store_env()["SQLITE_DBNAME"])


def _with_path(settings: Settings, path: Path) -> Settings:
    return replace(settings, database_url=f"sqlite:///{path}")


def _private_file(path: Path) -> None:
    """Backups hold every event and every person key: readable by their owner only."""
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# Backup ------------------------------------------------------------------------------------------

def backup(settings: Settings, path: Path, *, say: Callable[[str], None] = lambda _: None) -> Manifest:
    """Writes a consistent copy of the store to `path` and its manifest beside it."""
    path = Path(path)
    if path.exists() or manifest_path(path).exists():
        raise BackupError(f"{path} (or its manifest) exists already; give a new name, backups are never overwritten.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if settings.is_sqlite:
            head, chain_head = _backup_sqlite(settings, partial, say)
        else:
            head, chain_head = _backup_postgres(settings, partial, say)
        _fsync(partial)
        schema = None if settings.is_sqlite else settings.event_store_env().get("POSTGRES_SCHEMA") or "public"
        manifest = Manifest(store="sqlite" if settings.is_sqlite else "postgres", schema=schema,
                            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            head_position=head, chain_head=chain_head, encrypted=bool(settings.cipher_key),
                            file=path.name, sha256=sha256_of(partial), size=partial.stat().st_size)
        os.replace(partial, path)
        written = manifest_path(path)
        _private_file(written)
        written.write_text(manifest.as_json())
        _fsync(written)
        _fsync(path.parent)
        return manifest
    finally:
        partial.unlink(missing_ok=True)


def _backup_sqlite(settings: Settings, partial: Path, say) -> tuple[int, str | None]:
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"There is no store at {source} (SENIM_DATABASE_URL).")
    _private_file(partial)
    partial.unlink()  # VACUUM INTO wants to create the file; the umask below keeps it private
    connection = sqlite3.connect(source, timeout=30, isolation_level=None)
    old_umask = os.umask(0o077)
    try:
        connection.execute("PRAGMA busy_timeout = 30000")
        # One read transaction: writers go on (WAL) and the copy is the store at one moment.
        connection.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.DatabaseError as error:
        raise BackupError(f"SQLite could not copy {source}: {error}") from None
    finally:
        os.umask(old_umask)
        connection.close()
    _drop_read_models(partial)
    chained = _chain_the_copy(settings, partial, say)
    _single_file(partial)
    return chained


def _drop_read_models(copy: Path) -> None:
    """The read models are rebuilt on restore: leaving them out keeps the backup small and holds
    nothing derived. The hash chain stays, to be checked against the events on restore."""
    connection = sqlite3.connect(copy, isolation_level=None)
    try:
        tracked = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'projection_tracking'").fetchone()
        connection.execute("BEGIN")
        for projection in all_projections().values():
            if projection.name == CHAIN:
                continue
            for table in projection.tables:
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            if tracked:
                connection.execute("DELETE FROM projection_tracking WHERE name = ?", (projection.name,))
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()


def _chain_the_copy(settings: Settings, copy: Path, say) -> tuple[int, str | None]:
    """Brings the copy's hash chain up to its head and verifies it; the head and its link."""
    audited = _open_audit(_with_path(settings, copy))
    try:
        verdict = verify(audited)
        head = audited.store.head()
    finally:
        audited.close()
    if verdict.broken:
        raise BackupError(f"The store's hash chain is broken ({verdict.broken}); run `senim audit verify` "
                          "and find out why before trusting a backup of it.")
    say(f"hash chain verified: {verdict.verified} links")
    return head, verdict.head


def _single_file(database: Path) -> None:
    """Out of WAL mode: the backup is one self-contained file, whatever opened it last."""
    _pragma(database, "PRAGMA journal_mode = DELETE")
    for leftover in _sqlite_files(database)[1:]:
        leftover.unlink(missing_ok=True)


def _open_audit(settings: Settings) -> Audit:
    try:
        return Audit(settings)
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - a file that is not a database, or a broken one
        raise BackupError(f"The store cannot be opened: {type(error).__name__}: {error}") from None


def _backup_postgres(settings: Settings, partial: Path, say) -> tuple[int, str | None]:
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise BackupError("pg_dump is not on the PATH: install the PostgreSQL client (apt install "
                          "postgresql-client) of the server's major version or newer, or see the README.")
    import psycopg

    audited = _open_audit(settings)
    try:
        verdict = verify(audited)  # the chain up to date and sound before the copy
        if verdict.broken:
            raise BackupError(f"The store's hash chain is broken ({verdict.broken}); run `senim audit verify`.")
        env = settings.event_store_env()
        failures = []
        for _ in range(PG_DUMP_ATTEMPTS):
            head, chain_head, failure = _dump_one_moment(pg_dump, env, audited.store.mapper, partial)
            if failure is None:
                break
            failures.append(failure)
            say(f"pg_dump failed ({failure}); trying again in a new snapshot")
        else:
            raise BackupError(f"pg_dump failed: {failures[-1]}")
        say(f"hash chain verified: {verdict.verified} links")
        return head, chain_head
    except psycopg.Error as error:
        raise BackupError(f"PostgreSQL: {error}") from None
    finally:
        audited.close()


def _dump_one_moment(pg_dump: str, env, mapper, partial: Path) -> tuple[int, str | None, str | None]:
    """pg_dump in a snapshot of ours, in which the manifest's head is read too: both describe one moment.
    Returns the head, its chain link, and pg_dump's complaint if it failed."""
    with _pg_connect(env) as connection, connection.transaction():
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        head, chain_head = _chain_head_in(connection, mapper)
        _private_file(partial)
        command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                   f"--schema={env.get('POSTGRES_SCHEMA') or 'public'}", f"--file={partial}",
                   *_exclude_read_model_data(env)]
        done = subprocess.run(command, env={**os.environ, **_pg_client_env(env)}, capture_output=True, text=True)
    return head, chain_head, (done.stderr.strip() or f"exit status {done.returncode}") if done.returncode else None


def _exclude_read_model_data(env) -> list[str]:
    schema = env.get("POSTGRES_SCHEMA") or "public"
    return [f"--exclude-table-data={schema}.{table}" for projection in all_projections().values()
            if projection.name != CHAIN for table in projection.tables]


class _Row:
    """A notification read with plain SQL, shaped as link_of expects."""

    def __init__(self, id, originator_id, originator_version, topic, state):
        self.id, self.originator_id, self.originator_version = id, originator_id, originator_version
        self.topic, self.state = topic, bytes(state)


def _chain_head_in(connection, mapper) -> tuple[int, str | None]:
    """The head position and its chain link as this transaction sees the store: the newest stored
    link extended over the events after it (the live chain may lag the log by a moment)."""
    last = connection.execute("SELECT position, link FROM hash_chain ORDER BY position DESC LIMIT 1").fetchone()
    position, link = (int(last[0]), bytes.fromhex(last[1])) if last else (0, GENESIS)
    rows = connection.execute("SELECT notification_id, originator_id, originator_version, topic, state "
                              "FROM senim_events WHERE notification_id > %s ORDER BY notification_id",
                              (position,))
    for row in rows:
        link, position = link_of(link, _Row(*row), mapper), row[0]
    return position, (link.hex() if position else None)


def _pg_connect(env):
    import psycopg
    return psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                           user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                           connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
                           options=f"-c search_path={env.get('POSTGRES_SCHEMA') or 'public'}", autocommit=True)


def _pg_client_env(env) -> dict[str, str]:
    """pg_dump/pg_restore read the connection from the environment: no password on a command line."""
    client = {"PGDATABASE": env["POSTGRES_DBNAME"], "PGHOST": env["POSTGRES_HOST"], "PGPORT": env["POSTGRES_PORT"],
              "PGUSER": env["POSTGRES_USER"]}
    if env.get("POSTGRES_PASSWORD"):
        client["PGPASSWORD"] = env["POSTGRES_PASSWORD"]
    return client


# Restore -----------------------------------------------------------------------------------------

def read_manifest(path: Path) -> Manifest:
    """The manifest beside `path`, checked against the file; BackupError says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    beside = manifest_path(path)
    if not beside.is_file():
        raise BackupError(f"The manifest {beside.name} is missing beside {path.name}: without it the backup "
                          "cannot be checked. Keep the two files together.")
    try:
        raw = json.loads(beside.read_text())
        if raw.get("format") != FORMAT:
            raise ValueError("not a Senim backup manifest")
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"The backup has format version {raw.get('format_version')}; this Senim reads "
                              f"version {FORMAT_VERSION}.")
        manifest = Manifest(**raw)
    except BackupError:
        raise
    except (ValueError, TypeError) as error:
        raise BackupError(f"The manifest {beside.name} cannot be read: {error}.") from None
    if path.stat().st_size != manifest.size or sha256_of(path) != manifest.sha256:
        raise BackupError(f"The backup {path.name} is corrupted or was changed: its checksum differs from "
                          "the manifest's. Restore another backup.")
    return manifest


def restore(settings: Settings, path: Path, *, anchor: str | None = None,
            say: Callable[[str], None] = lambda _: None) -> Restored:
    """Puts the backup at `path` in place of the (empty, unused) configured store, checked and rebuilt."""
    path = Path(path)
    manifest = read_manifest(path)
    kind = "sqlite" if settings.is_sqlite else "postgres"
    if manifest.store != kind:
        raise BackupError(f"This is a backup of a {manifest.store} store; SENIM_DATABASE_URL names a {kind} one.")
    if manifest.encrypted and not settings.cipher_key:
        raise BackupError("The backup's events are encrypted: set SENIM_CIPHER_KEY to the key the store had "
                          "when the backup was taken.")
    if kind == "sqlite":
        return _restore_sqlite(settings, path, manifest, anchor, say)
    return _restore_postgres(settings, path, manifest, anchor, say)


def _restore_sqlite(settings: Settings, path: Path, manifest: Manifest, anchor, say) -> Restored:
    target = _sqlite_path(settings)
    _refuse_a_live_sqlite_store(target)
    work = target.with_name(target.name + ".restoring")
    for leftover in _sqlite_files(work):
        leftover.unlink(missing_ok=True)
    _private_file(work)
    shutil.copyfile(path, work)
    try:
        _check_sqlite_file(work)
        restored = _check_and_rebuild(_with_path(settings, work), manifest, anchor, say)
        _settle_sqlite(work)
        for stale in _sqlite_files(target):
            stale.unlink(missing_ok=True)
        os.replace(work, target)
        _fsync(target.parent)
        return restored
    finally:
        for leftover in _sqlite_files(work):
            leftover.unlink(missing_ok=True)


def _sqlite_files(database: Path) -> list[Path]:
    return [database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _refuse_a_live_sqlite_store(target: Path) -> None:
    if not target.exists():
        return
    connection = sqlite3.connect(target, timeout=0, isolation_level=None)
    try:
        # Every open connection to a WAL database holds a shared lock: an exclusive one says nobody has it open.
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        try:
            events = _count_if_table(connection, "stored_events")
        finally:
            connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise BackupError(f"The store {target} is in use (a running `senim serve` or worker has it open): "
                              "stop every Senim process before restoring.") from None
        raise BackupError(f"{target} is not a store restore may replace: {error}") from None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{target} is not a store restore may replace: {error}") from None
    finally:
        connection.close()
    if events:
        raise BackupError(f"The store {target} already holds {events} events: restore never overwrites a store "
                          "with events. Restore into a new SENIM_DATABASE_URL, or move that file away first.")


def _count_if_table(connection, table: str) -> int:
    if not connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone():
        return 0
    return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _check_sqlite_file(work: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{work}?mode=ro", uri=True, isolation_level=None)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The backup is not a readable SQLite database: {error}") from None
    if problems != ["ok"]:
        raise BackupError(f"The backup's SQLite file is damaged: {problems[0]}")


def _settle_sqlite(work: Path) -> None:
    """Folds the WAL into the file before it is moved into place: the -wal file stays behind otherwise."""
    _pragma(work, "PRAGMA wal_checkpoint(TRUNCATE)")


def _pragma(database: Path, statement: str) -> None:
    """One PRAGMA on a connection of its own, closed at once (an open one would hold the file)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute(statement)
    finally:
        connection.close()


def _check_and_rebuild(settings: Settings, manifest: Manifest, anchor: str | None, say) -> Restored:
    """On the restored store: the head and chain as the manifest says, erasures again, read models rebuilt."""
    audited = _open_audit(settings)
    try:
        head = audited.store.head()
        if head != manifest.head_position:
            raise BackupError(f"The backup holds events up to position {head}; its manifest says "
                              f"{manifest.head_position}. It is not the backup the manifest describes.")
        verdict = verify(audited, anchor=anchor or manifest.chain_head)
        if verdict.broken:
            raise BackupError(f"The backup's hash chain is broken at {verdict.broken}: its events were changed "
                              "after they were written. Restore another backup.")
        if verdict.head != manifest.chain_head or verdict.head_position != manifest.head_position:
            raise BackupError("The backup's hash chain does not end at the manifest's head "
                              f"({manifest.chain_head} at {manifest.head_position}): the events were changed.")
        if anchor and not verdict.anchor_found:
            raise BackupError(f"The anchor {anchor} is not a link of the backup's hash chain.")
        say(f"hash chain verified: {verdict.verified} links, head {verdict.head or '-'} at {verdict.head_position}")
        erased = reapply_erasures(audited.store)
    finally:
        audited.close()
    rebuilt = _rebuild_read_models(settings)
    return Restored(head_position=head, chain_head=verdict.head, links_verified=verdict.verified,
                    erasures_reapplied=erased, rebuilt=rebuilt)


def reapply_erasures(store) -> int:
    """Destroys the key of every subject the restored log says was erased, if the key is still there."""
    # The subject's id and kind are all it needs: no personal field is opened.
    decode = getattr(store.mapper, "to_domain_event_without_personal_fields", store.mapper.to_domain_event)
    destroyed = 0
    after = 0
    while True:
        page = store.recorder.select_notifications(start=after, limit=1000, topics=[ERASURE_TOPIC],
                                                   inclusive_of_start=False)
        if not page:
            return destroyed
        for notification in page:
            event = decode(notification)
            subject = subject_text(event.subject_id)
            still_there = store.keyring.db.query("SELECT 1 FROM person_keys WHERE subject_id = %s", (subject,))
            if still_there or not store.keyring.is_erased(subject):
                store.keyring.destroy(subject, event.kind)
                destroyed += bool(still_there)
        after = page[-1].id


def _rebuild_read_models(settings: Settings) -> dict[str, int]:
    from intake.bootstrap import bootstrap

    senim = bootstrap(replace(settings, redis_url=None))  # nothing to announce: no process reads it yet
    try:
        # The hash chain was verified as restored; every other read model is made anew from the events.
        return senim.projections.rebuild_together([each for each in senim.projections.registry if each != CHAIN])
    finally:
        senim.close()


def _restore_postgres(settings: Settings, path: Path, manifest: Manifest, anchor, say) -> Restored:
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise BackupError("pg_restore is not on the PATH: install the PostgreSQL client (apt install "
                          "postgresql-client) of the server's major version or newer.")
    env = settings.event_store_env()
    schema = env.get("POSTGRES_SCHEMA") or "public"
    if manifest.schema and manifest.schema != schema:
        raise BackupError(f"The backup is of the schema {manifest.schema!r}; pg_dump restores it under that name. "
                          f"Name it in SENIM_DATABASE_URL (?schema={manifest.schema}) of an empty database.")
    import psycopg
    try:
        with _pg_connect(env) as connection:
            created = _prepare_postgres_target(connection, schema)
        done = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                               f"--dbname={env['POSTGRES_DBNAME']}", str(path)],
                              env={**os.environ, **_pg_client_env(env)}, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:2000]}")
        try:
            return _check_and_rebuild(settings, manifest, anchor, say)
        except BaseException:
            with _pg_connect(env) as connection:  # nothing half-restored stays behind
                _empty_postgres_target(connection, schema, created)
            raise
    except psycopg.Error as error:
        raise BackupError(f"PostgreSQL: {error}") from None


def _prepare_postgres_target(connection, schema: str) -> bool:
    """Refuses a schema that holds anything (events, or the tables a started Senim makes); drops an empty
    one so that pg_restore can create it. True when pg_restore will create the schema."""
    tables = connection.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                (schema,)).fetchall()
    if tables:
        names = {row[0] for row in tables}
        events = (connection.execute(f'SELECT count(*) FROM "{schema}".senim_events').fetchone()[0]
                  if "senim_events" in names else 0)
        if events:
            raise BackupError(f"The schema {schema} already holds {events} events: restore never overwrites a store "
                              "with events. Restore into a new database or schema.")
        raise BackupError(f"The schema {schema} holds {len(names)} tables (a Senim started on it, or something "
                          "else): restore only into an empty schema. Stop every Senim process, drop it, try again.")
    if schema == "public":
        return False
    exists = connection.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
    if exists.fetchone():
        connection.execute(f'DROP SCHEMA "{schema}" RESTRICT')
    return True


def _empty_postgres_target(connection, schema: str, created: bool) -> None:
    if created:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{schema}"')
        return
    for (table,) in connection.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                       (schema,)).fetchall():
        connection.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}" CASCADE')
