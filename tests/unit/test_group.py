"""Group programmes in the domain alone: the completion rule, the states a group refuses with, the timetable
within working hours, programme definitions and their versions, trainings, the asker's age bands."""
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.clock import SERVICE_TIMEZONE
from domain.errors import Conflict, Forbidden, Invalid
from domain.group import BUILTIN, Group, Programme, builtin_id, checked_definition, rule_met
from domain.schedule import WeeklySchedule
from domain.training import Training
from projections.group_stats import band_of, parse_age_bands

PSY = Actor(user_id=str(uuid4()), username="dana", role="psychologist")
PARTNER = Actor(user_id=str(uuid4()), username="erlan", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="saule", role="supervisor")
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
START = datetime(2025, 3, 3, 10, 0, tzinfo=SERVICE_TIMEZONE)  # a Monday


def a_group(capacity: int = 12, sessions: int = 10, **kwargs) -> Group:
    return Group.plan(programme=Programme.builtin("strong_parents", actor=SUPERVISOR), facilitators=[PSY, PARTNER],
                      timetable=[{"starts_at": START + timedelta(weeks=n), "minutes": 120} for n in range(sessions)],
                      capacity=capacity, place="room 2", actor=PSY, **kwargs)


def enrol(group: Group, **details):
    return group.enrol(participant_id=uuid4(), actor=PSY, name="Айгерим", **details)


def test_the_rule_is_met_by_hours_or_by_sessions():
    parents = checked_definition(BUILTIN["strong_parents"], key="strong_parents")
    assert not rule_met(parents, 14, 7) and rule_met(parents, 16, 8)
    either = {"min_hours": 16, "min_sessions": 8}
    assert rule_met(either, 12, 8) and rule_met(either, 16, 4) and not rule_met(either, 15.5, 7)


def test_a_participant_completes_once_the_rule_is_met_and_stays_completed():
    group = a_group()
    person = enrol(group)
    for number in range(1, 9):
        group.hold_session(number=number, held_on=(START + timedelta(weeks=number - 1)).date(), topic="t", actor=PSY)
        completed = group.record_attendance(number, {str(person): 2}, actor=PSY)
        assert completed == ([person] if number == 8 else [])
    group.hold_session(number=9, held_on=(START + timedelta(weeks=8)).date(), topic="t", actor=PSY)
    assert group.record_attendance(9, {person: 0}, actor=PSY) == []
    assert group.participant(person)["status"] == "completed" and group.hours_of(person) == (16.0, 8)


def test_refused_states_name_the_state():
    group = a_group(capacity=1)
    person = enrol(group)
    with pytest.raises(Conflict) as full:
        enrol(group)
    assert full.value.state == "full"
    with pytest.raises(Conflict) as planned:
        group.record_attendance(1, {person: 2}, actor=PSY)
    assert planned.value.state == "planned"
    group.hold_session(number=1, held_on=START.date(), topic="t", actor=PSY)
    with pytest.raises(Conflict) as held:
        group.hold_session(number=1, held_on=START.date(), topic="t", actor=PSY)
    assert held.value.state == "held"
    group.drop_out(person, reason="moved", actor=PSY)
    enrol(group)  # the seat is free again
    group.finish(actor=PSY)
    with pytest.raises(Conflict) as finished:
        enrol(group)
    assert finished.value.state == "finished"


def test_a_session_outside_a_facilitators_hours_is_refused_naming_it():
    office = WeeklySchedule.of({"monday": [["09:00", "11:00"]]})
    with pytest.raises(Invalid) as refused:
        a_group(sessions=2, schedules={"dana": office, "erlan": None})
    assert set(refused.value.reasons) == {"timetable.0.starts_at", "timetable.1.starts_at"}
    assert a_group(sessions=2, schedules={"dana": WeeklySchedule.of({"monday": [["09:00", "13:00"]]})})


def test_a_participant_for_the_group_only_needs_a_name_and_known_codes():
    group = a_group()
    with pytest.raises(Invalid) as refused:
        group.enrol(participant_id=uuid4(), actor=PSY, sex="x", age=-1, social_statuses=["children", "astronaut"])
    assert set(refused.value.reasons) == {"name", "sex", "age", "social_statuses.1"}
    person = enrol(group, social_statuses=["children", "disabled", "children"])
    assert group.participant(person)["social_statuses"] == ["children", "disabled"]


def test_only_psychologists_and_supervisors_run_groups_and_only_supervisors_define_programmes():
    with pytest.raises(Forbidden):
        a_group().enrol(participant_id=uuid4(), actor=CONSULTANT, name="x")
    with pytest.raises(Forbidden):
        Programme.define(BUILTIN["strong_parents"], actor=PSY)


def test_a_programme_is_versioned_and_a_shipped_one_has_its_well_known_id():
    programme = Programme.builtin("strong_parents", actor=SUPERVISOR)
    assert programme.id == builtin_id("strong_parents") and programme.definition["version"] == 1
    group = a_group()
    programme.revise({**BUILTIN["strong_parents"], "min_hours": 18}, actor=SUPERVISOR)
    assert programme.definition["version"] == 2 and group.programme["min_hours"] == 16
    with pytest.raises(Invalid) as refused:
        checked_definition({**BUILTIN["strong_parents"], "min_hours": None, "min_sessions": 11})
    assert "min_sessions" in refused.value.reasons


def test_a_training_keeps_its_regions_once_each_and_counts_its_participants():
    training = Training.record(kind="webinar", audience="juvenile_police", held_on="2020-03-10", trainers=["A"],
                               topic="t", regions=["almaty", "almaty", "astana"], actor=PSY)
    assert training.regions == ["almaty", "astana"]
    training.add_participant(participant_id=uuid4(), name="B", organisation="Police", region="abai", actor=PSY)
    assert len(training.participants) == 1
    with pytest.raises(Invalid) as refused:
        Training.record(kind="party", audience="x", held_on="soon", trainers=[], topic="", regions=["mars"], actor=PSY)
    assert set(refused.value.reasons) == {"kind", "audience", "held_on", "trainers", "topic", "regions.0"}


@pytest.mark.parametrize("text", ["13-16,15-20", "20-10", "59-,60-", "a-b", "13", "13-16,,17-20"])
def test_age_bands_must_ascend_without_overlap(text):
    with pytest.raises(ValueError):
        parse_age_bands(text)


def test_ages_fall_into_the_askers_bands():
    bands = parse_age_bands("13-16,17-22,59-")
    assert [band_of(age, bands) for age in (12, 13, 16, 17, 40, 59, 90, None)] == [
        "", "13-16", "13-16", "17-22", "", "59-", "59-", ""]
