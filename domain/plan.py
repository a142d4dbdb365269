"""The individual development plan of a case, and its reviews.

One plan per case (its id is derived from the case's id). Goals per person of the case, or for the
whole family (person_id None): what, by when, who is responsible (a member of staff of the service,
or a partner organisation by name). Activities under each goal with due dates and a status
(planned, done, dropped with a reason). A plan is revised, never overwritten: a changed goal is a
GoalChanged event with a reason, and the plan as it stood at any moment is its events replayed up
to then (`as_of`).

Reviews record progress per goal, the family's progress, decisions and the next review's date,
at most `review_months` after the review. The first review is due `review_months` after the case's
agreement (or its opening when there is none), then on the last review's next_review_on
(`review_due_on`). Overdue reviews and activities are escalated by the workers' sweep, once per
due date (OverdueEscalated, by the system).

Refused states (409, the state named): any write on a closed case ("closed"), an activity added
under a closed goal ("achieved"/"dropped"), a done activity done again ("done"), a closed goal
changed or closed again. Free text (goals, activities, reasons, notes, decisions, a partner's
name) is sealed for the plan's own subject, the case and its persons (`sealed_for`,
domain/personal.py), so erasing any of them, or the case by retention, erases the text.

Times: `at` is the moment of the command, `occurred_at` when it happened (never in the future);
dates (due_on, next_review_on) are ISO "YYYY-MM-DD" strings in the events.
"""
import calendar
from datetime import date, datetime
from functools import partial, reduce
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain import reference
from domain.actor import CASEWORK_ROLES, Actor
from domain.clock import ALLOWED_CLOCK_SKEW, EARLIEST_PLAUSIBLE, as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.ids import optional_id
from domain.text import REASON_MAX, checked_text

# Plans are found by their case: uuid5(PLAN_NAMESPACE, str(case_id)).
PLAN_NAMESPACE = UUID("5e0a9f63-3c57-4b1e-9d0f-2f4c1a7b8e21")
GOAL_STATUSES = ("open", "achieved", "dropped")
CLOSED_GOAL = ("achieved", "dropped")
ACTIVITY_STATUSES = ("planned", "done", "dropped")
GOAL_PROGRESS = reference.codes("goal_progress")  # achieved, progressing, no_change, worse
FAMILY_PROGRESS = reference.codes("family_progress")  # improved, stable, worse
RESPONSIBLE_KINDS = ("staff", "partner")
GOAL_CHANGES = ("text", "due_on", "responsible")
OVERDUE_ITEMS = ("review", "activity")
TEXT_MAX = 2000
ORGANISATION_MAX = 300
DECISIONS_MAX = 10_000
DEFAULT_REVIEW_MONTHS = 6
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def plan_id(case_id: UUID | str) -> UUID:
    """The one plan of a case."""
    return uuid5(PLAN_NAMESPACE, str(case_id))


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the 31st falls back to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def require_case_open(status: str | None) -> None:
    """Any plan write on a closed case is refused, the state named."""
    if status == "closed":
        raise Conflict("plan.case_closed", state="closed")


# Checking input ---------------------------------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    return as_aware(now or utc_now())


# A plan's texts are required unless said otherwise, and kept trimmed: they are read in lists.
_text = partial(checked_text, required=True, strip=True)


def _day(field: str, value, errors: dict, *, required: bool = True) -> str | None:
    """A calendar day as the events keep it: "YYYY-MM-DD"."""
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append(Reason("plan.day_missing"))
        return None
    if isinstance(value, datetime):
        value = local(value).date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append(Reason("plan.day_invalid"))
            return None
    if not isinstance(value, date):
        errors.setdefault(field, []).append(Reason("plan.day_invalid"))
        return None
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        errors.setdefault(field, []).append(Reason("plan.day_out_of_range", earliest=EARLIEST_DAY, latest=LATEST_DAY))
        return None
    return value.isoformat()


def occurred(value, at: datetime, errors: dict, field: str = "occurred_at") -> datetime:
    """When it happened: given, or the command's moment; never in the future, never implausibly early."""
    if value is None:
        return at
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors.setdefault(field, []).append(Reason("plan.time_invalid"))
            return at
    if not isinstance(value, datetime):
        errors.setdefault(field, []).append(Reason("plan.time_invalid"))
        return at
    value = as_aware(value)
    if value > at + ALLOWED_CLOCK_SKEW:
        errors.setdefault(field, []).append(Reason("plan.time_in_future"))
    elif value < EARLIEST_PLAUSIBLE:
        errors.setdefault(field, []).append(Reason("plan.time_too_early"))
    return value


