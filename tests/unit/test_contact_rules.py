"""The rules a contact and a staff account keep, checked on the aggregates alone (no I/O)."""
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.clock import ALLOWED_CLOCK_SKEW
from domain.contact import LONGEST_CONTACT, Contact, contact_errors
from domain.errors import Conflict, Invalid
from domain.staff import StaffDirectory, User, check_username
from tests.helpers.events import refused_fields, replay, through_storage

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=timezone.utc)
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
SUPERVISOR = Actor(user_id=str(uuid4()), username="dana", role="supervisor")
A_MINUTE = timedelta(minutes=1)


def described(caller: dict) -> dict:
    """The caller without the random person id every recorded contact gets."""
    return {key: value for key, value in caller.items() if key != "person_id"}


def a_contact(now: datetime = NOW, **overrides) -> Contact:
    fields = {
        "service": "helpline",
        "channel": "phone",
        "started_at": NOW - timedelta(minutes=20),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 31, "region": "almaty"},
        "categories": ["physical_assault"],
        "summary": "Husband threatens her.",
        "consent": {"services": True},
    }
    fields.update(overrides)
    return Contact.record(actor=CONSULTANT, now=now, **fields)


# Recording: the age group -------------------------------------------------------------------

@pytest.mark.parametrize("age, group", [
    (0, "under_14"), (13, "under_14"), (14, "14_17"), (17, "14_17"), (18, "18_24"), (24, "18_24"),
    (25, "25_34"), (34, "25_34"), (35, "35_44"), (44, "35_44"), (45, "45_59"), (59, "45_59"),
    (60, "60_plus"), (120, "60_plus"),
])
def test_an_exact_age_fills_in_its_age_group(age, group):
    contact = a_contact(caller={"role": "victim", "age": age})
    assert described(contact.fields["caller"]) == {"role": "victim", "age": age, "age_group": group}


def test_an_age_group_that_agrees_with_the_age_is_kept():
    contact = a_contact(caller={"role": "aggressor", "age": 14, "age_group": "14_17"})
    assert contact.fields["caller"]["age_group"] == "14_17"


@pytest.mark.parametrize("age, group", [(17, "18_24"), (13, "14_17"), (60, "45_59"), (25, "18_24")])
def test_an_age_group_that_contradicts_the_age_is_refused(age, group):
    errors = refused_fields(lambda: a_contact(caller={"role": "victim", "age": age, "age_group": group}))
    assert list(errors) == ["caller.age_group"]


def test_an_age_group_without_an_age_is_taken_as_given():
    assert described(a_contact(caller={"role": "victim", "age_group": "45_59"}).fields["caller"]) == {
        "role": "victim", "age_group": "45_59"}


def test_a_caller_without_a_role_is_refused():
    assert "caller.role" in refused_fields(lambda: a_contact(caller={"age": 30}))


# Recording: times ---------------------------------------------------------------------------

def test_an_end_before_the_start_is_refused():
    started = NOW - timedelta(hours=1)
    errors = refused_fields(lambda: a_contact(started_at=started, ended_at=started - A_MINUTE))
    assert list(errors) == ["ended_at"]


def test_a_start_further_ahead_than_the_clock_skew_is_refused():
    errors = refused_fields(lambda: a_contact(started_at=NOW + ALLOWED_CLOCK_SKEW + A_MINUTE))
    assert list(errors) == ["started_at"]


def test_a_start_ahead_of_our_clock_but_within_the_skew_is_accepted():
    contact = a_contact(started_at=NOW + ALLOWED_CLOCK_SKEW - A_MINUTE)
    assert contact.fields["started_at"] == NOW + ALLOWED_CLOCK_SKEW - A_MINUTE


def test_a_start_before_2000_is_refused_as_implausible():
    assert "started_at" in refused_fields(lambda: a_contact(started_at=datetime(1999, 12, 31, tzinfo=timezone.utc)))


def test_a_contact_longer_than_a_day_is_refused():
    started = NOW - timedelta(hours=30)
    errors = refused_fields(lambda: a_contact(started_at=started, ended_at=started + LONGEST_CONTACT + A_MINUTE))
    assert list(errors) == ["ended_at"]


