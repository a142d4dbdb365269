"""The referral queue: per target service, the referrals waiting for someone to claim them.

One row per referral that has not ended; the queue is the rows whose status is `open`. A claim
takes a row out of the queue, a release puts it back, an ending (declined, cancelled, completed)
deletes it.

A row keeps when the referral was made and its urgency, not its claim deadline: readers (the queue
and escalation endpoints, the escalation job) compute the deadline at read time with the
configured deadlines (Settings.claim_deadlines via domain.referral.deadline_for). So changing
SENIM_CLAIM_DEADLINES changes the deadlines of the referrals already waiting in the queue too,
just as Referral.claim_deadline does.
"""
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import singledispatchmethod

from domain.clock import as_aware, utc_text
from domain.referral import Referral, deadline_for
from domain.schedule import WorkingDays, add_period
from projections.base import Projection
from projections.db import Tx

# Most urgent first.
URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2}
COLUMNS = ("referral_id", "target", "source", "subject_role", "urgency", "urgency_rank", "status",
           "made_at", "escalated")


class ReferralQueueProjection(Projection):
    name = "referral_queue"
    version = 2  # 2: no stored deadline; readers compute it with the configured deadlines
    tables = ("referral_queue",)

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS referral_queue (
            referral_id TEXT PRIMARY KEY, target TEXT NOT NULL, source TEXT NOT NULL,
            subject_role TEXT NOT NULL, urgency TEXT NOT NULL, urgency_rank INTEGER NOT NULL,
            status TEXT NOT NULL, made_at TEXT NOT NULL,
            escalated INTEGER NOT NULL DEFAULT 0)""")
        tx.execute("CREATE INDEX IF NOT EXISTS referral_queue_order "
                   "ON referral_queue (target, status, urgency_rank, made_at)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change the queue."""

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        tx.insert_new("referral_queue", COLUMNS,
                      (str(event.originator_id), event.target, event.source, event.subject_role, event.urgency,
                       URGENCY_RANK[event.urgency], "open", utc_text(event.at), 0), key="referral_id")

    @handle.register
    def _(self, event: Referral.Claimed, tx: Tx) -> None:
        self.set_status(tx, event, "claimed")

    @handle.register
    def _(self, event: Referral.Released, tx: Tx) -> None:
        self.set_status(tx, event, "open")

    @handle.register
    def _(self, event: Referral.Escalated, tx: Tx) -> None:
        tx.execute("UPDATE referral_queue SET escalated = 1 WHERE referral_id = %s", (str(event.originator_id),))

    @handle.register(Referral.Declined)
    @handle.register(Referral.Cancelled)
    @handle.register(Referral.Completed)
    def _(self, event, tx: Tx) -> None:
        self.remove(tx, event)

    def set_status(self, tx: Tx, event, status: str) -> None:
        tx.execute("UPDATE referral_queue SET status = %s WHERE referral_id = %s",
                   (status, str(event.originator_id)))

    def remove(self, tx: Tx, event) -> None:
        tx.execute("DELETE FROM referral_queue WHERE referral_id = %s", (str(event.originator_id),))


def claim_deadline(row: dict, deadlines: Mapping | None = None) -> datetime:
    """A row's claim deadline under the given (configured) deadlines, computed now, not stored."""
    return add_period(datetime.fromisoformat(row["made_at"]), deadline_for(row["urgency"], deadlines))


def with_deadline(row: dict, deadlines: Mapping | None = None) -> dict:
    return {**row, "deadline": utc_text(claim_deadline(row, deadlines))}


def open_referrals(tx: Tx, *, target: str, deadlines: Mapping | None = None) -> list[dict]:
    """The open referrals to one target: most urgent first, then oldest first; each with its deadline."""
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM referral_queue WHERE target = %s AND status = 'open' "
                      "ORDER BY urgency_rank, made_at, referral_id", (target,)).fetchall()
    return [with_deadline(dict(zip(COLUMNS, row)), deadlines) for row in rows]


def escalated_referrals(tx: Tx, deadlines: Mapping | None = None) -> list[dict]:
    """The open referrals the escalation job flagged, each with its deadline; most overdue first."""
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM referral_queue "
                      "WHERE status = 'open' AND escalated = 1").fetchall()
    found = [with_deadline(dict(zip(COLUMNS, row)), deadlines) for row in rows]
    return sorted(found, key=lambda row: (row["deadline"], row["referral_id"]))


def made_before_cutoff(period: "timedelta | WorkingDays", now: datetime) -> datetime:
    """A referral made at or after this moment cannot be past a deadline of `period` at `now`:
    exact for minutes and hours; for working days a bound (n working days span at least n calendar
    days; a day of slack for a clock change), the exact test follows in Python."""
    if isinstance(period, WorkingDays):
        return as_aware(now) - timedelta(days=max(period.days - 1, 0))
    return as_aware(now) - period


def overdue_unescalated(tx: Tx, now: datetime, limit: int, deadlines: Mapping | None = None) -> list[dict]:
    """Open referrals past their claim deadline at `now` that are not flagged escalated yet, earliest
    deadline first, at most `limit`. Per urgency, the deadline grows with made_at, so the overdue
    rows are the oldest ones: SQL narrows by made_at, Python checks the exact deadline."""
    now = as_aware(now)
    overdue = []
    for urgency in URGENCY_RANK:
        cutoff = made_before_cutoff(deadline_for(urgency, deadlines), now)
        rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM referral_queue WHERE status = 'open' "
                          "AND escalated = 0 AND urgency = %s AND made_at < %s "
                          "ORDER BY made_at, referral_id LIMIT %s", (urgency, utc_text(cutoff), limit)).fetchall()
        for row in rows:
            row = dict(zip(COLUMNS, row))
            if claim_deadline(row, deadlines) < now:
                overdue.append(with_deadline(row, deadlines))
    return sorted(overdue, key=lambda row: (row["deadline"], row["referral_id"]))[:limit]


def claimed_referrals(tx: Tx, *, target: str, limit: int = 500) -> list[str]:
    """Ids of the referrals to one target that someone has claimed and that have not ended,
    most urgent, then oldest, first."""
    rows = tx.execute("SELECT referral_id FROM referral_queue WHERE target = %s AND status = 'claimed' "
                      "ORDER BY urgency_rank, made_at, referral_id LIMIT %s", (target, limit)).fetchall()
    return [row[0] for row in rows]
