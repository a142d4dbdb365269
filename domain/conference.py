"""A case conference: a supervision, intervision or multi-agency meeting, its agenda of cases, and for
each case the decisions taken and the actions agreed.

State of a meeting: it is scheduled for a day (`held_on`); decisions and actions are recorded from that
day on (before it: Conflict, state "scheduled"). Per case on the agenda:

    command         allowed when                             refused with
    add_case        the case is not on the agenda yet        409 state "on_agenda"
    discuss         the case is on the agenda, meeting held  409 state "not_on_agenda" / "scheduled"
    agree_action    the case is on the agenda, meeting held  409 state "not_on_agenda" / "scheduled"
    mark_done       the action is open                       409 state "done" / "carried"

Decisions recorded again for the same case are added to the earlier ones, never overwrite them.

Series and carry-over (decided here, and why): a meeting continues a series by naming the previous
meeting (`previous_id`); it takes the series' `series_id` (a first meeting starts a new series: a new
random id). Scheduling the next meeting carries every action still open at the previous
one to it automatically, in the same commit: the new meeting records `ActionAgreed` with
`carried_from` (the old action's id), the same case, text, owner and due date; the previous meeting
records `ActionCarried` for each, so the old action is no longer open anywhere (marking it done there
is 409, state "carried") and each open action is counted once. The cases of the carried actions join
the new meeting's agenda. Automatic, because an open action that nobody carries would silently drop
out of every caseload; the meeting then marks done what is done.

Twelve months: a case discussed at two meetings held within twelve months of each other is flagged
(`discussed_within_a_year`), on the meeting's page and on the case's page: it keeps coming back.

An action's owner is a member of staff ({"kind": "staff", "user_id", "username", "role"}) or a partner
agency by name ({"kind": "agency", "agency": "..."}). Agency names are organisations, not the people the
service serves, so they are stored readable (they head the agency's copy of the minutes even after
the case's persons are erased). Decisions and action texts are free text about the case: sealed for
the case and its persons (domain/personal.py), erased with any of them.

The agency's copy of the minutes (`agency_copy`) holds, for one agency:
- the meeting's kind and day and the names of the agencies that attended (no staff names);
- per case on the agenda with something for the agency: the case's short number only (never a name,
  phone, address, label or role of its persons: no field of the case itself is read);
- the actions whose owner is that agency (text, due date, open/done/carried), and no other agency's
  actions nor any staff member's actions;
- the decisions addressed to that agency when they were recorded (`agencies` of CaseDiscussed), and
  no other decisions: internal decisions of the staff are not in it.

Every event carries `at`, the moment of the command (passed in as `now`), and the actor.
"""
from datetime import date, datetime, timedelta
from itertools import pairwise
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.reference import codes

KINDS = codes("conference_kinds")
# Who schedules a meeting: supervisors (supervision, multi-agency meetings) and psychologists (intervision
# among colleagues). Consultants attend and record decisions on the cases they work on, but do not call
# meetings: the family service's staff run them.
SCHEDULING_ROLES = ("psychologist", "supervisor")
MOST_AGENCIES = 30
MOST_ATTENDEES = 50
MOST_CASES = 50
AGENCY_MAX = 200
DECISIONS_MAX = 10_000
ACTION_MAX = 2_000
OWNER_KINDS = ("staff", "agency")
EARLIEST_DAY = date(2000, 1, 1)
LONGEST_AHEAD = timedelta(days=366)  # a meeting is scheduled at most a year ahead
LONGEST_DUE = timedelta(days=3 * 366)  # an action is due at most three years after the meeting
ACTION_STATES = ("open", "done", "carried")


def _now(now: datetime | None) -> datetime:
    return as_aware(now or utc_now())


def day_of(value, field: str, errors: dict) -> date | None:
    """A day given as a date or as YYYY-MM-DD text; anything else is refused on `field`."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.setdefault(field, []).append(Reason("conference.day_invalid"))
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it is shorter (29 February + 12 = 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has 28 days


def within_a_year(earlier: date, later: date) -> bool:
    """Whether `later` is at most twelve months after `earlier` (in either order)."""
    earlier, later = sorted((earlier, later))
    return later <= add_months(earlier, 12)


def discussed_within_a_year(days: list[date]) -> bool:
    """Whether any two of the days a case was discussed lie within twelve months of each other."""
    ordered = sorted(days)
    return any(within_a_year(first, second) for first, second in pairwise(ordered))


def earlier_discussion(held_on: date, others: list[date]) -> date | None:
    """The latest other discussion of the case within the twelve months up to this meeting (same day
    counts), or None: why this meeting's agenda flags the case as discussed again."""
    before = [day for day in others if day <= held_on and within_a_year(day, held_on)]
    return max(before) if before else None