def test_a_contact_of_exactly_a_day_is_accepted():
    started = NOW - timedelta(hours=30)
    contact = a_contact(started_at=started, ended_at=started + LONGEST_CONTACT)
    assert contact.is_completed


def test_unknown_codes_are_refused_by_field():
    errors = refused_fields(lambda: a_contact(channel="pigeon", categories=["physical_assault", "gossip"],
                                              caller={"role": "victim", "region": "atlantis"}))
    assert set(errors) == {"channel", "categories.1", "caller.region"}


# Completion ---------------------------------------------------------------------------------

def test_completion_fixes_the_end_and_who_completed():
    contact = a_contact()
    contact.complete(ended_at=NOW - A_MINUTE, actor=SUPERVISOR, now=NOW)
    assert contact.fields["ended_at"] == NOW - A_MINUTE
    assert contact.completed_by == SUPERVISOR.as_dict()


def test_a_second_completion_conflicts():
    contact = a_contact()
    contact.complete(ended_at=NOW - A_MINUTE, actor=CONSULTANT, now=NOW)
    with pytest.raises(Conflict):
        contact.complete(ended_at=NOW, actor=CONSULTANT, now=NOW)


def test_completing_a_contact_recorded_with_its_end_conflicts():
    contact = a_contact(ended_at=NOW - A_MINUTE)
    with pytest.raises(Conflict):
        contact.complete(ended_at=NOW, actor=CONSULTANT, now=NOW)


def test_a_completion_before_the_start_is_refused():
    contact = a_contact()
    errors = refused_fields(lambda: contact.complete(ended_at=NOW - timedelta(hours=1), actor=CONSULTANT, now=NOW))
    assert list(errors) == ["ended_at"]
    assert not contact.is_completed


# Amendments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_an_amendment_needs_a_reason(reason):
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"channel": "whatsapp"}, reason=reason,
                                                  actor=CONSULTANT, now=NOW))
    assert list(errors) == ["reason"]
    assert contact.fields["channel"] == "phone"


def test_the_reason_of_an_amendment_is_kept_trimmed():
    contact = a_contact()
    contact.amend(changes={"channel": "whatsapp"}, reason="  Wrong channel \n", actor=CONSULTANT, now=NOW)
    amended = contact.collect_events()[-1]
    assert (amended.reason, amended.changes, amended.actor) == ("Wrong channel", {"channel": "whatsapp"},
                                                                CONSULTANT.as_dict())


def test_the_service_cannot_be_amended():
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"service": "family_service"}, reason="Wrong service",
                                                  actor=CONSULTANT, now=NOW))
    assert list(errors) == ["changes.service"]
    assert contact.fields["service"] == "helpline"


def test_an_amendment_that_changes_nothing_is_refused():
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"channel": "phone", "caller": {"gender": "female"}},
                                                  reason="Just checking", actor=CONSULTANT, now=NOW))
    assert list(errors) == ["changes"]
    assert contact.amendment_count == 0


def test_only_the_fields_that_really_change_are_recorded():
    contact = a_contact()
    contact.amend(changes={"channel": "phone", "contact_type": "information"}, reason="Type",
                  actor=CONSULTANT, now=NOW)
    assert contact.collect_events()[-1].changes == {"contact_type": "information"}


def test_a_caller_change_merges_key_by_key_and_null_clears_a_key():
    contact = a_contact()
    contact.amend(changes={"caller": {"language": "kk", "region": None}}, reason="Asked again",
                  actor=CONSULTANT, now=NOW)
    assert described(contact.fields["caller"]) == {"role": "victim", "gender": "female", "age": 31,
                                        "age_group": "25_34", "language": "kk"}


def test_a_consent_change_merges_key_by_key():
    contact = a_contact()
    contact.amend(changes={"consent": {"reporting": False}}, reason="Asked at the end",
                  actor=CONSULTANT, now=NOW)
    assert contact.fields["consent"] == {"services": True, "reporting": False}


def test_changing_the_age_derives_the_age_group_again():
    contact = a_contact()
    contact.amend(changes={"caller": {"age": 16}}, reason="She is sixteen", actor=CONSULTANT, now=NOW)
    assert contact.fields["caller"]["age_group"] == "14_17"


