"""Recording a call: the contact, and with it (when asked for) a new case file, the victim risk
checklist and a referral, as one use case of the consultant's page and of POST /api/v1/calls.

Every part is checked before anything is written (the same domain rules each part's service
applies, and the link rule for a case the contact names), so a refusal writes nothing. The contact
is written first; the case file, the checklist and the referral follow, each through its own
service and in its own commit. A part that fails after the contact was saved (a rule the checks
could not foresee, or the database went away) does not undo what was saved: it is reported as not
saved, the rest still go on, and complete_steps() redoes the parts left over.
"""
import logging
from dataclasses import dataclass, field
from typing import ClassVar
from uuid import UUID

from domain import reference
from domain.actor import Actor
from domain.assessment import Assessment
from domain.case import sees_redacted
from domain.contact import Contact
from domain.errors import DomainError, Invalid, Reason
from domain.personal import PERSON_DETAILS
from domain.referral import Referral
from intake.adapters.store import unavailable_errors
from intake.services.assessments import AssessmentService
from intake.services.cases import CaseService
from intake.services.contacts import ContactService
from intake.services.referrals import ReferralService

log = logging.getLogger(__name__)

CHECKLIST = "victim_risk"  # the checklist a call may carry
PARTS = ("case", "assessment", "referral")  # what may follow the contact, in the order it is written
# A caller's role as a person of a case (children are added on the case itself).
CASE_ROLE_OF_CALLER = {"victim": "victim", "potential_victim": "victim", "aggressor": "aggressor"}


@dataclass(frozen=True)
class Call:
    """What a call records. contact: the contact's fields (as POST /api/v1/contacts takes them);
    checklist: answers of the victim risk checklist; referral: source, target, reason, urgency and
    consent; case: open a case file from the contact (optionally with a summary), the caller as its
    first person."""
    contact: dict
    checklist: dict[str, str] | None = None
    referral: dict | None = None
    case: dict | None = None


@dataclass
class CallRecorded:
    """The ids written and the position of the newest event; `not_saved` names the parts that failed
    after the contact was saved (case, assessment, referral)."""
    contact_id: UUID
    position: int
    case_id: UUID | None = None
    assessment_id: UUID | None = None
    referral_id: UUID | None = None
    not_saved: list[str] = field(default_factory=list)

    @property
    def saved(self) -> dict[str, str]:
        """{part: id} of the parts written with (or after) the contact."""
        ids = {"case": self.case_id, "assessment": self.assessment_id, "referral": self.referral_id}
        return {part: str(value) for part, value in ids.items() if value is not None}


class CallRefused(Invalid):
    """A part of the call breaks a rule; nothing was written. `parts` holds each part's own errors
    ({"contact": {"caller.role": [...]}, "assessment": {...}, "referral": {...}}); `reasons` the same
    under the request's names (contact.caller.role, checklist.answers.fear, referral.reason)."""

    PREFIXES: ClassVar[dict[str, str]] = {"contact": "contact.", "assessment": "checklist.", "referral": "referral."}

    def __init__(self, parts: dict[str, dict[str, list[Reason]]]):
        self.parts = parts
        self._refuse({f"{self.PREFIXES[part]}{name}": reasons for part, found in parts.items()
                      for name, reasons in found.items()})


def subject_role(contact: dict) -> str:
    """Whom the checklist assesses: the caller, as a victim or a potential victim."""
    role = (contact.get("caller") or {}).get("role")
    return "potential_victim" if role == "potential_victim" else "victim"


def referral_subject(contact: dict) -> str | None:
    """Whom the referral is for: the caller's role, when it is one."""
    role = (contact.get("caller") or {}).get("role")
    return role if role in reference.codes("caller_roles") else None


