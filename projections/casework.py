"""Casework over months as rows: each case's service, source, region, status and dates, who works it,
its children and their outcomes at closure, its reviews, the activities and conference actions due,
its follow-ups and the care-loss level of its latest needs assessment. The caseloads, the sweep's
supervisors' list and the case statistics read these tables.

Nothing personal is kept: no names, no free text (a referring organisation's name, goals, decisions,
notes are sealed in the events and never read here), only codes, ids, dates and staff usernames.

Handlers are registered by event topic (`on("domain.plan:Plan.Reviewed")`), not by class: the events
of the plan, the conference and the case's new events are written by other parts of casework, and a
topic is a string, so this read model names them without importing their classes (as
domain/personal.py does). Decoding an event still needs its class, which exists wherever such an
event was written.

Dates are the service's local days ("YYYY-MM-DD"): an event's `occurred_at` (when it happened; its
`at` for events without one), or the day a date field names. What depends on configuration (the
review interval, the follow-up schedule) is not stored: readers compute it from the dates here with
the settings of the day (intake/queries/caseload.py), so a changed setting applies to every case.
"""
from collections.abc import Callable
from datetime import date, datetime
from functools import singledispatchmethod

from eventsourcing.utils import get_topic

from domain.clock import utc_text
from domain.ids import id_text
from projections.base import Projection
from projections.db import Tx
from projections.facts import day_and_month

CASE = "domain.case:Case"
PLAN = "domain.plan:Plan"
CONFERENCE = "domain.conference:Conference"
ASSESSMENT = "domain.assessment:Assessment"
NEEDS_INSTRUMENT = "family_needs"
OUTCOMES = ("removal_prevented", "returned_home", "wellbeing_improved")

CASE_COLUMNS = ("case_id", "status", "owner_user_id", "owner_username", "owner_role", "service", "source",
                "region", "opened_at", "opened_on", "agreement_on", "term_months", "closed_on", "reason_code",
                "last_review_on", "next_review_on", "review_escalated_on", "care_loss_level", "care_loss_on")
ITEM_COLUMNS = ("item_id", "case_id", "kind", "goal_id", "due_on", "status", "done_on", "owner_kind",
                "owner_user_id", "owner_username", "owner_role", "escalated")

# topic → handler, filled by @on in the class body below.
HANDLERS: dict[str, Callable] = {}


def on(*topics: str):
    """Registers a handler for events of these topics."""
    def register(method):
        for topic in topics:
            HANDLERS[topic] = method
        return method
    return register


def day_text(value) -> str | None:
    """A date field as "YYYY-MM-DD": events carry ISO strings; a date or a moment (its local day) also do."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return day_and_month(value)[0]
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def happened_on(event) -> str:
    """The local day an event's fact happened: occurred_at, else at, else when it was recorded."""
    moment = getattr(event, "occurred_at", None) or getattr(event, "at", None) or event.timestamp
    return day_and_month(moment)[0]


def staff_of(party: dict | None) -> tuple[str, str | None, str | None, str | None]:
    """(kind, user_id, username, role) of a responsible party: staff, or a partner or agency (no name kept)."""
    party = party or {}
    kind = party.get("kind") or ("staff" if party.get("user_id") else "partner")
    if kind != "staff":
        return kind, None, None, None
    user_id = party.get("user_id")
    return "staff", str(user_id) if user_id else None, party.get("username"), party.get("role")


