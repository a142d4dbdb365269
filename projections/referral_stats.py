"""Referral statistics: one fact row per referral, kept current as its events arrive.

Each referral has one row (source, target, current status, urgency, the local day and month it
was made, the subject's role); every status change updates that row in place, so a referral is
counted once, under its current status. Rows per referral are few (a helpline makes thousands a
year, not millions), so a count is a GROUP BY over the rows made in the range, found by the
index on the made day.
"""
from collections import Counter
from datetime import date
from functools import singledispatchmethod

from domain.clock import local
from domain.referral import Referral
from projections.base import Projection
from projections.db import Tx

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
        tx.execute("""CREATE TABLE IF NOT EXISTS referral_facts (
            referral_id TEXT PRIMARY KEY, day TEXT NOT NULL, month TEXT NOT NULL, source TEXT NOT NULL,
            target TEXT NOT NULL, status TEXT NOT NULL, urgency TEXT NOT NULL, subject_role TEXT NOT NULL,
            escalated INTEGER NOT NULL DEFAULT 0)""")
        tx.execute("CREATE INDEX IF NOT EXISTS referral_facts_by_day ON referral_facts (day)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change referral statistics."""

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        made = local(event.at)
        tx.execute(f"INSERT INTO referral_facts ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (referral_id) DO NOTHING",
                   (str(event.originator_id), made.date().isoformat(), made.strftime("%Y-%m"), event.source,
                    event.target, "open", event.urgency, event.subject_role, 0))

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
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:  # the API validates first; the column names below come only from DIMENSIONS
        raise ValueError(f"Unknown dimensions: {unknown}")
    where, params = "day >= %s AND day <= %s", [date_from.isoformat(), date_to.isoformat()]
    total = int(tx.scalar(f"SELECT COUNT(*) FROM referral_facts WHERE {where}", params, 0) or 0)
    counts: Counter = Counter()
    if not group_by:
        counts[()] = total
    else:
        columns = ", ".join(group_by)
        for row in tx.execute(f"SELECT {columns}, COUNT(*) FROM referral_facts WHERE {where} GROUP BY {columns}",
                              params).fetchall():
            counts[tuple(row[:-1])] += int(row[-1])
    rows = [dict(zip(group_by, key)) | {"count": n} for key, n in counts.items() if n]
    return {"total": total, "rows": sorted(rows, key=lambda r: (-r["count"], [(r[d] is None, str(r[d]))
                                                                            for d in group_by]))}
