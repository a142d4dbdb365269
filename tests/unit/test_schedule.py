"""Working hours, the checks an appointment passes, and deadlines counted in working days."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from domain.clock import SERVICE_TIMEZONE
from domain.errors import Invalid
from domain.schedule import (
    DEFAULT_APPOINTMENT,
    LONGEST_APPOINTMENT,
    WeeklySchedule,
    WorkingDays,
    add_period,
    appointment_problems,
    check_duration,
)

WEEKDAY_HOURS = [["09:00", "13:00"], ["14:00", "18:00"]]
WORKING_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")
OFFICE = WeeklySchedule.of({day: WEEKDAY_HOURS for day in WORKING_WEEK})
# Monday 17 March 2025, 08:00 in Almaty: before the working day begins.
NOW = datetime(2025, 3, 17, 8, 0, tzinfo=SERVICE_TIMEZONE)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in the week of 17 March 2025 (day 17 is a Monday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=SERVICE_TIMEZONE)


def refused(action) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as error:
        action()
    return error.value.errors


# Why an appointment cannot be booked, in plain words; none when it can (a referral refuses on `at`).
problems = appointment_problems


# The weekly schedule ------------------------------------------------------------------------

def test_a_schedule_from_plain_data_keeps_its_shifts_in_order_and_round_trips():
    schedule = WeeklySchedule.of({"monday": [["14:00", "18:00"], ["09:00", "13:00"]], 5: [["10:00", "12:00"]]})
    assert schedule.days[0][0].start == time(9, 0)
    assert schedule.as_dict() == {"monday": WEEKDAY_HOURS, "saturday": [["10:00", "12:00"]]}
    assert WeeklySchedule.of(schedule.as_dict()) == schedule


def test_days_left_out_are_days_off():
    assert OFFICE.describe(6) == "a day off"
    assert not OFFICE.covers(at(23, 10), at(23, 11))


@pytest.mark.parametrize("shift", [["13:00", "09:00"], ["09:00", "09:00"]])
def test_a_shift_must_start_before_it_ends(shift):
    errors = refused(lambda: WeeklySchedule.of({"monday": [shift]}))
    assert list(errors) == ["schedule.monday.0"]
    assert "before the end" in errors["schedule.monday.0"][0]


def test_overlapping_shifts_are_refused_naming_the_later_one():
    errors = refused(lambda: WeeklySchedule.of({"tuesday": [["09:00", "13:00"], ["12:00", "15:00"]]}))
    assert errors == {"schedule.tuesday.1": ["Overlaps the shift 09:00–13:00 (number 1 of the day)."]}


def test_shifts_that_touch_are_not_an_overlap():
    schedule = WeeklySchedule.of({"monday": [["09:00", "13:00"], ["13:00", "17:00"]]})
    assert schedule.covers(at(17, 12, 30), at(17, 13, 30))


def test_an_overnight_shift_is_refused():
    assert "schedule.friday.0" in refused(lambda: WeeklySchedule.of({"friday": [["22:00", "02:00"]]}))


@pytest.mark.parametrize("hours, field", [
    ({"funday": [["09:00", "10:00"]]}, "schedule.funday"),
    ({"monday": [["9 am", "10:00"]]}, "schedule.monday.0"),
    ({"monday": [["09:00"]]}, "schedule.monday.0"),
    ({"monday": ["09:00-10:00"]}, "schedule.monday.0"),
    ({"monday": "09:00-10:00"}, "schedule.monday"),
])
def test_malformed_hours_are_refused_naming_the_place(hours, field):
    assert field in refused(lambda: WeeklySchedule.of(hours))


def test_a_schedule_built_directly_is_validated_too():
    with pytest.raises(Invalid):
        WeeklySchedule(days=((),) * 6)


# Appointments -------------------------------------------------------------------------------

def test_an_appointment_within_working_hours_is_accepted():
    assert problems(OFFICE, at(17, 10), now=NOW) == []
    assert problems(OFFICE, at(17, 12), now=NOW) == []  # 12:00-13:00 ends exactly with the shift


def test_appointments_last_an_hour_by_default():
    assert DEFAULT_APPOINTMENT == timedelta(minutes=60)
    assert "12:30–13:30" in problems(OFFICE, at(17, 12, 30), now=NOW)[0]


@pytest.mark.parametrize("start", [at(17, 7), at(17, 8, 30), at(17, 13), at(17, 17, 30), at(22, 10), at(23, 10)])
def test_an_appointment_outside_working_hours_is_refused_with_the_hours_of_that_day(start):
    found = problems(OFFICE, start, now=NOW - timedelta(hours=2), who="aliya")
    assert len(found) == 1
    message = found[0]
    assert message.startswith("aliya does not work at ")
    day = start.strftime("%A")
    assert f"working hours on {day}:" in message


def test_the_refusal_spells_out_the_working_hours():
    assert problems(OFFICE, at(17, 8, 30), now=NOW - timedelta(hours=1), who="aliya") == [
        "aliya does not work at 2025-03-17 08:30–09:30 (local time); working hours on "
        "Monday: 09:00–13:00, 14:00–18:00."]


def test_a_shorter_appointment_fits_where_an_hour_would_not():
    assert problems(OFFICE, at(17, 12, 30), timedelta(minutes=30), now=NOW) == []


def test_an_appointment_overlapping_another_of_theirs_is_refused():
    existing = [(at(17, 10), at(17, 11))]
    assert problems(OFFICE, at(17, 10, 30), existing_appointments=existing, now=NOW) == [
        "The psychologist already has an appointment at 2025-03-17 10:00–11:00 (local time)."]


def test_back_to_back_appointments_do_not_overlap():
    existing = [(at(17, 10), at(17, 11)), (at(17, 12), at(17, 13))]
    assert problems(OFFICE, at(17, 11), existing_appointments=existing, now=NOW) == []


def test_an_appointment_both_outside_hours_and_overlapping_names_both_problems():
    existing = [(at(17, 12, 30), at(17, 13, 30))]
    assert len(problems(OFFICE, at(17, 12, 45), existing_appointments=existing, now=NOW)) == 2


def test_an_appointment_in_the_past_is_refused():
    found = problems(OFFICE, at(17, 10), now=at(17, 10, 1))
    assert len(found) == 1
    assert "in the past" in found[0]


def test_an_appointment_more_than_a_year_ahead_is_refused_as_a_typo():
    assert "more than a year ahead" in problems(OFFICE, at(17, 10).replace(year=2026, day=18), now=NOW)[0]


def test_working_hours_are_local_time_in_the_service_time_zone():
    # 04:00 UTC is 09:00 in Almaty (UTC+5): the start of the working day.
    assert problems(OFFICE, datetime(2025, 3, 17, 4, 0, tzinfo=timezone.utc), now=NOW) == []
    # 08:00 UTC is 13:00 in Almaty: the lunch break.
    found = problems(OFFICE, datetime(2025, 3, 17, 8, 0, tzinfo=timezone.utc), now=NOW)
    assert "2025-03-17 13:00–14:00 (local time)" in found[0]


def test_a_naive_time_is_read_in_the_service_time_zone():
    assert problems(OFFICE, datetime(2025, 3, 17, 9, 0), now=NOW) == []


@pytest.mark.parametrize("duration", [timedelta(0), timedelta(minutes=-30), timedelta(seconds=90),
                                      LONGEST_APPOINTMENT + timedelta(minutes=1), 60])
def test_a_nonsensical_duration_is_refused(duration):
    assert list(refused(lambda: check_duration(duration))) == ["duration"]


# Working days -------------------------------------------------------------------------------

@pytest.mark.parametrize("start, expected", [
    (at(17, 10), at(20, 10)),          # Monday -> Thursday
    (at(19, 16), at(24, 16)),          # Wednesday -> Monday, over the weekend
    (at(21, 15), at(26, 15)),          # Friday 15:00 -> Wednesday 15:00
    (at(22, 11), at(26, 11)),          # Saturday -> Wednesday: Monday is the first working day
    (at(23, 23, 30), at(26, 23, 30)),  # Sunday -> Wednesday
])
def test_three_working_days_skip_the_weekend(start, expected):
    assert WorkingDays(3).after(start) == expected


def test_working_days_skip_the_holidays_given():
    nauryz = frozenset({date(2025, 3, 21), date(2025, 3, 24)})
    assert WorkingDays(3, holidays=nauryz).after(at(19, 10)) == at(26, 10)


def test_a_plain_period_is_added_as_it_is():
    assert add_period(at(21, 23, 50), timedelta(minutes=15)) == at(22, 0, 5)