class CaseworkProjection(Projection):
    name = "casework"
    version = 1
    tables = ("casework_cases", "casework_workers", "casework_children", "casework_plans", "casework_reviews",
              "casework_items", "casework_follow_ups", "casework_needs")

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_cases (
            case_id TEXT PRIMARY KEY, status TEXT NOT NULL, owner_user_id TEXT, owner_username TEXT, owner_role TEXT,
            service TEXT, source TEXT, region TEXT, opened_at TEXT NOT NULL, opened_on TEXT NOT NULL,
            agreement_on TEXT, term_months INTEGER, closed_on TEXT, reason_code TEXT, last_review_on TEXT,
            next_review_on TEXT, review_escalated_on TEXT, care_loss_level TEXT, care_loss_on TEXT)""")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_cases_opened ON casework_cases (opened_on)")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_cases_closed ON casework_cases (closed_on)")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_workers (
            case_id TEXT NOT NULL, user_id TEXT NOT NULL, username TEXT, role TEXT, via TEXT NOT NULL,
            PRIMARY KEY (case_id, user_id, via))""")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_workers_user ON casework_workers (user_id)")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_children (
            case_id TEXT NOT NULL, person_id TEXT NOT NULL, added_on TEXT NOT NULL, child INTEGER NOT NULL,
            removal_prevented TEXT, returned_home TEXT, wellbeing_improved TEXT,
            PRIMARY KEY (case_id, person_id))""")
        tx.execute("CREATE TABLE IF NOT EXISTS casework_plans (plan_id TEXT PRIMARY KEY, case_id TEXT NOT NULL)")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_reviews (
            review_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, held_on TEXT NOT NULL, next_review_on TEXT,
            family_progress TEXT, user_id TEXT)""")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_reviews_held ON casework_reviews (held_on)")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_items (
            item_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, goal_id TEXT, due_on TEXT,
            status TEXT NOT NULL, done_on TEXT, owner_kind TEXT NOT NULL, owner_user_id TEXT, owner_username TEXT,
            owner_role TEXT, escalated INTEGER NOT NULL DEFAULT 0)""")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_items_case ON casework_items (case_id, status)")
        tx.execute("CREATE INDEX IF NOT EXISTS casework_items_owner ON casework_items (owner_user_id, status)")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_follow_ups (
            case_id TEXT NOT NULL, due_months INTEGER NOT NULL, follow_up_id TEXT, finding TEXT, done_on TEXT,
            PRIMARY KEY (case_id, due_months))""")
        tx.execute("""CREATE TABLE IF NOT EXISTS casework_needs (
            assessment_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, assessed_at TEXT NOT NULL, level TEXT)""")

    def handled_topics(self) -> set[str]:
        return set(HANDLERS)

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Dispatches by the event's topic; events of other topics do not touch casework."""
        method = HANDLERS.get(get_topic(type(event)))
        if method is not None:
            method(self, event, tx)

    # Helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _set(tx: Tx, case_id: str, **values) -> None:
        columns = ", ".join(f"{name} = %s" for name in values)
        tx.execute(f"UPDATE casework_cases SET {columns} WHERE case_id = %s", (*values.values(), case_id))

    @staticmethod
    def _worker(tx: Tx, case_id: str, who: dict | None, via: str) -> None:
        who = who or {}
        if who.get("user_id"):
            tx.execute("INSERT INTO casework_workers (case_id, user_id, username, role, via) VALUES (%s, %s, %s, %s, %s) "
                       "ON CONFLICT (case_id, user_id, via) DO UPDATE SET username = excluded.username, "
                       "role = excluded.role", (case_id, str(who["user_id"]), who.get("username"), who.get("role"), via))

    @staticmethod
    def _case_of_plan(tx: Tx, plan_id) -> str | None:
        return tx.scalar("SELECT case_id FROM casework_plans WHERE plan_id = %s", (str(plan_id),))

    @staticmethod
    def _item(tx: Tx, item_id, case_id: str, kind: str, due_on, responsible: dict | None, goal_id=None) -> None:
        owner_kind, user_id, username, role = staff_of(responsible)
        row = (str(item_id), case_id, kind, id_text(goal_id), day_text(due_on), "open", None, owner_kind, user_id,
               username, role, 0)
        tx.execute(f"INSERT INTO casework_items ({', '.join(ITEM_COLUMNS)}) "
                   f"VALUES ({', '.join(['%s'] * len(ITEM_COLUMNS))}) ON CONFLICT (item_id) DO NOTHING", row)

    @staticmethod
    def _item_status(tx: Tx, item_id, status: str, done_on: str | None) -> None:
        tx.execute("UPDATE casework_items SET status = %s, done_on = %s WHERE item_id = %s AND status = 'open'",
                   (status, done_on, str(item_id)))

    # The case ----------------------------------------------------------------------------------------

    @on(f"{CASE}.Opened")
    def _opened(self, event, tx: Tx) -> None:
        case_id, owner = str(event.originator_id), event.owner or {}
        opened_on = day_and_month(event.at)[0]
        row = (case_id, "open", id_text(owner.get("user_id")), owner.get("username"), owner.get("role"), None, None,
               None, utc_text(event.at), opened_on, None, None, None, None, None, None, None, None, None)
        tx.execute(f"INSERT INTO casework_cases ({', '.join(CASE_COLUMNS)}) "
                   f"VALUES ({', '.join(['%s'] * len(CASE_COLUMNS))}) ON CONFLICT (case_id) DO NOTHING", row)
        self._worker(tx, case_id, owner, "owner")

    @on(f"{CASE}.OwnerAssigned")
    def _owner_assigned(self, event, tx: Tx) -> None:
        case_id, owner = str(event.originator_id), event.owner or {}
        tx.execute("DELETE FROM casework_workers WHERE case_id = %s AND via = 'owner'", (case_id,))
        self._worker(tx, case_id, owner, "owner")
        self._set(tx, case_id, owner_user_id=id_text(owner.get("user_id")), owner_username=owner.get("username"),
                  owner_role=owner.get("role"))

    @on(f"{CASE}.WorkerAdded")
    def _worker_added(self, event, tx: Tx) -> None:
        self._worker(tx, str(event.originator_id), event.worker, "added")

    @on(f"{CASE}.TakenOn")
    def _taken_on(self, event, tx: Tx) -> None:
        """The latest agreement counts (recorded again while open: an extension). The organisation's name
        is sealed free text and is not kept."""
        self._set(tx, str(event.originator_id), service=event.service, source=event.source,
                  region=getattr(event, "region", None), agreement_on=day_text(event.agreement_on),
                  term_months=getattr(event, "term_months", None))

    @on(f"{CASE}.PersonAdded")
    def _person_added(self, event, tx: Tx) -> None:
        tx.execute("INSERT INTO casework_children (case_id, person_id, added_on, child) VALUES (%s, %s, %s, %s) "
                   "ON CONFLICT (case_id, person_id) DO NOTHING",
                   (str(event.originator_id), str(event.person_id), day_and_month(event.at)[0],
                    1 if event.role == "child" else 0))

    @on(f"{CASE}.PersonChanged")
    def _person_changed(self, event, tx: Tx) -> None:
        if "role" in (event.changed or ()) and event.role:
            tx.execute("UPDATE casework_children SET child = %s WHERE case_id = %s AND person_id = %s",
                       (1 if event.role == "child" else 0, str(event.originator_id), str(event.person_id)))

    @on(f"{CASE}.Closed")
    def _closed(self, event, tx: Tx) -> None:
        """Closed events written before coded reasons carry no reason_code (counted as not coded) and no outcomes."""
        case_id = str(event.originator_id)
        self._set(tx, case_id, status="closed", closed_on=happened_on(event),
                  reason_code=getattr(event, "reason_code", None))
        for outcome in getattr(event, "child_outcomes", None) or ():
            values = [outcome.get(name) for name in OUTCOMES]
            tx.execute("UPDATE casework_children SET removal_prevented = %s, returned_home = %s, "
                       "wellbeing_improved = %s WHERE case_id = %s AND person_id = %s",
                       (*values, case_id, str(outcome.get("person_id"))))

    @on(f"{CASE}.Reopened")
    def _reopened(self, event, tx: Tx) -> None:
        """Open again: its closure no longer counts (a later closure records its own reason and outcomes)."""
        case_id = str(event.originator_id)
        self._set(tx, case_id, status="reopened", closed_on=None, reason_code=None)
        tx.execute("UPDATE casework_children SET removal_prevented = NULL, returned_home = NULL, "
                   "wellbeing_improved = NULL WHERE case_id = %s", (case_id,))

    @on(f"{CASE}.FollowUpRecorded")
    def _follow_up(self, event, tx: Tx) -> None:
        tx.execute("INSERT INTO casework_follow_ups (case_id, due_months, follow_up_id, finding, done_on) "
                   "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (case_id, due_months) DO UPDATE SET "
                   "follow_up_id = excluded.follow_up_id, finding = excluded.finding, done_on = excluded.done_on",
                   (str(event.originator_id), int(event.due_months), id_text(getattr(event, "follow_up_id", None)),
                    getattr(event, "finding", None), happened_on(event)))

    # The plan: goals, activities, reviews --------------------------------------------------------------

    @on(f"{PLAN}.Started")
    def _plan_started(self, event, tx: Tx) -> None:
        tx.execute("INSERT INTO casework_plans (plan_id, case_id) VALUES (%s, %s) ON CONFLICT (plan_id) DO NOTHING",
                   (str(event.originator_id), str(event.case_id)))

    @on(f"{PLAN}.ActivityAdded")
    def _activity_added(self, event, tx: Tx) -> None:
        case_id = self._case_of_plan(tx, event.originator_id)
        if case_id is not None:
            self._item(tx, event.activity_id, case_id, "activity", event.due_on, event.responsible,
                       goal_id=getattr(event, "goal_id", None))

    @on(f"{PLAN}.ActivityDone")
    def _activity_done(self, event, tx: Tx) -> None:
        self._item_status(tx, event.activity_id, "done", happened_on(event))

    @on(f"{PLAN}.ActivityDropped")
    def _activity_dropped(self, event, tx: Tx) -> None:
        self._item_status(tx, event.activity_id, "dropped", happened_on(event))

    @on(f"{PLAN}.GoalClosed")
    def _goal_closed(self, event, tx: Tx) -> None:
        """The open activities of an achieved or dropped goal are no longer due."""
        tx.execute("UPDATE casework_items SET status = 'goal_closed', done_on = %s WHERE goal_id = %s "
                   "AND kind = 'activity' AND status = 'open'", (happened_on(event), str(event.goal_id)))

    @on(f"{PLAN}.Reviewed")
    def _reviewed(self, event, tx: Tx) -> None:
        case_id = self._case_of_plan(tx, event.originator_id)
        if case_id is None:
            return
        held_on, next_on = happened_on(event), day_text(getattr(event, "next_review_on", None))
        tx.execute("INSERT INTO casework_reviews (review_id, case_id, held_on, next_review_on, family_progress, "
                   "user_id) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (review_id) DO NOTHING",
                   (str(event.review_id), case_id, held_on, next_on, getattr(event, "family_progress", None),
                    id_text((event.actor or {}).get("user_id"))))
        latest = tx.execute("SELECT held_on, next_review_on FROM casework_reviews WHERE case_id = %s "
                            "ORDER BY held_on DESC, review_id DESC LIMIT 1", (case_id,)).fetchone()
        if latest is not None:
            self._set(tx, case_id, last_review_on=latest[0], next_review_on=latest[1])

    @on(f"{PLAN}.OverdueEscalated")
    def _plan_escalated(self, event, tx: Tx) -> None:
        if event.item == "review":
            case_id = self._case_of_plan(tx, event.originator_id)
            if case_id is not None:
                self._set(tx, case_id, review_escalated_on=day_text(event.due_on))
        elif event.item_id is not None:
            tx.execute("UPDATE casework_items SET escalated = 1 WHERE item_id = %s", (str(event.item_id),))

    # Conferences: actions agreed per case ----------------------------------------------------------------

    @on(f"{CONFERENCE}.ActionAgreed")
    def _action_agreed(self, event, tx: Tx) -> None:
        """An action carried over from an earlier meeting replaces the one it was carried from."""
        carried_from = getattr(event, "carried_from", None)
        if carried_from is not None:
            self._item_status(tx, carried_from, "carried", day_and_month(event.at)[0])
        owner = event.owner or {}
        self._item(tx, event.action_id, str(event.case_id), "action", event.due_on,
                   owner if owner.get("kind") == "staff" else {"kind": owner.get("kind") or "agency"})

    @on(f"{CONFERENCE}.ActionDone")
    def _action_done(self, event, tx: Tx) -> None:
        self._item_status(tx, event.action_id, "done", happened_on(event))

    # Needs assessments: the care-loss level of the latest ---------------------------------------------------

    @on(f"{ASSESSMENT}.Recorded")
    def _assessed(self, event, tx: Tx) -> None:
        case_id = id_text(getattr(event, "case_id", None))
        if event.instrument != NEEDS_INSTRUMENT or case_id is None:
            return
        result = event.result or {}
        level = (result.get("care_loss_risk") or {}).get("level") or result.get("level")
        tx.execute("INSERT INTO casework_needs (assessment_id, case_id, assessed_at, level) VALUES (%s, %s, %s, %s) "
                   "ON CONFLICT (assessment_id) DO NOTHING",
                   (str(event.originator_id), case_id, utc_text(event.timestamp), level))
        self._latest_needs(tx, case_id)

    @on(f"{ASSESSMENT}.LevelOverridden")
    def _level_overridden(self, event, tx: Tx) -> None:
        case_id = tx.scalar("SELECT case_id FROM casework_needs WHERE assessment_id = %s", (str(event.originator_id),))
        if case_id is not None:
            tx.execute("UPDATE casework_needs SET level = %s WHERE assessment_id = %s",
                       (event.level, str(event.originator_id)))
            self._latest_needs(tx, case_id)

    def _latest_needs(self, tx: Tx, case_id: str) -> None:
        latest = tx.execute("SELECT level, assessed_at FROM casework_needs WHERE case_id = %s "
                            "ORDER BY assessed_at DESC, assessment_id DESC LIMIT 1", (case_id,)).fetchone()
        if latest is not None:
            self._set(tx, case_id, care_loss_level=latest[0], care_loss_on=day_and_month(
                datetime.fromisoformat(latest[1]))[0])
