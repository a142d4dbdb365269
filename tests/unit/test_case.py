"""The rules a case file keeps, checked on the aggregate alone (no I/O): its state machine, persons
with pseudonymous ids and labels, the redaction rule, notes, owners, and replay through storage."""
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.case import PERSONAL_FIELDS, Case, redacted_person
from domain.errors import Conflict, Forbidden, NotFound
from intake.services.cases import events_in_case, may_see_case, persons_for
from tests.helpers.events import refused_fields, replay, through_storage

CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
OTHER_CONSULTANT = Actor(user_id=str(uuid4()), username="saule", role="consultant")
PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="aliya", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="dana", role="supervisor")
ADMIN = Actor(user_id=str(uuid4()), username="root", role="admin")


def a_case(actor: Actor = CONSULTANT, **fields) -> Case:
    return Case.open(actor=actor, **fields)


def closed_case() -> Case:
    case = a_case()
    case.close(reason="The family moved to another region.", actor=CONSULTANT)
    return case


# Opening ---------------------------------------------------------------------------------------

def test_an_opened_case_is_open_and_owned_by_its_opener():
    case = a_case(summary="Жалобы на мужа. Complaints about the husband.")
    assert case.status == "open"
    assert case.owner == CONSULTANT.as_dict()
    assert case.opened_by == CONSULTANT.as_dict()
    assert case.summary.startswith("Жалобы")
    assert [change["status"] for change in case.history] == ["open"]


def test_every_event_carries_its_actor():
    case = a_case()
    case.add_person(role="victim", name="Aigul", actor=CONSULTANT)
    case.add_note(text="Called back.", actor=CONSULTANT)
    case.close(reason="Done.", actor=SUPERVISOR)
    assert all(event.actor["user_id"] for event in case.collect_events())


def test_an_admin_may_not_open_a_case():
    with pytest.raises(Forbidden):
        a_case(actor=ADMIN)


def test_a_malformed_contact_id_is_refused_naming_the_field():
    assert "contact_id" in refused_fields(lambda: a_case(contact_id="not-an-id"))


# Closing and reopening -------------------------------------------------------------------------

def test_close_then_reopen_then_close_again_keeps_every_reason():
    case = a_case()
    case.close(reason="Safe now.", actor=CONSULTANT)
    case.reopen(reason="He came back.", actor=CONSULTANT)
    case.close(reason="Moved to a shelter.", actor=SUPERVISOR)
    assert case.status == "closed"
    assert [(change["status"], change["reason"]) for change in case.history] == [
        ("open", None), ("closed", "Safe now."), ("reopened", "He came back."), ("closed", "Moved to a shelter.")]


def test_closing_a_closed_case_conflicts_with_its_state():
    case = closed_case()
    with pytest.raises(Conflict) as refused:
        case.close(reason="Again.", actor=CONSULTANT)
    assert refused.value.state == "closed"


@pytest.mark.parametrize("reopened", [False, True])
def test_reopening_a_case_that_is_not_closed_conflicts_with_its_state(reopened):
    case = a_case()
    if reopened:
        case.close(reason="Safe.", actor=CONSULTANT)
        case.reopen(reason="Not safe.", actor=CONSULTANT)
    with pytest.raises(Conflict) as refused:
        case.reopen(reason="Why?", actor=CONSULTANT)
    assert refused.value.state == ("reopened" if reopened else "open")


@pytest.mark.parametrize("reason", [None, "", "   ", 42])
def test_closing_and_reopening_need_a_reason(reason):
    case = a_case()
    assert "reason" in refused_fields(lambda: case.close(reason=reason, actor=CONSULTANT))
    case.close(reason="Safe.", actor=CONSULTANT)
    assert "reason" in refused_fields(lambda: case.reopen(reason=reason, actor=CONSULTANT))


def test_only_the_owner_or_a_supervisor_closes_a_case():
    case = a_case()
    with pytest.raises(Forbidden):
        case.close(reason="Not mine.", actor=OTHER_CONSULTANT)
    case.close(reason="Supervisor's decision.", actor=SUPERVISOR)
    assert case.status == "closed"


