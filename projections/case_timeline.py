"""Case files as lists and timelines: which cases exist, who works on them, what joined them, and when.

Tables (none holds personal text: no summary, names, phone numbers, addresses or notes):
- case_list: one row per opened case: status, owner, when it was opened, closed and last touched,
  and how many contacts, referrals and assessments belong to it now.
- case_members: every contact, referral and assessment that ever carried the case's id, with
  `current` = 1 while it still does. Rows are never deleted, so the audit history as of a past
  moment can find members that have left since (it then judges membership from the events).
- case_workers: who works on the case and how: `owner` and `opener` (aggregate_id: the case),
  `contact` (a contact of the case they recorded; removed when the contact leaves the case),
  `referral` (a referral of the case they claimed; kept after a release), `added` (added to the case
  by its owner or a supervisor, Case.WorkerAdded). Read by may_see_case
  and by the filtered case list.
- case_timeline: one entry per event of the case or of one of its members, numbered 1, 2, 3, …
  per case in log order: when, what kind of record, which event, and who (the actor).
- case_contact_recorders: who recorded each contact, for a contact amended into a case later.

Everything a batch changes is gathered in memory and written at the end of the batch in bulk;
a lookup of something an earlier batch wrote reads its row first.
"""
from functools import singledispatchmethod

from domain.assessment import Assessment
from domain.case import Case
from domain.clock import utc_text
from domain.contact import Contact
from domain.ids import id_text
from domain.referral import Referral
from projections.base import Projection
from projections.db import Tx

LIST_COLUMNS = ("case_id", "status", "owner_user_id", "owner_username", "opened_at", "closed_at", "updated_at",
                "contacts", "referrals", "assessments")
MEMBER_COLUMNS = ("case_id", "kind", "aggregate_id", "joined_at", "current")
WORKER_COLUMNS = ("case_id", "user_id", "via", "aggregate_id")
TIMELINE_COLUMNS = ("case_id", "position", "at", "kind", "aggregate_id", "event_type", "actor_user_id",
                    "actor_username", "actor_role")
RECORDER_COLUMNS = ("contact_id", "user_id")
MEMBER_KINDS = ("contact", "referral", "assessment")
COUNTS = {"contact": "contacts", "referral": "referrals", "assessment": "assessments"}
CHUNK = 500


def event_type(event) -> str:
    """"Case.Opened", "Contact.Recorded": the aggregate and the event, as the history names them."""
    return type(event).__qualname__


