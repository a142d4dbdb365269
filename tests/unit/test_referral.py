"""The rules a referral keeps, checked on the aggregate alone (no I/O): its state machine, the
consent gate, claims, appointments within working hours, deadlines by urgency, and replay."""
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.clock import SERVICE_TIMEZONE
from domain.errors import Conflict, Forbidden, Invalid
from domain.referral import ALLOWED_FROM, CLAIM_DEADLINES, OUTCOMES, STATUSES, Referral
from domain.schedule import Availability, WeeklySchedule, WorkingDays
from tests.helpers.events import refused_fields, replay, through_storage

CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
OTHER_CONSULTANT = Actor(user_id=str(uuid4()), username="saule", role="consultant")
PSYCHOLOGIST = Actor(user_id=str(uuid4()), username="aliya", role="psychologist")
COLLEAGUE = Actor(user_id=str(uuid4()), username="bota", role="psychologist")
SUPERVISOR = Actor(user_id=str(uuid4()), username="dana", role="supervisor")
ADMIN = Actor(user_id=str(uuid4()), username="root", role="admin")
SYSTEM = Actor.system("deadline-watch")

OFFICE = WeeklySchedule.of({day: [["09:00", "13:00"], ["14:00", "18:00"]]
                            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")})
MORNINGS = WeeklySchedule.of({day: [["09:00", "12:00"]] for day in ("monday", "tuesday", "wednesday")})


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2025; the 17th is a Monday."""
    return datetime(2025, 3, day, hour, minute, tzinfo=SERVICE_TIMEZONE)


NOW = local(17, 10)           # the referral is made: Monday 10:00
APPOINTMENT = local(18, 11)   # Tuesday 11:00-12:00
AFTER = local(18, 12, 30)     # attendance is recorded
FOLLOW_UP = local(20, 11)     # Thursday 11:00


def free(**schedules) -> dict[str, Availability]:
    return {username: Availability(schedule) for username, schedule in schedules.items()}


AVAILABLE = free(aliya=OFFICE, bota=OFFICE, dana=OFFICE)


def a_referral(actor: Actor = CONSULTANT, now: datetime = NOW, **overrides) -> Referral:
    fields = {
        "source": "helpline", "target": "family_service", "reason": "Husband asks for help to stop hitting.",
        "urgency": "routine", "consent": {"services": True}, "subject_role": "aggressor",
    }
    fields.update(overrides)
    return Referral.make(actor=actor, now=now, **fields)


def scheduled(referral: Referral, at: datetime = APPOINTMENT, now: datetime = NOW, **options) -> Referral:
    referral.schedule(at=at, format="in_person", actor=PSYCHOLOGIST, availability=AVAILABLE, now=now, **options)
    return referral


def in_status(status: str) -> Referral:
    """A referral brought to `status` the ordinary way."""
    referral = a_referral()
    if status == "declined":
        referral.decline(reason="Outside our remit.", actor=PSYCHOLOGIST, now=NOW)
    elif status == "cancelled":
        referral.cancel(reason="Made twice.", actor=CONSULTANT, now=NOW)
    if status in ("open", "declined", "cancelled"):
        return referral
    referral.claim(actor=PSYCHOLOGIST, now=NOW)
    if status == "claimed":
        return referral
    scheduled(referral)
    if status == "scheduled":
        return referral
    referral.record_attendance(attended=status != "missed", actor=PSYCHOLOGIST, now=AFTER)
    if status == "completed":
        referral.complete(outcome="consultation_held", actor=PSYCHOLOGIST, now=AFTER)
    return referral


def conflict_state(action) -> str:
    with pytest.raises(Conflict) as refused:
        action()
    return refused.value.state


def event_names(referral: Referral) -> list[str]:
    return [type(event).__name__ for event in referral.collect_events()]


# Making a referral --------------------------------------------------------------------------

def test_a_new_referral_is_open_with_its_first_status_in_the_history():
    referral = a_referral()
    assert referral.status == "open"
    assert referral.history == [{"status": "open", "at": NOW, "actor": CONSULTANT.as_dict()}]
    assert (referral.made_by, referral.made_at, referral.subject_role) == (CONSULTANT.as_dict(), NOW, "aggressor")
    assert referral.consent == {"services": True, "override_reason": None}
    assert event_names(referral) == ["Made"]


@pytest.mark.parametrize("field", ["source", "target", "urgency", "subject_role"])
def test_an_unknown_code_is_refused_naming_its_field(field):
    assert list(refused_fields(lambda: a_referral(**{field: "nonsense"}))) == [field]


def test_every_broken_field_is_named_at_once():
    errors = refused_fields(lambda: a_referral(source="x", target="y", reason=" ", consent={}))
    assert set(errors) == {"source", "target", "reason", "consent.services"}


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_a_referral_needs_a_reason(reason):
    assert list(refused_fields(lambda: a_referral(reason=reason))) == ["reason"]


def test_the_reason_is_kept_trimmed():
    assert a_referral(reason="  Needs a psychologist.\n").reason == "Needs a psychologist."


def test_a_subject_role_left_out_is_recorded_as_unknown():
    assert a_referral(subject_role=None).subject_role == "unknown"


def test_contact_and_case_ids_are_read_from_text_and_checked():
    contact_id = uuid4()
    assert a_referral(contact_id=str(contact_id)).contact_id == contact_id
    assert list(refused_fields(lambda: a_referral(case_id="not-an-id"))) == ["case_id"]


@pytest.mark.parametrize("actor", [ADMIN, SYSTEM])
def test_only_staff_who_work_with_people_make_referrals(actor):
    with pytest.raises(Forbidden):
        a_referral(actor=actor)


# The consent gate ---------------------------------------------------------------------------

@pytest.mark.parametrize("consent", [None, {}, {"services": "yes"}, {"services": None}])
def test_a_referral_without_an_answer_on_consent_is_refused(consent):
    assert list(refused_fields(lambda: a_referral(consent=consent))) == ["consent.services"]


def test_a_referral_the_person_did_not_consent_to_is_refused():
    errors = refused_fields(lambda: a_referral(consent={"services": False}))
    assert list(errors) == ["consent.services"]
    assert "supervisor" in errors["consent.services"][0]


def test_a_supervisor_may_override_a_refusal_of_consent_with_a_reason():
    referral = a_referral(actor=SUPERVISOR, consent={"services": False, "override_reason": " Child at risk. "})
    assert referral.consent == {"services": False, "override_reason": "Child at risk."}
    assert referral.made_by == SUPERVISOR.as_dict()


@pytest.mark.parametrize("actor", [CONSULTANT, PSYCHOLOGIST])
def test_an_override_by_anyone_but_a_supervisor_is_refused(actor):
    override = {"services": False, "override_reason": "Child at risk."}
    errors = refused_fields(lambda: a_referral(actor=actor, consent=override))
    assert list(errors) == ["consent.override_reason"]


def test_a_blank_override_reason_is_no_override():
    blank = {"services": False, "override_reason": " "}
    errors = refused_fields(lambda: a_referral(actor=SUPERVISOR, consent=blank))
    assert list(errors) == ["consent.services"]


def test_an_override_where_the_person_consented_is_refused():
    needless = {"services": True, "override_reason": "Just in case."}
    errors = refused_fields(lambda: a_referral(actor=SUPERVISOR, consent=needless))
    assert list(errors) == ["consent.override_reason"]


def test_an_unknown_consent_field_is_refused():
    assert list(refused_fields(lambda: a_referral(consent={"services": True, "sms": True}))) == ["consent.sms"]


# Claims -------------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", [PSYCHOLOGIST, SUPERVISOR])
def test_a_psychologist_or_a_supervisor_claims_an_open_referral(actor):
    referral = a_referral()
    assert referral.claim(actor=actor, now=NOW + timedelta(minutes=5)) is True
    assert referral.status == "claimed" and referral.claimant == actor.as_dict()
    assert referral.history[-1] == {
        "status": "claimed", "at": NOW + timedelta(minutes=5), "actor": actor.as_dict()}


@pytest.mark.parametrize("actor", [CONSULTANT, ADMIN, SYSTEM])
def test_a_claim_by_any_other_role_is_forbidden(actor):
    referral = a_referral()
    with pytest.raises(Forbidden):
        referral.claim(actor=actor, now=NOW)
    assert referral.status == "open"


@pytest.mark.parametrize("second", [COLLEAGUE, SUPERVISOR])
def test_a_second_claim_by_someone_else_conflicts_and_names_the_holder(second):
    referral = in_status("claimed")
    with pytest.raises(Conflict) as refused:
        referral.claim(actor=second, now=NOW)
    assert refused.value.state == "claimed"
    assert "aliya" in refused.value.detail
    assert referral.claimant == PSYCHOLOGIST.as_dict()


@pytest.mark.parametrize("status", ["claimed", "scheduled", "attended", "missed"])
def test_a_repeated_claim_by_the_holder_changes_nothing(status):
    referral = in_status(status)
    before = len(referral.collect_events())
    assert referral.claim(actor=PSYCHOLOGIST, now=AFTER) is False
    assert referral.collect_events() == [] and before > 0
    assert referral.status == status


def test_a_released_referral_goes_back_to_the_queue_for_anyone_to_claim():
    referral = in_status("claimed")
    referral.release(reason="Off sick this week.", actor=PSYCHOLOGIST, now=NOW)
    assert (referral.status, referral.claimant) == ("open", None)
    referral.claim(actor=COLLEAGUE, now=NOW)
    assert referral.claimant == COLLEAGUE.as_dict()


def test_only_the_claimant_or_a_supervisor_releases_a_referral():
    referral = in_status("claimed")
    with pytest.raises(Forbidden):
        referral.release(reason="Mine now", actor=COLLEAGUE, now=NOW)
    referral.release(reason="Reassigning", actor=SUPERVISOR, now=NOW)
    assert referral.status == "open"


# Declining ----------------------------------------------------------------------------------

def test_the_service_declines_an_open_referral_for_good_with_its_reason():
    referral = a_referral()
    referral.decline(reason=" Contraindication: alcohol dependence. ", actor=PSYCHOLOGIST, now=NOW)
    assert (referral.status, referral.end_reason) == ("declined", "Contraindication: alcohol dependence.")
    assert conflict_state(lambda: referral.claim(actor=COLLEAGUE, now=NOW)) == "declined"


def test_a_consultant_cannot_decline_a_referral():
    with pytest.raises(Forbidden):
        a_referral().decline(reason="No", actor=CONSULTANT, now=NOW)


def test_a_claimed_referral_is_declined_only_by_its_claimant_or_a_supervisor():
    referral = in_status("claimed")
    with pytest.raises(Forbidden):
        referral.decline(reason="No", actor=COLLEAGUE, now=NOW)
    referral.decline(reason="Outside our remit", actor=PSYCHOLOGIST, now=NOW)
    assert referral.status == "declined"


def test_a_decline_needs_a_reason():
    assert list(refused_fields(lambda: a_referral().decline(reason="", actor=PSYCHOLOGIST, now=NOW))) == ["reason"]


# Scheduling ---------------------------------------------------------------------------------

def test_the_claimant_schedules_an_hour_within_working_hours():
    referral = scheduled(in_status("claimed"))
    assert referral.status == "scheduled"
    assert referral.appointment == {
        "starts_at": APPOINTMENT, "ends_at": APPOINTMENT + timedelta(hours=1), "format": "in_person",
        "psychologists": [PSYCHOLOGIST.as_dict()],
    }


def test_a_pair_of_psychologists_is_booked_together():
    referral = in_status("claimed")
    referral.schedule(at=APPOINTMENT, format="online", actor=PSYCHOLOGIST, colleague=COLLEAGUE,
                      availability=AVAILABLE, now=NOW)
    assert referral.appointment["psychologists"] == [PSYCHOLOGIST.as_dict(), COLLEAGUE.as_dict()]
    assert referral.appointment["format"] == "online"


def test_a_pair_appointment_must_fit_the_colleagues_hours_too():
    referral = in_status("claimed")
    availability = free(aliya=OFFICE, bota=MORNINGS)
    errors = refused_fields(lambda: referral.schedule(
        at=local(18, 15), format="in_person", actor=PSYCHOLOGIST, colleague=COLLEAGUE,
        availability=availability, now=NOW))
    assert errors["at"] == ["bota does not work at 2025-03-18 15:00–16:00 (local time); working hours on "
                            "Tuesday: 09:00–12:00."]


def test_a_pair_appointment_clashing_with_the_colleagues_other_appointment_is_refused():
    referral = in_status("claimed")
    availability = {"aliya": Availability(OFFICE),
                    "bota": Availability(OFFICE, appointments=((local(18, 10, 30), local(18, 11, 30)),))}
    errors = refused_fields(lambda: referral.schedule(
        at=APPOINTMENT, format="in_person", actor=PSYCHOLOGIST, colleague=COLLEAGUE,
        availability=availability, now=NOW))
    assert errors["at"] == ["bota already has an appointment at 2025-03-18 10:30–11:30 (local time)."]


@pytest.mark.parametrize("colleague, message", [
    (OTHER_CONSULTANT, "saule is not a psychologist."),
    (PSYCHOLOGIST, "The pair colleague is someone other than the claimant."),
])
def test_the_pair_colleague_is_another_psychologist(colleague, message):
    referral = in_status("claimed")
    errors = refused_fields(lambda: scheduled(referral, colleague=colleague))
    assert errors == {"colleague": [message]}


def test_scheduling_outside_working_hours_is_refused_on_at():
    referral = in_status("claimed")
    errors = refused_fields(lambda: scheduled(referral, at=local(22, 11)))  # a Saturday
    assert errors == {"at": ["aliya does not work at 2025-03-22 11:00–12:00 (local time); working hours on "
                             "Saturday: a day off."]}
    assert referral.status == "claimed"


def test_scheduling_over_another_appointment_of_the_psychologist_is_refused():
    referral = in_status("claimed")
    busy = {"aliya": Availability(OFFICE, appointments=((local(18, 11, 30), local(18, 12, 30)),))}
    errors = refused_fields(lambda: referral.schedule(at=APPOINTMENT, format="in_person", actor=PSYCHOLOGIST,
                                                      availability=busy, now=NOW))
    assert errors == {"at": ["aliya already has an appointment at 2025-03-18 11:30–12:30 (local time)."]}


def test_scheduling_in_the_past_is_refused_on_at():
    referral = in_status("claimed")
    errors = refused_fields(lambda: scheduled(referral, at=local(17, 9), now=NOW))
    assert list(errors) == ["at"] and len(errors["at"]) == 1
    assert "in the past" in errors["at"][0]


def test_scheduling_a_pair_in_the_past_says_so_once():
    referral = in_status("claimed")
    errors = refused_fields(lambda: scheduled(referral, at=local(17, 9), colleague=COLLEAGUE))
    assert len(errors["at"]) == 1


def test_a_psychologist_without_working_hours_on_record_cannot_be_booked():
    referral = in_status("claimed")
    errors = refused_fields(lambda: referral.schedule(at=APPOINTMENT, format="online", actor=PSYCHOLOGIST,
                                                      availability={}, now=NOW))
    assert errors == {"at": ["No working hours are on record for aliya."]}


def test_an_unknown_format_is_refused():
    referral = in_status("claimed")
    errors = refused_fields(lambda: referral.schedule(at=APPOINTMENT, format="carrier_pigeon", actor=PSYCHOLOGIST,
                                                      availability=AVAILABLE, now=NOW))
    assert list(errors) == ["format"]


def test_a_custom_duration_is_kept_and_checked():
    referral = scheduled(in_status("claimed"), duration=timedelta(minutes=90))
    assert referral.appointment["ends_at"] == APPOINTMENT + timedelta(minutes=90)
    assert list(refused_fields(lambda: scheduled(in_status("claimed"), duration=timedelta(0)))) == ["duration"]


@pytest.mark.parametrize("actor", [COLLEAGUE, CONSULTANT])
def test_an_appointment_for_someone_elses_referral_is_forbidden(actor):
    referral = in_status("claimed")
    with pytest.raises(Forbidden):
        referral.schedule(at=APPOINTMENT, format="online", actor=actor, availability=AVAILABLE, now=NOW)
    assert referral.status == "claimed"


def test_a_supervisor_schedules_the_claimant_not_themself():
    referral = in_status("claimed")
    referral.schedule(at=APPOINTMENT, format="online", actor=SUPERVISOR, availability=AVAILABLE, now=NOW)
    assert referral.appointment["psychologists"] == [PSYCHOLOGIST.as_dict()]
    assert referral.history[-1]["actor"] == SUPERVISOR.as_dict()


def test_scheduling_before_the_referral_is_claimed_conflicts():
    referral = a_referral()
    with pytest.raises(Conflict) as refused:
        scheduled(referral)
    assert refused.value.state == "open"
    assert refused.value.detail == "Cannot schedule an appointment for a referral that is open. Claim it first."


def test_moving_an_appointment_does_not_clash_with_its_own_old_slot():
    referral = scheduled(in_status("claimed"))
    own_slot = {"aliya": Availability(OFFICE, appointments=((APPOINTMENT, APPOINTMENT + timedelta(hours=1)),))}
    referral.schedule(at=APPOINTMENT + timedelta(minutes=30), format="in_person", actor=PSYCHOLOGIST,
                      availability=own_slot, now=NOW)
    assert referral.appointment["starts_at"] == APPOINTMENT + timedelta(minutes=30)


def test_a_missed_appointment_may_be_rescheduled():
    referral = in_status("missed")
    scheduled(referral, at=FOLLOW_UP, now=AFTER)
    assert referral.status == "scheduled" and referral.appointment["starts_at"] == FOLLOW_UP


def test_a_follow_up_may_be_scheduled_after_an_attended_appointment():
    referral = in_status("attended")
    scheduled(referral, at=FOLLOW_UP, now=AFTER)
    referral.record_attendance(attended=True, actor=PSYCHOLOGIST, now=FOLLOW_UP + timedelta(hours=1))
    assert referral.attended_count == 2


# Attendance ---------------------------------------------------------------------------------

@pytest.mark.parametrize("attended, status", [(True, "attended"), (False, "missed")])
def test_attendance_moves_a_scheduled_referral_on(attended, status):
    referral = scheduled(in_status("claimed"))
    referral.record_attendance(attended=attended, actor=PSYCHOLOGIST, now=AFTER)
    assert referral.status == status
    assert referral.attended_count == int(attended)


def test_attendance_before_the_appointment_begins_conflicts():
    referral = in_status("scheduled")
    with pytest.raises(Conflict) as refused:
        referral.record_attendance(attended=True, actor=PSYCHOLOGIST, now=APPOINTMENT - timedelta(minutes=1))
    assert refused.value.state == "scheduled"
    assert "2025-03-18 11:00" in refused.value.detail


def test_attendance_is_true_or_false():
    referral = in_status("scheduled")
    assert list(refused_fields(lambda: referral.record_attendance(attended="yes", actor=PSYCHOLOGIST,
                                                                  now=AFTER))) == ["attended"]


def test_attendance_is_recorded_only_by_the_claimant_or_a_supervisor():
    referral = in_status("scheduled")
    with pytest.raises(Forbidden):
        referral.record_attendance(attended=True, actor=COLLEAGUE, now=AFTER)
    referral.record_attendance(attended=True, actor=SUPERVISOR, now=AFTER)
    assert referral.status == "attended"


# Completion and cancellation ----------------------------------------------------------------

def test_an_attended_referral_is_completed_with_its_outcome():
    referral = in_status("attended")
    referral.complete(outcome="programme_enrolled", actor=PSYCHOLOGIST, now=AFTER)
    assert (referral.status, referral.outcome) == ("completed", "programme_enrolled")


@pytest.mark.parametrize("status", ["claimed", "missed"])
def test_a_referral_without_a_meeting_completes_with_an_outcome_that_needs_none(status):
    referral = in_status(status)
    referral.complete(outcome="not_reached", actor=PSYCHOLOGIST, now=AFTER)
    assert referral.status == "completed"


@pytest.mark.parametrize("status", ["claimed", "missed"])
def test_a_consultation_outcome_without_an_attended_appointment_is_refused(status):
    referral = in_status(status)
    assert list(refused_fields(lambda: referral.complete(outcome="consultation_held", actor=PSYCHOLOGIST,
                                                         now=AFTER))) == ["outcome"]


def test_an_unknown_outcome_is_refused():
    referral = in_status("attended")
    assert list(refused_fields(lambda: referral.complete(outcome="cured", actor=PSYCHOLOGIST, now=AFTER))) == [
        "outcome"]


def test_completing_someone_elses_referral_is_forbidden():
    with pytest.raises(Forbidden):
        in_status("attended").complete(outcome="consultation_held", actor=COLLEAGUE, now=AFTER)


def test_every_outcome_has_labels_in_three_languages():
    for outcome in OUTCOMES:
        assert all(outcome.labels.values()) and isinstance(outcome.attributes["needs_attendance"], bool)
    assert {status.code for status in STATUSES} == {
        "open", "claimed", "scheduled", "attended", "missed", "completed", "declined", "cancelled"}


@pytest.mark.parametrize("actor", [CONSULTANT, PSYCHOLOGIST, SUPERVISOR])
def test_the_referrer_the_claimant_or_a_supervisor_cancels_a_referral(actor):
    referral = in_status("scheduled")
    referral.cancel(reason="The person moved to Shymkent.", actor=actor, now=AFTER)
    assert (referral.status, referral.end_reason) == ("cancelled", "The person moved to Shymkent.")


@pytest.mark.parametrize("actor", [OTHER_CONSULTANT, COLLEAGUE])
def test_a_stranger_cannot_cancel_a_referral(actor):
    with pytest.raises(Forbidden):
        in_status("claimed").cancel(reason="Why not", actor=actor, now=NOW)


def test_a_cancellation_needs_a_reason():
    assert list(refused_fields(lambda: a_referral().cancel(reason=None, actor=CONSULTANT, now=NOW))) == ["reason"]


# The state machine as a whole ---------------------------------------------------------------

COMMANDS = {
    "claim": lambda r: r.claim(actor=SUPERVISOR, now=AFTER),
    "release": lambda r: r.release(reason="Reassigning", actor=SUPERVISOR, now=AFTER),
    "decline": lambda r: r.decline(reason="Outside our remit", actor=SUPERVISOR, now=AFTER),
    "schedule": lambda r: r.schedule(at=FOLLOW_UP, format="online", actor=SUPERVISOR, availability=AVAILABLE,
                                     now=AFTER),
    "record_attendance": lambda r: r.record_attendance(attended=True, actor=SUPERVISOR, now=AFTER),
    "complete": lambda r: r.complete(outcome="referred_further", actor=SUPERVISOR, now=AFTER),
    "cancel": lambda r: r.cancel(reason="Withdrawn", actor=SUPERVISOR, now=AFTER),
}
RESULTS = {"claim": "claimed", "release": "open", "decline": "declined", "schedule": "scheduled",
           "record_attendance": "attended", "complete": "completed", "cancel": "cancelled"}
ALL_STATUSES = [status.code for status in STATUSES]
LEGAL = [(command, status) for command in COMMANDS for status in ALLOWED_FROM[command]]
ILLEGAL = [(command, status) for command in COMMANDS for status in ALL_STATUSES
           if status not in ALLOWED_FROM[command]]


@pytest.mark.parametrize("command, status", LEGAL)
def test_every_legal_transition_records_one_event_and_the_new_status(command, status):
    referral = in_status(status)
    referral.collect_events()
    COMMANDS[command](referral)
    assert referral.status == RESULTS[command]
    assert len(referral.collect_events()) == 1
    assert referral.history[-1] == {"status": RESULTS[command], "at": AFTER, "actor": SUPERVISOR.as_dict()}


@pytest.mark.parametrize("command, status", ILLEGAL)
def test_every_illegal_transition_conflicts_with_the_current_status(command, status):
    referral = in_status(status)
    referral.collect_events()
    with pytest.raises(Conflict) as refused:
        COMMANDS[command](referral)
    assert refused.value.state == status
    assert status in refused.value.detail
    assert referral.status == status and referral.collect_events() == []


@pytest.mark.parametrize("final", ["completed", "declined", "cancelled"])
def test_a_final_referral_cannot_be_claimed_scheduled_completed_or_cancelled(final):
    for command in ("claim", "schedule", "complete", "cancel"):
        assert conflict_state(lambda: COMMANDS[command](in_status(final))) == final


def test_the_history_keeps_every_status_in_order():
    referral = in_status("missed")
    scheduled(referral, at=FOLLOW_UP, now=AFTER)
    referral.record_attendance(attended=True, actor=PSYCHOLOGIST, now=FOLLOW_UP + timedelta(hours=1))
    referral.complete(outcome="consultation_held", actor=PSYCHOLOGIST, now=FOLLOW_UP + timedelta(hours=1))
    assert [entry["status"] for entry in referral.history] == [
        "open", "claimed", "scheduled", "missed", "scheduled", "attended", "completed"]
    assert [entry["at"] for entry in referral.history] == sorted(entry["at"] for entry in referral.history)


# Deadlines and escalation -------------------------------------------------------------------

@pytest.mark.parametrize("urgency, made, deadline", [
    ("emergency", local(17, 10), local(17, 10, 15)),
    ("urgent", local(17, 10), local(17, 14)),
    ("urgent", local(21, 22), local(22, 2)),      # hours, not working hours: Friday night -> Saturday
    ("routine", local(17, 10), local(20, 10)),    # Monday -> Thursday
    ("routine", local(20, 16), local(25, 16)),    # Thursday -> Tuesday, across the weekend
    ("routine", local(22, 12), local(26, 12)),    # made on Saturday -> Wednesday
])
def test_the_claim_deadline_follows_the_urgency(urgency, made, deadline):
    assert a_referral(urgency=urgency, now=made).claim_deadline() == deadline


def test_deadlines_are_configurable_urgency_by_urgency():
    referral = a_referral(urgency="routine", now=local(21, 15))
    assert referral.claim_deadline({"routine": WorkingDays(1)}) == local(24, 15)
    assert referral.claim_deadline({"routine": timedelta(hours=2)}) == local(21, 17)
    emergency = a_referral(urgency="emergency", now=NOW)
    assert emergency.claim_deadline({"routine": timedelta(days=9)}) == NOW + timedelta(minutes=15)


def test_the_default_deadlines_cannot_be_changed_by_accident():
    with pytest.raises(TypeError):
        CLAIM_DEADLINES["emergency"] = timedelta(hours=1)


def test_an_open_referral_is_overdue_only_after_its_deadline():
    referral = a_referral(urgency="emergency")
    assert not referral.is_overdue(NOW + timedelta(minutes=15))
    assert referral.is_overdue(NOW + timedelta(minutes=15, seconds=1))


def test_a_claimed_referral_is_never_overdue():
    referral = a_referral(urgency="emergency")
    referral.claim(actor=PSYCHOLOGIST, now=NOW + timedelta(minutes=30))
    assert not referral.is_overdue(NOW + timedelta(days=30))


def test_a_missed_deadline_is_escalated_once():
    referral = a_referral(urgency="urgent")
    referral.collect_events()
    late = NOW + timedelta(hours=5)
    assert referral.escalate(actor=SYSTEM, now=late) is True
    assert referral.escalate(actor=SYSTEM, now=late + timedelta(minutes=5)) is False
    assert referral.escalate(actor=SUPERVISOR, now=late + timedelta(hours=1)) is False
    assert event_names(referral) == ["Escalated"]
    assert referral.escalations == [
        {"deadline": "claim", "due_at": NOW + timedelta(hours=4), "at": late, "actor": SYSTEM.as_dict()}]
    assert referral.status == "open"


def test_escalating_before_the_deadline_records_nothing():
    referral = a_referral(urgency="urgent")
    referral.collect_events()
    assert referral.escalate(actor=SYSTEM, now=NOW + timedelta(hours=3)) is False
    assert referral.collect_events() == [] and referral.escalations == []


def test_a_referral_claimed_before_the_job_runs_is_not_escalated():
    referral = a_referral(urgency="emergency")
    referral.claim(actor=PSYCHOLOGIST, now=NOW + timedelta(minutes=20))
    assert referral.escalate(actor=SYSTEM, now=NOW + timedelta(minutes=25)) is False


def test_a_released_referral_keeps_its_first_deadline_and_its_escalation():
    referral = a_referral(urgency="emergency")
    referral.escalate(actor=SYSTEM, now=NOW + timedelta(minutes=20))
    referral.claim(actor=PSYCHOLOGIST, now=NOW + timedelta(minutes=25))
    referral.release(reason="Wrong language", actor=PSYCHOLOGIST, now=NOW + timedelta(minutes=30))
    assert referral.is_overdue(NOW + timedelta(minutes=31))
    assert referral.escalate(actor=SYSTEM, now=NOW + timedelta(minutes=31)) is False
    assert len(referral.escalations) == 1


def test_escalation_uses_the_configured_deadlines():
    referral = a_referral(urgency="routine")
    assert referral.escalate(actor=SYSTEM, now=NOW + timedelta(hours=2), deadlines={"routine": timedelta(hours=1)})
    assert referral.escalations[0]["due_at"] == NOW + timedelta(hours=1)


@pytest.mark.parametrize("actor", [CONSULTANT, PSYCHOLOGIST])
def test_only_the_system_or_a_supervisor_records_an_escalation(actor):
    with pytest.raises(Forbidden):
        a_referral(urgency="emergency").escalate(actor=actor, now=NOW + timedelta(hours=1))


# Replay -------------------------------------------------------------------------------------

def a_full_life() -> Referral:
    referral = a_referral(actor=SUPERVISOR, urgency="emergency", contact_id=uuid4(),
                          consent={"services": False, "override_reason": "Children at risk."})
    referral.escalate(actor=SYSTEM, now=NOW + timedelta(minutes=20))
    referral.claim(actor=PSYCHOLOGIST, now=NOW + timedelta(minutes=25))
    referral.schedule(at=APPOINTMENT, format="in_person", actor=PSYCHOLOGIST, colleague=COLLEAGUE,
                      availability=AVAILABLE, now=NOW + timedelta(minutes=30))
    referral.record_attendance(attended=False, actor=PSYCHOLOGIST, now=AFTER)
    scheduled(referral, at=FOLLOW_UP, now=AFTER)
    referral.record_attendance(attended=True, actor=PSYCHOLOGIST, now=FOLLOW_UP + timedelta(hours=1))
    referral.complete(outcome="consultation_held", actor=PSYCHOLOGIST, now=FOLLOW_UP + timedelta(hours=1))
    return referral


def public_state(referral: Referral) -> dict:
    return {key: value for key, value in vars(referral).items() if not key.startswith("_")}


@pytest.mark.parametrize("stored", [False, True], ids=["in_memory", "through_storage"])
def test_replaying_the_events_gives_the_same_state(stored):
    referral = a_full_life()
    events = referral.collect_events()
    assert [type(event).__name__ for event in events] == [
        "Made", "Escalated", "Claimed", "AppointmentScheduled", "AppointmentMissed", "AppointmentScheduled",
        "AppointmentAttended", "Completed"]
    replayed = replay(through_storage(events) if stored else events)
    assert (replayed.id, replayed.version) == (referral.id, referral.version)
    assert public_state(replayed) == public_state(referral)
    assert replayed.history == referral.history and len(replayed.history) == 7


def test_replay_never_runs_the_checks_again(monkeypatch):
    events = a_full_life().collect_events()
    # Since then the code lists, the working hours and the consent rules have all changed...
    monkeypatch.setattr("domain.reference.codes", lambda list_name: ())
    monkeypatch.setattr("domain.referral.appointment_problems", lambda *args, **kwargs: ["Fully booked."])
    monkeypatch.setattr("domain.referral.consent_errors", lambda *args: {"consent.services": ["No."]})
    with pytest.raises(Invalid):
        a_referral()
    # ...yet what was recorded still replays, exactly as it was.
    replayed = replay(through_storage(events))
    assert replayed.status == "completed" and replayed.outcome == "consultation_held"
    assert replayed.consent == {"services": False, "override_reason": "Children at risk."}
    assert replayed.appointment["psychologists"] == [PSYCHOLOGIST.as_dict()]
    assert replayed.escalations[0]["deadline"] == "claim"
