"""The referral queue: per target service, the referrals waiting for someone to claim them.

One row per referral that has not ended; the queue is the rows whose status is `open`. A claim
takes a row out of the queue, a release puts it back, an ending (declined, cancelled, completed)
deletes it. The claim deadline is fixed when the referral is made (domain.referral.deadline_for,
from the moment it was made); the time left is computed by the reader, at read time.
"""
from datetime import datetime, timezone
from functools import singledispatchmethod

from domain.clock import as_aware
from domain.referral import Referral, deadline_for
from domain.schedule import add_period
from projections.base import Projection
from projections.db import Tx

# Most urgent first.
URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2}
COLUMNS = ("referral_id", "target", "source", "subject_role", "urgency", "urgency_rank", "status",
           "made_at", "deadline", "escalated")


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so the text order is the time order."""
    return as_aware(moment).astimezone(timezone.utc).isoformat(timespec="microseconds")


class ReferralQueueProjection(Projection):
    name = "referral_queue"
    version = 1
    tables = ("referral_queue",)

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS referral_queue (
            referral_id TEXT PRIMARY KEY, target TEXT NOT NULL, source TEXT NOT NULL,
            subject_role TEXT NOT NULL, urgency TEXT NOT NULL, urgency_rank INTEGER NOT NULL,
            status TEXT NOT NULL, made_at TEXT NOT NULL, deadline TEXT NOT NULL,
            escalated INTEGER NOT NULL DEFAULT 0)""")
        tx.execute("CREATE INDEX IF NOT EXISTS referral_queue_order "
                   "ON referral_queue (target, status, urgency_rank, made_at)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change the queue."""

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        deadline = add_period(event.at, deadline_for(event.urgency))
        tx.execute(f"INSERT INTO referral_queue ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) ON CONFLICT (referral_id) DO NOTHING",
                   (str(event.originator_id), event.target, event.source, event.subject_role, event.urgency,
                    URGENCY_RANK[event.urgency], "open", utc_text(event.at), utc_text(deadline), 0))

    @handle.register
    def _(self, event: Referral.Claimed, tx: Tx) -> None:
        self.set_status(tx, event, "claimed")

    @handle.register
    def _(self, event: Referral.Released, tx: Tx) -> None:
        self.set_status(tx, event, "open")

    @handle.register
    def _(self, event: Referral.Escalated, tx: Tx) -> None:
        tx.execute("UPDATE referral_queue SET escalated = 1 WHERE referral_id = %s", (str(event.originator_id),))

    @handle.register
    def _(self, event: Referral.Declined, tx: Tx) -> None:
        self.remove(tx, event)

    @handle.register
    def _(self, event: Referral.Cancelled, tx: Tx) -> None:
        self.remove(tx, event)

    @handle.register
    def _(self, event: Referral.Completed, tx: Tx) -> None:
        self.remove(tx, event)

    def set_status(self, tx: Tx, event, status: str) -> None:
        tx.execute("UPDATE referral_queue SET status = %s WHERE referral_id = %s",
                   (status, str(event.originator_id)))

    def remove(self, tx: Tx, event) -> None:
        tx.execute("DELETE FROM referral_queue WHERE referral_id = %s", (str(event.originator_id),))


def open_referrals(tx: Tx, *, target: str) -> list[dict]:
    """The open referrals to one target: most urgent first, then oldest first."""
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM referral_queue WHERE target = %s AND status = 'open' "
                      "ORDER BY urgency_rank, made_at, referral_id", (target,)).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]
