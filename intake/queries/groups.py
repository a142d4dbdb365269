"""Reads of group programmes and trainings: their statistics, the same for the API and the pages."""
from datetime import date

from projections.group_stats import DIMENSIONS, count_groups, parse_age_bands

__all__ = ["DIMENSIONS", "group_counts", "parse_age_bands"]


def group_counts(running, *, date_from: date, date_to: date, group_by: list[str], age_bands: str | None = None,
                 programme=None) -> dict:
    """/api/v1/stats/groups: participants as distinct persons, sessions, hours, completion, trainings."""
    with running.views.transaction(write=False) as tx:
        return count_groups(tx, date_from=date_from, date_to=date_to, group_by=group_by,
                            age_bands=parse_age_bands(age_bands),
                            programme=str(programme) if programme is not None else None)
