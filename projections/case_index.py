"""The case index: which contacts (incidents) and which assessments belong to a case.

Two small tables:
- case_contacts: one row per contact (case_id NULL while it belongs to no case: an amendment may
  later give it one, and the row must then know when the contact started). Kept current on
  Contact.Recorded and on Contact.Amended changing case_id or started_at.
- case_assessments: one row per assessment recorded with a case_id. `position` is the order in which
  the log holds the assessments (1, 2, 3, …; the projection reads the log in order), so the highest
  position of an instrument in a case is its latest assessment.

Contacts are gathered per batch in memory and merged at the end of the batch (a rebuild reads a
million of them); an amendment of a contact recorded in an earlier batch reads its row first.
"""
from datetime import datetime
from functools import singledispatchmethod

from domain.assessment import Assessment
from domain.clock import utc_text
from domain.contact import Contact
from domain.ids import id_text
from projections.base import Projection
from projections.db import Tx

CONTACT_COLUMNS = ("contact_id", "case_id", "started_at")
ASSESSMENT_COLUMNS = ("assessment_id", "case_id", "instrument", "recorded_at", "position")


class CaseIndexProjection(Projection):
    name = "case_index"
    version = 1
    tables = ("case_contacts", "case_assessments")

    def __init__(self) -> None:
        self._contacts: dict[str, tuple[str | None, str]] = {}

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS case_contacts (
            contact_id TEXT PRIMARY KEY, case_id TEXT, started_at TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS case_contacts_case ON case_contacts (case_id, started_at)")
        tx.execute("""CREATE TABLE IF NOT EXISTS case_assessments (
            assessment_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, instrument TEXT NOT NULL,
            recorded_at TEXT NOT NULL, position BIGINT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS case_assessments_case "
                   "ON case_assessments (case_id, instrument, position)")

    def start_batch(self, tx: Tx) -> None:
        self._contacts = {}

    def finish_batch(self, tx: Tx) -> None:
        rows = [(contact_id, case_id, started_at) for contact_id, (case_id, started_at) in self._contacts.items()]
        tx.merge_rows("case_contacts", CONTACT_COLUMNS, rows, key=("contact_id",),
                      update="case_id = excluded.case_id, started_at = excluded.started_at")
        self._contacts = {}

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change the index."""

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        self._contacts[str(event.originator_id)] = (id_text(event.case_id), utc_text(event.started_at))

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        changes = event.changes
        if "case_id" not in changes and "started_at" not in changes:
            return
        contact_id = str(event.originator_id)
        current = self._contacts.get(contact_id) or tx.execute(
            "SELECT case_id, started_at FROM case_contacts WHERE contact_id = %s", (contact_id,)).fetchone()
        if current is None:
            return  # a contact the log never recorded: nothing to move
        case_id, started_at = current
        if "case_id" in changes:
            case_id = id_text(changes["case_id"])
        if changes.get("started_at") is not None:
            started_at = utc_text(changes["started_at"])
        self._contacts[contact_id] = (case_id, started_at)

    @handle.register
    def _(self, event: Assessment.Recorded, tx: Tx) -> None:
        if event.case_id is None:
            return
        position = tx.scalar("SELECT COALESCE(MAX(position), 0) FROM case_assessments", (), 0) + 1
        tx.execute(f"INSERT INTO case_assessments ({', '.join(ASSESSMENT_COLUMNS)}) VALUES (%s, %s, %s, %s, %s) "
                   "ON CONFLICT (assessment_id) DO NOTHING",
                   (str(event.originator_id), str(event.case_id), event.instrument, utc_text(event.timestamp),
                    position))


def contacts_since(tx: Tx, case_id, since: datetime) -> int:
    """How many contacts of the case started at or after `since`."""
    return tx.scalar("SELECT COUNT(*) FROM case_contacts WHERE case_id = %s AND started_at >= %s",
                     (str(case_id), utc_text(since)), 0)


def latest_assessment(tx: Tx, case_id, instrument: str) -> str | None:
    """The id of the case's latest assessment by the instrument, or None."""
    row = tx.execute("SELECT assessment_id FROM case_assessments WHERE case_id = %s AND instrument = %s "
                     "ORDER BY position DESC LIMIT 1", (str(case_id), instrument)).fetchone()
    return row[0] if row else None