def test_a_closed_case_takes_no_persons_notes_or_owner_until_reopened():
    case = closed_case()
    for command in (lambda: case.add_person(role="victim", actor=CONSULTANT),
                    lambda: case.add_note(text="More.", actor=CONSULTANT),
                    lambda: case.assign_owner(owner=OTHER_CONSULTANT, actor=SUPERVISOR)):
        with pytest.raises(Conflict) as refused:
            command()
        assert refused.value.state == "closed"
    case.reopen(reason="New incident.", actor=CONSULTANT)
    case.add_note(text="New incident reported.", actor=CONSULTANT)
    assert len(case.notes) == 1


# Persons ---------------------------------------------------------------------------------------

def test_persons_get_random_ids_and_labels_by_role():
    case = a_case()
    first = case.add_person(role="victim", name="Aigul Serikova", phone="+7 701 000 0000", actor=CONSULTANT)
    second = case.add_person(role="victim", name="Aigul Serikova", actor=CONSULTANT)
    child = case.add_person(role="child", actor=CONSULTANT)
    assert isinstance(first, UUID) and first != second  # never derived from the name
    assert [case.persons[p]["label"] for p in (first, second, child)] == ["Victim 1", "Victim 2", "Child 1"]


def test_person_added_carries_the_personal_fields_as_top_level_attributes():
    case = a_case()
    person_id = case.add_person(role="victim", name="Aigul", phone="+77010000000", address="Almaty, Abay 1",
                                actor=CONSULTANT)
    added = case.collect_events()[-1]
    assert type(added).__qualname__ == "Case.PersonAdded"
    assert (added.person_id, added.name, added.phone, added.address) == (
        person_id, "Aigul", "+77010000000", "Almaty, Abay 1")


@pytest.mark.parametrize("fields, field", [
    ({"role": "neighbour"}, "role"),
    ({"role": "victim", "name": 7}, "name"),
    ({"role": "victim", "phone": "1" * 51}, "phone"),
])
def test_a_bad_person_is_refused_naming_the_field(fields, field):
    case = a_case()
    assert field in refused_fields(lambda: case.add_person(actor=CONSULTANT, **fields))


def test_changing_a_person_records_only_what_changed_and_a_new_role_gets_a_new_label():
    case = a_case()
    person_id = case.add_person(role="other", name="Bolat", actor=CONSULTANT)
    case.collect_events()
    case.change_person(person_id, changes={"role": "aggressor", "phone": "+7 702", "name": "Bolat"},
                       reason="He is the husband.", actor=CONSULTANT)
    changed = case.collect_events()[-1]
    assert changed.changed == ["role", "phone"]
    assert (changed.role, changed.phone, changed.name) == ("aggressor", "+7 702", None)
    assert case.person(person_id)["label"] == "Aggressor 1"
    assert case.person(person_id)["name"] == "Bolat"


def test_a_change_that_changes_nothing_is_refused():
    case = a_case()
    person_id = case.add_person(role="victim", name="Aigul", actor=CONSULTANT)
    assert "changes" in refused_fields(
        lambda: case.change_person(person_id, changes={"name": "Aigul"}, actor=CONSULTANT))


def test_changing_an_unknown_person_is_not_found():
    case = a_case()
    with pytest.raises(NotFound):
        case.change_person(uuid4(), changes={"name": "X"}, actor=CONSULTANT)


def test_a_psychologist_may_not_reveal_a_victim_by_changing_her_role():
    case = a_case()
    person_id = case.add_person(role="victim", address="Shelter No. 2", actor=CONSULTANT)
    with pytest.raises(Forbidden):
        case.change_person(person_id, changes={"role": "other"}, actor=PSYCHOLOGIST)


def test_psychologists_see_no_details_of_victims_or_children():
    case = a_case()
    case.add_person(role="victim", name="Aigul", phone="+7701", address="Almaty", actor=CONSULTANT)
    case.add_person(role="child", name="Dias", actor=CONSULTANT)
    case.add_person(role="aggressor", name="Bolat", phone="+7702", actor=CONSULTANT)
    seen = {person["label"]: person for person in persons_for(PSYCHOLOGIST, case)}
    for label in ("Victim 1", "Child 1"):
        assert seen[label]["redacted"] is True
        assert all(seen[label][key] is None for key in PERSONAL_FIELDS)
    assert (seen["Aggressor 1"]["name"], seen["Aggressor 1"]["redacted"]) == ("Bolat", False)
    assert {person["name"] for person in persons_for(CONSULTANT, case)} == {"Aigul", "Dias", "Bolat"}
    assert redacted_person({"role": "other", "name": "A", "phone": None, "address": None})["name"] == "A"


