"""Case conferences as lists: which meetings there are, who attends them, which cases each had on its
agenda and discussed, and every action agreed with its owner, due day and state.

Ids, days, codes and staff accounts only: decisions and action texts (sealed free text) never reach
these tables; a partner agency's name (an organisation) is kept as the owner of its actions. An action
carried over to the next meeting of a series is "carried" here, its successor "open": each open action
is counted once (domain/conference.py).
"""
from functools import singledispatchmethod

from domain.clock import local
from domain.conference import Conference
from projections.base import Projection
from projections.db import Tx

LIST_COLUMNS = ("conference_id", "series_id", "previous_id", "kind", "held_on", "scheduled_by_user_id",
                "scheduled_by_username", "scheduled_at")
ACTION_COLUMNS = ("action_id", "conference_id", "case_id", "owner_kind", "owner_user_id", "owner_username",
                  "owner_agency", "due_on", "carried_from", "state", "done_on")


def _text(value) -> str | None:
    return None if value is None else str(value)


class ConferencesProjection(Projection):
    name = "conferences"
    version = 1
    tables = ("conference_list", "conference_people", "conference_cases", "conference_actions")

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS conference_list (
            conference_id TEXT PRIMARY KEY, series_id TEXT NOT NULL, previous_id TEXT, kind TEXT NOT NULL,
            held_on TEXT NOT NULL, scheduled_by_user_id TEXT, scheduled_by_username TEXT, scheduled_at TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS conference_list_held ON conference_list (held_on)")
        tx.execute("""CREATE TABLE IF NOT EXISTS conference_people (
            conference_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (conference_id, user_id))""")
        tx.execute("CREATE INDEX IF NOT EXISTS conference_people_user ON conference_people (user_id)")
        tx.execute("""CREATE TABLE IF NOT EXISTS conference_cases (
            conference_id TEXT NOT NULL, case_id TEXT NOT NULL, held_on TEXT NOT NULL,
            discussed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (conference_id, case_id))""")
        tx.execute("CREATE INDEX IF NOT EXISTS conference_cases_case ON conference_cases (case_id)")
        tx.execute("""CREATE TABLE IF NOT EXISTS conference_actions (
            action_id TEXT PRIMARY KEY, conference_id TEXT NOT NULL, case_id TEXT NOT NULL, owner_kind TEXT NOT NULL,
            owner_user_id TEXT, owner_username TEXT, owner_agency TEXT, due_on TEXT NOT NULL, carried_from TEXT,
            state TEXT NOT NULL, done_on TEXT)""")
        tx.execute("CREATE INDEX IF NOT EXISTS conference_actions_owner ON conference_actions (owner_user_id, state)")
        tx.execute("CREATE INDEX IF NOT EXISTS conference_actions_case ON conference_actions (case_id, state)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events change no conference."""

    @handle.register
    def _(self, event: Conference.Scheduled, tx: Tx) -> None:
        conference_id = str(event.originator_id)
        tx.insert_new("conference_list", LIST_COLUMNS, (
            conference_id, str(event.series_id), _text(event.previous_id), event.kind, event.held_on,
            event.actor.get("user_id"), event.actor.get("username"), event.at.isoformat()), key="conference_id")
        people = {event.actor.get("user_id"), *(member.get("user_id") for member in event.attendees)} - {None}
        for user_id in sorted(people):
            tx.insert_new("conference_people", ("conference_id", "user_id"), (conference_id, user_id),
                          key="conference_id, user_id")
        for case_id in event.case_ids:
            self._add_case(tx, conference_id, str(case_id), event.held_on)

    def _add_case(self, tx: Tx, conference_id: str, case_id: str, held_on: str | None = None) -> None:
        if held_on is None:
            held_on = tx.scalar("SELECT held_on FROM conference_list WHERE conference_id = %s", (conference_id,), "")
        tx.insert_new("conference_cases", ("conference_id", "case_id", "held_on", "discussed"),
                      (conference_id, case_id, held_on, 0), key="conference_id, case_id")

    @handle.register
    def _(self, event: Conference.CaseAdded, tx: Tx) -> None:
        self._add_case(tx, str(event.originator_id), str(event.case_id))

    @handle.register
    def _(self, event: Conference.CaseDiscussed, tx: Tx) -> None:
        tx.execute("UPDATE conference_cases SET discussed = 1 WHERE conference_id = %s AND case_id = %s",
                   (str(event.originator_id), str(event.case_id)))

    @handle.register
    def _(self, event: Conference.ActionAgreed, tx: Tx) -> None:
        owner = event.owner or {}
        tx.insert_new("conference_actions", ACTION_COLUMNS, (
            str(event.action_id), str(event.originator_id), str(event.case_id), owner.get("kind", ""),
            owner.get("user_id"), owner.get("username"), owner.get("agency"), event.due_on,
            _text(event.carried_from), "open", None), key="action_id")

    @handle.register
    def _(self, event: Conference.ActionDone, tx: Tx) -> None:
        tx.execute("UPDATE conference_actions SET state = 'done', done_on = %s WHERE action_id = %s",
                   (local(event.occurred_at).date().isoformat(), str(event.action_id)))

    @handle.register
    def _(self, event: Conference.ActionCarried, tx: Tx) -> None:
        tx.execute("UPDATE conference_actions SET state = 'carried' WHERE action_id = %s", (str(event.action_id),))


# Reads -------------------------------------------------------------------------------------------

def _rows(tx: Tx, statement: str, params: tuple, columns: tuple[str, ...]) -> list[dict]:
    return [dict(zip(columns, row)) for row in tx.execute(statement, params).fetchall()]


def conference_list(tx: Tx, *, user_id: str | None = None, case_ids: list[str] | None = None,
                    every: bool = False, limit: int = 200) -> list[dict]:
    """Meetings, the latest first: every one (`every`), or those the user scheduled or attends, or whose
    agenda holds one of `case_ids`. Each with how many cases it had and how many actions are open."""
    columns = ", ".join(f"l.{name}" for name in LIST_COLUMNS)
    counts = ("(SELECT COUNT(*) FROM conference_cases c WHERE c.conference_id = l.conference_id), "
              "(SELECT COUNT(*) FROM conference_actions a WHERE a.conference_id = l.conference_id AND a.state = 'open')")
    where, params = "", []
    if not every:
        cases = list(case_ids or [])
        conditions = ["l.conference_id IN (SELECT conference_id FROM conference_people WHERE user_id = %s)"]
        params.append(user_id or "")
        if cases:
            marks = ", ".join(["%s"] * len(cases))
            conditions.append(f"l.conference_id IN (SELECT conference_id FROM conference_cases WHERE case_id IN ({marks}))")
            params += cases
        where = "WHERE " + " OR ".join(conditions)
    params.append(limit)
    return _rows(tx, f"SELECT {columns}, {counts} FROM conference_list l {where} "
                     "ORDER BY l.held_on DESC, l.scheduled_at DESC LIMIT %s", tuple(params),
                 (*LIST_COLUMNS, "cases", "open_actions"))


def conferences_of_case(tx: Tx, case_id: str) -> list[dict]:
    """The meetings that had the case on their agenda, the latest first, and whether they discussed it."""
    return _rows(tx, "SELECT l.conference_id, l.series_id, l.kind, l.held_on, c.discussed FROM conference_cases c "
                     "JOIN conference_list l ON l.conference_id = c.conference_id WHERE c.case_id = %s "
                     "ORDER BY l.held_on DESC, l.scheduled_at DESC", (case_id,),
                 ("conference_id", "series_id", "kind", "held_on", "discussed"))


def discussion_days(tx: Tx, case_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """case_id → [(conference_id, held_on)] of every meeting that discussed it."""
    if not case_ids:
        return {}
    marks = ", ".join(["%s"] * len(case_ids))
    found: dict[str, list[tuple[str, str]]] = {case_id: [] for case_id in case_ids}
    for conference_id, case_id, held_on in tx.execute(
            f"SELECT conference_id, case_id, held_on FROM conference_cases WHERE discussed = 1 AND case_id IN ({marks})",
            tuple(case_ids)).fetchall():
        found[case_id].append((conference_id, held_on))
    return found


OPEN_ACTION_COLUMNS = ("action_id", "conference_id", "case_id", "owner_kind", "owner_user_id", "owner_username",
                       "owner_agency", "due_on", "carried_from", "held_on", "kind")


def open_actions(tx: Tx, *, owner_user_id: str | None = None, case_id: str | None = None,
                 staff_only: bool = False) -> list[dict]:
    """Open actions (not done, not carried over), the earliest due first; of one member of staff, one case,
    or every member of staff (`staff_only`)."""
    conditions, params = ["a.state = 'open'"], []
    if owner_user_id is not None:
        conditions.append("a.owner_kind = 'staff' AND a.owner_user_id = %s")
        params.append(owner_user_id)
    if staff_only:
        conditions.append("a.owner_kind = 'staff'")
    if case_id is not None:
        conditions.append("a.case_id = %s")
        params.append(case_id)
    columns = ", ".join(f"a.{name}" for name in OPEN_ACTION_COLUMNS[:-2])
    return _rows(tx, f"SELECT {columns}, l.held_on, l.kind FROM conference_actions a "
                     "JOIN conference_list l ON l.conference_id = a.conference_id "
                     f"WHERE {' AND '.join(conditions)} ORDER BY a.due_on, a.action_id", tuple(params),
                 OPEN_ACTION_COLUMNS)
