"""Appointments: one row per scheduled appointment per psychologist (the claimant and a pair colleague).

A referral's appointment is scheduled, maybe moved, then attended or missed; a follow-up is a new
appointment. Rows are keyed by the AppointmentScheduled event (its referral and version) and the
psychologist, so past appointments stay as they ended while a new one is added:
- AppointmentScheduled while the referral's last appointment is still `scheduled` is a move: the
  old slot's rows are deleted and the new ones written;
- AppointmentAttended / AppointmentMissed set the `scheduled` rows of the referral to attended / missed;
- Cancelled / Completed set its `scheduled` rows (if any) to cancelled.
Times are fixed-width UTC ISO text, so text order is time order.
"""
from datetime import datetime, timedelta
from functools import singledispatchmethod

from domain.clock import utc_text
from domain.referral import Referral
from projections.base import Projection
from projections.db import Tx

COLUMNS = ("appointment_id", "referral_id", "user_id", "username", "starts_at", "ends_at", "format",
           "status", "psychologists", "updated_at")

# What the referral's event makes of its appointment still scheduled, if there is one.
ENDED_AS = {Referral.AppointmentAttended: "attended", Referral.AppointmentMissed: "missed",
            Referral.Cancelled: "cancelled", Referral.Completed: "cancelled"}


class AppointmentsProjection(Projection):
    name = "appointments"
    version = 1
    tables = ("appointments",)

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS appointments (
            appointment_id TEXT NOT NULL, referral_id TEXT NOT NULL, user_id TEXT NOT NULL,
            username TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, format TEXT NOT NULL,
            status TEXT NOT NULL, psychologists TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (appointment_id, user_id))""")
        tx.execute("CREATE INDEX IF NOT EXISTS appointments_by_person ON appointments (user_id, starts_at)")
        tx.execute("CREATE INDEX IF NOT EXISTS appointments_by_referral ON appointments (referral_id, status)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change appointments."""

    @handle.register
    def _(self, event: Referral.AppointmentScheduled, tx: Tx) -> None:
        referral_id = str(event.originator_id)
        # A move: the slot it replaces is gone (for both psychologists of a pair).
        tx.execute("DELETE FROM appointments WHERE referral_id = %s AND status = 'scheduled'", (referral_id,))
        starts_at = event.starts_at
        ends_at = starts_at + timedelta(minutes=event.duration_minutes)
        appointment_id = f"{referral_id}:{event.originator_version}"
        names = ",".join(person["username"] for person in event.psychologists)
        for person in event.psychologists:
            user_id = person.get("user_id") or person["username"]
            tx.insert_new("appointments", COLUMNS,
                          (appointment_id, referral_id, str(user_id), person["username"], utc_text(starts_at),
                           utc_text(ends_at), event.format, "scheduled", names, utc_text(event.at)),
                          key="appointment_id, user_id")

    @handle.register(Referral.AppointmentAttended)
    @handle.register(Referral.AppointmentMissed)
    @handle.register(Referral.Cancelled)
    @handle.register(Referral.Completed)
    def _(self, event, tx: Tx) -> None:
        tx.execute("UPDATE appointments SET status = %s, updated_at = %s WHERE referral_id = %s "
                   "AND status = 'scheduled'", (ENDED_AS[type(event)], utc_text(event.at), str(event.originator_id)))


def _rows(tx: Tx, where: str, params: tuple) -> list[dict]:
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM appointments WHERE {where} "
                      "ORDER BY starts_at, referral_id, username", params).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]


def appointments_of(tx: Tx, *, user_id: str, start: datetime, end: datetime) -> list[dict]:
    """One psychologist's appointments (any status) starting in [start, end), earliest first."""
    return _rows(tx, "user_id = %s AND starts_at >= %s AND starts_at < %s",
                 (str(user_id), utc_text(start), utc_text(end)))


def busy_slots(tx: Tx, *, user_id: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of the psychologist's appointments that are not cancelled and overlap [start, end)."""
    rows = _rows(tx, "user_id = %s AND status IN ('scheduled', 'attended', 'missed') "
                     "AND starts_at < %s AND ends_at > %s", (str(user_id), utc_text(end), utc_text(start)))
    return [(datetime.fromisoformat(row["starts_at"]), datetime.fromisoformat(row["ends_at"])) for row in rows]
