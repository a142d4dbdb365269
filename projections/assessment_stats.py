"""Assessment statistics: one fact row per assessment (its local day and month, instrument, current
level and subject's role), so reports can count victim-risk levels and aggressor statuses by period.

A level override updates the row in place, so an assessment is counted once, under the level it
stands at now (the assessor's or a supervisor's judgement over the computed score). Rows are few
(one per assessment), so a count is a GROUP BY over the rows of the range, found by the day index.
"""
from collections import Counter
from datetime import date
from functools import singledispatchmethod

from domain.assessment import Assessment
from domain.clock import local
from projections.base import Projection
from projections.db import Tx

DIMENSIONS = ("instrument", "level", "month", "day", "subject_role")
COLUMNS = ("assessment_id", "day", "month", "instrument", "level", "subject_role")


class AssessmentStatsProjection(Projection):
    name = "assessment_stats"
    version = 1
    tables = ("assessment_facts",)

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS assessment_facts (
            assessment_id TEXT PRIMARY KEY, day TEXT NOT NULL, month TEXT NOT NULL, instrument TEXT NOT NULL,
            level TEXT NOT NULL, subject_role TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS assessment_facts_by_day ON assessment_facts (day)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change assessment statistics."""

    @handle.register
    def _(self, event: Assessment.Recorded, tx: Tx) -> None:
        assessed = local(event.timestamp)
        tx.execute(f"INSERT INTO assessment_facts ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (assessment_id) DO NOTHING",
                   (str(event.originator_id), assessed.date().isoformat(), assessed.strftime("%Y-%m"),
                    event.instrument, event.result["level"], event.subject_role or ""))

    @handle.register
    def _(self, event: Assessment.LevelOverridden, tx: Tx) -> None:
        tx.execute("UPDATE assessment_facts SET level = %s WHERE assessment_id = %s",
                   (event.level, str(event.originator_id)))


def count_assessments(tx: Tx, *, date_from: date, date_to: date, group_by: list[str],
                      instrument: str | None = None) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]} for assessments made (local day) in the range."""
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:  # callers validate first; the column names below come only from DIMENSIONS
        raise ValueError(f"Unknown dimensions: {unknown}")
    where, params = "day >= %s AND day <= %s", [date_from.isoformat(), date_to.isoformat()]
    if instrument:
        where += " AND instrument = %s"
        params.append(instrument)
    total = int(tx.scalar(f"SELECT COUNT(*) FROM assessment_facts WHERE {where}", params, 0) or 0)
    counts: Counter = Counter()
    if not group_by:
        counts[()] = total
    else:
        columns = ", ".join(group_by)
        for row in tx.execute(f"SELECT {columns}, COUNT(*) FROM assessment_facts WHERE {where} "
                              f"GROUP BY {columns}", params).fetchall():
            counts[tuple(row[:-1])] += int(row[-1])
    rows = [dict(zip(group_by, key)) | {"count": n} for key, n in counts.items() if n]
    return {"total": total, "rows": sorted(rows, key=lambda r: (-r["count"], [str(r[d]) for d in group_by]))}
