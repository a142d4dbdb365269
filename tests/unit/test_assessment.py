"""The rules an assessment keeps, checked on the aggregate alone (no I/O)."""
from uuid import UUID, uuid4

import pytest

from domain import instruments
from domain.actor import Actor
from domain.assessment import Assessment
from domain.errors import Forbidden
from tests.helpers.events import refused_fields, replay, through_storage

PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="aliya", role="psychologist")
COLLEAGUE = Actor(user_id=str(uuid4()), username="marat", role="psychologist")
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
SUPERVISOR = Actor(user_id=str(uuid4()), username="dana", role="supervisor")
CASE_ID = uuid4()


def answers(code: str, yes: int = 0, unknown: int = 0) -> dict:
    ids = [item["id"] for item in instruments.get(code)["items"]]
    return {item_id: "yes" if n < yes else "unknown" if n < yes + unknown else "no" for n, item_id in enumerate(ids)}


def a_victim_risk(yes: int = 11, actor: Actor = PSYCHOLOGIST, **fields) -> Assessment:
    fields.setdefault("answers", answers("victim_risk", yes=yes))
    return Assessment.record(instrument="victim_risk", actor=actor, case_id=CASE_ID, **fields)


def state(assessment: Assessment) -> dict:
    return {key: value for key, value in vars(assessment).items() if not key.startswith("_")} | {
        "id": assessment.id, "version": assessment.version}


# Recording -------------------------------------------------------------------------------------------

def test_an_assessment_keeps_the_raw_answers_the_version_the_result_and_the_assessor():
    given_answers = answers("victim_risk", yes=11, unknown=1)
    assessment = a_victim_risk(answers=given_answers, contact_id=str(CASE_ID))
    assert assessment.answers == given_answers and assessment.answers is not given_answers
    assert (assessment.instrument, assessment.instrument_version) == ("victim_risk", "1")
    assert assessment.fingerprint == instruments.fingerprint("victim_risk", "1")
    assert assessment.result == instruments.score("victim_risk", given_answers)
    assert (assessment.level, assessment.computed_level, assessment.result["complete"]) == ("medium", "medium", True)
    assert assessment.assessed_by == PSYCHOLOGIST.as_dict()
    assert (assessment.subject_role, assessment.case_id, assessment.contact_id) == ("victim", CASE_ID, CASE_ID)
    assert assessment.overrides == []


def test_the_server_computes_the_result_from_the_answers_alone():
    assessment = Assessment.record(instrument="aggressor_status", actor=PSYCHOLOGIST,
                                   answers={**answers("aggressor_status"), "physical_violence": "yes",
                                            "alcohol_dependence": "yes"})
    assert (assessment.level, assessment.result["programme_eligible"], assessment.result["suggested_referral"]) == (
        "confirmed", False, "health")
    assert (assessment.subject_role, assessment.case_id, assessment.contact_id) == ("aggressor", None, None)


def test_a_later_change_to_the_callers_answers_does_not_reach_the_assessment():
    given_answers = answers("odara", yes=4)
    assessment = Assessment.record(instrument="odara", answers=given_answers, actor=PSYCHOLOGIST)
    given_answers["index_threat"] = "unknown"
    assert assessment.answers["index_threat"] == "no"


def test_a_reassessment_is_a_new_assessment_and_the_first_stays_as_it_was():
    first = a_victim_risk(yes=11)
    second = a_victim_risk(yes=15)
    assert first.id != second.id
    assert (first.level, second.level) == ("medium", "high")
    assert first.version == 1