def _one_of(field: str, value, allowed: tuple[str, ...], errors: dict) -> str | None:
    if value not in allowed:
        errors.setdefault(field, []).append(Reason("code.unknown", code=str(value)[:40]))
        return None
    return value


def responsible_errors(value, errors: dict, field: str = "responsible") -> dict | None:
    """{"kind": "staff", user_id, username, role} (found by the service) or {"kind": "partner", organisation}."""
    if not isinstance(value, dict) or value.get("kind") not in RESPONSIBLE_KINDS:
        errors.setdefault(f"{field}.kind", []).append(Reason("plan.responsible_kind", kinds=RESPONSIBLE_KINDS))
        return None
    if value["kind"] == "partner":
        organisation = _text(f"{field}.organisation", value.get("organisation"), ORGANISATION_MAX, errors)
        return {"kind": "partner", "organisation": organisation} if organisation else None
    if value.get("role") not in CASEWORK_ROLES or not value.get("username"):
        errors.setdefault(f"{field}.user_id", []).append(Reason("plan.responsible_staff"))
        return None
    return {"kind": "staff", "user_id": value.get("user_id"), "username": value["username"], "role": value["role"]}


def _refuse(errors: dict) -> None:
    if errors:
        raise Invalid.many(errors)


def _id_of(code: str, value) -> UUID:
    errors: dict = {}
    found = optional_id("id", value, errors)
    if errors or found is None:
        raise NotFound(code)
    return found


