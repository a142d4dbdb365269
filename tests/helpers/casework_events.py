"""Casework events written straight into the store by topic, in the shape CASEWORK.md (issue 12) fixes.

The read side of casework (projections/casework.py) is tested from raw events: many cases at once
(two years of a service, in one insert per batch), and events of aggregates built alongside it. Each
event is an instance of its real class when the class exists (domain/plan.py's Plan.Reviewed, …), and
of a stand-in registered under the same topic when it does not yet, so the same test runs before and
after the parts are merged. Events are encoded by the library's mapper without the sealing of
personal fields: they hold no personal values (no names, no free text), so none are sealed, and no
key is made for each of thousands of persons.
"""
import itertools
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.persistence import Mapper
from eventsourcing.utils import TopicError, register_topic, resolve_topic

from domain.actor import Actor
from domain.clock import SERVICE_TIMEZONE

SYSTEM = Actor.system("tests").as_dict()
PLAN_NAMESPACE = UUID("00000000-0000-0000-0000-000000000000")  # ids only need to be distinct here


def event_class(topic: str) -> type:
    """The class of the topic: the real one, or a stand-in registered for the topic."""
    try:
        return resolve_topic(topic)
    except (TopicError, ImportError, AttributeError):
        pass
    stand_in = type(topic.split(":")[1].replace(".", "_"), (), {"TOPIC": topic, "__annotations__": {"originator_id": UUID}})
    register_topic(topic, stand_in)
    return stand_in


