"""When casework falls due: months added to days, the next review, the due state, the configured schedule."""
from datetime import date
from types import SimpleNamespace

from intake.queries.caseload import Schedule, add_months, due_state, review_due_on, schedule_of

CASE = {"service": "family_service", "opened_on": "2026-01-31", "agreement_on": None, "last_review_on": None,
        "next_review_on": None}


def test_a_month_later_is_the_same_day_or_the_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 10), -4) == date(2025, 11, 10)


def test_the_first_review_falls_due_after_the_agreement_or_else_the_opening():
    schedule = Schedule()
    assert review_due_on(CASE, schedule) == date(2026, 7, 31)
    assert review_due_on({**CASE, "agreement_on": "2026-02-10"}, schedule) == date(2026, 8, 10)


def test_after_a_review_the_next_falls_due_on_the_date_it_set():
    reviewed = {**CASE, "last_review_on": "2026-06-01", "next_review_on": "2026-10-01"}
    assert review_due_on(reviewed, Schedule()) == date(2026, 10, 1)
    assert review_due_on(reviewed, Schedule(), ("2026-03-01", None)) == date(2026, 9, 1)


def test_the_due_state_is_overdue_before_today_soon_within_two_weeks():
    today = date(2026, 5, 4)
    assert due_state([date(2026, 5, 3), None], today) == "overdue"
    assert due_state([date(2026, 5, 18)], today) == "soon"
    assert due_state([date(2026, 5, 19), None], today) == "none"
    assert due_state([], today) == "none"


def test_the_schedule_comes_from_the_settings_with_defaults_where_they_say_nothing():
    assert schedule_of(SimpleNamespace()).follow_up_months == (3, 6, 12)
    assert schedule_of(SimpleNamespace()).review_months("helpline") == 6
    configured = schedule_of(SimpleNamespace(review_months=lambda service: {"helpline": 3}.get(service, 6),
                                             follow_up_months=(1, 12)))
    assert configured.review_months("helpline") == 3 and configured.review_months("family_service") == 6
    assert configured.follow_up_months == (1, 12)
