"""Who a referral is about as the reader may see them (issue 15, item 9), on real aggregates with a
case service that hands out one case (no I/O)."""
from uuid import uuid4

from domain.actor import Actor
from domain.case import Case
from domain.referral import Referral
from intake.services.cases import CaseService
from intake.services.referred import referred

CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="gulnara", role="psychologist")
COLLEAGUE = Actor(user_id=str(uuid4()), username="dana", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="saule", role="supervisor")


class OneCase(CaseService):
    """The case service, over one case every reader may open."""

    def __init__(self, case: Case):  # no store: get() is all referred() asks of it
        self.case = case

    def get(self, case_id, *, actor):
        return self.case


def a_case_with(role: str, name: str, safe_contact: bool = False) -> tuple[Case, object]:
    case = Case.open(actor=CONSULTANT)
    person_id = case.add_person(role=role, name=name, phone="+7 701 555 12 34", actor=CONSULTANT)
    if safe_contact:  # as casework records it (Case.SafeContactSet, issue 12)
        case.safe_contacts = {person_id: {"channels": ["phone"], "times": "after 18:00"}}
    return case, person_id


def a_referral(case: Case, role: str) -> Referral:
    return Referral.make(source="helpline", target="family_service", reason="Просит консультацию.", urgency="urgent",
                         consent={"services": True}, subject_role=role, case_id=case.id, actor=CONSULTANT)


def test_the_claimant_sees_the_aggressors_details_and_is_sent_to_his_safe_contact_rules():
    case, _ = a_case_with("aggressor", "Бауыржан", safe_contact=True)
    referral = a_referral(case, "aggressor")
    before = referred(None, OneCase(case), referral, PSYCHOLOGIST).persons[0]
    assert before.details == {} and before.hidden == "claim_first" and not before.safe_contact
    referral.claim(actor=PSYCHOLOGIST)
    after = referred(None, OneCase(case), referral, PSYCHOLOGIST)
    assert after.persons[0].details["name"] == "Бауыржан" and after.persons[0].safe_contact
    assert after.case_id == case.id
    assert referred(None, OneCase(case), referral, COLLEAGUE).persons[0].hidden == "claim_first"


def test_a_victims_details_and_safe_contact_are_for_her_side_only():
    case, _ = a_case_with("victim", "Сауле", safe_contact=True)
    referral = a_referral(case, "victim")
    referral.claim(actor=PSYCHOLOGIST)
    for_psychologist = referred(None, OneCase(case), referral, PSYCHOLOGIST).persons[0]
    assert for_psychologist.details == {} and for_psychologist.hidden == "protected"
    assert not for_psychologist.safe_contact
    for reader in (CONSULTANT, SUPERVISOR):
        seen = referred(None, OneCase(case), referral, reader).persons[0]
        assert seen.details["phone"] == "+7 701 555 12 34" and seen.safe_contact and seen.hidden is None