class CallService:
    def __init__(self, *, contacts: ContactService, cases: CaseService, assessments: AssessmentService,
                 referrals: ReferralService):
        self.contacts, self.cases, self.assessments, self.referrals = contacts, cases, assessments, referrals

    def check(self, call: Call, *, actor: Actor) -> None:
        """Every rule the parts must keep, checked before anything is written: CallRefused names them all.
        A case the contact names must be one the actor sees (Forbidden) and exist (Invalid)."""
        parts: dict[str, dict[str, list[Reason]]] = {}
        try:
            Contact.record(actor=actor, **call.contact)
        except Invalid as refused:
            parts["contact"] = refused.reasons
        if call.checklist is not None:
            try:
                Assessment.record(instrument=CHECKLIST, answers=call.checklist, actor=actor,
                                  subject_role=subject_role(call.contact))
            except Invalid as refused:
                parts["assessment"] = refused.reasons
        if call.referral is not None:
            try:
                Referral.make(actor=actor, **self._referral_fields(call))
            except Invalid as refused:
                parts["referral"] = refused.reasons
        if parts:
            raise CallRefused(parts)
        self.contacts.links.check_fields({"case_id": call.contact.get("case_id")}, actor=actor)

    def record(self, call: Call, *, actor: Actor) -> CallRecorded:
        """Checks the call, writes the contact (its failure writes nothing), then the other parts."""
        self.check(call, actor=actor)
        contact = self.contacts.record(call.contact, actor=actor)
        recorded = CallRecorded(contact_id=contact.id, position=contact.position)
        return self._later_parts(recorded, call, actor)

    def complete_steps(self, contact_id: UUID, call: Call, *, actor: Actor) -> CallRecorded:
        """Redoes the parts of a saved call that were not saved with it (call.contact is not used: the
        saved contact is read back, with the case file opened the first time, if any)."""
        contact = self.contacts.get(contact_id, actor=actor)
        recorded = CallRecorded(contact_id=contact.id, position=0)
        return self._later_parts(recorded, Call(contact=contact.fields, checklist=call.checklist,
                                                referral=call.referral, case=call.case), actor)

    # The parts after the contact ------------------------------------------------------------------

    def _later_parts(self, recorded: CallRecorded, call: Call, actor: Actor) -> CallRecorded:
        case_id = call.contact.get("case_id")  # a case the contact joined (on a redo: the one opened first)
        if call.case is not None and case_id is None:
            opened = self._attempt("case", recorded, lambda: self._open_case(recorded.contact_id, call, actor))
            case_id = recorded.case_id = opened.id if opened else None
        if call.checklist is not None:
            assessed = self._attempt("assessment", recorded, lambda: self.assessments.record(
                {"instrument": CHECKLIST, "answers": call.checklist, "contact_id": recorded.contact_id,
                 "case_id": case_id, "subject_role": subject_role(call.contact)}, actor=actor))
            recorded.assessment_id = assessed.id if assessed else None
        if call.referral is not None:
            made = self._attempt("referral", recorded, lambda: self.referrals.make(
                {**self._referral_fields(call), "contact_id": recorded.contact_id, "case_id": case_id}, actor=actor))
            recorded.referral_id = made.id if made else None
        return recorded

    def _attempt(self, part: str, recorded: CallRecorded, write):
        """One part's write; a failure is noted as not saved (and logged without the call's data)."""
        failures: tuple[type[Exception], ...] = (DomainError, *unavailable_errors())
        try:
            written = write()
        except failures as failed:
            log.warning("the %s of a saved call was not saved: %s", part, type(failed).__name__)
            recorded.not_saved.append(part)
            return None
        recorded.position = max(recorded.position, written.position)
        return written

    def _open_case(self, contact_id: UUID, call: Call, actor: Actor):
        """A case file opened from the contact, with the caller as its first person."""
        caller = call.contact.get("caller") or {}
        role = CASE_ROLE_OF_CALLER.get(caller.get("role") or "", "other")
        person = {"role": role, **{key: caller[key] for key in PERSON_DETAILS if caller.get(key)}}
        if sees_redacted(actor, role):  # what the role cannot read in the case it does not write there
            person = {"role": role}  # (the caller's details stay on the contact, which they recorded)
        summary = {"summary": call.case["summary"]} if call.case and call.case.get("summary") else {}
        return self.cases.open({"contact_id": contact_id, "persons": [person], **summary}, actor=actor)

    @staticmethod
    def _referral_fields(call: Call) -> dict:
        return {"subject_role": referral_subject(call.contact), **(call.referral or {})}