def test_clearing_the_age_clears_the_age_group_derived_from_it():
    contact = a_contact()
    contact.amend(changes={"caller": {"age": None}}, reason="Age was a guess", actor=CONSULTANT, now=NOW)
    assert described(contact.fields["caller"]) == {"role": "victim", "gender": "female", "region": "almaty"}


def test_an_age_group_contradicting_the_kept_age_is_refused_in_an_amendment():
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"caller": {"age_group": "60_plus"}},
                                                  reason="Older", actor=CONSULTANT, now=NOW))
    assert list(errors) == ["changes.caller.age_group"]
    assert contact.fields["caller"]["age_group"] == "25_34"


def test_an_amendment_is_held_to_the_time_rules():
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"ended_at": NOW - timedelta(hours=2)},
                                                  reason="End", actor=CONSULTANT, now=NOW))
    assert list(errors) == ["changes.ended_at"]


# Replay -------------------------------------------------------------------------------------

def a_corrected_and_completed_contact() -> Contact:
    contact = a_contact()
    contact.amend(changes={"caller": {"age": 16, "region": None}, "categories": ["psychological_abuse"]},
                  reason="Caller corrected her age", actor=CONSULTANT, now=NOW)
    contact.amend(changes={"summary": "Threats, and a knife."}, reason="Summary", actor=SUPERVISOR, now=NOW)
    contact.complete(ended_at=NOW - A_MINUTE, actor=CONSULTANT, now=NOW)
    return contact


@pytest.mark.parametrize("stored", [False, True], ids=["in_memory", "serialised"])
def test_replaying_the_events_gives_the_same_state(stored):
    contact = a_corrected_and_completed_contact()
    events = contact.collect_events()
    assert [type(event).__name__ for event in events] == ["Recorded", "Amended", "Amended", "Completed"]

    replayed = replay(through_storage(events) if stored else events)

    assert replayed.id == contact.id and replayed.version == contact.version == 4
    assert replayed.fields == contact.fields
    assert described(replayed.fields["caller"]) == {"role": "victim", "gender": "female", "age": 16,
                                                    "age_group": "14_17"}
    assert (replayed.recorded_by, replayed.completed_by) == (contact.recorded_by, contact.completed_by)
    assert replayed.amendment_count == contact.amendment_count == 2


def test_replay_never_runs_the_checks_again(monkeypatch):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    contact = a_contact(started_at=yesterday - timedelta(minutes=20), now=yesterday)
    contact.amend(changes={"ended_at": yesterday - A_MINUTE}, reason="Forgot the end", actor=CONSULTANT,
                  now=yesterday)
    events = contact.collect_events()

    # The clock has since been set back two days: the same fields would now be refused...
    set_back = yesterday - timedelta(days=2)
    monkeypatch.setattr("domain.contact.utc_now", lambda: set_back)
    assert contact_errors(contact.fields, set_back)
    # ...yet what was recorded still replays, exactly as it was.
    replayed = replay(through_storage(events))
    assert replayed.fields == contact.fields
    assert replayed.fields["ended_at"] == yesterday - A_MINUTE


# Staff --------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, kept", [
    ("aigerim", "aigerim"), ("Aigerim.K", "aigerim.k"), ("  dana_2 ", "dana_2"), ("a1", "a1"),
    ("x" * 63, "x" * 63),
])
def test_a_username_is_kept_lowercase_and_trimmed(given, kept):
    assert check_username(given) == kept


@pytest.mark.parametrize("username", ["", "a", "-dana", ".dana", "dana smith", "айгерим", "dana@x", "x" * 64, None])
def test_a_username_outside_the_pattern_is_refused(username):
    assert list(refused_fields(lambda: check_username(username))) == ["username"]


def a_user(role: str = "consultant") -> User:
    return User.create(username="aigerim", role=role, password_hash="$argon2id$...", actor=SUPERVISOR)


@pytest.mark.parametrize("role", ["consultant", "psychologist", "supervisor", "admin"])
def test_every_staff_role_can_be_given(role):
    assert a_user(role).as_actor().role == role


