"""Casework over months on a case file: taking the family on under an agreement, each person's safe
contact, the safety plans of the persons at risk, and the follow-ups after closure.

Who may: whoever works on the case (CaseService.get refuses anyone else). A psychologist never sees
nor writes a victim's or child's safe contact or safety plan (domain/case.py sees_redacted): the
staff working with the aggressor. Closing with a coded reason and reopening from a follow-up are
CaseService.close and CaseService.reopen.
"""
from datetime import datetime
from uuid import UUID

from domain.actor import Actor
from domain.case import Case, sees_redacted
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.safety_plan import SafetyPlan, plan_id
from intake.adapters.store import SenimStore
from intake.services.cases import CaseService, PartWritten


def safe_contact_for(case: Case, person_id, actor: Actor) -> dict:
    """How a person of the case may be contacted safely, as this actor may see it: `hidden` for a
    victim or child shown to a psychologist, `set` False when nothing was recorded. Call it wherever
    someone is about to contact the person."""
    person = case.person(person_id)
    shown = {"person_id": person["person_id"], "label": person["label"], "role": person["role"]}
    if sees_redacted(actor, person["role"]):
        return {**shown, "hidden": True, "set": False}
    entry = getattr(case, "safe_contacts", {}).get(person["person_id"])
    if entry is None:
        return {**shown, "hidden": False, "set": False, "channels": [], "times": None, "leave_message": None,
                "if_someone_else_answers": None, "at": None, "actor": None}
    return {**shown, "hidden": False, "set": True, **entry}


def plan_view(plan: SafetyPlan, person: dict) -> dict:
    return {"id": plan.id, "case_id": plan.case_id, "person_id": plan.person_id, "label": person["label"],
            "role": person["role"], "steps": list(plan.steps), "own_steps": list(plan.own_steps or []),
            "agreed_on": plan.agreed_on, "review_on": plan.review_on, "contact_id": plan.contact_id,
            "agreed_by": plan.versions[-1]["agreed_by"], "versions": plan.versions, "version": plan.version}


class CaseWorkService:
    def __init__(self, store: SenimStore, cases: CaseService, *, follow_up_months: tuple[int, ...] = (3, 6, 12)):
        self.store = store
        self.cases = cases
        self.follow_up_months = tuple(follow_up_months)

    # Taking on -----------------------------------------------------------------------------------

    def take_on(self, case_id: UUID, fields: dict, *, actor: Actor, now: datetime | None = None) -> PartWritten:
        """Records the agreement (again while open: an extension; the latest counts)."""
        case = self.cases.get(case_id, actor=actor)
        case.take_on(actor=actor, now=now, **fields)
        return PartWritten(case.id, self.store.commit(case))

    def agreement(self, case_id: UUID, *, actor: Actor) -> dict:
        case = self.cases.get(case_id, actor=actor)
        return {"case_id": case.id, "agreement": case.agreement, "agreements": case.agreements}

    # Safe contact --------------------------------------------------------------------------------

    def set_safe_contact(self, case_id: UUID, person_id: UUID, fields: dict, *, actor: Actor,
                         now: datetime | None = None) -> PartWritten:
        case = self.cases.get(case_id, actor=actor)
        case.set_safe_contact(person_id, actor=actor, now=now, **fields)
        return PartWritten(case.id, self.store.commit(case), part_id=case.person(person_id)["person_id"])

    def safe_contact(self, case_id: UUID, person_id: UUID, *, actor: Actor) -> dict:
        return safe_contact_for(self.cases.get(case_id, actor=actor), person_id, actor)

    # Safety plans --------------------------------------------------------------------------------

    def start_safety_plan(self, case_id: UUID, fields: dict, *, actor: Actor,
                          now: datetime | None = None) -> PartWritten:
        """Starts the plan of one person at risk; a second start for the same person is 409 (revise it)."""
        case = self.cases.get(case_id, actor=actor)
        fields = dict(fields)
        person_id = fields.pop("person_id", None)
        try:
            case.person(person_id)
        except NotFound:
            raise Invalid("person_id", "record.not_found", what="person", id=person_id) from None
        plan = SafetyPlan.start(case=case, person_id=person_id, actor=actor, now=now, **fields)
        if self._plan(plan.id) is not None:
            raise Conflict("safety_plan.exists", state="started")
        return PartWritten(case.id, self.store.commit(plan), part_id=plan.person_id)

    def revise_safety_plan(self, case_id: UUID, person_id: UUID, fields: dict, *, actor: Actor,
                           now: datetime | None = None) -> PartWritten:
        case = self.cases.get(case_id, actor=actor)
        plan = self._visible_plan(case, person_id, actor)
        plan.revise(case=case, actor=actor, now=now, **fields)
        return PartWritten(case.id, self.store.commit(plan), part_id=plan.person_id)

    def safety_plan(self, case_id: UUID, person_id: UUID, *, actor: Actor) -> dict:
        case = self.cases.get(case_id, actor=actor)
        return plan_view(self._visible_plan(case, person_id, actor), case.person(person_id))

    def safety_plans(self, case_id: UUID, *, actor: Actor, case: Case | None = None) -> list[dict]:
        """The plans of the case's persons this actor may see, in the order the persons were added."""
        case = case or self.cases.get(case_id, actor=actor)
        plans = []
        for person in case.persons.values():
            if sees_redacted(actor, person["role"]):
                continue
            plan = self._plan(plan_id(case.id, person["person_id"]))
            if plan is not None:
                plans.append(plan_view(plan, person))
        return plans

    def _visible_plan(self, case: Case, person_id, actor: Actor) -> SafetyPlan:
        person = case.person(person_id)
        if sees_redacted(actor, person["role"]):
            raise Forbidden("safety_plan.hidden")
        plan = self._plan(plan_id(case.id, person["person_id"]))
        if plan is None:
            raise NotFound("record.not_found", what="safety_plan", id=person["person_id"])
        return plan

    def _plan(self, plan_id_: UUID) -> SafetyPlan | None:
        try:
            return self.store.load(plan_id_, SafetyPlan, "safety_plan")
        except NotFound:
            return None

    # Follow-ups ----------------------------------------------------------------------------------

    def record_follow_up(self, case_id: UUID, fields: dict, *, actor: Actor,
                         now: datetime | None = None) -> PartWritten:
        """A follow-up check of a closed case (409 while it is open)."""
        case = self.cases.get(case_id, actor=actor)
        follow_up_id = case.record_follow_up(actor=actor, schedule=self.follow_up_months, now=now, **fields)
        return PartWritten(case.id, self.store.commit(case), part_id=follow_up_id)

    def follow_ups(self, case_id: UUID, *, actor: Actor, case: Case | None = None) -> dict:
        """The schedule after the latest closure with its findings, and every follow-up ever recorded."""
        case = case or self.cases.get(case_id, actor=actor)
        return {"case_id": case.id, "status": case.status, "closure": case.closure,
                "months": list(self.follow_up_months), "schedule": case.follow_up_schedule(self.follow_up_months),
                "follow_ups": case.follow_ups}
