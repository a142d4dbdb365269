"""The rules of the correctional programme, checked on the aggregate alone (no I/O): the eligibility
gate of the aggressor_status assessment, the state machine, who may act, and replay."""
from datetime import timedelta
from uuid import uuid4

import pytest

from domain import instruments
from domain.actor import Actor
from domain.assessment import Assessment
from domain.clock import utc_now
from domain.errors import Conflict, Forbidden
from domain.programme import OUTCOME_CODES, ProgrammeParticipation
from tests.helpers.events import refused_fields, replay, through_storage

PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="aliya", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="dana", role="supervisor")
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
ADMIN = Actor(user_id=str(uuid4()), username="root", role="admin")
CASE_ID = uuid4()
ENROLLED = utc_now() - timedelta(days=30)
WEEK = timedelta(days=7)


def aggressor(**given) -> Assessment:
    answers = {item["id"]: given.get(item["id"], "no") for item in instruments.get("aggressor_status")["items"]}
    return Assessment.record(instrument="aggressor_status", answers=answers, actor=PSYCHOLOGIST, case_id=CASE_ID)


ELIGIBLE = aggressor(physical_violence="yes")


def enrolled(actor: Actor = PSYCHOLOGIST) -> ProgrammeParticipation:
    return ProgrammeParticipation.enrol(assessment=ELIGIBLE, actor=actor, now=ENROLLED)


def with_sessions(*attended: bool) -> ProgrammeParticipation:
    participation = enrolled()
    for n, came in enumerate(attended, start=1):
        participation.record_session(held_at=ENROLLED + n * WEEK, attended=came, actor=PSYCHOLOGIST)
    return participation


# The eligibility gate ----------------------------------------------------------------------------

def test_an_eligible_aggressor_status_assessment_enrols_the_person():
    participation = enrolled()
    assert ELIGIBLE.result["programme_eligible"] is True
    assert (participation.status, participation.assessment_id, participation.case_id) == (
        "enrolled", ELIGIBLE.id, CASE_ID)
    assert (participation.sessions, participation.attended, participation.missed) == ([], 0, 0)
    assert participation.enrolled_by == PSYCHOLOGIST.as_dict()


def test_a_contraindication_refuses_enrolment_and_suggests_health_services():
    assessment = aggressor(physical_violence="yes", alcohol_dependence="yes")
    errors = refused_fields(lambda: ProgrammeParticipation.enrol(assessment=assessment, actor=PSYCHOLOGIST))
    [message] = errors["assessment_id"]
    assert "alcohol_dependence" in message and "health" in message


def test_an_unknown_contraindication_leaves_eligibility_undecided():
    assessment = aggressor(physical_violence="yes", gambling_addiction="unknown")
    assert assessment.result["programme_eligible"] is None
    errors = refused_fields(lambda: ProgrammeParticipation.enrol(assessment=assessment, actor=PSYCHOLOGIST))
    [message] = errors["assessment_id"]
    assert "undecided" in message and "gambling_addiction" in message


def test_only_an_aggressor_status_assessment_can_enrol():
    answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    victim_risk = Assessment.record(instrument="victim_risk", answers=answers, actor=PSYCHOLOGIST)
    errors = refused_fields(lambda: ProgrammeParticipation.enrol(assessment=victim_risk, actor=PSYCHOLOGIST))
    assert "aggressor_status" in errors["assessment_id"][0]


def test_the_enrolment_names_the_case_of_its_assessment():
    errors = refused_fields(lambda: ProgrammeParticipation.enrol(assessment=ELIGIBLE, actor=PSYCHOLOGIST,
                                                                 case_id=uuid4()))
    assert list(errors) == ["case_id"]


@pytest.mark.parametrize("actor", [CONSULTANT, ADMIN], ids=lambda actor: actor.role)
def test_only_psychologists_and_supervisors_run_the_programme(actor):
    with pytest.raises(Forbidden):
        enrolled(actor)
    participation = enrolled()
    with pytest.raises(Forbidden):
        participation.record_session(held_at=ENROLLED + WEEK, attended=True, actor=actor)
    with pytest.raises(Forbidden):
        participation.drop_out(reason="Moved away.", actor=actor)
    assert enrolled(SUPERVISOR).status == "enrolled"


