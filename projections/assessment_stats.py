"""Assessment statistics: one fact row per assessment (its local day and month, instrument, current
level and subject's role), so reports can count victim-risk levels and aggressor statuses by period.

A level override updates the row in place, so an assessment is counted once, under the level it
stands at now (the assessor's or a supervisor's judgement over the computed score). Rows are few
(one per assessment), so a count is a GROUP BY over the rows of the range, found by the day index.
"""
from datetime import date
from functools import singledispatchmethod

from domain.assessment import Assessment
from projections.base import Projection
from projections.db import Tx
from projections.facts import count_facts, create_facts_table, day_and_month

DIMENSIONS = ("instrument", "level", "month", "day", "subject_role")
COLUMNS = ("assessment_id", "day", "month", "instrument", "level", "subject_role")


class AssessmentStatsProjection(Projection):
    name = "assessment_stats"
    version = 1
    tables = ("assessment_facts",)

    def create_tables(self, tx: Tx) -> None:
        create_facts_table(tx, "assessment_facts", "assessment_id",
                           "instrument TEXT NOT NULL, level TEXT NOT NULL, subject_role TEXT NOT NULL")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change assessment statistics."""

    @handle.register
    def _(self, event: Assessment.Recorded, tx: Tx) -> None:
        tx.insert_new("assessment_facts", COLUMNS,
                      (str(event.originator_id), *day_and_month(event.timestamp), event.instrument,
                       event.result["level"], event.subject_role or ""), key="assessment_id")

    @handle.register
    def _(self, event: Assessment.LevelOverridden, tx: Tx) -> None:
        tx.execute("UPDATE assessment_facts SET level = %s WHERE assessment_id = %s",
                   (event.level, str(event.originator_id)))


def count_assessments(tx: Tx, *, date_from: date, date_to: date, group_by: list[str],
                      instrument: str | None = None) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]} for assessments made (local day) in the range."""
    return count_facts(tx, "assessment_facts", DIMENSIONS, date_from=date_from, date_to=date_to,
                       group_by=group_by, where=" AND instrument = %s" if instrument else "",
                       params=(instrument,) if instrument else ())
