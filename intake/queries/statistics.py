"""Statistics for funders and ministries, from the pre-aggregated projections: the counts the API
answers (/api/v1/stats/…) and the supervisors' dashboard and monthly report draw, from the same
functions, so a page and the API agree for the same range.

Every count runs inside a read transaction of the views (reading()), so a page drawing many counts
sees one consistent state.
"""
from contextlib import contextmanager
from datetime import date, datetime

from projections.assessment_stats import DIMENSIONS as ASSESSMENT_DIMENSIONS, count_assessments
from projections.contact_stats import DIMENSIONS as CONTACT_DIMENSIONS, count_contacts
from projections.programme_stats import DIMENSIONS as PROGRAMME_DIMENSIONS, count_participations
from projections.referral_queue import escalated_referrals
from projections.referral_stats import DIMENSIONS as REFERRAL_DIMENSIONS, count_referrals

__all__ = [
    "ASSESSMENT_DIMENSIONS",
    "CONTACT_DIMENSIONS",
    "PROGRAMME_DIMENSIONS",
    "REFERRAL_DIMENSIONS",
    "assessments",
    "contacts",
    "escalations",
    "participations",
    "reading",
    "referrals",
]


@contextmanager
def reading(running):
    """A read transaction of the views for one or more counts."""
    with running.views.transaction(write=False) as tx:
        yield tx


def contacts(tx, *, date_from: date, date_to: date, group_by: list[str], consented_only: bool = False,
             service: str | None = None, channel: str | None = None) -> dict:
    """{"total": N, "rows": [{dimension: code, …, "count": n}]}: contacts by their local start day, as
    /api/v1/stats/contacts answers. A channel is applied by grouping by channel too and keeping that
    channel's rows (the projection has no channel filter)."""
    def count(dimensions):
        return count_contacts(tx, date_from=date_from, date_to=date_to, group_by=dimensions,
                              consented_only=consented_only, service=service)

    if not channel:
        return count(group_by)
    result = count(group_by if "channel" in group_by else ["channel"] + group_by)
    rows = [{key: value for key, value in row.items() if key != "channel" or "channel" in group_by}
            for row in result["rows"] if row["channel"] == channel]
    if "category" in group_by:  # several rows per contact: the channel's own total
        total = next((row["count"] for row in count(["channel"])["rows"] if row["channel"] == channel), 0)
    else:
        total = sum(row["count"] for row in rows)
    return {"total": total, "rows": rows}


def referrals(tx, *, date_from: date, date_to: date, group_by: list[str]) -> dict:
    """Referrals by their local made day, each under its current status."""
    return count_referrals(tx, date_from=date_from, date_to=date_to, group_by=group_by)


def assessments(tx, *, date_from: date, date_to: date, group_by: list[str], instrument: str | None = None) -> dict:
    """Assessments by the local day they were made, each under its current level (after any override)."""
    return count_assessments(tx, date_from=date_from, date_to=date_to, group_by=group_by, instrument=instrument)


def participations(tx, *, date_from: date, date_to: date, group_by: list[str]) -> dict:
    """Programme participations by month of enrolment, with the sessions attended and missed."""
    return count_participations(tx, date_from=date_from, date_to=date_to, group_by=group_by)


def escalations(tx, deadlines) -> list[dict]:
    """Referrals the escalation job flagged that still wait to be claimed, most overdue first; times as text."""
    return escalated_referrals(tx, deadlines)


def escalations_with_times(tx, deadlines) -> list[dict]:
    """escalations(), with made_at and deadline as datetimes."""
    return [{**row, "made_at": datetime.fromisoformat(row["made_at"]),
             "deadline": datetime.fromisoformat(row["deadline"])} for row in escalations(tx, deadlines)]
