"""Connections to the read-model tables, which live beside the events (same SQLite file or PostgreSQL schema).

SQL is written once with %s placeholders; for SQLite they become ?. Both dialects share
INSERT … ON CONFLICT … DO UPDATE, which is all the projections need.
"""
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_WRITE_GATES: dict[str, threading.RLock] = {}
_WRITE_GATES_GUARD = threading.Lock()


def sqlite_write_gate(path: str) -> threading.RLock:
    """The one lock every writer of this SQLite file in this process takes before writing.

    SQLite lets one transaction write at a time; left to itself, every other writer polls with
    growing sleeps (its busy handler), so under load some wait for tens of seconds and time out
    ("database is locked"). Queueing in the process instead hands the file over at once, in turn,
    and the busy timeout is left only for other processes (the `senim` command).
    """
    key = os.path.realpath(path) if path != ":memory:" else path
    with _WRITE_GATES_GUARD:
        return _WRITE_GATES.setdefault(key, threading.RLock())



class Tx:
    """One transaction: execute, executemany, fetch; commit or roll back as a whole."""

    _merges = 0  # names each staging table uniquely, even when one transaction merges twice

    def __init__(self, connection, dialect: str):
        self.connection = connection
        self.dialect = dialect
        self.cursor = connection.cursor()

    def _sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self.dialect == "sqlite" else statement

    def execute(self, statement: str, params=()) -> "Tx":
        self.cursor.execute(self._sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows) -> None:
        rows = list(rows)
        if rows:
            self.cursor.executemany(self._sql(statement), rows)

    def insert_new(self, table: str, columns: tuple[str, ...], row: tuple, key: str) -> None:
        """One row, unless a row with its key is there already (a replayed event adds nothing)."""
        self.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                     f"ON CONFLICT ({key}) DO NOTHING", row)

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Many new rows at once: COPY on PostgreSQL (a rebuild writes a million of them)."""
        if not rows:
            return
        if self.dialect == "sqlite":
            self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                             f"VALUES ({', '.join(['%s'] * len(columns))})", rows)
            return
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def merge_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple], key: tuple[str, ...],
                   update: str) -> None:
        """Inserts rows; where the key exists already, applies `update` (SQL that may use excluded.*).

        On PostgreSQL the rows are copied into a temporary table and merged in one statement, in key
        order, so concurrent writers take row locks in the same order and cannot deadlock.
        """
        if not rows:
            return
        conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}"
        if self.dialect == "sqlite":
            self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                             f"VALUES ({', '.join(['%s'] * len(columns))}) {conflict}", sorted(rows))
            return
        Tx._merges += 1
        staging = f"merge_{table}_{Tx._merges}"
        self.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {table}) ON COMMIT DROP")
        self.insert_rows(staging, columns, rows)
        self.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {staging} "
                     f"ORDER BY {', '.join(key)} {conflict}")

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.cursor.fetchall()]

    def fetchone(self) -> tuple | None:
        row = self.cursor.fetchone()
        return tuple(row) if row is not None else None

    def scalar(self, statement: str, params=(), default=None):
        row = self.execute(statement, params).fetchone()
        return default if row is None or row[0] is None else row[0]

    def has_table(self, name: str) -> bool:
        """Whether the table exists (in the schema the connection works in), without locking anything."""
        if self.dialect == "sqlite":
            return self.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", (name,)) is not None
        return bool(self.scalar("SELECT to_regclass(%s) IS NOT NULL", (name,)))


class ViewDatabase:
    """A small pool of connections for projections and their readers."""

    def __init__(self, env: dict[str, str], size: int = 4):
        """env: the event store's settings (PERSISTENCE_MODULE, SQLITE_DBNAME or POSTGRES_*)."""
        self.dialect = "sqlite" if env["PERSISTENCE_MODULE"].endswith("sqlite") else "postgres"
        self._env = env
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._size = size
        self._local_locks: dict[str, threading.Lock] = {}
        self._local_locks_guard = threading.Lock()
        self.schema = env.get("POSTGRES_SCHEMA") or "public"

    def _connect(self):
        if self.dialect == "sqlite":
            connection = sqlite3.connect(self._env["SQLITE_DBNAME"], timeout=30, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            return connection
        import psycopg

        env = self._env
        return psycopg.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            options=f"-c search_path={self.schema}", autocommit=True,
        )

    @contextmanager
    def _connection(self) -> Iterator:
        try:
            connection = self._pool.get_nowait()
        except queue.Empty:
            connection = self._connect()
        healthy = True
        try:
            yield connection
        except BaseException:
            healthy = self._still_usable(connection)
            raise
        finally:
            if healthy and self._pool.qsize() < self._size:
                self._pool.put(connection)
            else:
                connection.close()

    def _still_usable(self, connection) -> bool:
        if self.dialect == "sqlite":
            return True
        return not connection.closed and not connection.broken

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """All or nothing. A SQLite write transaction queues for the file in this process (the write gate),
        then takes SQLite's write lock up front (BEGIN IMMEDIATE)."""
        if self.dialect == "sqlite" and write:
            with sqlite_write_gate(self._env["SQLITE_DBNAME"]), self._sqlite_transaction("BEGIN IMMEDIATE") as tx:
                yield tx
            return
        if self.dialect == "sqlite":
            with self._sqlite_transaction("BEGIN") as tx:
                yield tx
            return
        with self._connection() as connection, connection.transaction():
            yield Tx(connection, self.dialect)

    @contextmanager
    def _sqlite_transaction(self, begin: str) -> Iterator[Tx]:
        with self._connection() as connection:
            connection.execute(begin)
            tx = Tx(connection, self.dialect)
            try:
                yield tx
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Held while a process creates tables: processes starting at once on a fresh PostgreSQL
        schema would otherwise race in CREATE TABLE / CREATE FUNCTION ("tuple concurrently updated")."""
        if self.dialect == "sqlite":
            yield
            return
        connection = self._connect()
        try:
            key = f"senim-setup:{self.schema}"
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
        finally:
            connection.close()

    @contextmanager
    def named_locks(self, names) -> Iterator[None]:
        """Mutual exclusion for the given names (say, one psychologist's calendar) across threads and,
        on PostgreSQL, across processes: a check and the write that relies on it become one step."""
        names = sorted(set(names))  # one order everywhere: two holders can never wait on each other
        if self.dialect == "sqlite":  # the embedded default is one process: thread locks suffice
            with self._local_locks_guard:
                locks = [self._local_locks.setdefault(name, threading.Lock()) for name in names]
            for lock in locks:
                lock.acquire()
            try:
                yield
            finally:
                for lock in reversed(locks):
                    lock.release()
            return
        connection = self._connect()  # a session of its own: its advisory locks end with it
        try:
            for name in names:
                connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
            yield
        finally:
            connection.close()

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return
