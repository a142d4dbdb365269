"""Group programmes and trainings: programmes defined and revised, groups planned within their facilitators'
working hours, participants enrolled (a person of a case, or recorded for the group only), sessions held,
attendance, drop-outs, certificates; trainings for professionals and their participants.

Who may (domain/group.py and domain/training.py have the records' own rules):
- define or revise a programme: supervisors; read programmes: psychologists and supervisors;
- plan a group: psychologists and supervisors; its facilitators are active psychologists or supervisors;
- read a group and write to it: supervisors, its facilitators and whoever planned it;
- enrol a person of a case: only someone who sees the case (intake/services/links.py: 403 / 422);
- record trainings and their participants: psychologists and supervisors.
A participant recorded for the group only is erased like any person: POST /api/v1/persons/{participant_id}/erasure.

Every command runs get → call → save; a save that lost a race is tried once more on the fresh record.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.case import Case
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.group import BUILTIN, Group, Programme, builtin_id, require_reader, require_role
from domain.training import TRAINING_ROLES, Training
from intake.adapters.certificate import Certificate, render
from intake.adapters.store import SenimStore
from intake.services import Written
from projections.group_stats import group_list, programme_ids, training_list

log = logging.getLogger(__name__)
PROJECTION = "group_stats"
A = TypeVar("A", Group, Programme, Training)


@dataclass(frozen=True)
class ParticipantWritten(Written):
    """An enrolment (or a training's participant): the record, the position, and the participant's id."""
    participant_id: UUID | None = None


@dataclass(frozen=True)
class AttendanceWritten(Written):
    completed: list = field(default_factory=list)


def _uuid(value, field_name: str) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Invalid(field_name, "id.invalid") from None


class GroupService:
    def __init__(self, store: SenimStore, projections, *, staff, links, organisation: str = "Senim"):
        self.store = store
        self.projections = projections  # projections.runner.Projections: the group_stats read model
        self.staff = staff  # StaffService: facilitators and their working hours
        self.links = links  # LinkChecker: a case named must be one the writer sees
        self.organisation = organisation

    # Programmes ----------------------------------------------------------------------------------

    def programme(self, programme_id, *, actor: Actor) -> Programme:
        """A programme by id, or a shipped one by its code (made on first use)."""
        require_reader(actor)
        if isinstance(programme_id, str) and programme_id in BUILTIN:
            return self._builtin(programme_id, actor)
        programme_id = _uuid(programme_id, "programme")
        for key in BUILTIN:
            if builtin_id(key) == programme_id:
                return self._builtin(key, actor)
        return self.store.load(programme_id, Programme, "programme")

    def _builtin(self, key: str, actor: Actor) -> Programme:
        try:
            return self.store.load(builtin_id(key), Programme, "programme")
        except NotFound:
            programme = Programme.builtin(key, actor=actor)
            try:
                self.store.commit(programme)
            except Conflict:  # made by someone else at the same moment
                return self.store.load(builtin_id(key), Programme, "programme")
            return programme

    def programmes(self, *, actor: Actor) -> list[Programme]:
        require_reader(actor)
        found = [self._builtin(key, actor) for key in BUILTIN]
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            ids = programme_ids(tx)
        builtin = {programme.id for programme in found}
        found += [self.store.load(UUID(programme_id), Programme) for programme_id in ids
                  if UUID(programme_id) not in builtin]
        return found

    def define_programme(self, fields: dict, *, actor: Actor) -> Written:
        programme = Programme.define(fields, actor=actor)
        return Written(programme.id, self.store.commit(programme))

    def revise_programme(self, programme_id, fields: dict, *, actor: Actor) -> Written:
        return self._act(lambda: self.programme(programme_id, actor=actor),
                         lambda programme: programme.revise(fields, actor=actor))

    # Groups --------------------------------------------------------------------------------------

    def plan(self, fields: dict, *, actor: Actor) -> Written:
        require_role(actor)
        try:
            programme = self.programme(fields.get("programme"), actor=actor)
        except NotFound:
            raise Invalid("programme", "record.not_found", what="programme", id=fields.get("programme")) from None
        facilitators, schedules, errors = [], {}, {}
        for index, user_id in enumerate(fields.get("facilitators") or []):
            try:
                user = self.staff.get(_uuid(user_id, f"facilitators.{index}"))
            except Invalid as refused:
                errors.update(refused.reasons)
                continue
            except NotFound:
                errors.update(Invalid(f"facilitators.{index}", "record.not_found", what="user", id=user_id).reasons)
                continue
            if not user.active:
                errors.update(Invalid(f"facilitators.{index}", "staff.disabled", name=user.username).reasons)
                continue
            facilitators.append(user.as_actor())
            schedules[user.username] = user.schedule
        if errors:
            raise Invalid.many(errors)
        group = Group.plan(programme=programme, facilitators=facilitators, timetable=fields.get("timetable"),
                           capacity=fields.get("capacity"), place=fields.get("place"),
                           online_link=fields.get("online_link"), region=fields.get("region"),
                           settlement=fields.get("settlement"), schedules=schedules, actor=actor)
        return Written(group.id, self.store.commit(group))

    def get(self, group_id: UUID, *, actor: Actor) -> Group:
        require_reader(actor)
        group = self.store.load(group_id, Group, "group")
        if not (actor.has_role("supervisor") or group.facilitates(actor)):
            raise Forbidden("group.not_facilitating")
        return group

    def enrol(self, group_id: UUID, fields: dict, *, actor: Actor) -> ParticipantWritten:
        case_id, person_id = fields.get("case_id"), fields.get("person_id")
        if (case_id is None) != (person_id is None):
            missing = "person_id" if person_id is None else "case_id"
            raise Invalid(missing, "field.required")
        if case_id is not None:
            case: Case = self.links.check("case", case_id, actor=actor)
            person_id = _uuid(person_id, "person_id")
            if person_id not in case.persons:
                raise Invalid("person_id", "group.person_not_in_case")
            case_id = case.id
        participant_id = uuid4()
        details = {key: fields.get(key) for key in
                   ("name", "sex", "age", "social_statuses", "region", "settlement", "language")}
        written = self._act(lambda: self.get(group_id, actor=actor), lambda group: group.enrol(
            participant_id=participant_id, case_id=case_id, person_id=person_id, actor=actor, **details))
        return ParticipantWritten(written.id, written.position, participant_id=participant_id)

    def hold_session(self, group_id: UUID, number, fields: dict, *, actor: Actor) -> Written:
        return self._act(lambda: self.get(group_id, actor=actor), lambda group: group.hold_session(
            number=number, held_on=fields.get("held_on"), topic=fields.get("topic"),
            facilitators_present=fields.get("facilitators_present"), hours=fields.get("hours"), actor=actor))

    def record_attendance(self, group_id: UUID, number, attendance: dict, *, actor: Actor) -> AttendanceWritten:
        completed: list = []
        written = self._act(lambda: self.get(group_id, actor=actor),
                            lambda group: completed.extend(group.record_attendance(number, attendance, actor=actor)))
        return AttendanceWritten(written.id, written.position, completed=list(dict.fromkeys(completed)))

    def drop_out(self, group_id: UUID, participant_id, *, reason, actor: Actor) -> Written:
        return self._act(lambda: self.get(group_id, actor=actor),
                         lambda group: group.drop_out(participant_id, reason=reason, actor=actor))

    def finish(self, group_id: UUID, *, actor: Actor) -> Written:
        return self._act(lambda: self.get(group_id, actor=actor), lambda group: group.finish(actor=actor))

    def participant_name(self, group: Group, person: dict, actor: Actor) -> str | None:
        """The name: sealed in the group for a participant of the group only; the case's for a person of a case
        (read only by someone who sees the case)."""
        if person.get("person_id") is None:
            return person.get("name")
        case: Case = self.links.check("case", person["case_id"], actor=actor)
        return (case.persons.get(person["person_id"]) or {}).get("name")

    def certificate(self, group_id: UUID, participant_id, *, actor: Actor) -> bytes:
        group = self.get(group_id, actor=actor)
        person = group.participant(participant_id)
        if person["status"] != "completed":
            raise Conflict("group.not_completed", state=person["status"], status=person["status"])
        name = self.participant_name(group, person, actor)
        if not name:
            raise Conflict("group.name_erased", state="erased")
        hours, sessions = group.hours_of(person["participant_id"])
        days = sorted(session["held_on"] for session in group.sessions.values())
        language = person.get("language") or "ru"
        return render(Certificate(language=language, name=name, programme=group.programme["names"][language],
                                  hours=hours, sessions=sessions, organisation=self.organisation,
                                  start=days[0] if days else "", end=days[-1] if days else ""))

    def refresh(self) -> None:
        if self.projections.wait_for(PROJECTION, self.store.head(), 0):
            return
        try:
            self.projections.catch_up(PROJECTION)
        except Exception:  # recorded in the projection's status; read what there is
            log.warning("the group_stats read model could not catch up", exc_info=True)

    def listed(self, *, actor: Actor) -> list[dict]:
        """The groups the actor facilitates or planned (a supervisor: every group), the open ones first."""
        require_reader(actor)
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            return group_list(tx, user_id=None if actor.has_role("supervisor") else str(actor.user_id))

    # Trainings -----------------------------------------------------------------------------------

    def record_training(self, fields: dict, *, actor: Actor) -> Written:
        training = Training.record(kind=fields.get("kind"), audience=fields.get("audience"),
                                   held_on=fields.get("held_on"), trainers=fields.get("trainers"),
                                   topic=fields.get("topic"), regions=fields.get("regions") or [],
                                   hours=fields.get("hours"), actor=actor)
        return Written(training.id, self.store.commit(training))

    def training(self, training_id: UUID, *, actor: Actor) -> Training:
        if not actor.has_role(*TRAINING_ROLES):
            raise Forbidden("training.forbidden", role=actor.role)
        return self.store.load(training_id, Training, "training")

    def add_training_participant(self, training_id: UUID, fields: dict, *, actor: Actor) -> ParticipantWritten:
        participant_id = uuid4()
        written = self._act(lambda: self.training(training_id, actor=actor), lambda training: training.add_participant(
            participant_id=participant_id, name=fields.get("name"), organisation=fields.get("organisation"),
            position=fields.get("position"), region=fields.get("region"), actor=actor))
        return ParticipantWritten(written.id, written.position, participant_id=participant_id)

    def trainings(self, *, actor: Actor, date_from: date | None = None, date_to: date | None = None) -> list[dict]:
        if not actor.has_role(*TRAINING_ROLES):
            raise Forbidden("training.forbidden", role=actor.role)
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            return training_list(tx, date_from=date_from, date_to=date_to)

    # ---------------------------------------------------------------------------------------------

    def _act(self, load: Callable[[], A], command: Callable[[A], object]) -> Written:
        """get → call → save; a save that lost a race is tried once more on the fresh record."""
        for attempt in (1, 2):
            record = load()
            command(record)
            try:
                return Written(record.id, self.store.commit(record))
            except Conflict:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
