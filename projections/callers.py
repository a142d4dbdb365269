"""Repeat callers: which contacts came from the same phone number, known only by its keyed hash.

Two tables:
- callers: one row per contact (contact_id, phone_hash, person_id, recorded_by, started_at).
  phone_hash is the HMAC-SHA256 of the normalised number (intake/adapters/keyring.py); the number itself is
  never here. A contact without a number has a row with phone_hash NULL, so a correction that adds
  one finds the rest of the row.
- caller_referrals: the referrals made from a contact that have not ended (referral_id, contact_id,
  target, status, urgency); an ending (completed, declined, cancelled) deletes the row.

This is the one projection that reads a personal field (the hash is sealed in the events with the
caller's key). When a person is erased (Erasure.Performed) their rows go, so their number is not
recognised any more; on SQLite the deleting connection zeroes what it frees.
"""
from functools import singledispatchmethod

from domain.clock import as_aware
from domain.contact import Contact
from domain.erasure import Erasure
from domain.ids import id_text
from domain.referral import Referral
from projections.base import Projection
from projections.db import Tx

CALLER_COLUMNS = ("contact_id", "phone_hash", "person_id", "recorded_by", "started_at")
REFERRAL_COLUMNS = ("referral_id", "contact_id", "target", "status", "urgency")


class CallersProjection(Projection):
    name = "callers"
    version = 1
    tables = ("callers", "caller_referrals")
    reads_personal_fields = True  # the phone hash, and nothing else is kept

    def __init__(self) -> None:
        self._rows: dict[str, dict] = {}

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS callers (
            contact_id TEXT PRIMARY KEY, phone_hash TEXT, person_id TEXT, recorded_by TEXT,
            started_at TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS callers_by_phone ON callers (phone_hash, started_at)")
        tx.execute("CREATE INDEX IF NOT EXISTS callers_by_person ON callers (person_id)")
        tx.execute("""CREATE TABLE IF NOT EXISTS caller_referrals (
            referral_id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, target TEXT NOT NULL,
            status TEXT NOT NULL, urgency TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS caller_referrals_by_contact ON caller_referrals (contact_id)")

    def start_batch(self, tx: Tx) -> None:
        self._rows = {}

    def finish_batch(self, tx: Tx) -> None:
        rows = [tuple(row[column] for column in CALLER_COLUMNS) for row in self._rows.values()]
        tx.merge_rows("callers", CALLER_COLUMNS, rows, key=("contact_id",),
                      update=", ".join(f"{c} = excluded.{c}" for c in CALLER_COLUMNS[1:]))
        self._rows = {}

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change the callers."""

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        caller = event.caller or {}
        self._rows[str(event.originator_id)] = {
            "contact_id": str(event.originator_id), "phone_hash": caller.get("phone_hash"),
            "person_id": id_text(caller.get("person_id")), "recorded_by": event.actor.get("user_id"),
            "started_at": as_aware(event.started_at).isoformat(),
        }

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        caller = event.changes.get("caller") or {}
        changes = {}
        if "phone_hash" in caller or "phone" in caller:
            changes["phone_hash"] = caller.get("phone_hash")
        if "started_at" in event.changes:
            changes["started_at"] = as_aware(event.changes["started_at"]).isoformat()
        subject_id = getattr(event, "subject_id", None)
        if subject_id is not None:
            changes["person_id"] = str(subject_id)
        if not changes:
            return
        contact_id = str(event.originator_id)
        row = self._rows.get(contact_id) or self._load(tx, contact_id)
        if row is None:
            return  # a contact the log never recorded
        row.update(changes)
        self._rows[contact_id] = row

    @handle.register
    def _(self, event: Erasure.Performed, tx: Tx) -> None:
        subject = str(event.subject_id)
        if tx.dialect == "sqlite":
            tx.execute("PRAGMA secure_delete = ON")
        for contact_id, row in list(self._rows.items()):
            if row["person_id"] == subject:
                del self._rows[contact_id]
        tx.execute("DELETE FROM caller_referrals WHERE contact_id IN "
                   "(SELECT contact_id FROM callers WHERE person_id = %s)", (subject,))
        tx.execute("DELETE FROM callers WHERE person_id = %s", (subject,))

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        if event.contact_id is None:
            return
        tx.execute(f"INSERT INTO caller_referrals ({', '.join(REFERRAL_COLUMNS)}) VALUES (%s, %s, %s, %s, %s) "
                   "ON CONFLICT (referral_id) DO NOTHING",
                   (str(event.originator_id), str(event.contact_id), event.target, "open", event.urgency))

    @handle.register
    def _(self, event: Referral.Claimed, tx: Tx) -> None:
        self._status(tx, event, "claimed")

    @handle.register
    def _(self, event: Referral.Released, tx: Tx) -> None:
        self._status(tx, event, "open")

    @handle.register
    def _(self, event: Referral.AppointmentScheduled, tx: Tx) -> None:
        self._status(tx, event, "scheduled")

    @handle.register
    def _(self, event: Referral.AppointmentAttended, tx: Tx) -> None:
        self._status(tx, event, "attended")

    @handle.register
    def _(self, event: Referral.AppointmentMissed, tx: Tx) -> None:
        self._status(tx, event, "missed")

    @handle.register
    def _(self, event: Referral.Completed, tx: Tx) -> None:
        self._ended(tx, event)

    @handle.register
    def _(self, event: Referral.Declined, tx: Tx) -> None:
        self._ended(tx, event)

    @handle.register
    def _(self, event: Referral.Cancelled, tx: Tx) -> None:
        self._ended(tx, event)

    def _status(self, tx: Tx, event, status: str) -> None:
        tx.execute("UPDATE caller_referrals SET status = %s WHERE referral_id = %s", (status, str(event.originator_id)))

    def _ended(self, tx: Tx, event) -> None:
        tx.execute("DELETE FROM caller_referrals WHERE referral_id = %s", (str(event.originator_id),))

    def _load(self, tx: Tx, contact_id: str) -> dict | None:
        row = tx.execute(f"SELECT {', '.join(CALLER_COLUMNS)} FROM callers WHERE contact_id = %s",
                         (contact_id,)).fetchone()
        return None if row is None else dict(zip(CALLER_COLUMNS, row))


def contacts_with_number(tx: Tx, phone_hash: str) -> list[dict]:
    """The contacts from one (hashed) number, oldest first."""
    rows = tx.execute(f"SELECT {', '.join(CALLER_COLUMNS)} FROM callers WHERE phone_hash = %s "
                      "ORDER BY started_at, contact_id", (phone_hash,)).fetchall()
    return [dict(zip(CALLER_COLUMNS, row)) for row in rows]


def unended_referrals(tx: Tx, contact_ids: list[str]) -> list[dict]:
    """The referrals made from these contacts that have not ended."""
    if not contact_ids:
        return []
    marks = ", ".join(["%s"] * len(contact_ids))
    rows = tx.execute(f"SELECT {', '.join(REFERRAL_COLUMNS)} FROM caller_referrals WHERE contact_id IN ({marks}) "
                      "ORDER BY referral_id", contact_ids).fetchall()
    return [dict(zip(REFERRAL_COLUMNS, row)) for row in rows]
