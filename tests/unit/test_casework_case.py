"""The case's casework rules without I/O: taking on and extending, safe contact per person, safety
plans (one per person, revised never overwritten), coded closure with per-child outcomes, follow-ups
only after closure and only on the schedule, reopening from a follow-up, and replay of old events."""
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.case import Case, add_months
from domain.errors import Conflict, Forbidden, Invalid
from domain.safety_plan import SafetyPlan, plan_id
from tests.helpers.events import replay, through_storage

NOW = datetime(2025, 6, 10, 9, 0, tzinfo=timezone.utc)
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="dana", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="saule", role="supervisor")


@pytest.fixture
def case():
    case = Case.open(actor=CONSULTANT, summary="Семья", now=NOW)
    case.victim = case.add_person(role="victim", actor=CONSULTANT, now=NOW)
    case.aggressor = case.add_person(role="aggressor", actor=CONSULTANT, now=NOW)
    case.child = case.add_person(role="child", actor=CONSULTANT, now=NOW)
    return case


def codes(refused: Invalid) -> dict:
    return refused.codes


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_taking_on_again_while_open_is_an_extension_and_the_latest_counts(case):
    case.take_on(service="family_service", source="school", agreement_on="2025-01-15", term_months=24,
                 organisation=" Школа № 5 ", actor=CONSULTANT, now=NOW)
    case.take_on(service="family_service", source="school", agreement_on=date(2025, 6, 1), term_months=12,
                 actor=CONSULTANT, now=NOW)
    assert case.agreement["agreement_on"] == "2025-06-01" and case.agreement["ends_on"] == "2026-06-01"
    assert [entry["extension"] for entry in case.agreements] == [False, True]
    assert case.agreements[0]["organisation"] == "Школа № 5"


def test_a_bad_agreement_names_each_field(case):
    with pytest.raises(Invalid) as refused:
        case.take_on(service="bakery", source="mars", region="moon", agreement_on="2025-06-11", term_months=0,
                     actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"service": ["code.unknown"], "source": ["code.unknown"], "region": ["code.unknown"],
                                    "agreement_on": ["time.in_future"], "term_months": ["case.term_months"]}


def test_a_closed_case_is_not_taken_on(case):
    case.close(reason="done", actor=CONSULTANT, now=NOW)
    with pytest.raises(Conflict) as refused:
        case.take_on(service="family_service", source="school", agreement_on="2025-01-15", term_months=12,
                     actor=CONSULTANT, now=NOW)
    assert refused.value.state == "closed"


def test_safe_contact_is_per_person_and_a_psychologist_may_not_write_a_victims(case):
    case.set_safe_contact(case.victim, channels=["whatsapp", "whatsapp"], times=" утром ", leave_message="no",
                          actor=CONSULTANT, now=NOW)
    assert case.safe_contacts[case.victim]["channels"] == ["whatsapp"]
    assert case.safe_contacts[case.victim]["times"] == "утром"
    for person in (case.victim, case.child):
        with pytest.raises(Forbidden):
            case.set_safe_contact(person, channels=["phone"], actor=PSYCHOLOGIST, now=NOW)
    case.set_safe_contact(case.aggressor, channels=["phone"], actor=PSYCHOLOGIST, now=NOW)
    with pytest.raises(Invalid) as refused:
        case.set_safe_contact(case.victim, channels="phone", leave_message="maybe", actor=CONSULTANT, now=NOW)
    assert set(codes(refused.value)) == {"channels", "leave_message"}


def test_a_safety_plan_has_one_id_per_person_of_a_case_and_keeps_every_version(case):
    plan = SafetyPlan.start(case=case, person_id=case.victim, steps=["safe_place", "safe_place"],
                            own_steps=["Ключ у соседки", " "], agreed_on="2025-06-10", review_on="2025-07-10",
                            actor=CONSULTANT, now=NOW)
    assert plan.id == plan_id(case.id, case.victim) != plan_id(case.id, case.child)
    assert plan.steps == ["safe_place"] and plan.own_steps == ["Ключ у соседки"]
    plan.revise(case=case, steps=["bag_ready"], agreed_on="2025-06-10", review_on="2025-08-10", reason="сумка",
                actor=SUPERVISOR, now=NOW + timedelta(hours=1))
    assert [version["steps"] for version in plan.versions] == [["safe_place"], ["bag_ready"]]
    assert plan.versions[1]["agreed_by"]["username"] == "saule" and plan.review_on == "2025-08-10"
    again = replay(through_storage(plan.collect_events()))
    assert again.versions == plan.versions


def test_a_safety_plan_refuses_what_it_cannot_keep(case):
    with pytest.raises(Invalid) as refused:
        SafetyPlan.start(case=case, person_id=case.victim, steps=[], agreed_on="2025-06-10", review_on="2025-06-01",
                         actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"steps": ["safety_plan.empty"], "review_on": ["safety_plan.review_before_agreed"]}
    with pytest.raises(Forbidden):
        SafetyPlan.start(case=case, person_id=case.child, steps=["children_plan"], agreed_on="2025-06-10",
                         review_on="2025-07-10", actor=PSYCHOLOGIST, now=NOW)
    plan = SafetyPlan.start(case=case, person_id=case.victim, steps=["safe_place"], agreed_on="2025-06-10",
                            review_on="2025-07-10", actor=CONSULTANT, now=NOW)
    with pytest.raises(Invalid) as refused:
        plan.revise(case=case, steps=["safe_place"], agreed_on="2025-06-10", review_on="2025-07-10", reason=" ",
                    actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"reason": ["text.blank"]}
    case.close(reason="done", actor=CONSULTANT, now=NOW)
    with pytest.raises(Conflict):
        plan.revise(case=case, steps=["safe_place"], agreed_on="2025-06-10", review_on="2025-07-10", reason="x",
                    actor=CONSULTANT, now=NOW)


