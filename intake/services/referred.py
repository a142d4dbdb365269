"""Who a referral is about, as the member of staff reading it may see them: how to reach the person,
and the case to open.

The referred person is the caller of the contact the referral came from (when the caller is the
person referred: the same role) and the persons of the referral's case with that role. What is shown:
- supervisors, and the consultant who made the referral (staff on the victim's side), see the
  details (name, phone, address) of anyone referred;
- a psychologist sees the details of an aggressor or another adult only once she holds the referral
  (claimed it), and never a victim's or a child's (domain/case.py: PROTECTED_ROLES), whether the
  details come from the contact or from the case;
- the case is offered only to those who may open it (CaseService.get decides).
"""
from dataclasses import dataclass, field
from uuid import UUID

from domain.actor import Actor, same_person
from domain.assessment import Assessment
from domain.case import PROTECTED_ROLES
from domain.contact import Contact
from domain.errors import DomainError
from domain.referral import Referral
from intake.services.cases import persons_for, sees_protected_details
from projections.case_index import latest_assessment

DETAILS = ("name", "phone", "address")
# A referral's subject role (caller_roles) as a role of a person of a case.
CASE_ROLE_OF = {"victim": "victim", "potential_victim": "victim", "aggressor": "aggressor"}
# Caller roles whose details psychologists never see (a child by age: CHILD_UNDER).
PROTECTED_CALLER_ROLES = ("victim", "potential_victim")
CHILD_UNDER = 18


@dataclass(frozen=True)
class ReferredPerson:
    """One way the referred person is known: from the contact ("caller") or as a person of the case."""
    source: str  # "caller" or "case"
    role: str  # caller_roles code (caller) or case person role (case)
    label: str | None = None  # the case's label: "Aggressor 1"
    details: dict = field(default_factory=dict)  # name, phone, address that are on record and may be shown
    hidden: str | None = None  # why details on record are not shown: "protected" or "claim_first"
    safe_contact: bool = False  # the case holds safe-contact rules for the person (issue 12): follow them


@dataclass(frozen=True)
class Referred:
    persons: list[ReferredPerson]
    case_id: UUID | None  # the case, when the reader may open it


def _why_hidden(actor: Actor, referral: Referral, protected: bool) -> str | None:
    """None when the reader may see the referred person's details; otherwise why not."""
    if actor.has_role("supervisor"):
        return None
    if protected and not sees_protected_details(actor):
        return "protected"
    if actor.has_role("psychologist"):
        return None if same_person(referral.claimant, actor) else "claim_first"
    return None  # a consultant reads only the referrals she made


def _caller(store, referral: Referral, actor: Actor) -> ReferredPerson | None:
    if referral.contact_id is None:
        return None
    try:
        contact = store.load(referral.contact_id, Contact, "contact")
    except DomainError:
        return None
    caller = contact.fields.get("caller") or {}
    if caller.get("role") != referral.subject_role:
        return None  # the caller asked for help for someone else: the referral is not about them
    age = caller.get("age")
    protected = caller.get("role") in PROTECTED_CALLER_ROLES or (isinstance(age, int) and age < CHILD_UNDER)
    on_record = {key: caller[key] for key in DETAILS if isinstance(caller.get(key), str) and caller[key]}
    hidden = _why_hidden(actor, referral, protected) if on_record else None
    return ReferredPerson("caller", caller["role"], details={} if hidden else on_record, hidden=hidden)


def _case_persons(cases, referral: Referral, actor: Actor) -> tuple[list[ReferredPerson], UUID | None]:
    if referral.case_id is None:
        return [], None
    try:
        case = cases.get(referral.case_id, actor=actor)
    except DomainError:
        return [], None
    wanted = CASE_ROLE_OF.get(referral.subject_role)
    found = []
    for person in persons_for(actor, case):
        if person["role"] != wanted:
            continue
        protected = person["role"] in PROTECTED_ROLES
        on_record = {key: person[key] for key in DETAILS if isinstance(person.get(key), str) and person[key]}
        hidden = "protected" if person.get("redacted") else (
            _why_hidden(actor, referral, protected) if on_record else None)
        # Safe-contact rules (how and when she may be reached) are part of casework: where the case
        # holds some for the person, whoever may see her details is sent to read them first.
        rules = (getattr(case, "safe_contacts", None) or {}).get(person.get("person_id"))
        found.append(ReferredPerson("case", person["role"], label=person.get("label"),
                                    details={} if hidden else on_record, hidden=hidden,
                                    safe_contact=bool(rules) and not hidden))
    return found, case.id


def referred(store, cases, referral: Referral, actor: Actor) -> Referred:
    """The referred person as `actor` may see them (the referral itself is already one they may read)."""
    persons, case_id = _case_persons(cases, referral, actor)
    caller = _caller(store, referral, actor)
    return Referred([*([caller] if caller else []), *persons], case_id)


@dataclass(frozen=True)
class QueueFacts:
    """What the queue shows of a referral beyond its own fields: codes only, no personal data."""
    language: str | None = None  # the caller's language (languages)
    region: str | None = None  # the caller's region (regions)
    risk: tuple = ()  # danger signs noted on the contact (risk_flags)
    risk_level: str | None = None  # the level of the case's latest victim-risk checklist, if any


def queue_facts(store, views, referrals: list[Referral]) -> dict[str, QueueFacts]:
    """By referral id: the language, region and danger signs of the contact it came from, and the
    level of its case's latest victim-risk checklist."""
    found = {}
    with views.transaction(write=False) as tx:
        for referral in referrals:
            caller: dict = {}
            risk: tuple = ()
            if referral.contact_id is not None:
                try:
                    contact = store.load(referral.contact_id, Contact, "contact")
                except DomainError:
                    contact = None
                if contact is not None:
                    caller = contact.fields.get("caller") or {}
                    risk = tuple(contact.fields.get("risk") or ())
            level = None
            if referral.case_id is not None:
                latest = latest_assessment(tx, referral.case_id, "victim_risk")
                if latest:
                    try:
                        level = store.load(UUID(latest), Assessment, "assessment").level
                    except (DomainError, ValueError):
                        level = None
            found[str(referral.id)] = QueueFacts(caller.get("language"), caller.get("region"), risk, level)
    return found
