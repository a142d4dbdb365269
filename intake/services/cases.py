"""Opening case files, adding persons and notes, assigning, closing and reopening them; who may
see a case; the audit history of a case and of everything that joined it, now or as of a moment.

Who may see a case (least privilege; admins manage accounts and read no case content):
- supervisors: every case;
- consultants: cases they own or opened, cases in which they recorded a contact, and cases they
  were added to;
- psychologists: cases they own, cases of referrals they claimed, and cases they were added to.
Naming a case in a write never lets anyone in (intake/services/links.py); joining a case is an act
of its owner or a supervisor (add_worker), recorded with a reason.
A psychologist never sees the contact details or whereabouts of a victim or a child.

Who works on a case (contact recorders, claimants) comes from the case_timeline projection; a
read that finds no right to see the case first catches the projection up, so a contact recorded a
moment ago already counts.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from uuid import UUID, uuid4

from eventsourcing.domain import DomainEvent

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.case import Case, add_months, redacted_person, sees_redacted
from domain.clock import local, utc_now
from domain.contact import Contact
from domain.errors import Forbidden, Invalid, NotFound, Reason
from domain.ids import id_text
from domain.safety_plan import SafetyPlan
from intake.adapters.store import SenimStore
from intake.services import Written
from projections.case_timeline import current_members, ever_members, list_cases, worker_vias

log = logging.getLogger(__name__)

TIMELINE = "case_timeline"
# A caller's role as a person of a case (children are added on the case itself).
CASE_ROLE_OF_CALLER = {"victim": "victim", "potential_victim": "victim", "aggressor": "aggressor"}
# How each role may come to see a case, as recorded in case_workers (the owner is also checked on the case).
VISIBLE_VIA = {
    "consultant": ("owner", "opener", "contact", "added"),
    "psychologist": ("owner", "referral", "added"),
}


@dataclass(frozen=True)
class PartWritten(Written):
    """A write that created a part of a case (a person, a note): the case, the part, the position."""
    part_id: UUID | None = None


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # case, contact, referral or assessment
    aggregate_id: UUID
    event: DomainEvent


@dataclass
class CaseHistory:
    entries: list[HistoryEntry] = field(default_factory=list)
    case: Case | None = None  # the case as it stood at as_of (None: not opened yet)


def may_see_case(actor: Actor, case: Case, vias: set[str]) -> bool:
    """`vias`: how the actor works on the case according to case_workers."""
    if actor.has_role("supervisor"):
        return True
    if actor.role not in VISIBLE_VIA:
        return False
    if same_person(case.owner, actor):
        return True
    if actor.has_role("consultant") and same_person(case.opened_by, actor):
        return True
    return bool(vias & set(VISIBLE_VIA[actor.role]))


def refresh_timeline(store: SenimStore, projections) -> None:
    """Catches the case timeline up with the store, unless it already reflects every event."""
    if projections.wait_for(TIMELINE, store.head(), 0):
        return
    try:
        projections.catch_up(TIMELINE)
    except Exception:  # recorded in the projection's status; read what there is
        log.warning("the case timeline could not catch up", exc_info=True)


def sees_case(store: SenimStore, projections, case: Case, actor: Actor) -> bool:
    """may_see_case, with how the actor works on the case read from a caught-up case timeline."""
    if may_see_case(actor, case, set()):
        return True
    if projections is None or actor.role not in VISIBLE_VIA:
        return False
    refresh_timeline(store, projections)
    with projections.views.transaction(write=False) as tx:
        return may_see_case(actor, case, worker_vias(tx, case.id, actor.user_id))


def sees_protected_details(actor: Actor) -> bool:
    return not actor.has_role("psychologist")


def persons_for(actor: Actor, case: Case) -> list[dict]:
    """The persons as this actor may see them: psychologists never see a victim's or child's details."""
    persons = list(case.persons.values())
    if sees_protected_details(actor):
        return [{**person, "redacted": False} for person in persons]
    return [redacted_person(person) for person in persons]


def case_of_event(event, current: str | None) -> str | None:
    """The case a record belongs to after this event of it: creation events name it, amendments may move it."""
    if hasattr(event, "case_id"):
        return id_text(event.case_id)
    changes = getattr(event, "changes", None)
    if isinstance(changes, dict) and "case_id" in changes:
        return id_text(changes["case_id"])
    return current


def events_in_case(events: list, case_id: UUID, as_of: datetime | None) -> list:
    """A member's events up to as_of (every one, without it), if the record belongs to the case at
    as_of (now, without one), judged from its own events: one whose case_id pointed elsewhere then,
    or that was amended into the case only later, contributes nothing."""
    kept = [event for event in events if as_of is None or event.timestamp <= as_of]
    current = None
    for event in kept:
        current = case_of_event(event, current)
    return kept if current == str(case_id) else []


def replay(events: list):
    return reduce(lambda aggregate, event: event.mutate(aggregate), events, None)


class CaseService:
    def __init__(self, store: SenimStore, projections, contacts, staff):
        self.store = store
        self.projections = projections  # projections.runner.Projections
        self.contacts = contacts  # ContactService: who may see a contact
        self.staff = staff  # StaffService: owners are staff members

    # Reading the projection ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Catches the case timeline up with the store, unless it already reflects every event."""
        refresh_timeline(self.store, self.projections)

    # Commands ------------------------------------------------------------------------------------

    def open(self, fields: dict, *, actor: Actor) -> Written:
        """Opens a case; opened from a contact, the contact joins it in the same commit."""
        fields = dict(fields)
        persons = fields.pop("persons", None) or []
        contact = self._opening_contact(fields.get("contact_id"), actor)
        # The persons' ids are chosen first, so the summary is sealed for them too (domain/personal.py).
        person_ids = [uuid4() for _ in persons]
        concerning = [*([contact.person_id] if contact is not None else []), *person_ids]
        case = Case.open(actor=actor, summary=fields.get("summary"), contact_id=fields.get("contact_id"),
                         concerning=concerning)
        errors: dict[str, list[Reason]] = {}
        for index, (person, person_id) in enumerate(zip(persons, person_ids)):
            try:
                case.add_person(actor=actor, person_id=person_id, **person)
            except Invalid as refused:
                errors.update({f"persons.{index}.{name}": reasons for name, reasons in refused.reasons.items()})
        if errors:
            raise Invalid.many(errors)
        plan = self._plan_from_contact(case, contact, person_ids, actor)
        if contact is not None and contact.fields.get("case_id") != case.id:
            contact.amend(changes={"case_id": case.id}, reason=f"Opened case {case.id}", actor=actor)
        return Written(case.id, self.store.commit(case, *([contact] if contact is not None else []),
                                                  *([plan] if plan is not None else [])))

    @staticmethod
    def _plan_from_contact(case: Case, contact: Contact | None, person_ids: list, actor: Actor) -> SafetyPlan | None:
        """The safety plan of the caller's person, started with the steps ticked in the contact's danger
        panel (issue 15 item 8). The caller is the first person given (as a call opens its case), or is
        added by role alone. Not for what the actor may not write (a psychologist, a victim's plan)."""
        if contact is None or not contact.fields.get("safety_steps"):
            return None
        steps = contact.fields["safety_steps"]
        caller_role = str((contact.fields.get("caller") or {}).get("role"))
        role = case.person(person_ids[0])["role"] if person_ids else CASE_ROLE_OF_CALLER.get(caller_role, "other")
        if sees_redacted(actor, role):
            return None
        person_id = person_ids[0] if person_ids else case.add_person(actor=actor, role=role)
        now = utc_now()
        started = min(contact.fields.get("started_at") or now, now)
        agreed = local(started).date()
        return SafetyPlan.start(case=case, person_id=person_id, steps=steps, agreed_on=agreed,
                                review_on=add_months(agreed, 1), contact_id=contact.id,
                                occurred_at=started, actor=actor, now=now)

    def _opening_contact(self, contact_id, actor: Actor) -> Contact | None:
        if contact_id is None:
            return None
        try:
            contact_id = UUID(str(contact_id))
        except ValueError:
            raise Invalid("contact_id", "id.invalid") from None
        try:
            return self.contacts.get(contact_id, actor=actor)
        except NotFound:
            raise Invalid("contact_id", "record.not_found", what="contact", id=contact_id) from None
        except Forbidden:
            raise Forbidden("case.contact_not_own") from None

    def add_person(self, case_id: UUID, person: dict, *, actor: Actor) -> PartWritten:
        case = self.get(case_id, actor=actor)
        person_id = case.add_person(actor=actor, **person)
        return PartWritten(case.id, self.store.commit(case), part_id=person_id)

    def change_person(self, case_id: UUID, person_id: UUID, *, changes: dict, reason: str | None,
                      actor: Actor) -> PartWritten:
        case = self.get(case_id, actor=actor)
        case.change_person(person_id, changes=changes, reason=reason, actor=actor)
        return PartWritten(case.id, self.store.commit(case), part_id=case.person(person_id)["person_id"])

    def add_note(self, case_id: UUID, *, text: str, actor: Actor) -> PartWritten:
        case = self.get(case_id, actor=actor)
        note_id = case.add_note(text=text, actor=actor)
        return PartWritten(case.id, self.store.commit(case), part_id=note_id)

    def assign_owner(self, case_id: UUID, *, user_id: UUID, actor: Actor) -> Written:
        case = self.get(case_id, actor=actor)
        case.assign_owner(owner=self._active_staff(user_id), actor=actor)
        return Written(case.id, self.store.commit(case))

    def add_worker(self, case_id: UUID, *, user_id: UUID, reason: str, actor: Actor) -> Written:
        """The case's owner or a supervisor lets a member of staff into the case, saying why."""
        case = self.get(case_id, actor=actor)
        case.add_worker(worker=self._active_staff(user_id), reason=reason, actor=actor)
        return Written(case.id, self.store.commit(case))

    def _active_staff(self, user_id: UUID) -> Actor:
        """The member of staff a request names for a case: one that does not exist or is disabled is a bad field."""
        try:
            user = self.staff.get(user_id)
        except NotFound:
            raise Invalid("user_id", "record.not_found", what="user", id=user_id) from None
        if not user.active:
            raise Invalid("user_id", "staff.disabled", name=user.username)
        return user.as_actor()

    def close(self, case_id: UUID, *, reason: str | None, actor: Actor, reason_code: str | None = None,
              child_outcomes: list | None = None, occurred_at: datetime | None = None) -> Written:
        """Closes with words, or with a coded reason (`other` needs words) and per-child outcomes."""
        case = self.get(case_id, actor=actor)
        case.close(reason=reason, actor=actor, reason_code=reason_code, child_outcomes=child_outcomes,
                   occurred_at=occurred_at)
        return Written(case.id, self.store.commit(case))

    def reopen(self, case_id: UUID, *, reason: str, actor: Actor, from_follow_up: UUID | None = None) -> Written:
        """from_follow_up: the follow-up after the closure that found the family needs help again."""
        case = self.get(case_id, actor=actor)
        case.reopen(reason=reason, actor=actor, from_follow_up=from_follow_up)
        return Written(case.id, self.store.commit(case))

    # Queries -------------------------------------------------------------------------------------

    def get(self, case_id: UUID, *, actor: Actor) -> Case:
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("case.read_forbidden", role=actor.role)
        case = self.store.load(case_id, Case, "case")
        if not sees_case(self.store, self.projections, case, actor):
            raise Forbidden("case.not_a_worker")
        return case

    def members(self, case_id: UUID) -> dict[str, list[str]]:
        """The ids of what belongs to the case now, by kind."""
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            return current_members(tx, case_id)

    def list(self, *, actor: Actor, status: str | None = None, owner: str | None = None,
             limit: int = 100, offset: int = 0) -> list[dict]:
        """The cases the actor may see, most recently touched first; no personal text in them."""
        viewer = None
        if not actor.has_role("supervisor"):
            if actor.role not in VISIBLE_VIA or not actor.user_id:
                raise Forbidden("case.read_forbidden", role=actor.role)
            viewer = (actor.user_id, VISIBLE_VIA[actor.role])
        owner_user_id = owner_username = None
        if owner:
            if owner == "me":
                owner_user_id = actor.user_id
            else:
                try:
                    owner_user_id = str(UUID(owner))
                except ValueError:
                    owner_username = owner.strip().lower()
        with self.projections.views.transaction(write=False) as tx:
            return list_cases(tx, status=status, owner_user_id=owner_user_id, owner_username=owner_username,
                              viewer=viewer, limit=limit, offset=offset)

    def history(self, case_id: UUID, *, actor: Actor, as_of: datetime | None = None) -> CaseHistory:
        """Every event of the case and of its contacts, referrals and assessments, oldest first.

        case_members only names the candidates; whether a record belonged to the case, and when,
        is judged from its own events, read from the store."""
        if not actor.has_role("supervisor"):
            raise Forbidden("case.audit_forbidden")
        self.store.load(case_id, Case, "case")
        self.refresh()
        with self.projections.views.transaction(write=False) as tx:
            candidates = ever_members(tx, case_id)
        case_events = [event for event in self.store.events_of(case_id)
                       if as_of is None or event.timestamp <= as_of]
        history = CaseHistory(case=replay(case_events) if case_events else None)
        history.entries = [HistoryEntry("case", case_id, event) for event in case_events]
        for kind, aggregate_id in candidates:
            member_id = UUID(aggregate_id)
            events = events_in_case(list(self.store.events_of(member_id)), case_id, as_of)
            history.entries += [HistoryEntry(kind, member_id, event) for event in events]
        history.entries.sort(key=lambda entry: entry.event.timestamp)
        return history