# Notes and owners ------------------------------------------------------------------------------

def test_a_note_needs_text():
    case = a_case()
    assert "text" in refused_fields(lambda: case.add_note(text="  ", actor=CONSULTANT))
    note_id = case.add_note(text="She will call tomorrow.", actor=CONSULTANT)
    assert case.notes[0]["note_id"] == note_id


def test_only_a_supervisor_assigns_an_owner_and_never_an_admin():
    case = a_case()
    with pytest.raises(Forbidden):
        case.assign_owner(owner=OTHER_CONSULTANT, actor=CONSULTANT)
    assert "user_id" in refused_fields(lambda: case.assign_owner(owner=ADMIN, actor=SUPERVISOR))
    assert "user_id" in refused_fields(lambda: case.assign_owner(owner=CONSULTANT, actor=SUPERVISOR))
    case.assign_owner(owner=PSYCHOLOGIST, actor=SUPERVISOR)
    assert case.owner == PSYCHOLOGIST.as_dict()


def test_visibility_by_role_and_relation():
    case = a_case()
    assert may_see_case(SUPERVISOR, case, set())
    assert may_see_case(CONSULTANT, case, set())  # opener and owner
    assert not may_see_case(OTHER_CONSULTANT, case, set())
    assert may_see_case(OTHER_CONSULTANT, case, {"contact"})
    assert not may_see_case(PSYCHOLOGIST, case, {"contact"})
    assert may_see_case(PSYCHOLOGIST, case, {"referral"})
    assert not may_see_case(ADMIN, case, {"owner", "opener", "contact", "referral"})
    case.assign_owner(owner=PSYCHOLOGIST, actor=SUPERVISOR)
    assert may_see_case(PSYCHOLOGIST, case, set())
    assert may_see_case(CONSULTANT, case, set())  # still its opener


# Replay and membership -------------------------------------------------------------------------

def test_replay_through_storage_gives_the_same_case():
    case = a_case(summary="S")
    victim = case.add_person(role="victim", name="Aigul", actor=CONSULTANT)
    case.change_person(victim, changes={"phone": "+7701"}, actor=CONSULTANT)
    case.add_note(text="N", actor=CONSULTANT)
    case.assign_owner(owner=PSYCHOLOGIST, actor=SUPERVISOR)
    case.close(reason="R1", actor=SUPERVISOR)
    case.reopen(reason="R2", actor=SUPERVISOR)
    again = replay(through_storage(case.collect_events()))
    assert (again.status, again.owner, again.summary) == (case.status, case.owner, case.summary)
    assert again.persons == case.persons
    assert [note["text"] for note in again.notes] == ["N"]
    assert [(c["status"], c["reason"]) for c in again.history] == [(c["status"], c["reason"]) for c in case.history]


class FakeEvent:
    def __init__(self, minutes: int, **data):
        self.timestamp = datetime(2025, 3, 17, tzinfo=timezone.utc) + timedelta(minutes=minutes)
        self.__dict__.update(data)


def test_membership_is_judged_from_the_events_at_as_of():
    case_id, elsewhere = uuid4(), uuid4()
    recorded = FakeEvent(0, case_id=elsewhere)
    completed = FakeEvent(5)
    moved_in = FakeEvent(10, changes={"case_id": case_id})
    amended = FakeEvent(20, changes={"summary": "x"})
    events = [recorded, completed, moved_in, amended]
    assert events_in_case(events, case_id, None) == events  # every event of a member
    assert events_in_case(events, case_id, moved_in.timestamp - timedelta(seconds=1)) == []  # pointed elsewhere
    assert events_in_case(events, case_id, moved_in.timestamp) == [recorded, completed, moved_in]
    moved_out = FakeEvent(30, changes={"case_id": elsewhere})
    assert events_in_case([*events, moved_out], case_id, None) == []  # no longer a member
    assert events_in_case([*events, moved_out], case_id, amended.timestamp) == events