# Sessions and endings ----------------------------------------------------------------------------

def test_sessions_are_numbered_and_counted_attended_or_missed():
    participation = with_sessions(True, False, True)
    assert [(s["number"], s["attended"]) for s in participation.sessions] == [(1, True), (2, False), (3, True)]
    assert (participation.attended, participation.missed, participation.status) == (2, 1, "enrolled")


def test_a_session_cannot_be_in_the_future():
    participation = enrolled()
    assert list(refused_fields(lambda: participation.record_session(
        held_at=utc_now() + WEEK, attended=True, actor=PSYCHOLOGIST))) == ["at"]
    assert list(refused_fields(lambda: participation.record_session(
        held_at=ENROLLED + WEEK, attended="yes", actor=PSYCHOLOGIST))) == ["attended"]


@pytest.mark.parametrize("outcome", sorted(OUTCOME_CODES))
def test_completion_needs_an_attended_session(outcome):
    participation = with_sessions(False)
    with pytest.raises(Conflict) as refused:
        participation.complete(outcome=outcome, actor=PSYCHOLOGIST)
    assert refused.value.state == "enrolled"
    participation.record_session(held_at=ENROLLED + 2 * WEEK, attended=True, actor=PSYCHOLOGIST)
    participation.complete(outcome=outcome, actor=SUPERVISOR)
    assert (participation.status, participation.outcome) == ("completed", outcome)


def test_an_unknown_outcome_is_refused():
    assert list(refused_fields(lambda: with_sessions(True).complete(outcome="graduated", actor=PSYCHOLOGIST))) == [
        "outcome"]


def test_a_drop_out_needs_a_reason():
    participation = with_sessions(True)
    assert list(refused_fields(lambda: participation.drop_out(reason="  ", actor=PSYCHOLOGIST))) == ["reason"]
    participation.drop_out(reason="Stopped coming; not reachable by phone.", actor=PSYCHOLOGIST)
    assert (participation.status, participation.drop_out_reason) == (
        "dropped_out", "Stopped coming; not reachable by phone.")


@pytest.mark.parametrize("ending", ["completed", "dropped_out"])
def test_nothing_follows_the_end(ending):
    participation = with_sessions(True)
    if ending == "completed":
        participation.complete(outcome="completed", actor=PSYCHOLOGIST)
    else:
        participation.drop_out(reason="Moved to another city.", actor=PSYCHOLOGIST)
    for command in (
        lambda: participation.record_session(held_at=ENROLLED + 2 * WEEK, attended=True, actor=PSYCHOLOGIST),
        lambda: participation.complete(outcome="completed", actor=PSYCHOLOGIST),
        lambda: participation.drop_out(reason="Again.", actor=PSYCHOLOGIST),
    ):
        with pytest.raises(Conflict) as refused:
            command()
        assert refused.value.state == ending


# Replay ------------------------------------------------------------------------------------------

def public_state(participation: ProgrammeParticipation) -> dict:
    return {key: value for key, value in vars(participation).items() if not key.startswith("_")}


@pytest.mark.parametrize("stored", [False, True], ids=["in_memory", "through_storage"])
def test_replaying_the_events_gives_the_same_state(stored):
    participation = with_sessions(True, False, True)
    participation.complete(outcome="completed_with_conditions", actor=PSYCHOLOGIST)
    events = participation.collect_events()
    assert [type(event).__name__ for event in events] == [
        "Enrolled", "SessionRecorded", "SessionRecorded", "SessionRecorded", "Completed"]
    replayed = replay(through_storage(events) if stored else events)
    assert (replayed.id, replayed.version) == (participation.id, participation.version)
    assert public_state(replayed) == public_state(participation)


def test_replay_never_runs_the_eligibility_gate_again(monkeypatch):
    events = enrolled().collect_events()
    monkeypatch.setattr("domain.programme.eligibility_problem", lambda assessment: "Rules changed.")
    assert replay(through_storage(events)).status == "enrolled"
