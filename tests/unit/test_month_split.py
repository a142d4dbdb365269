"""A date range splits into whole months (read from cells) and partial months (read from contacts)."""
from datetime import date

from projections.contact_stats import split_by_month


def test_a_range_inside_one_month_is_one_partial_range():
    assert split_by_month(date(2026, 3, 5), date(2026, 3, 9)) == ([], [(date(2026, 3, 5), date(2026, 3, 9))])


def test_whole_months_are_named_and_the_ends_kept_as_days():
    whole, partial = split_by_month(date(2025, 12, 15), date(2026, 3, 10))
    assert whole == ["2026-01", "2026-02"]
    assert partial == [(date(2025, 12, 15), date(2025, 12, 31)), (date(2026, 3, 1), date(2026, 3, 10))]


def test_a_year_of_whole_months_has_no_partial_days():
    whole, partial = split_by_month(date(2025, 1, 1), date(2025, 12, 31))
    assert len(whole) == 12 and partial == []


def test_february_of_a_leap_year_is_whole_up_to_the_29th():
    assert split_by_month(date(2028, 2, 1), date(2028, 2, 29)) == (["2028-02"], [])
    assert split_by_month(date(2028, 2, 1), date(2028, 2, 28))[0] == []