class Plan(Aggregate):
    """Started once per case; goals, activities and reviews only added to or moved on, never rewritten."""

    @classmethod
    def create_id(cls, case_id: UUID, **_):
        return plan_id(case_id)

    @classmethod
    def start(cls, *, case_id: UUID, actor: Actor, now: datetime | None = None) -> "Plan":
        if not actor.has_role(*CASEWORK_ROLES, "system"):
            raise Forbidden("case.role_forbidden", role=actor.role)
        return cls(case_id=case_id, at=_now(now), actor=actor.as_dict())

    @event("Started")
    def __init__(self, *, case_id: UUID, at: datetime, actor: dict):
        self.case_id = case_id
        self.started_at, self.started_by = at, actor
        self.goals: dict[UUID, dict] = {}
        self.activities: dict[UUID, dict] = {}
        self.reviews: list[dict] = []
        self.escalated: set[tuple[str, str | None, str]] = set()  # (item, item_id, due_on) escalated once
        self.escalations: list[dict] = []

    # Lookups ------------------------------------------------------------------------------------

    def goal(self, goal_id) -> dict:
        key = _id_of("plan.goal_not_found", goal_id)
        if key not in self.goals:
            raise NotFound("plan.goal_not_found")
        return self.goals[key]

    def activity(self, activity_id) -> dict:
        key = _id_of("plan.activity_not_found", activity_id)
        if key not in self.activities:
            raise NotFound("plan.activity_not_found")
        return self.activities[key]

    @staticmethod
    def _require_worker(actor: Actor) -> None:
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("case.role_forbidden", role=actor.role)

    # Goals --------------------------------------------------------------------------------------

    def set_goal(self, *, text, due_on, responsible, actor: Actor, person_id=None, persons=(),
                 occurred_at=None, sealed_for: list | None = None, now: datetime | None = None) -> UUID:
        """persons: the ids of the case's persons (a goal is for one of them, or the family: None)."""
        self._require_worker(actor)
        at, errors = _now(now), dict[str, list[Reason]]()
        person = optional_id("person_id", person_id, errors)
        if person is not None and person not in set(persons):
            errors["person_id"] = [Reason("person.not_found", person_id=person)]
        text = _text("text", text, TEXT_MAX, errors)
        due = _day("due_on", due_on, errors)
        responsible = responsible_errors(responsible, errors)
        when = occurred(occurred_at, at, errors)
        _refuse(errors)
        goal_id = uuid4()
        self._goal_set(goal_id=goal_id, person_id=person, text=text, due_on=due or "", responsible=responsible,
                       occurred_at=when, at=at, actor=actor.as_dict(), sealed_for=list(sealed_for or []))
        return goal_id

    @event("GoalSet")
    def _goal_set(self, goal_id: UUID, person_id: UUID | None, text: str, due_on: str, responsible: dict,
                  occurred_at: datetime, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.goals[goal_id] = {"goal_id": goal_id, "person_id": person_id, "text": text, "due_on": due_on,
                               "responsible": responsible, "status": "open", "reason": None,
                               "set_on": occurred_at, "set_at": at, "set_by": actor, "closed_on": None,
                               "changes": [], "activities": []}

    def _require_open_goal(self, goal: dict) -> None:
        if goal["status"] != "open":
            raise Conflict("plan.goal_achieved" if goal["status"] == "achieved" else "plan.goal_dropped",
                           state=goal["status"])

    def change_goal(self, goal_id, *, changes, reason, actor: Actor, sealed_for: list | None = None,
                    now: datetime | None = None) -> None:
        self._require_worker(actor)
        goal = self.goal(goal_id)
        errors: dict = {}
        if not isinstance(changes, dict) or not changes:
            raise Invalid("changes", "plan.changes_expected", keys=GOAL_CHANGES)
        for key in changes:
            if key not in GOAL_CHANGES:
                errors[f"changes.{key}"] = [Reason("plan.change_unknown", keys=GOAL_CHANGES)]
        new: dict = {}
        if "text" in changes:
            new["text"] = _text("changes.text", changes["text"], TEXT_MAX, errors)
        if "due_on" in changes:
            new["due_on"] = _day("changes.due_on", changes["due_on"], errors)
        if "responsible" in changes:
            new["responsible"] = responsible_errors(changes["responsible"], errors, "changes.responsible")
        reason = _text("reason", reason, REASON_MAX, errors)
        _refuse(errors)
        self._require_open_goal(goal)
        new = {key: value for key, value in new.items() if value != goal[key]}
        if not new:
            raise Invalid("changes", "plan.changes_nothing")
        self._goal_changed(goal_id=goal["goal_id"], changes=new, reason=reason, at=_now(now),
                           actor=actor.as_dict(), sealed_for=list(sealed_for or []))

    @event("GoalChanged")
    def _goal_changed(self, goal_id: UUID, changes: dict, reason: str, at: datetime, actor: dict,
                      sealed_for: list | None = None) -> None:
        goal = self.goals[goal_id]
        goal["changes"].append({"before": {key: goal[key] for key in changes}, "after": dict(changes),
                                "reason": reason, "at": at, "actor": actor})
        goal.update(changes)

    def close_goal(self, goal_id, *, status, reason=None, actor: Actor, occurred_at=None,
                   sealed_for: list | None = None, now: datetime | None = None) -> None:
        self._require_worker(actor)
        goal = self.goal(goal_id)
        at, errors = _now(now), dict[str, list[Reason]]()
        status = _one_of("status", status, CLOSED_GOAL, errors)
        reason = _text("reason", reason, REASON_MAX, errors, required=status == "dropped")
        when = occurred(occurred_at, at, errors)
        _refuse(errors)
        self._require_open_goal(goal)
        self._goal_closed(goal_id=goal["goal_id"], status=status, reason=reason, occurred_at=when, at=at,
                          actor=actor.as_dict(), sealed_for=list(sealed_for or []))

    @event("GoalClosed")
    def _goal_closed(self, goal_id: UUID, status: str, reason: str | None, occurred_at: datetime, at: datetime,
                     actor: dict, sealed_for: list | None = None) -> None:
        goal = self.goals[goal_id]
        goal.update(status=status, reason=reason, closed_on=occurred_at, closed_by=actor)

    # Activities ---------------------------------------------------------------------------------

    def add_activity(self, goal_id, *, text, due_on, responsible, actor: Actor, occurred_at=None,
                     sealed_for: list | None = None, now: datetime | None = None) -> UUID:
        self._require_worker(actor)
        goal = self.goal(goal_id)
        at, errors = _now(now), dict[str, list[Reason]]()
        text = _text("text", text, TEXT_MAX, errors)
        due = _day("due_on", due_on, errors)
        responsible = responsible_errors(responsible, errors)
        when = occurred(occurred_at, at, errors)
        _refuse(errors)
        self._require_open_goal(goal)
        activity_id = uuid4()
        self._activity_added(activity_id=activity_id, goal_id=goal["goal_id"], text=text, due_on=due or "",
                             responsible=responsible, occurred_at=when, at=at, actor=actor.as_dict(),
                             sealed_for=list(sealed_for or []))
        return activity_id

    @event("ActivityAdded")
    def _activity_added(self, activity_id: UUID, goal_id: UUID, text: str, due_on: str, responsible: dict,
                        occurred_at: datetime, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.activities[activity_id] = {
            "activity_id": activity_id, "goal_id": goal_id, "text": text, "due_on": due_on,
            "responsible": responsible, "status": "planned", "reason": None, "added_on": occurred_at,
            "added_at": at, "added_by": actor, "done_on": None, "dropped_on": None}
        self.goals[goal_id]["activities"].append(activity_id)

    def _require_planned(self, activity: dict) -> None:
        if activity["status"] != "planned":
            raise Conflict("plan.activity_done" if activity["status"] == "done" else "plan.activity_dropped",
                           state=activity["status"])

    def complete_activity(self, activity_id, *, actor: Actor, occurred_at=None, now: datetime | None = None) -> None:
        self._require_worker(actor)
        activity = self.activity(activity_id)
        at, errors = _now(now), dict[str, list[Reason]]()
        when = occurred(occurred_at, at, errors)
        _refuse(errors)
        self._require_planned(activity)
        self._activity_done(activity_id=activity["activity_id"], occurred_at=when, at=at, actor=actor.as_dict())

    @event("ActivityDone")
    def _activity_done(self, activity_id: UUID, occurred_at: datetime, at: datetime, actor: dict) -> None:
        self.activities[activity_id].update(status="done", done_on=occurred_at, done_by=actor)

    def drop_activity(self, activity_id, *, reason, actor: Actor, occurred_at=None,
                      sealed_for: list | None = None, now: datetime | None = None) -> None:
        self._require_worker(actor)
        activity = self.activity(activity_id)
        at, errors = _now(now), dict[str, list[Reason]]()
        reason = _text("reason", reason, REASON_MAX, errors)
        when = occurred(occurred_at, at, errors)
        _refuse(errors)
        self._require_planned(activity)
        self._activity_dropped(activity_id=activity["activity_id"], reason=reason, occurred_at=when, at=at,
                               actor=actor.as_dict(), sealed_for=list(sealed_for or []))

    @event("ActivityDropped")
    def _activity_dropped(self, activity_id: UUID, reason: str, occurred_at: datetime, at: datetime, actor: dict,
                          sealed_for: list | None = None) -> None:
        self.activities[activity_id].update(status="dropped", reason=reason, dropped_on=occurred_at,
                                            dropped_by=actor)

    # Reviews ------------------------------------------------------------------------------------

    def review(self, *, progress, family_progress, decisions, next_review_on, actor: Actor,
               review_months: int = DEFAULT_REVIEW_MONTHS, occurred_at=None, sealed_for: list | None = None,
               now: datetime | None = None) -> UUID:
        """progress: [{goal_id, progress, note}], one per goal at most; next_review_on at most
        review_months after the review was held."""
        self._require_worker(actor)
        at, errors = _now(now), dict[str, list[Reason]]()
        when = occurred(occurred_at, at, errors)
        codes, notes = self._progress(progress, errors)
        family_progress = _one_of("family_progress", family_progress, FAMILY_PROGRESS, errors)
        decisions = _text("decisions", decisions, DECISIONS_MAX, errors)
        next_on = _day("next_review_on", next_review_on, errors)
        if next_on is not None and "occurred_at" not in errors:
            held = local(when).date()  # the day it was held where the service works
            latest = add_months(held, review_months)
            if date.fromisoformat(next_on) <= held:
                errors["next_review_on"] = [Reason("plan.next_review_not_after", held=held.isoformat())]
            elif date.fromisoformat(next_on) > latest:
                errors["next_review_on"] = [Reason("plan.next_review_too_late", months=review_months,
                                                   latest=latest.isoformat())]
        _refuse(errors)
        review_id = uuid4()
        self._reviewed(review_id=review_id, progress=codes, notes=notes, family_progress=family_progress,
                       decisions=decisions, next_review_on=next_on or "", occurred_at=when, at=at,
                       actor=actor.as_dict(), sealed_for=list(sealed_for or []))
        return review_id

    def _progress(self, progress, errors: dict) -> tuple[list[dict], dict]:
        """The codes per goal, and the notes per goal (sealed as one: domain/personal.py)."""
        if progress is None:
            progress = []
        if not isinstance(progress, list):
            errors["progress"] = [Reason("plan.progress_not_list")]
            return [], {}
        codes: list[dict] = []
        notes: dict[str, str] = {}
        seen: set[UUID] = set()
        for index, entry in enumerate(progress):
            field = f"progress.{index}"
            if not isinstance(entry, dict):
                errors[field] = [Reason("plan.progress_not_list")]
                continue
            goal = optional_id(f"{field}.goal_id", entry.get("goal_id"), errors)
            if goal is None and f"{field}.goal_id" not in errors:
                errors[f"{field}.goal_id"] = [Reason("field.required")]
            elif goal is not None and goal not in self.goals:
                errors[f"{field}.goal_id"] = [Reason("plan.goal_not_found")]
            elif goal in seen:
                errors[f"{field}.goal_id"] = [Reason("plan.goal_twice")]
            code = _one_of(f"{field}.progress", entry.get("progress"), GOAL_PROGRESS, errors)
            note = _text(f"{field}.note", entry.get("note"), TEXT_MAX, errors, required=False)
            if goal is not None and code is not None:
                seen.add(goal)
                codes.append({"goal_id": goal, "progress": code})
                if note:
                    notes[str(goal)] = note
        return codes, notes

    @event("Reviewed")
    def _reviewed(self, review_id: UUID, progress: list, notes: dict, family_progress: str, decisions: str,
                  next_review_on: str, occurred_at: datetime, at: datetime, actor: dict,
                  sealed_for: list | None = None) -> None:
        notes = notes or {}
        self.reviews.append({
            "review_id": review_id, "family_progress": family_progress, "decisions": decisions,
            "progress": [{**entry, "note": notes.get(str(entry["goal_id"]))} for entry in progress],
            "next_review_on": next_review_on, "held_on": occurred_at, "at": at, "actor": actor})

    # Due dates and escalation -------------------------------------------------------------------

    def overdue(self, today: date, first_review_on: date) -> list[tuple[str, UUID | None, str]]:
        """(item, item_id, due_on) of the review and every planned activity past due on `today`."""
        due = review_due_on(self, first_review_on)
        items: list[tuple[str, UUID | None, str]] = []
        if due < today:
            items.append(("review", None, due.isoformat()))
        for activity in self.activities.values():
            if activity["status"] == "planned" and date.fromisoformat(activity["due_on"]) < today:
                items.append(("activity", activity["activity_id"], activity["due_on"]))
        return items

    def escalate(self, *, item: str, item_id: UUID | None, due_on: str, actor: Actor,
                 now: datetime | None = None) -> bool:
        """Records an overdue item once per due date; False when it was escalated already."""
        if not actor.has_role("system", "supervisor"):
            raise Forbidden("plan.escalate_forbidden")
        if item not in OVERDUE_ITEMS:
            raise Invalid("item", "code.unknown", code=item)
        if (item, None if item_id is None else str(item_id), due_on) in self.escalated:
            return False
        self._overdue_escalated(item=item, item_id=item_id, due_on=due_on, at=_now(now), actor=actor.as_dict())
        return True

    @event("OverdueEscalated")
    def _overdue_escalated(self, item: str, item_id: UUID | None, due_on: str, at: datetime, actor: dict) -> None:
        self.escalated.add((item, None if item_id is None else str(item_id), due_on))
        self.escalations.append({"item": item, "item_id": item_id, "due_on": due_on, "at": at})


def review_due_on(plan: Plan | None, first_review_on: date) -> date:
    """The next review: the last review's next_review_on, else the first one (review_months after the
    agreement, or the case's opening)."""
    if plan is None or not plan.reviews:
        return first_review_on
    return date.fromisoformat(plan.reviews[-1]["next_review_on"])


def first_review_on(start: date, months: int) -> date:
    return add_months(start, months)


def moment_of(event) -> datetime:
    """When an event was recorded: its `at` (the command's moment), else the store's timestamp."""
    return as_aware(getattr(event, "at", None) or event.timestamp)


def replay(events, as_of: datetime | None = None) -> Plan | None:
    """The plan as it stood at `as_of` (now, without it): its events recorded by then, replayed."""
    kept = [event for event in events if as_of is None or moment_of(event) <= as_aware(as_of)]
    return reduce(lambda plan, event: event.mutate(plan), kept, None) if kept else None
