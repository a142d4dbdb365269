"""Referral statistics: one fact row per referral, kept current as its events arrive.

Each referral has one row (source, target, current status, urgency, the local day and month it
was made, the subject's role); every status change updates that row in place, so a referral is
counted once, under its current status. Rows per referral are few (a helpline makes thousands a
year, not millions), so a count is a GROUP BY over the rows made in the range, found by the
index on the made day.
"""
from datetime import date
from functools import singledispatchmethod

from domain.referral import Referral
from projections.base import Projection
from projections.db import Tx
from projections.facts import count_facts, create_facts_table, day_and_month

DIMENSIONS = ("source", "target", "status", "urgency", "month", "subject_role")
COLUMNS = ("referral_id", "day", "month", "source", "target", "status", "urgency", "subject_role", "escalated")

# The status each event leaves the referral in.
STATUS_AFTER = {
    Referral.Claimed: "claimed",
    Referral.Released: "open",
    Referral.Declined: "declined",
    Referral.AppointmentScheduled: "scheduled",
    Referral.AppointmentAttended: "attended",
    Referral.AppointmentMissed: "missed",
    Referral.Completed: "completed",
    Referral.Cancelled: "cancelled",
}


class ReferralStatsProjection(Projection):
    name = "referral_stats"
    version = 1
    tables = ("referral_facts",)

    def create_tables(self, tx: Tx) -> None:
        create_facts_table(tx, "referral_facts", "referral_id",
                           "source TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL, urgency TEXT NOT NULL, "
                           "subject_role TEXT NOT NULL, escalated INTEGER NOT NULL DEFAULT 0")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change referral statistics."""

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        tx.insert_new("referral_facts", COLUMNS,
                      (str(event.originator_id), *day_and_month(event.at), event.source, event.target, "open",
                       event.urgency, event.subject_role, 0), key="referral_id")

    @handle.register(Referral.Claimed)
    @handle.register(Referral.Released)
    @handle.register(Referral.Declined)
    @handle.register(Referral.AppointmentScheduled)
    @handle.register(Referral.AppointmentAttended)
    @handle.register(Referral.AppointmentMissed)
    @handle.register(Referral.Completed)
    @handle.register(Referral.Cancelled)
    def _(self, event, tx: Tx) -> None:
        tx.execute("UPDATE referral_facts SET status = %s WHERE referral_id = %s",
                   (STATUS_AFTER[type(event)], str(event.originator_id)))

    @handle.register
    def _(self, event: Referral.Escalated, tx: Tx) -> None:
        tx.execute("UPDATE referral_facts SET escalated = 1 WHERE referral_id = %s", (str(event.originator_id),))


def count_referrals(tx: Tx, *, date_from: date, date_to: date, group_by: list[str]) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]} for referrals made (local day) in the range."""
    return count_facts(tx, "referral_facts", DIMENSIONS, date_from=date_from, date_to=date_to, group_by=group_by)
