"""Group programmes: a programme's versioned definition, and a group that runs one (its facilitators,
timetable, participants, sessions held and attendance, completions and drop-outs).

A programme (`Programme`) is a definition: its name in kk/ru/en, its kind (reference list
`programme_kinds`), the planned sessions and hours, and the completion rule: at least `min_hours`
attended, or at least `min_sessions` sessions attended (either suffices; a rule names one or both).
A revision is a new version of the definition (`Revised`); a group keeps the version it was planned
with, so a revision never changes what earlier groups' participants needed to complete.

Two definitions ship with Senim (BUILTIN, well-known ids, committed on first use by the service):
- `strong_parents`: the parent course "Strong parents – strong children", 10 sessions of 2 hours,
  completed with at least 16 hours attended (the certificate rule of SEED-TABLES T3);
- `correctional`: the correctional programme for aggressors. Its number of sessions is not written
  in any document Senim was given: 12 sessions of 2 hours, completed with 10 sessions attended, is
  a placeholder a supervisor revises. The individual programme (domain/programme.py) goes on as it
  is: see the note at the end of this module.

A group (`Group`), per participant:

    command            allowed when                                   refused with
    enrol              group not finished and not full                409 state "finished" / "full"
                       the person not already in the group            409 state "enrolled"
    hold_session       the planned session not held yet, not finished 409 state "held" / "finished"
    record_attendance  the session held                               409 state "planned"
                       the participant still enrolled or completed    409 state "dropped_out"
    drop_out           the participant enrolled                       409 state "completed" / "dropped_out"
    finish             the group not finished                         409 state "finished"

A participant completes (`ParticipantCompleted`, in the same commit as the attendance) as soon as the
group's rule is met; completion is final. Attendance recorded again for a session replaces that
session's hours of the participants it names. A participant who dropped out frees the seat.

A participant is a person of a case (`case_id`, `person_id`: the service checks the enroller may see
the case) or recorded for the group only: the name is then sealed under the participant's own key
(`participant_id`, domain/personal.py), erasable alone. Sex, age, social statuses (several at once),
region and settlement type are kept readable for statistics; nothing else about the person is.

Every event carries `at`, the moment of the command (passed in as `now`), and the actor.

The individual correctional programme and "a programme run with one participant": a
ProgrammeParticipation (domain/programme.py) is one person's enrolment in the `correctional`
programme, its facilitator the psychologist who enrolled them, its numbered sessions those of a
group of one whose attendance is all or nothing; its explicit completion with an outcome stands for
the rule. Its events, API and eligibility gate are unchanged; migrating its history into groups
(one Group per participation, replaying sessions as held and attended) is left for later: it
would rewrite every read of /api/v1/programme and its statistics, and gains nothing for T3.
"""
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor, same_person
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.reference import codes

GROUP_ROLES = ("psychologist", "supervisor")  # who plans and runs groups, and facilitates them
DEFINING_ROLES = ("supervisor",)  # who defines and revises programmes
KINDS = codes("programme_kinds")
SOCIAL_STATUSES = codes("social_statuses")
SEXES = codes("genders")
REGIONS = codes("regions")
SETTLEMENTS = codes("settlement_types")
LANGUAGES = ("kk", "ru", "en")
NAME_MAX = 200
TEXT_MAX = 500
MOST_SESSIONS = 100
MOST_FACILITATORS = 4
MOST_CAPACITY = 500
SHORTEST_SESSION, LONGEST_SESSION = 15, 8 * 60  # minutes
OLDEST = 120
PARTICIPANT_STATES = ("enrolled", "completed", "dropped_out")


def _now(now: datetime | None) -> datetime:
    return as_aware(now or utc_now())