@pytest.mark.parametrize("fields, field", [
    ({"instrument": "danger_assessment"}, "instrument"),
    ({"version": "7"}, "version"),
    ({"answers": {**answers("victim_risk"), "bogus": "yes"}}, "answers.bogus"),
    ({"answers": {**answers("victim_risk"), "fear": "sometimes"}}, "answers.fear"),
    ({"answers": {k: v for k, v in answers("victim_risk").items() if k != "fear"}}, "answers.fear"),
    ({"subject_role": "aggressor"}, "subject_role"),
    ({"subject_role": "tiger"}, "subject_role"),
    ({"case_id": "not-an-id"}, "case_id"),
    ({"contact_id": 42.5}, "contact_id"),
])
def test_bad_input_is_refused_naming_the_field(fields, field):
    call = {"instrument": "victim_risk", "answers": answers("victim_risk"), "actor": PSYCHOLOGIST, **fields}
    assert list(refused_fields(lambda: Assessment.record(**call))) == [field]


def test_every_bad_field_of_a_recording_is_named_at_once():
    call = {"instrument": "odara", "actor": PSYCHOLOGIST, "subject_role": "victim", "case_id": "x",
            "answers": {**answers("odara"), "prior_custody": "maybe"}}
    assert set(refused_fields(lambda: Assessment.record(**call))) == {
        "answers.prior_custody", "subject_role", "case_id"}


def test_a_potential_victim_may_be_assessed_with_the_victim_checklist():
    assert a_victim_risk(subject_role="potential_victim").subject_role == "potential_victim"


# Overriding the level ----------------------------------------------------------------------------------

def test_the_assessor_may_raise_the_level_with_a_reason():
    assessment = a_victim_risk(yes=11)
    assessment.override(level="high", reason="  Strangled her last week; she is hiding at a friend's.  ",
                        actor=PSYCHOLOGIST)
    assert (assessment.level, assessment.computed_level) == ("high", "medium")
    assert assessment.overrides == [{"level": "high", "previous_level": "medium",
                                     "reason": "Strangled her last week; she is hiding at a friend's.",
                                     "by": PSYCHOLOGIST.as_dict()}]


def test_a_supervisor_may_raise_the_level():
    assessment = a_victim_risk(yes=3)
    assessment.override(level="medium", reason="Repeated calls from the same address.", actor=SUPERVISOR)
    assert assessment.level == "medium"


def test_the_assessor_may_not_lower_the_level():
    assessment = a_victim_risk(yes=15)
    errors = refused_fields(lambda: assessment.override(level="medium", reason="Seems calmer.", actor=PSYCHOLOGIST))
    assert list(errors) == ["level"] and "supervisor" in errors["level"][0]
    assert assessment.level == "high"


def test_a_supervisor_may_lower_the_level_even_below_the_computed_one():
    assessment = a_victim_risk(yes=15)
    assessment.override(level="standard", reason="Answers given about a former partner, now abroad.",
                        actor=SUPERVISOR)
    assert (assessment.level, assessment.computed_level) == ("standard", "high")


def test_lowering_is_judged_against_the_current_level_not_the_computed_one():
    assessment = a_victim_risk(yes=3)
    assessment.override(level="high", reason="Threats with a knife yesterday.", actor=PSYCHOLOGIST)
    assert list(refused_fields(lambda: assessment.override(level="medium", reason="Overdid it.",
                                                            actor=PSYCHOLOGIST))) == ["level"]
    assert assessment.level == "high"


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_an_override_without_a_reason_is_refused(reason):
    assessment = a_victim_risk(yes=3)
    assert list(refused_fields(lambda: assessment.override(level="high", reason=reason, actor=PSYCHOLOGIST))) == [
        "reason"]
    assert assessment.overrides == []


@pytest.mark.parametrize("level", ["critical", "High", "", None, "7-13"])
def test_an_unknown_level_is_refused(level):
    assessment = a_victim_risk(yes=3)
    errors = refused_fields(lambda: assessment.override(level=level, reason="Judgement.", actor=SUPERVISOR))
    assert list(errors) == ["level"] and "standard, medium, high" in errors["level"][0]


def test_an_override_to_the_current_level_is_refused():
    assessment = a_victim_risk(yes=11)
    assert list(refused_fields(lambda: assessment.override(level="medium", reason="Agree.", actor=SUPERVISOR))) == [
        "level"]


