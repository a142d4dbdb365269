"""Correctional programme statistics: one fact row per participation, kept current as its events arrive.

Each participation has one row (the local day and month of enrolment, its current status, and how
many sessions were attended and missed so far); a participation is counted once, under its current
status, and its sessions count under the month it was enrolled in.
"""
from datetime import date
from functools import singledispatchmethod

from domain.programme import ProgrammeParticipation
from projections.base import Projection
from projections.db import Tx
from projections.facts import checked_dimensions, create_facts_table, day_and_month, in_range

DIMENSIONS = ("status", "month")
COLUMNS = ("participation_id", "day", "month", "status", "attended", "missed")


class ProgrammeStatsProjection(Projection):
    name = "programme_stats"
    version = 1
    tables = ("programme_facts",)

    def create_tables(self, tx: Tx) -> None:
        create_facts_table(tx, "programme_facts", "participation_id",
                           "status TEXT NOT NULL, attended INTEGER NOT NULL DEFAULT 0, missed INTEGER NOT NULL DEFAULT 0")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change programme statistics."""

    @handle.register
    def _(self, event: ProgrammeParticipation.Enrolled, tx: Tx) -> None:
        tx.insert_new("programme_facts", COLUMNS,
                      (str(event.originator_id), *day_and_month(event.at), "enrolled", 0, 0), key="participation_id")

    @handle.register
    def _(self, event: ProgrammeParticipation.SessionRecorded, tx: Tx) -> None:
        column = "attended" if event.attended else "missed"
        tx.execute(f"UPDATE programme_facts SET {column} = {column} + 1 WHERE participation_id = %s",
                   (str(event.originator_id),))

    @handle.register
    def _(self, event: ProgrammeParticipation.Completed, tx: Tx) -> None:
        tx.execute("UPDATE programme_facts SET status = 'completed' WHERE participation_id = %s",
                   (str(event.originator_id),))

    @handle.register
    def _(self, event: ProgrammeParticipation.DroppedOut, tx: Tx) -> None:
        tx.execute("UPDATE programme_facts SET status = 'dropped_out' WHERE participation_id = %s",
                   (str(event.originator_id),))


def count_participations(tx: Tx, *, date_from: date, date_to: date, group_by: list[str]) -> dict:
    """{"total": N, "sessions_attended": a, "sessions_missed": m, "rows": [{dim: value, …, "count": n,
    "sessions_attended": a, "sessions_missed": m}]} for participations enrolled (local day) in the range."""
    checked_dimensions(group_by, DIMENSIONS)
    where, params = in_range(date_from, date_to)
    sums = "COUNT(*), COALESCE(SUM(attended), 0), COALESCE(SUM(missed), 0)"
    total, attended, missed = tx.execute(f"SELECT {sums} FROM programme_facts WHERE {where}", params).fetchone()
    columns = ", ".join(group_by)
    query = (f"SELECT {columns + ', ' if group_by else ''}{sums} FROM programme_facts WHERE {where}"
             + (f" GROUP BY {columns}" if group_by else ""))
    rows = []
    for row in tx.execute(query, params).fetchall():
        values = dict(zip(group_by, row[:len(group_by)]))
        n, a, m = (int(value) for value in row[len(group_by):])
        if n:
            rows.append(values | {"count": n, "sessions_attended": a, "sessions_missed": m})
    rows.sort(key=lambda r: (-r["count"], [str(r[d]) for d in group_by]))
    return {"total": int(total), "sessions_attended": int(attended), "sessions_missed": int(missed), "rows": rows}


def participations(tx: Tx, *, limit: int = 500) -> list[dict]:
    """Participations for a list: the ongoing ones first, then the latest enrolled first."""
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM programme_facts "
                      "ORDER BY CASE WHEN status = 'enrolled' THEN 0 ELSE 1 END, day DESC, participation_id "
                      "LIMIT %s", (limit,)).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]