def test_a_coded_closure_gives_every_child_outcomes_and_other_needs_words(case):
    with pytest.raises(Invalid) as refused:
        case.close(reason=None, reason_code="other", actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"reason": ["text.blank"]}
    with pytest.raises(Invalid) as refused:
        case.close(reason=None, reason_code="self_sufficient", child_outcomes=[
            {"person_id": case.victim}, {"person_id": case.child, "returned_home": "perhaps"},
            {"person_id": case.child}], actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"child_outcomes.0.person_id": ["case.not_a_child"],
                                    "child_outcomes.1.returned_home": ["code.unknown"],
                                    "child_outcomes.2.person_id": ["case.child_outcome_twice"]}
    with pytest.raises(Invalid) as refused:
        case.close(reason=None, reason_code="moved_away", occurred_at=NOW + timedelta(days=1), actor=CONSULTANT, now=NOW)
    assert codes(refused.value) == {"occurred_at": ["time.in_future"]}
    case.close(reason=None, reason_code="moved_away", occurred_at=NOW - timedelta(days=3), actor=CONSULTANT, now=NOW)
    assert case.closure["child_outcomes"] == [{"person_id": case.child, "removal_prevented": "unknown",
                                               "returned_home": "unknown", "wellbeing_improved": "unknown"}]
    assert case.closure["occurred_at"] == NOW - timedelta(days=3) and case.closure["reason"] is None


def test_only_the_owner_or_a_supervisor_closes(case):
    with pytest.raises(Forbidden):
        case.close(reason="x", actor=PSYCHOLOGIST, now=NOW)


def test_follow_ups_come_after_the_closure_on_the_schedule_and_reopening_names_one(case):
    with pytest.raises(Conflict) as refused:
        case.record_follow_up(due_months=3, finding="doing_well", actor=CONSULTANT, now=NOW)
    assert refused.value.state == "open"
    case.close(reason="ok", reason_code="self_sufficient", actor=CONSULTANT, now=NOW)
    with pytest.raises(Invalid) as refused:
        case.record_follow_up(due_months=4, finding="fine", occurred_at=NOW - timedelta(days=1), actor=CONSULTANT,
                              now=NOW, schedule=(3, 6))
    assert codes(refused.value) == {"due_months": ["case.follow_up_not_due"], "finding": ["code.unknown"],
                                    "occurred_at": ["case.follow_up_before_closure"]}
    later = NOW + timedelta(days=95)
    follow_up = case.record_follow_up(due_months=3, finding="needs_help_again", note="угрозы", actor=CONSULTANT,
                                      now=later)
    schedule = case.follow_up_schedule((3, 6, 12))
    assert [(due["due_months"], due["due_on"]) for due in schedule] == [
        (3, "2025-09-10"), (6, "2025-12-10"), (12, "2026-06-10")]
    assert schedule[0]["findings"][0]["follow_up_id"] == follow_up
    with pytest.raises(Invalid):
        case.reopen(reason="again", from_follow_up=uuid4(), actor=CONSULTANT, now=later)
    case.reopen(reason="again", from_follow_up=follow_up, actor=CONSULTANT, now=later)
    assert case.history[-1]["from_follow_up"] == follow_up
    case.close(reason="again done", actor=CONSULTANT, now=later + timedelta(days=1))
    assert case.closure_follow_ups() == [] and len(case.follow_ups) == 1  # history kept, schedule anew


def test_a_case_replays_from_its_events_with_every_casework_fact(case):
    case.take_on(service="family_service", source="court", agreement_on="2025-01-15", term_months=24,
                 actor=CONSULTANT, now=NOW)
    case.set_safe_contact(case.victim, channels=["phone"], actor=CONSULTANT, now=NOW)
    case.close(reason=None, reason_code="transferred", actor=CONSULTANT, now=NOW)
    case.record_follow_up(due_months=3, finding="not_reached", actor=CONSULTANT, now=NOW + timedelta(days=90))
    again = replay(through_storage(case.collect_events()))
    assert again.agreement == case.agreement and again.safe_contacts == case.safe_contacts
    assert again.closure == case.closure and again.follow_ups == case.follow_ups


def test_the_follow_up_schedule_is_read_from_the_environment():
    from intake.config import ConfigError, Settings

    assert Settings.from_env({}).follow_up_months == (3, 6, 12)
    assert Settings.from_env({"SENIM_FOLLOW_UP_MONTHS": " 12, 3 ,6,3"}).follow_up_months == (3, 6, 12)
    for wrong in ("three", "0,6", "3,,x", "121"):
        with pytest.raises(ConfigError, match="SENIM_FOLLOW_UP_MONTHS"):
            Settings.from_env({"SENIM_FOLLOW_UP_MONTHS": wrong})