def _text(field: str, value, limit: int, errors: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.setdefault(field, []).append(Reason("text.blank"))
        return ""
    if len(value) > limit:
        errors.setdefault(field, []).append(Reason("text.longer_than", max=limit))
        return ""
    return value.strip()


def agency_names(values, field: str, errors: dict) -> list[str]:
    """Partner agencies by name: words, each once (compared without case), at most MOST_AGENCIES."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors.setdefault(field, []).append(Reason("text.not_text"))
        return []
    if len(values) > MOST_AGENCIES:
        errors.setdefault(field, []).append(Reason("conference.too_many", max=MOST_AGENCIES))
        return []
    names: list[str] = []
    for index, value in enumerate(values):
        name = _text(f"{field}.{index}", value, AGENCY_MAX, errors)
        if name and name.casefold() in {known.casefold() for known in names}:
            errors.setdefault(f"{field}.{index}", []).append(Reason("conference.agency_twice", agency=name))
        elif name:
            names.append(name)
    return names


def same_agency(one: str | None, other: str | None) -> bool:
    return bool(one and other) and str(one).strip().casefold() == str(other).strip().casefold()


def _ids(values, field: str, errors: dict) -> list[UUID]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors.setdefault(field, []).append(Reason("id.invalid"))
        return []
    if len(values) > MOST_CASES:
        errors.setdefault(field, []).append(Reason("conference.too_many", max=MOST_CASES))
        return []
    found: list[UUID] = []
    for index, value in enumerate(values):
        try:
            found.append(value if isinstance(value, UUID) else UUID(str(value)))
        except ValueError:
            errors.setdefault(f"{field}.{index}", []).append(Reason("id.invalid"))
    return list(dict.fromkeys(found))


def require_scheduler(actor: Actor) -> None:
    if not actor.has_role(*SCHEDULING_ROLES):
        raise Forbidden("conference.schedule_forbidden", role=actor.role)


class Conference(Aggregate):
    """One meeting of a series; cases are added to its agenda, decisions and actions recorded on them."""

    @classmethod
    def schedule(cls, *, kind: str | None, held_on, actor: Actor, attendees: list[Actor] | None = None,
                 agencies: list | None = None, case_ids: list | None = None,
                 previous: "Conference | None" = None, now: datetime | None = None) -> "Conference":
        """previous: the meeting this one continues (its series); the service carries its open actions."""
        require_scheduler(actor)
        now = _now(now)
        errors: dict[str, list[Reason]] = {}
        if kind not in KINDS:
            errors["kind"] = [Reason("code.unknown", code=kind)]
        day = day_of(held_on, "held_on", errors)
        if day is not None:
            if day < EARLIEST_DAY:
                errors["held_on"] = [Reason("conference.day_too_early", earliest=EARLIEST_DAY.isoformat())]
            elif day > local(now).date() + LONGEST_AHEAD:
                errors["held_on"] = [Reason("conference.too_far_ahead")]
            elif previous is not None and day < previous.held_day:
                errors["held_on"] = [Reason("conference.before_previous", previous=previous.held_on)]
        staff = list(attendees or [])
        if len(staff) > MOST_ATTENDEES:
            errors["attendees"] = [Reason("conference.too_many", max=MOST_ATTENDEES)]
        for index, member in enumerate(staff):
            if not member.has_role(*CASEWORK_ROLES):
                errors[f"attendees.{index}"] = [Reason("conference.attendee_role", role=member.role)]
        names = agency_names(agencies, "agencies", errors)
        cases = _ids(case_ids, "case_ids", errors)
        if errors:
            raise Invalid.many(errors)
        unique = list({str(member.user_id or member.username): member.as_dict() for member in staff}.values())
        return cls(series_id=previous.series_id if previous is not None else uuid4(),
                   previous_id=previous.id if previous is not None else None, kind=str(kind),
                   held_on=day.isoformat() if day else "", attendees=unique, agencies=names, case_ids=cases,
                   at=now, actor=actor.as_dict())

    @event("Scheduled")
    def __init__(self, *, series_id: UUID, previous_id: UUID | None, kind: str, held_on: str, attendees: list,
                 agencies: list, case_ids: list, at: datetime, actor: dict):
        self.series_id, self.previous_id, self.kind, self.held_on = series_id, previous_id, kind, held_on
        self.attendees, self.agencies = list(attendees), list(agencies)
        self.scheduled_at, self.scheduled_by = at, actor
        self.cases: dict[UUID, dict] = {}
        for case_id in case_ids:
            self._put_on_agenda(case_id, at, actor)
        self.actions: dict[UUID, dict] = {}

    # Reading -----------------------------------------------------------------------------------

    @property
    def held_day(self) -> date:
        return date.fromisoformat(self.held_on)

    def open_actions(self) -> list[dict]:
        return [action for action in self.actions.values() if action["state"] == "open"]

    def on_agenda(self, case_id) -> bool:
        return _key(case_id) in self.cases

    def attends(self, actor: Actor) -> bool:
        """Whether the actor scheduled the meeting or is one of its staff attendees."""
        return same_person(self.scheduled_by, actor) or any(same_person(member, actor) for member in self.attendees)

    def action(self, action_id) -> dict:
        key = _key(action_id)
        if key is None or key not in self.actions:
            raise NotFound("record.not_found", what="action", id=action_id)
        return self.actions[key]

    def agency_copy(self, agency: str) -> dict:
        """The agency's copy of the minutes: see the module's docstring for what it may hold."""
        attending = [name for name in self.agencies]
        owning = {action["owner"].get("agency") for action in self.actions.values()
                  if action["owner"].get("kind") == "agency"}
        known = next((name for name in [*attending, *owning] if same_agency(name, agency)), None)
        if known is None:
            raise Invalid("agency", "conference.agency_unknown", agency=agency)
        cases = []
        for case in self.cases.values():
            actions = [{"action_id": action["action_id"], "text": action["text"], "due_on": action["due_on"],
                        "state": action["state"], "done_on": action["done_on"]}
                       for action in self.actions.values()
                       if action["case_id"] == case["case_id"] and action["owner"].get("kind") == "agency"
                       and same_agency(action["owner"].get("agency"), known)]
            decisions = [discussion["decisions"] for discussion in case["discussions"]
                         if any(same_agency(name, known) for name in discussion["agencies"])]
            if actions or decisions:
                cases.append({"case_id": case["case_id"], "number": str(case["case_id"])[:8],
                              "decisions": decisions, "actions": actions})
        return {"conference_id": self.id, "kind": self.kind, "held_on": self.held_on, "agency": known,
                "agencies": attending, "cases": cases}

    # Guards ------------------------------------------------------------------------------------

    def _require_on_agenda(self, case_id: UUID) -> dict:
        if case_id not in self.cases:
            raise Conflict("conference.case_not_on_agenda", state="not_on_agenda")
        return self.cases[case_id]

    def _require_held(self, now: datetime) -> None:
        if self.held_day > local(now).date():
            raise Conflict("conference.not_held", state="scheduled", held_on=self.held_on)

    # The agenda --------------------------------------------------------------------------------

    def add_case(self, *, case_id, actor: Actor, now: datetime | None = None) -> None:
        key = _case_id(case_id)
        if key in self.cases:
            raise Conflict("conference.case_on_agenda", state="on_agenda")
        self._case_added(case_id=key, at=_now(now), actor=actor.as_dict())

    @event("CaseAdded")
    def _case_added(self, case_id: UUID, at: datetime, actor: dict) -> None:
        self._put_on_agenda(case_id, at, actor)

    def _put_on_agenda(self, case_id: UUID, at: datetime, actor: dict) -> None:
        self.cases[case_id] = {"case_id": case_id, "added_at": at, "added_by": actor, "discussions": []}

    # Decisions and actions ---------------------------------------------------------------------

    def discuss(self, *, case_id, decisions: str, actor: Actor, agencies: list | None = None,
                sealed_for: list | None = None, now: datetime | None = None) -> None:
        """agencies: those of the meeting's agencies the decisions are addressed to (their copies show them)."""
        key = _case_id(case_id)
        now = _now(now)
        self._require_on_agenda(key)
        self._require_held(now)
        errors: dict[str, list[Reason]] = {}
        text = _text("decisions", decisions, DECISIONS_MAX, errors)
        names = agency_names(agencies, "agencies", errors)
        for index, name in enumerate(names):
            if not any(same_agency(name, known) for known in self.agencies):
                errors.setdefault(f"agencies.{index}", []).append(Reason("conference.agency_unknown", agency=name))
        if errors:
            raise Invalid.many(errors)
        self._case_discussed(case_id=key, decisions=text, agencies=names, at=now, actor=actor.as_dict(),
                             sealed_for=list(sealed_for or []))

    @event("CaseDiscussed")
    def _case_discussed(self, case_id: UUID, decisions: str, at: datetime, actor: dict,
                        sealed_for: list | None = None, agencies: list | None = None) -> None:
        self.cases[case_id]["discussions"].append(
            {"decisions": decisions, "agencies": list(agencies or []), "at": at, "actor": actor})

    def agree_action(self, *, case_id, text: str, owner: dict, due_on, actor: Actor,
                     sealed_for: list | None = None, now: datetime | None = None) -> UUID:
        """owner: {"kind": "staff", "user_id", "username", "role"} (the service finds the member of staff)
        or {"kind": "agency", "agency": name}. Returns the action's id."""
        key = _case_id(case_id)
        now = _now(now)
        self._require_on_agenda(key)
        self._require_held(now)
        errors: dict[str, list[Reason]] = {}
        words = _text("text", text, ACTION_MAX, errors)
        owner = _owner(owner, errors)
        day = day_of(due_on, "due_on", errors)
        if day is not None and day < self.held_day:
            errors["due_on"] = [Reason("conference.due_before_meeting", held_on=self.held_on)]
        elif day is not None and day > self.held_day + LONGEST_DUE:
            errors["due_on"] = [Reason("conference.due_too_far")]
        if errors:
            raise Invalid.many(errors)
        action_id = uuid4()
        self._action_agreed(action_id=action_id, case_id=key, text=words, owner=owner,
                            due_on=day.isoformat() if day else "", carried_from=None, at=now, actor=actor.as_dict(),
                            sealed_for=list(sealed_for or []))
        return action_id

    def carry(self, action: dict, *, actor: Actor, sealed_for: list | None = None, now: datetime | None = None) -> UUID:
        """Takes over an open action of the previous meeting (its case joins the agenda if need be)."""
        now = _now(now)
        if action["case_id"] not in self.cases:
            self._case_added(case_id=action["case_id"], at=now, actor=actor.as_dict())
        action_id = uuid4()
        self._action_agreed(action_id=action_id, case_id=action["case_id"], text=action["text"],
                            owner=action["owner"], due_on=action["due_on"], carried_from=action["action_id"],
                            at=now, actor=actor.as_dict(), sealed_for=list(sealed_for or []))
        return action_id

    @event("ActionAgreed")
    def _action_agreed(self, action_id: UUID, case_id: UUID, text: str | None, owner: dict, due_on: str,
                       carried_from: UUID | None, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.actions[action_id] = {
            "action_id": action_id, "case_id": case_id, "text": text, "owner": owner, "due_on": due_on,
            "carried_from": carried_from, "state": "open", "agreed_at": at, "agreed_by": actor,
            "done_on": None, "done_by": None, "carried_to": None}

    def mark_done(self, action_id, *, actor: Actor, occurred_at: datetime | None = None,
                  now: datetime | None = None) -> dict:
        """Returns the action. occurred_at: when it was done (not in the future, not before the meeting)."""
        action = self.action(action_id)
        if action["state"] != "open":
            raise Conflict("conference.action_done" if action["state"] == "done" else "conference.action_carried",
                           state=action["state"])
        now = _now(now)
        occurred_at = as_aware(occurred_at) if isinstance(occurred_at, datetime) else now
        if occurred_at > now:
            raise Invalid("occurred_at", "conference.done_in_future")
        if local(occurred_at).date() < self.held_day:
            raise Invalid("occurred_at", "conference.done_before_meeting", held_on=self.held_on)
        self._action_done(action_id=action["action_id"], occurred_at=occurred_at, at=now, actor=actor.as_dict())
        return action

    @event("ActionDone")
    def _action_done(self, action_id: UUID, occurred_at: datetime, at: datetime, actor: dict) -> None:
        action = self.actions[action_id]
        action.update(state="done", done_on=local(occurred_at).date().isoformat(), done_by=actor, done_at=occurred_at)

    def mark_carried(self, action_id: UUID, *, to_conference_id: UUID, new_action_id: UUID, actor: Actor,
                     now: datetime | None = None) -> None:
        """The next meeting of the series took the open action over."""
        action = self.action(action_id)
        if action["state"] != "open":
            raise Conflict("conference.action_done" if action["state"] == "done" else "conference.action_carried",
                           state=action["state"])
        self._action_carried(action_id=action["action_id"], to_conference_id=to_conference_id,
                             to_action_id=new_action_id, at=_now(now), actor=actor.as_dict())

    @event("ActionCarried")
    def _action_carried(self, action_id: UUID, to_conference_id: UUID, to_action_id: UUID, at: datetime,
                        actor: dict) -> None:
        self.actions[action_id].update(state="carried", carried_to=to_conference_id)


def _key(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def _case_id(value) -> UUID:
    key = _key(value)
    if key is None:
        raise Invalid("case_id", "id.invalid")
    return key


def _owner(owner, errors: dict) -> dict:
    """An action's owner as stored; a member of staff is already resolved by the service."""
    if not isinstance(owner, dict) or owner.get("kind") not in OWNER_KINDS:
        errors["owner.kind"] = [Reason("conference.owner_kind")]
        return {}
    if owner["kind"] == "agency":
        name = _text("owner.agency", owner.get("agency"), AGENCY_MAX, errors)
        return {"kind": "agency", "agency": name}
    if not owner.get("username") or owner.get("role") not in CASEWORK_ROLES:
        errors["owner.user_id"] = [Reason("conference.owner_role", role=owner.get("role"))]
        return {}
    return {"kind": "staff", "user_id": owner.get("user_id"), "username": owner["username"], "role": owner["role"]}
