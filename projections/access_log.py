"""The access log: one row per noted read, for supervisors auditing who looked at which record.

Each row says whether the read was allowed or refused (403); entries of batches written before
outcomes were noted carry none, and read as "allowed": only reads let through were noted then.

Rows are keyed by (position, seq): the log position of the AccessBatch event and the entry's place
in it. Newest first means most recently written first; `at` is the read's own time, which can be up
to a flush interval earlier than that of an entry another process wrote just before.
Rows of a batch are gathered in memory and copied in at the end of the batch (a rebuild reads
millions of them); the tracking row makes that exactly once.
"""
from functools import singledispatchmethod

from domain.access import ALLOWED, OUTCOMES, AccessBatch
from projections.base import Projection
from projections.db import Tx

COLUMNS = ("position", "seq", "record_id", "kind", "user_id", "username", "role", "at", "remote_addr", "outcome")


class AccessLogProjection(Projection):
    name = "access_log"
    version = 2  # 2: the outcome of each read (allowed or refused)
    tables = ("access_log",)

    def __init__(self) -> None:
        self._rows: list[tuple] = []

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS access_log (
            position BIGINT NOT NULL, seq INTEGER NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL,
            user_id TEXT, username TEXT NOT NULL, role TEXT NOT NULL, at TEXT NOT NULL, remote_addr TEXT,
            outcome TEXT NOT NULL DEFAULT 'allowed', PRIMARY KEY (position, seq))""")
        # Newest first within one record's or one user's reads, straight from the index.
        tx.execute("CREATE INDEX IF NOT EXISTS access_log_record ON access_log (record_id, position, seq)")
        tx.execute("CREATE INDEX IF NOT EXISTS access_log_user ON access_log (user_id, position, seq)")
        # Refusals are few among millions of reads: their own small index lists them newest first.
        tx.execute("CREATE INDEX IF NOT EXISTS access_log_refused ON access_log (position, seq) "
                   "WHERE outcome = 'refused'")

    def start_batch(self, tx: Tx) -> None:
        self._rows = []

    def finish_batch(self, tx: Tx) -> None:
        tx.insert_rows("access_log", COLUMNS, self._rows)
        self._rows = []

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events are not reads."""

    @handle.register
    def _(self, event: AccessBatch.Recorded, tx: Tx) -> None:
        position = self.current_position
        self._rows.extend(
            (position, seq, entry["record_id"], entry["kind"], entry.get("user_id"), entry["username"],
             entry["role"], entry["at"], entry.get("remote_addr"), entry.get("outcome") or ALLOWED)
            for seq, entry in enumerate(event.entries))


def access_rows(tx: Tx, *, record_id: str | None = None, user_id: str | None = None, kind: str | None = None,
                outcome: str | None = None, at_from: str | None = None, at_to: str | None = None,
                before: tuple[int, int] | None = None, limit: int = 100) -> list[dict]:
    """Entries matching every filter given, newest first; `before` = (position, seq) of the last one seen.
    at_from is inclusive, at_to exclusive (UTC ISO text, microseconds)."""
    where, params = [], []
    for column, value in (("record_id", record_id), ("user_id", user_id), ("kind", kind)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if outcome is not None:
        # Written out, not bound: SQLite uses the partial index of refusals only for a literal term.
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        where.append(f"outcome = '{outcome}'")
    if at_from is not None:
        where.append("at >= %s")
        params.append(at_from)
    if at_to is not None:
        where.append("at < %s")
        params.append(at_to)
    if before is not None:
        where.append("(position < %s OR (position = %s AND seq < %s))")
        params.extend((before[0], before[0], before[1]))
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM access_log {condition} "
                      "ORDER BY position DESC, seq DESC LIMIT %s", (*params, limit)).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]