def moment(day: date | str, hour: int = 12) -> datetime:
    """Noon (or `hour`) of a local day, as an aware datetime."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(day.year, day.month, day.day, hour, tzinfo=SERVICE_TIMEZONE)


def staff(actor: Actor | None) -> dict:
    return actor.as_dict() if actor is not None else SYSTEM


class CaseworkWriter:
    """Collects events per aggregate with their versions, and writes them in batches."""

    def __init__(self, senim):
        self.senim = senim
        self.versions: dict[UUID, int] = {}
        self.pending: list = []

    def event(self, topic: str, originator_id: UUID, recorded: datetime, **state) -> None:
        version = self.versions.get(originator_id, 0) + 1
        self.versions[originator_id] = version
        cls = event_class(topic)
        event = object.__new__(cls)
        fields = {"originator_id": originator_id, "originator_version": version, "timestamp": recorded, **state}
        if version == 1:
            fields["originator_topic"] = topic.rsplit(".", 1)[0]
        object.__setattr__(event, "__dict__", fields)
        self.pending.append(event)

    def flush(self) -> int:
        """Writes what is pending (in batches); catches the casework projection up; returns the head."""
        store = self.senim.store
        for start in range(0, len(self.pending), 2000):
            batch = self.pending[start:start + 2000]
            store.recorder.insert_events([Mapper.to_stored_event(store.mapper, event) for event in batch])
        self.pending = []
        self.senim.projections.catch_up("casework")
        return store.head()

    # The case --------------------------------------------------------------------------------------

    def open_case(self, day, owner: Actor, *, service="family_service", source="guardianship", region="almaty_city",
                  children: int = 0, agreement_on: str | None = None, take_on: bool = True) -> tuple[UUID, list[UUID]]:
        case_id = uuid4()
        at = moment(day, 9)
        self.event("domain.case:Case.Opened", case_id, at, summary=None, contact_id=None, owner=owner.as_dict(),
                   at=at, actor=owner.as_dict(), sealed_for=[])
        kids = []
        for number in range(children):
            person_id = uuid4()
            kids.append(person_id)
            self.event("domain.case:Case.PersonAdded", case_id, at, person_id=person_id, role="child",
                       label=f"Child {number + 1}", name=None, phone=None, address=None, at=at, actor=owner.as_dict())
        if take_on:
            self.take_on(case_id, day, owner, service=service, source=source, region=region,
                         agreement_on=agreement_on or (date.fromisoformat(str(day)) if isinstance(day, str) else day))
        return case_id, kids

    def take_on(self, case_id: UUID, day, actor: Actor, *, service="family_service", source="guardianship",
                region="almaty_city", agreement_on=None, term_months: int = 12) -> None:
        at = moment(day, 10)
        self.event("domain.case:Case.TakenOn", case_id, at, service=service, source=source, organisation=None,
                   region=region, agreement_on=str(agreement_on or day), term_months=term_months, at=at,
                   actor=actor.as_dict(), sealed_for=[])

    def add_worker(self, case_id: UUID, day, worker: Actor, by: Actor) -> None:
        at = moment(day, 11)
        self.event("domain.case:Case.WorkerAdded", case_id, at, worker=worker.as_dict(), reason=None, at=at,
                   actor=by.as_dict(), sealed_for=[])

    def close(self, case_id: UUID, day, actor: Actor, *, reason_code: str | None = "self_sufficient",
              outcomes: dict[UUID, tuple[str, str, str]] | None = None, coded: bool = True) -> None:
        """outcomes: child → (removal_prevented, returned_home, wellbeing_improved). coded=False: an old closure."""
        at = moment(day, 15)
        state = {"reason": None, "at": at, "actor": actor.as_dict(), "sealed_for": []}
        if coded:
            state |= {"reason_code": reason_code, "occurred_at": at, "child_outcomes": [
                {"person_id": person_id, "removal_prevented": values[0], "returned_home": values[1],
                 "wellbeing_improved": values[2]} for person_id, values in (outcomes or {}).items()]}
        self.event("domain.case:Case.Closed", case_id, at, **state)

    def follow_up(self, case_id: UUID, day, actor: Actor, due_months: int, finding: str = "doing_well") -> None:
        at = moment(day, 14)
        self.event("domain.case:Case.FollowUpRecorded", case_id, at, follow_up_id=uuid4(), due_months=due_months,
                   finding=finding, note=None, occurred_at=at, at=at, actor=actor.as_dict(), sealed_for=[])

    # The plan ----------------------------------------------------------------------------------------

    def plan_id(self, case_id: UUID) -> UUID:
        from uuid import uuid5
        return uuid5(PLAN_NAMESPACE, str(case_id))

    def start_plan(self, case_id: UUID, day, actor: Actor) -> UUID:
        plan_id, at = self.plan_id(case_id), moment(day, 10)
        self.event("domain.plan:Plan.Started", plan_id, at, case_id=case_id, at=at, actor=actor.as_dict())
        return plan_id

    def activity(self, case_id: UUID, day, due_on, responsible: Actor | None, actor: Actor) -> UUID:
        activity_id, at = uuid4(), moment(day, 11)
        who = ({"kind": "staff", "user_id": str(responsible.user_id), "username": responsible.username,
                "role": responsible.role} if responsible is not None else {"kind": "partner", "organisation": None})
        self.event("domain.plan:Plan.ActivityAdded", self.plan_id(case_id), at, activity_id=activity_id,
                   goal_id=uuid4(), text=None, due_on=str(due_on), responsible=who, occurred_at=at, at=at,
                   actor=actor.as_dict(), sealed_for=[])
        return activity_id

    def activity_done(self, case_id: UUID, activity_id: UUID, day, actor: Actor) -> None:
        at = moment(day, 16)
        self.event("domain.plan:Plan.ActivityDone", self.plan_id(case_id), at, activity_id=activity_id,
                   occurred_at=at, at=at, actor=actor.as_dict())

    def review(self, case_id: UUID, day, next_review_on, actor: Actor) -> None:
        at = moment(day, 13)
        self.event("domain.plan:Plan.Reviewed", self.plan_id(case_id), at, review_id=uuid4(), progress=[],
                   family_progress="improved", decisions=None, next_review_on=str(next_review_on), occurred_at=at,
                   at=at, actor=actor.as_dict(), sealed_for=[])

    def escalated(self, case_id: UUID, item: str, item_id: UUID | None, due_on, day) -> None:
        at = moment(day, 3)
        self.event("domain.plan:Plan.OverdueEscalated", self.plan_id(case_id), at, item=item, item_id=item_id,
                   due_on=str(due_on), at=at, actor=SYSTEM)

    # Conferences -------------------------------------------------------------------------------------

    def action(self, case_id: UUID, day, due_on, owner: Actor | None, actor: Actor,
               conference_id: UUID | None = None) -> UUID:
        conference_id, action_id, at = conference_id or uuid4(), uuid4(), moment(day, 12)
        who = (owner.as_dict() | {"kind": "staff"}) if owner is not None else {"kind": "agency", "agency": None}
        if conference_id not in self.versions:
            self.event("domain.conference:Conference.Scheduled", conference_id, at, series_id=uuid4(),
                       kind="supervision", held_on=str(day), attendees=[actor.as_dict()], agencies=[],
                       case_ids=[case_id], at=at, actor=actor.as_dict())
        self.event("domain.conference:Conference.ActionAgreed", conference_id, at, action_id=action_id,
                   case_id=case_id, text=None, owner=who, due_on=str(due_on), carried_from=None, at=at,
                   actor=actor.as_dict(), sealed_for=[])
        return action_id


def days(first: date, count: int, every: int = 1):
    """count local days from `first`, `every` days apart, cycling within the year if need be."""
    cycle = itertools.cycle(range(0, 360, every))
    return [first + timedelta(days=next(cycle) % 360) for _ in range(count)]
