"""The library's event recorders, with two things Senim needs in the events' own transaction.

- An Idempotency-Key (intake/adapters/idempotency.py) is written with the events of the write it answers.
- On SQLite, every insert queues at the file's in-process write gate (projections/db.py), as the
  projections and the keyring do, so writers are served in turn instead of polling SQLite's lock.
"""
import time
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from intake.adapters.idempotency import (
    COLUMNS,
    CREATE_INDEX,
    CREATE_TABLE,
    KEEP_SECONDS,
    TABLE,
    Claim,
    Recorded,
    recorded_from,
)
from projections.db import sqlite_write_gate

# Request threads that wait for the gate hold no pooled connection; those reading need one only
# briefly. The library's defaults (15 connections, 5 s) answered "pool exhausted" under load.
SQLITE_POOL_OVERFLOW = 64
SQLITE_POOL_TIMEOUT = 60.0


class SenimSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        pool = datastore.pool
        pool.max_overflow = max(pool.max_overflow, SQLITE_POOL_OVERFLOW)
        pool.pool_timeout = max(pool.pool_timeout, SQLITE_POOL_TIMEOUT)
        self.gate = sqlite_write_gate(pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                CREATE_TABLE.format(table=TABLE), CREATE_INDEX.format(table=TABLE)]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.gate:
            return super().insert_events(stored_events, **kwargs)

    def _insert_events(self, c, stored_events: Sequence[StoredEvent], *, idempotency: Claim | None = None,
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if idempotency is not None and ids:
            c.execute(f"DELETE FROM {TABLE} WHERE created_at < ?", (time.time() - KEEP_SECONDS,))
            c.execute(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                      _row(idempotency, stored_events, position=max(ids)))
        return ids

    def find_claim(self, scope: str) -> Recorded | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT fingerprint, position, aggregate_id, status, body FROM {TABLE} "
                      "WHERE scope = ?", (scope,))
            return recorded_from(c.fetchone())

    def answer_claim(self, scope: str, status: int, body: str) -> None:
        with self.gate, self.datastore.transaction(commit=True) as c:
            c.execute(f"UPDATE {TABLE} SET status = ?, body = ? WHERE scope = ?", (status, body, scope))


class SenimPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self._table = SQL("{schema}.{table}").format(schema=Identifier(self.datastore.schema),
                                                     table=Identifier(TABLE))
        self.sql_create_statements.append(SQL(CREATE_TABLE).format(table=self._table))
        self.sql_create_statements.append(SQL(CREATE_INDEX).format(table=self._table))

    def _insert_events(self, curs, stored_events: Sequence[StoredEvent], *, idempotency: Claim | None = None,
                       **kwargs: Any) -> None:
        # Before the events (and their table lock): a duplicate key waits here for the first
        # transaction that holds it and fails once that commits, rolling back its own events.
        super()._insert_events(curs, stored_events, **kwargs)
        if idempotency is not None and stored_events:
            curs.execute(SQL("DELETE FROM {table} WHERE created_at < %s").format(table=self._table),
                         (time.time() - KEEP_SECONDS,))
            curs.execute(SQL(f"INSERT INTO {{table}} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s)")
                         .format(table=self._table), _row(idempotency, stored_events, position=None))

    def _fetch_ids_after_insert_events(self, curs, stored_events: Sequence[StoredEvent], *,
                                       idempotency: Claim | None = None, **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if idempotency is not None and ids:
            curs.execute(SQL("UPDATE {table} SET position = %s WHERE scope = %s").format(table=self._table),
                         (max(ids), idempotency.scope))
        return ids

    def find_claim(self, scope: str) -> Recorded | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT fingerprint, position, aggregate_id, status, body FROM {table} "
                             "WHERE scope = %s").format(table=self._table), (scope,))
            row = curs.fetchone()
        return recorded_from(None if row is None else (
            row["fingerprint"], row["position"], row["aggregate_id"], row["status"], row["body"]))

    def answer_claim(self, scope: str, status: int, body: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("UPDATE {table} SET status = %s, body = %s WHERE scope = %s").format(table=self._table),
                         (status, body, scope))


def _row(claim: Claim, stored_events: Sequence[StoredEvent], *, position: int | None) -> tuple:
    """The key's row; the first event's aggregate is the record the write created or changed."""
    return (claim.scope, claim.fingerprint, position, str(stored_events[0].originator_id), claim.created_at)


def topic_for(persistence_module: str | None) -> str | None:
    if persistence_module == "eventsourcing.sqlite":
        return f"{__name__}:SenimSQLiteRecorder"
    if persistence_module == "eventsourcing.postgres":
        return f"{__name__}:SenimPostgresRecorder"
    return None