def _text(value, field: str, errors: dict, *, limit: int = TEXT_MAX, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            errors.setdefault(field, []).append(Reason("field.required"))
        return None
    if not isinstance(value, str) or not value.strip():
        errors.setdefault(field, []).append(Reason("text.blank"))
        return None
    if len(value) > limit:
        errors.setdefault(field, []).append(Reason("text.longer_than", max=limit))
        return None
    return value.strip()


def _code(value, allowed, field: str, errors: dict, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if value not in allowed:
        errors.setdefault(field, []).append(Reason("code.unknown", code=value))
        return None
    return str(value)


def _number(value, field: str, errors: dict, *, low: float, high: float, required: bool = True,
            whole: bool = True) -> float | int | None:
    if value is None and not required:
        return None
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        errors.setdefault(field, []).append(Reason("group.number_outside", low=low, high=high))
        return None
    return value


def day_of(value, field: str, errors: dict) -> date | None:
    if isinstance(value, datetime):
        return local(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.setdefault(field, []).append(Reason("group.day_invalid"))
    return None


def _key(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


# Programmes --------------------------------------------------------------------------------------

def checked_definition(fields: dict, *, key: str | None = None, version: int = 1) -> dict:
    """A programme's definition as plain data, or Invalid naming each bad field."""
    errors: dict[str, list[Reason]] = {}
    names_in = fields.get("names")
    names = {}
    if not isinstance(names_in, dict):
        errors["names"] = [Reason("field.required")]
    else:
        for language in LANGUAGES:
            names[language] = _text(names_in.get(language), f"names.{language}", errors, limit=NAME_MAX)
    kind = _code(fields.get("kind"), KINDS, "kind", errors)
    sessions = _number(fields.get("sessions"), "sessions", errors, low=1, high=MOST_SESSIONS)
    hours = _number(fields.get("hours"), "hours", errors, low=0.25, high=1000, whole=False)
    min_hours = _number(fields.get("min_hours"), "min_hours", errors, low=0.25, high=1000, required=False,
                        whole=False)
    min_sessions = _number(fields.get("min_sessions"), "min_sessions", errors, low=1, high=MOST_SESSIONS,
                           required=False)
    if min_hours is None and min_sessions is None and "min_hours" not in errors and "min_sessions" not in errors:
        errors["min_hours"] = [Reason("group.rule_missing")]
    if isinstance(min_sessions, int) and isinstance(sessions, int) and min_sessions > sessions:
        errors["min_sessions"] = [Reason("group.rule_above_plan", planned=sessions)]
    if isinstance(min_hours, (int, float)) and isinstance(hours, (int, float)) and min_hours > hours:
        errors["min_hours"] = [Reason("group.rule_above_plan", planned=hours)]
    if errors:
        raise Invalid.many(errors)
    return {"key": key, "version": version, "names": names, "kind": kind, "sessions": sessions,
            "hours": float(hours) if hours is not None else None,
            "min_hours": float(min_hours) if min_hours is not None else None, "min_sessions": min_sessions}


BUILTIN = {
    "strong_parents": {
        "names": {"kk": "«Күшті ата-ана – күшті бала»", "ru": "«Сильные родители – сильные дети»",
                  "en": "Strong parents – strong children"},
        "kind": "parent_course", "sessions": 10, "hours": 20, "min_hours": 16, "min_sessions": None},
    "correctional": {
        "names": {"kk": "Зорлық-зомбылық көрсеткендерге арналған түзету бағдарламасы",
                  "ru": "Коррекционная программа для лиц, совершивших насилие",
                  "en": "Correctional programme for aggressors"},
        "kind": "correctional_aggressors", "sessions": 12, "hours": 24, "min_hours": None, "min_sessions": 10},
}


def builtin_id(key: str) -> UUID:
    """The well-known id of a programme that ships with Senim (from its code, never from a person)."""
    return uuid5(NAMESPACE_URL, f"https://senim.kz/programmes/{key}")


def require_role(actor: Actor) -> None:
    """Who plans, runs and facilitates groups."""
    if not actor.has_role(*GROUP_ROLES):
        raise Forbidden("group.forbidden", role=actor.role)


def require_reader(actor: Actor) -> None:
    if not actor.has_role(*GROUP_ROLES):
        raise Forbidden("group.read_forbidden", role=actor.role)


def require_definer(actor: Actor) -> None:
    if not actor.has_role(*DEFINING_ROLES):
        raise Forbidden("group.define_forbidden", role=actor.role)


class Programme(Aggregate):
    """A programme's definition; each revision a new version."""

    @classmethod
    def define(cls, fields: dict, *, actor: Actor, now: datetime | None = None) -> "Programme":
        require_definer(actor)
        return cls(definition=checked_definition(fields), at=_now(now), actor=actor.as_dict())

    @classmethod
    def builtin(cls, key: str, *, actor: Actor, now: datetime | None = None) -> "Programme":
        """A shipped definition, made by the system on first use (its actor: whoever used it first)."""
        if key not in BUILTIN:
            raise NotFound("record.not_found", what="programme", id=key)
        return cls(definition=checked_definition(BUILTIN[key], key=key), at=_now(now), actor=actor.as_dict())

    @staticmethod
    def create_id(definition: dict, **_) -> UUID:
        """A shipped programme has its well-known id; any other a random one."""
        return builtin_id(definition["key"]) if definition.get("key") else uuid4()

    @event("Defined")
    def __init__(self, *, definition: dict, at: datetime, actor: dict):
        self.definition = dict(definition)
        self.defined_at, self.defined_by = at, actor
        self.history = [dict(definition)]

    def revise(self, fields: dict, *, actor: Actor, now: datetime | None = None) -> None:
        require_definer(actor)
        definition = checked_definition(fields, key=self.definition.get("key"),
                                        version=self.definition["version"] + 1)
        self._revised(definition=definition, at=_now(now), actor=actor.as_dict())

    @event("Revised")
    def _revised(self, definition: dict, at: datetime, actor: dict) -> None:
        self.definition = dict(definition)
        self.history.append(dict(definition))


def rule_met(definition: dict, hours: float, sessions: int) -> bool:
    """Whether attending `hours` over `sessions` sessions completes the programme."""
    min_hours, min_sessions = definition.get("min_hours"), definition.get("min_sessions")
    return bool((min_hours is not None and hours + 1e-9 >= min_hours)
                or (min_sessions is not None and sessions >= min_sessions))


# Groups ------------------------------------------------------------------------------------------

def timetable_of(entries, errors: dict) -> list[dict]:
    """[{"starts_at": aware datetime, "minutes": n}] from plain data, in time order."""
    if not isinstance(entries, (list, tuple)) or not entries:
        errors["timetable"] = [Reason("field.required")]
        return []
    if len(entries) > MOST_SESSIONS:
        errors["timetable"] = [Reason("group.too_many", max=MOST_SESSIONS)]
        return []
    found: list[dict] = []
    for index, entry in enumerate(entries):
        field = f"timetable.{index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("starts_at"), datetime):
            errors[f"{field}.starts_at"] = [Reason("group.time_invalid")]
            continue
        minutes = _number(entry.get("minutes"), f"{field}.minutes", errors, low=SHORTEST_SESSION,
                          high=LONGEST_SESSION)
        if minutes is not None:
            found.append({"starts_at": as_aware(entry["starts_at"]), "minutes": int(minutes)})
    found.sort(key=lambda entry: entry["starts_at"])
    return found


def hours_problems(timetable: list[dict], schedules: dict) -> dict[str, list[Reason]]:
    """Sessions outside a facilitator's working hours (schedules: username → WeeklySchedule or None;
    a facilitator with no working hours on record is not checked, as for appointments)."""
    errors: dict[str, list[Reason]] = {}
    for index, entry in enumerate(timetable):
        end = entry["starts_at"] + timedelta(minutes=entry["minutes"])
        for username, schedule in schedules.items():
            if schedule is not None and not schedule.covers(entry["starts_at"], end):
                errors.setdefault(f"timetable.{index}.starts_at", []).append(Reason(
                    "group.outside_hours", name=username, at=local(entry["starts_at"])))
    return errors


class Group(Aggregate):
    """A group running one version of a programme."""

    @classmethod
    def plan(cls, *, programme: Programme, facilitators: list[Actor], timetable, capacity, actor: Actor,
             schedules: dict | None = None, place: str | None = None, online_link: str | None = None,
             region: str | None = None, settlement: str | None = None, now: datetime | None = None) -> "Group":
        """schedules: each facilitator's working hours (username → WeeklySchedule or None), found by the service."""
        require_role(actor)
        errors: dict[str, list[Reason]] = {}
        if not facilitators:
            errors["facilitators"] = [Reason("field.required")]
        elif len(facilitators) > MOST_FACILITATORS:
            errors["facilitators"] = [Reason("group.too_many", max=MOST_FACILITATORS)]
        for index, member in enumerate(facilitators):
            if not member.has_role(*GROUP_ROLES):
                errors[f"facilitators.{index}"] = [Reason("group.facilitator_role", role=member.role)]
        place = _text(place, "place", errors, required=False)
        online_link = _text(online_link, "online_link", errors, required=False)
        if place is None and online_link is None and "place" not in errors and "online_link" not in errors:
            errors["place"] = [Reason("group.place_missing")]
        capacity = _number(capacity, "capacity", errors, low=1, high=MOST_CAPACITY)
        region = _code(region, REGIONS, "region", errors, required=False)
        settlement = _code(settlement, SETTLEMENTS, "settlement", errors, required=False)
        sessions = timetable_of(timetable, errors)
        if sessions and not errors:
            errors.update(hours_problems(sessions, schedules or {}))
        if errors:
            raise Invalid.many(errors)
        unique = list({str(member.user_id or member.username): member.as_dict() for member in facilitators}.values())
        return cls(programme_id=programme.id, programme=dict(programme.definition), facilitators=unique,
                   place=place, online_link=online_link,
                   timetable=[{"number": number, "starts_at": entry["starts_at"].isoformat(),
                               "minutes": entry["minutes"]} for number, entry in enumerate(sessions, 1)],
                   capacity=int(capacity or 0), region=region, settlement=settlement, at=_now(now),
                   actor=actor.as_dict())

    @event("Planned")
    def __init__(self, *, programme_id: UUID, programme: dict, facilitators: list, place: str | None,
                 online_link: str | None, timetable: list, capacity: int, region: str | None,
                 settlement: str | None, at: datetime, actor: dict):
        self.programme_id, self.programme = programme_id, dict(programme)
        self.facilitators, self.place, self.online_link = list(facilitators), place, online_link
        self.timetable, self.capacity = list(timetable), capacity
        self.region, self.settlement = region, settlement
        self.planned_at, self.planned_by = at, actor
        self.status = "open"
        self.participants: dict[UUID, dict] = {}
        self.sessions: dict[int, dict] = {}  # number → the session held
        self.finished_at: datetime | None = None

    # Reading ---------------------------------------------------------------------------------

    def facilitates(self, actor: Actor) -> bool:
        return same_person(self.planned_by, actor) or any(same_person(member, actor) for member in self.facilitators)

    @property
    def seats_taken(self) -> int:
        return sum(1 for person in self.participants.values() if person["status"] != "dropped_out")

    def participant(self, participant_id) -> dict:
        key = _key(participant_id)
        if key is None or key not in self.participants:
            raise NotFound("record.not_found", what="participant", id=participant_id)
        return self.participants[key]

    def hours_of(self, participant_id: UUID) -> tuple[float, int]:
        """Hours attended and sessions attended (with any hours) by a participant."""
        person = self.participants[participant_id]
        attended = [hours for hours in person["attendance"].values() if hours > 0]
        return float(sum(attended)), len(attended)

    def _require_open(self) -> None:
        if self.status == "finished":
            raise Conflict("group.finished", state="finished")

    # Participants ----------------------------------------------------------------------------

    def enrol(self, *, participant_id: UUID, actor: Actor, case_id: UUID | None = None,
              person_id: UUID | None = None, name: str | None = None, sex=None, age=None,
              social_statuses=None, region=None, settlement=None, language=None,
              now: datetime | None = None) -> UUID:
        """participant_id: a new random id (the participant's own subject); case_id and person_id: a person of
        a case the service checked; else a name recorded for the group only."""
        require_role(actor)
        self._require_open()
        if self.seats_taken >= self.capacity:
            raise Conflict("group.full", state="full", capacity=self.capacity)
        if person_id is not None and any(person["person_id"] == person_id and person["status"] != "dropped_out"
                                         for person in self.participants.values()):
            raise Conflict("group.already_enrolled", state="enrolled")
        errors: dict[str, list[Reason]] = {}
        if person_id is None:
            name = _text(name, "name", errors, limit=NAME_MAX)
        else:
            name = None  # the case holds the person's name
        sex = _code(sex, SEXES, "sex", errors, required=False)
        age = _number(age, "age", errors, low=0, high=OLDEST, required=False)
        statuses: list[str] = []
        if social_statuses is not None and not isinstance(social_statuses, (list, tuple)):
            errors["social_statuses"] = [Reason("code.unknown", code=social_statuses)]
        for index, status in enumerate(social_statuses or ()):
            code = _code(status, SOCIAL_STATUSES, f"social_statuses.{index}", errors)
            if code and code not in statuses:
                statuses.append(code)
        region = _code(region, REGIONS, "region", errors, required=False)
        settlement = _code(settlement, SETTLEMENTS, "settlement", errors, required=False)
        language = _code(language, LANGUAGES, "language", errors, required=False)
        if errors:
            raise Invalid.many(errors)
        self._enrolled(participant_id=participant_id, case_id=case_id, person_id=person_id, name=name,
                       details={"sex": sex, "age": age, "social_statuses": statuses, "region": region,
                                "settlement": settlement, "language": language or "ru"},
                       at=_now(now), actor=actor.as_dict())
        return participant_id

    @event("ParticipantEnrolled")
    def _enrolled(self, participant_id: UUID, case_id: UUID | None, person_id: UUID | None, name: str | None,
                  details: dict, at: datetime, actor: dict) -> None:
        self.participants[participant_id] = {
            "participant_id": participant_id, "case_id": case_id, "person_id": person_id, "name": name,
            **details, "status": "enrolled", "attendance": {}, "enrolled_at": at, "enrolled_by": actor,
            "completed_at": None, "drop_out_reason": None, "ended_at": None}

    def drop_out(self, participant_id, *, reason: str | None, actor: Actor, now: datetime | None = None) -> None:
        require_role(actor)
        person = self.participant(participant_id)
        if person["status"] != "enrolled":
            raise Conflict("group.participant_state", state=person["status"], status=person["status"])
        errors: dict[str, list[Reason]] = {}
        reason = _text(reason, "reason", errors)
        if errors:
            raise Invalid.many(errors)
        self._dropped_out(participant_id=person["participant_id"], reason=reason, at=_now(now),
                          actor=actor.as_dict())

    @event("ParticipantDroppedOut")
    def _dropped_out(self, participant_id: UUID, reason: str | None, at: datetime, actor: dict) -> None:
        person = self.participants[participant_id]
        person.update(status="dropped_out", drop_out_reason=reason, ended_at=at)

    # Sessions and attendance -----------------------------------------------------------------

    def hold_session(self, *, number, held_on, topic: str | None, facilitators_present: list[str] | None = None,
                     hours=None, actor: Actor, now: datetime | None = None) -> int:
        """facilitators_present: user ids of the group's facilitators (default: all of them)."""
        require_role(actor)
        self._require_open()
        now = _now(now)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.timetable):
            raise Invalid("number", "group.session_unknown", sessions=len(self.timetable))
        if number in self.sessions:
            raise Conflict("group.session_held", state="held", number=number)
        errors: dict[str, list[Reason]] = {}
        day = day_of(held_on, "held_on", errors)
        if day is not None and day > local(now).date():
            errors["held_on"] = [Reason("group.day_in_future")]
        topic = _text(topic, "topic", errors)
        planned_hours = self.timetable[number - 1]["minutes"] / 60
        hours = _number(hours, "hours", errors, low=0.25, high=LONGEST_SESSION / 60, required=False, whole=False)
        known = {str(member.get("user_id")): member for member in self.facilitators}
        present = []
        for index, user_id in enumerate(facilitators_present if facilitators_present is not None else list(known)):
            if str(user_id) not in known:
                errors[f"facilitators_present.{index}"] = [Reason("group.not_a_facilitator")]
            else:
                present.append(known[str(user_id)])
        if errors:
            raise Invalid.many(errors)
        self._session_held(number=number, held_on=day.isoformat() if day else "", topic=topic,
                           facilitators=present, hours=float(hours or planned_hours), at=now, actor=actor.as_dict())
        return number

    @event("SessionHeld")
    def _session_held(self, number: int, held_on: str, topic: str | None, facilitators: list, hours: float,
                      at: datetime, actor: dict) -> None:
        self.sessions[number] = {"number": number, "held_on": held_on, "topic": topic,
                                 "facilitators": facilitators, "hours": hours, "recorded_at": at, "recorded_by": actor}

    def record_attendance(self, number, attendance: dict, *, actor: Actor, now: datetime | None = None
                          ) -> list[UUID]:
        """attendance: {participant_id: hours (0: absent; true: the whole session)}; returns who completed."""
        require_role(actor)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.timetable):
            raise Invalid("number", "group.session_unknown", sessions=len(self.timetable))
        if number not in self.sessions:
            raise Conflict("group.session_not_held", state="planned", number=number)
        if not isinstance(attendance, dict) or not attendance:
            raise Invalid("attendance", "field.required")
        session_hours = self.sessions[number]["hours"]
        errors: dict[str, list[Reason]] = {}
        rows: list[dict] = []
        for given, hours in attendance.items():
            field = f"attendance.{given}"
            key = _key(given)
            if key is None or key not in self.participants:
                errors[field] = [Reason("group.participant_unknown")]
                continue
            if self.participants[key]["status"] == "dropped_out":
                raise Conflict("group.participant_state", state="dropped_out", status="dropped_out")
            if hours is True:
                hours = session_hours
            elif hours is False or hours is None:
                hours = 0
            checked = _number(hours, field, errors, low=0, high=session_hours, whole=False)
            if checked is not None:
                rows.append({"participant_id": key, "hours": float(checked)})
        if errors:
            raise Invalid.many(errors)
        now = _now(now)
        self._attendance_recorded(number=number, attendance=rows, at=now, actor=actor.as_dict())
        completed = []
        for row in rows:
            person = self.participants[row["participant_id"]]
            hours_total, sessions = self.hours_of(row["participant_id"])
            if person["status"] == "enrolled" and rule_met(self.programme, hours_total, sessions):
                self._completed(participant_id=row["participant_id"], hours=hours_total, sessions=sessions,
                                at=now, actor=actor.as_dict())
                completed.append(row["participant_id"])
        return completed

    @event("AttendanceRecorded")
    def _attendance_recorded(self, number: int, attendance: list, at: datetime, actor: dict) -> None:
        for row in attendance:
            self.participants[row["participant_id"]]["attendance"][number] = row["hours"]

    @event("ParticipantCompleted")
    def _completed(self, participant_id: UUID, hours: float, sessions: int, at: datetime, actor: dict) -> None:
        self.participants[participant_id].update(status="completed", completed_at=at, ended_at=at)

    def finish(self, *, actor: Actor, now: datetime | None = None) -> None:
        require_role(actor)
        self._require_open()
        self._finished(at=_now(now), actor=actor.as_dict())

    @event("Finished")
    def _finished(self, at: datetime, actor: dict) -> None:
        self.status, self.finished_at = "finished", at