class CaseTimelineProjection(Projection):
    name = "case_timeline"
    version = 1
    tables = ("case_list", "case_members", "case_workers", "case_timeline", "case_contact_recorders")

    def __init__(self) -> None:
        self._new_batch()

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS case_list (
            case_id TEXT PRIMARY KEY, status TEXT NOT NULL, owner_user_id TEXT, owner_username TEXT,
            opened_at TEXT NOT NULL, closed_at TEXT, updated_at TEXT NOT NULL,
            contacts INTEGER NOT NULL DEFAULT 0, referrals INTEGER NOT NULL DEFAULT 0,
            assessments INTEGER NOT NULL DEFAULT 0)""")
        tx.execute("CREATE INDEX IF NOT EXISTS case_list_updated ON case_list (updated_at)")
        tx.execute("""CREATE TABLE IF NOT EXISTS case_members (
            case_id TEXT NOT NULL, kind TEXT NOT NULL, aggregate_id TEXT NOT NULL, joined_at TEXT NOT NULL,
            current INTEGER NOT NULL, PRIMARY KEY (case_id, aggregate_id))""")
        tx.execute("CREATE INDEX IF NOT EXISTS case_members_aggregate ON case_members (aggregate_id, current)")
        tx.execute("""CREATE TABLE IF NOT EXISTS case_workers (
            case_id TEXT NOT NULL, user_id TEXT NOT NULL, via TEXT NOT NULL, aggregate_id TEXT NOT NULL,
            PRIMARY KEY (case_id, user_id, via, aggregate_id))""")
        tx.execute("CREATE INDEX IF NOT EXISTS case_workers_user ON case_workers (user_id, via)")
        tx.execute("""CREATE TABLE IF NOT EXISTS case_timeline (
            case_id TEXT NOT NULL, position INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            aggregate_id TEXT NOT NULL, event_type TEXT NOT NULL, actor_user_id TEXT, actor_username TEXT,
            actor_role TEXT, PRIMARY KEY (case_id, position))""")
        tx.execute("""CREATE TABLE IF NOT EXISTS case_contact_recorders (
            contact_id TEXT PRIMARY KEY, user_id TEXT)""")

    # The batch in memory -------------------------------------------------------------------------

    def _new_batch(self) -> None:
        self._cases: dict[str, dict | None] = {}  # touched case_list rows; None: a case never opened
        self._members: dict[tuple[str, str], list] = {}  # (case_id, aggregate_id) → row
        self._member_of: dict[str, str | None] = {}  # aggregate_id → the case it belongs to now
        self._workers: dict[tuple, bool] = {}  # row → present (True) or removed (False)
        self._recorders: dict[str, str | None] = {}  # contacts recorded in this batch → recorder
        self._positions: dict[str, int] = {}
        self._timeline: list[tuple] = []

    def start_batch(self, tx: Tx) -> None:
        self._new_batch()

    def finish_batch(self, tx: Tx) -> None:
        tx.merge_rows("case_members", MEMBER_COLUMNS, [tuple(row) for row in self._members.values()],
                      key=("case_id", "aggregate_id"), update="current = excluded.current")
        removed = [row for row, present in self._workers.items() if not present]
        tx.executemany("DELETE FROM case_workers WHERE case_id = %s AND user_id = %s AND via = %s "
                       "AND aggregate_id = %s", removed)
        tx.merge_rows("case_workers", WORKER_COLUMNS, [row for row, present in self._workers.items() if present],
                      key=WORKER_COLUMNS, update="via = excluded.via")
        tx.insert_rows("case_contact_recorders", RECORDER_COLUMNS, list(self._recorders.items()))
        tx.insert_rows("case_timeline", TIMELINE_COLUMNS, self._timeline)
        opened = {case_id: row for case_id, row in self._cases.items() if row is not None}
        self._count_members(tx, opened)
        tx.merge_rows("case_list", LIST_COLUMNS, [tuple(row[c] for c in LIST_COLUMNS) for row in opened.values()],
                      key=("case_id",), update=", ".join(f"{c} = excluded.{c}" for c in LIST_COLUMNS[1:]))
        self._new_batch()

    def _count_members(self, tx: Tx, cases: dict[str, dict]) -> None:
        """The counts of the list, from the members as they now stand (after this batch's merge)."""
        ids = sorted(cases)
        for row in cases.values():
            row.update({column: 0 for column in COUNTS.values()})
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            found = tx.execute(
                f"SELECT case_id, kind, COUNT(*) FROM case_members WHERE current = 1 "
                f"AND case_id IN ({', '.join(['%s'] * len(chunk))}) GROUP BY case_id, kind", chunk).fetchall()
            for case_id, kind, count in found:
                if kind in COUNTS:
                    cases[case_id][COUNTS[kind]] = count

    def _case(self, tx: Tx, case_id: str) -> dict | None:
        if case_id not in self._cases:
            row = tx.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM case_list WHERE case_id = %s",
                             (case_id,)).fetchone()
            self._cases[case_id] = dict(zip(LIST_COLUMNS, row)) if row else None
        return self._cases[case_id]

    def _case_of(self, tx: Tx, aggregate_id: str) -> str | None:
        if aggregate_id not in self._member_of:
            self._member_of[aggregate_id] = tx.scalar(
                "SELECT case_id FROM case_members WHERE aggregate_id = %s AND current = 1", (aggregate_id,))
        return self._member_of[aggregate_id]

    def _recorder(self, tx: Tx, contact_id: str) -> str | None:
        if contact_id in self._recorders:
            return self._recorders[contact_id]
        return tx.scalar("SELECT user_id FROM case_contact_recorders WHERE contact_id = %s", (contact_id,))

    def _entry(self, tx: Tx, case_id: str, kind: str, event) -> None:
        """A timeline entry; the case was last touched at the event's time."""
        if case_id not in self._positions:
            self._positions[case_id] = tx.scalar(
                "SELECT COALESCE(MAX(position), 0) FROM case_timeline WHERE case_id = %s", (case_id,), 0)
        self._positions[case_id] += 1
        actor = getattr(event, "actor", None) or {}
        at = utc_text(event.timestamp)
        self._timeline.append((case_id, self._positions[case_id], at, kind, str(event.originator_id),
                               event_type(event), actor.get("user_id"), actor.get("username"), actor.get("role")))
        row = self._case(tx, case_id)
        if row is not None:
            row["updated_at"] = max(row["updated_at"], at)

    def _worker(self, case_id: str, user_id: str | None, via: str, aggregate_id: str, present: bool) -> None:
        if user_id:  # system actors have no user id and see nothing
            self._workers[(case_id, str(user_id), via, aggregate_id)] = present

    def _join(self, tx: Tx, case_id: str, kind: str, event) -> None:
        aggregate_id = str(event.originator_id)
        known = self._members.get((case_id, aggregate_id))
        joined_at = known[3] if known else utc_text(event.timestamp)
        self._members[(case_id, aggregate_id)] = [case_id, kind, aggregate_id, joined_at, 1]
        self._member_of[aggregate_id] = case_id
        self._entry(tx, case_id, kind, event)

    def _leave(self, tx: Tx, case_id: str, kind: str, event) -> None:
        """The row stays (current = 0): the history as of an earlier moment still finds the member."""
        aggregate_id = str(event.originator_id)
        known = self._members.get((case_id, aggregate_id))
        joined_at = known[3] if known else utc_text(event.timestamp)  # only inserted if the row is missing
        self._members[(case_id, aggregate_id)] = [case_id, kind, aggregate_id, joined_at, 0]
        self._member_of[aggregate_id] = None
        self._entry(tx, case_id, kind, event)

    def _member_event(self, tx: Tx, kind: str, event) -> None:
        """An event of a record that belongs to a case (or to none) goes on that case's timeline."""
        case_id = self._case_of(tx, str(event.originator_id))
        if case_id is not None:
            self._entry(tx, case_id, kind, event)

    # Handlers ------------------------------------------------------------------------------------

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not touch case files."""

    # The case's own events.

    @handle.register
    def _(self, event: Case.Opened, tx: Tx) -> None:
        case_id, at = str(event.originator_id), utc_text(event.timestamp)
        self._cases[case_id] = {
            "case_id": case_id, "status": "open", "owner_user_id": event.owner.get("user_id"),
            "owner_username": event.owner.get("username"), "opened_at": at, "closed_at": None,
            "updated_at": at, "contacts": 0, "referrals": 0, "assessments": 0,
        }
        self._worker(case_id, event.owner.get("user_id"), "owner", case_id, True)
        self._worker(case_id, event.actor.get("user_id"), "opener", case_id, True)
        self._entry(tx, case_id, "case", event)

    @handle.register(Case.PersonAdded)
    @handle.register(Case.PersonChanged)
    @handle.register(Case.NoteAdded)
    def _(self, event, tx: Tx) -> None:
        self._entry(tx, str(event.originator_id), "case", event)

    @handle.register
    def _(self, event: Case.OwnerAssigned, tx: Tx) -> None:
        case_id = str(event.originator_id)
        self._worker(case_id, (event.previous_owner or {}).get("user_id"), "owner", case_id, False)
        self._worker(case_id, event.owner.get("user_id"), "owner", case_id, True)
        row = self._case(tx, case_id)
        if row is not None:
            row["owner_user_id"], row["owner_username"] = event.owner.get("user_id"), event.owner.get("username")
        self._entry(tx, case_id, "case", event)

    @handle.register
    def _(self, event: Case.WorkerAdded, tx: Tx) -> None:
        case_id = str(event.originator_id)
        self._worker(case_id, (event.worker or {}).get("user_id"), "added", case_id, True)
        self._entry(tx, case_id, "case", event)

    @handle.register
    def _(self, event: Case.Closed, tx: Tx) -> None:
        self._set_status(tx, event, "closed", closed_at=utc_text(event.timestamp))

    @handle.register
    def _(self, event: Case.Reopened, tx: Tx) -> None:
        self._set_status(tx, event, "reopened", closed_at=None)

    def _set_status(self, tx: Tx, event, status: str, closed_at: str | None) -> None:
        case_id = str(event.originator_id)
        row = self._case(tx, case_id)
        if row is not None:
            row["status"], row["closed_at"] = status, closed_at
        self._entry(tx, case_id, "case", event)

    # Contacts: recorded in a case, amended into or out of one.

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        contact_id, recorder = str(event.originator_id), (event.actor or {}).get("user_id")
        self._recorders[contact_id] = recorder
        case_id = id_text(event.case_id)
        self._member_of[contact_id] = case_id
        if case_id is not None:
            self._join(tx, case_id, "contact", event)
            self._worker(case_id, recorder, "contact", contact_id, True)

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        contact_id = str(event.originator_id)
        before = self._case_of(tx, contact_id)
        after = id_text(event.changes["case_id"]) if "case_id" in event.changes else before
        if before == after:
            self._member_event(tx, "contact", event)
            return
        recorder = self._recorder(tx, contact_id)
        if before is not None:
            self._leave(tx, before, "contact", event)
            self._worker(before, recorder, "contact", contact_id, False)
        if after is not None:
            self._join(tx, after, "contact", event)
            self._worker(after, recorder, "contact", contact_id, True)

    @handle.register
    def _(self, event: Contact.Completed, tx: Tx) -> None:
        self._member_event(tx, "contact", event)

    # Referrals: made in a case (their case never changes), claimed by a psychologist.

    @handle.register
    def _(self, event: Referral.Made, tx: Tx) -> None:
        case_id = id_text(event.case_id)
        self._member_of[str(event.originator_id)] = case_id
        if case_id is not None:
            self._join(tx, case_id, "referral", event)

    @handle.register
    def _(self, event: Referral.Claimed, tx: Tx) -> None:
        referral_id = str(event.originator_id)
        case_id = self._case_of(tx, referral_id)
        if case_id is not None:
            self._worker(case_id, (event.actor or {}).get("user_id"), "referral", referral_id, True)
            self._entry(tx, case_id, "referral", event)

    @handle.register(Referral.Released)
    @handle.register(Referral.Declined)
    @handle.register(Referral.AppointmentScheduled)
    @handle.register(Referral.AppointmentAttended)
    @handle.register(Referral.AppointmentMissed)
    @handle.register(Referral.Completed)
    @handle.register(Referral.Cancelled)
    @handle.register(Referral.Escalated)
    def _(self, event, tx: Tx) -> None:
        self._member_event(tx, "referral", event)

    # Assessments: recorded in a case (their case never changes).

    @handle.register
    def _(self, event: Assessment.Recorded, tx: Tx) -> None:
        case_id = id_text(event.case_id)
        self._member_of[str(event.originator_id)] = case_id
        if case_id is not None:
            self._join(tx, case_id, "assessment", event)

    @handle.register
    def _(self, event: Assessment.LevelOverridden, tx: Tx) -> None:
        self._member_event(tx, "assessment", event)


# Readers ---------------------------------------------------------------------------------------

def worker_vias(tx: Tx, case_id, user_id: str | None) -> set[str]:
    """How a user works on a case: owner, opener, contact, referral, added (empty: not at all)."""
    if not user_id:
        return set()
    rows = tx.execute("SELECT DISTINCT via FROM case_workers WHERE case_id = %s AND user_id = %s",
                      (str(case_id), str(user_id))).fetchall()
    return {row[0] for row in rows}


def current_members(tx: Tx, case_id) -> dict[str, list[str]]:
    """The ids of the contacts, referrals and assessments that belong to the case now, by kind."""
    members: dict[str, list[str]] = {kind: [] for kind in MEMBER_KINDS}
    rows = tx.execute("SELECT kind, aggregate_id FROM case_members WHERE case_id = %s AND current = 1 "
                      "ORDER BY joined_at, aggregate_id", (str(case_id),)).fetchall()
    for kind, aggregate_id in rows:
        members.setdefault(kind, []).append(aggregate_id)
    return members


def ever_members(tx: Tx, case_id) -> list[tuple[str, str]]:
    """(kind, id) of every record that ever carried the case's id: candidates for its history."""
    return tx.execute("SELECT kind, aggregate_id FROM case_members WHERE case_id = %s "
                      "ORDER BY joined_at, aggregate_id", (str(case_id),)).fetchall()


def list_cases(tx: Tx, *, status: str | None = None, owner_user_id: str | None = None,
               owner_username: str | None = None, viewer: tuple[str, tuple[str, ...]] | None = None,
               limit: int = 100, offset: int = 0) -> list[dict]:
    """Cases, most recently touched first; `viewer` = (user_id, vias) keeps those the user works on that way."""
    where, params = [], []
    if status:
        where.append("status = %s")
        params.append(status)
    if owner_user_id:
        where.append("owner_user_id = %s")
        params.append(owner_user_id)
    if owner_username:
        where.append("owner_username = %s")
        params.append(owner_username)
    if viewer is not None:
        user_id, vias = viewer
        where.append(f"case_id IN (SELECT case_id FROM case_workers WHERE user_id = %s "
                     f"AND via IN ({', '.join(['%s'] * len(vias))}))")
        params += [user_id, *vias]
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    rows = tx.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM case_list {clause}"
                      "ORDER BY updated_at DESC, case_id LIMIT %s OFFSET %s", (*params, limit, offset)).fetchall()
    return [dict(zip(LIST_COLUMNS, row)) for row in rows]