@pytest.mark.parametrize("role", ["manager", "system", "", "Admin"])
def test_an_unknown_role_is_refused(role):
    assert list(refused_fields(lambda: a_user(role))) == ["role"]


def test_a_role_change_to_an_unknown_role_is_refused():
    user = a_user()
    assert list(refused_fields(lambda: user.change_role(role="boss", actor=SUPERVISOR))) == ["role"]


def test_a_role_change_to_the_same_role_conflicts():
    with pytest.raises(Conflict):
        a_user("psychologist").change_role(role="psychologist", actor=SUPERVISOR)


def test_the_directory_refuses_a_taken_username():
    directory = StaffDirectory()
    directory.list_user(username="aigerim", user_id=uuid4())
    with pytest.raises(Conflict):
        directory.list_user(username="aigerim", user_id=uuid4())


def test_the_directory_has_one_fixed_id():
    assert StaffDirectory().id == StaffDirectory().id == StaffDirectory.ID


def test_disabling_twice_conflicts():
    user = a_user()
    user.disable(reason="Left the service", actor=SUPERVISOR)
    with pytest.raises(Conflict):
        user.disable(reason="Again", actor=SUPERVISOR)


def test_enabling_an_active_user_conflicts_and_a_disabled_one_comes_back():
    user = a_user()
    with pytest.raises(Conflict):
        user.enable(actor=SUPERVISOR)
    user.disable(reason="On leave", actor=SUPERVISOR)
    user.enable(actor=SUPERVISOR)
    assert user.active
    assert replay(through_storage(user.collect_events())).active


def test_a_nested_object_cannot_be_replaced_by_null_in_a_correction():
    contact = a_contact()
    errors = refused_fields(lambda: contact.amend(changes={"caller": None}, reason="wipe", actor=CONSULTANT, now=NOW))
    assert "changes.caller" in errors


def test_a_correction_leaves_the_callers_dict_untouched():
    contact = a_contact()
    changes = {"categories": ["stalking", "stalking"]}
    contact.amend(changes=changes, reason="twice", actor=CONSULTANT, now=NOW)
    assert changes == {"categories": ["stalking", "stalking"]}
    assert contact.fields["categories"] == ["stalking"]


def test_an_end_given_by_correction_completes_the_contact_in_the_correctors_name():
    contact = a_contact()
    contact.amend(changes={"ended_at": NOW - A_MINUTE}, reason="forgot to close", actor=SUPERVISOR, now=NOW)
    assert contact.is_completed and contact.completed_by["username"] == "dana"


# A consultation held in a pair -----------------------------------------------------------------

PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="saule", role="psychologist")
COLLEAGUE = Actor(user_id=str(uuid4()), username="madina", role="psychologist")


def a_consultation(colleague: Actor | dict | None):
    return Contact.record(
        actor=PSYCHOLOGIST, now=NOW, service="family_service", channel="video", started_at=NOW - timedelta(hours=1),
        ended_at=NOW - timedelta(minutes=15), contact_type="counselling", caller={"role": "victim"},
        colleague=colleague.as_dict() if isinstance(colleague, Actor) else colleague)


def test_a_consultation_keeps_its_pair_colleague_through_storage():
    contact = replay(through_storage(a_consultation(COLLEAGUE).collect_events()))
    assert contact.fields["colleague"] == COLLEAGUE.as_dict()


def test_a_contact_recorded_before_pair_colleagues_existed_still_replays():
    (recorded,) = a_consultation(None).collect_events()
    del recorded.__dict__["colleague"]  # as events written before the field was added
    contact = replay(through_storage([recorded]))
    assert "colleague" not in contact.fields and contact.fields["channel"] == "video"


@pytest.mark.parametrize("colleague, code", [
    (CONSULTANT, "appointment.colleague_not_psychologist"),
    (PSYCHOLOGIST, "appointment.colleague_is_claimant"),
    ("madina", "appointment.colleague_not_psychologist"),
])
def test_the_pair_colleague_is_another_psychologist(colleague, code):
    with pytest.raises(Invalid) as refused:
        a_consultation(colleague)
    assert {path: [reason.code for reason in reasons] for path, reasons in refused.value.reasons.items()} == \
        {"colleague": [code]}