def test_another_staff_member_records_their_own_assessment_instead_of_overriding():
    assessment = a_victim_risk(yes=3)
    for actor in (COLLEAGUE, CONSULTANT, Actor(user_id=str(uuid4()), username="root", role="admin")):
        with pytest.raises(Forbidden):
            assessment.override(level="high", reason="I think it is worse.", actor=actor)
    assert assessment.level == "standard"


def test_the_assessor_is_known_by_user_id_not_by_a_changed_role():
    assessment = a_victim_risk(yes=3, actor=CONSULTANT)
    promoted = Actor(user_id=CONSULTANT.user_id, username="aigerim", role="psychologist")
    assessment.override(level="medium", reason="Her sister called too.", actor=promoted)
    assert assessment.level == "medium"


def test_odara_and_aggressor_status_levels_follow_their_own_order():
    odara = Assessment.record(instrument="odara", answers=answers("odara", yes=4), actor=PSYCHOLOGIST)
    odara.override(level="5-6", reason="A second victim came forward.", actor=PSYCHOLOGIST)
    assert list(refused_fields(lambda: odara.override(level="3", reason="x", actor=PSYCHOLOGIST))) == ["level"]
    status = Assessment.record(instrument="aggressor_status", answers=answers("aggressor_status"), actor=PSYCHOLOGIST)
    status.override(level="potential", reason="Neighbours report shouting and threats.", actor=PSYCHOLOGIST)
    assert list(refused_fields(lambda: status.override(level="not_established", reason="x",
                                                        actor=PSYCHOLOGIST))) == ["level"]


# Events and replay ---------------------------------------------------------------------------------------

def an_overridden_assessment() -> Assessment:
    given_answers = {**answers("aggressor_status"), "threats": "yes", "drug_dependence": "unknown"}
    assessment = Assessment.record(instrument="aggressor_status", actor=PSYCHOLOGIST, case_id=CASE_ID,
                                   answers=given_answers)
    assessment.override(level="confirmed", reason="Police report of an assault last month.", actor=PSYCHOLOGIST)
    assessment.override(level="potential", reason="The police report concerned his brother.", actor=SUPERVISOR)
    return assessment


def test_the_events_are_past_tense_and_carry_their_actor():
    events = an_overridden_assessment().collect_events()
    assert [type(event).__name__ for event in events] == ["Recorded", "LevelOverridden", "LevelOverridden"]
    assert [event.actor for event in events] == [PSYCHOLOGIST.as_dict(), PSYCHOLOGIST.as_dict(), SUPERVISOR.as_dict()]
    assert events[0].result["programme_eligible"] is None
    assert (events[2].level, events[2].previous_level) == ("potential", "confirmed")


@pytest.mark.parametrize("stored", [False, True], ids=["in_memory", "through_storage"])
def test_replaying_the_events_rebuilds_the_same_assessment(stored):
    assessment = an_overridden_assessment()
    events = assessment.collect_events()
    rebuilt = replay(through_storage(events) if stored else events)
    assert state(rebuilt) == state(assessment)
    assert isinstance(rebuilt.case_id, UUID)


def test_replay_never_rescores_or_revalidates(monkeypatch):
    assessment = an_overridden_assessment()
    events = through_storage(assessment.collect_events())

    def refuse(*args, **kwargs):
        raise AssertionError("replay ran a check")

    for name in ("score", "get", "answer_errors", "level_codes", "fingerprint"):
        monkeypatch.setattr(instruments, name, refuse)
    assert state(replay(events)) == state(assessment)


def test_a_stored_result_is_kept_even_if_the_rules_would_now_say_otherwise():
    recorded = a_victim_risk(yes=3).collect_events()[0]
    stored = through_storage([recorded])[0]
    stored.__dict__["result"] = {**stored.result, "level": "high", "score": 20}  # as scored back then
    rebuilt = replay([stored])
    assert (rebuilt.level, rebuilt.result["score"]) == ("high", 20)
