"""Retention periods (SENIM_RETENTION_*): parsed at start-up, calendar months and years, `off` disables."""
from datetime import datetime, timezone

import pytest

from domain.errors import Invalid
from domain.retention import CLOSED_CASES, NON_DATA_CONTACTS, Period, parse_period, reason
from intake.config import ConfigError, Settings


@pytest.mark.parametrize("raw, period", [
    ("90d", Period(90, "d")), ("6m", Period(6, "m")), ("5y", Period(5, "y")), (" 5Y ", Period(5, "y")),
    ("1 y", Period(1, "y")), ("off", None), ("OFF", None),
])
def test_every_unit_and_off_are_understood(raw, period):
    assert parse_period(raw) == period


@pytest.mark.parametrize("raw, message", [
    ("", "whole number and a unit"), ("5", "whole number and a unit"), ("5w", "whole number and a unit"),
    ("-5d", "whole number and a unit"), ("1.5y", "whole number and a unit"), ("five years", "whole number"),
    ("5h", "whole number and a unit"), ("0d", "must be positive"), ("5000y", "typo"), ("99999999m", "typo"),
])
def test_anything_else_is_refused_with_what_to_write(raw, message):
    with pytest.raises(Invalid) as refused:
        parse_period(raw)
    assert message in refused.value.errors["period"][0]


def test_months_and_years_are_calendar_ones():
    end_of_august = datetime(2025, 8, 31, 12, tzinfo=timezone.utc)
    assert Period(6, "m").before(end_of_august) == datetime(2025, 2, 28, 12, tzinfo=timezone.utc)
    assert Period(1, "m").before(datetime(2024, 3, 31, tzinfo=timezone.utc)) == datetime(2024, 2, 29,
                                                                                         tzinfo=timezone.utc)
    assert Period(1, "y").before(datetime(2024, 2, 29, tzinfo=timezone.utc)) == datetime(2023, 2, 28,
                                                                                         tzinfo=timezone.utc)
    assert Period(14, "m").before(datetime(2025, 1, 15, tzinfo=timezone.utc)) == datetime(2023, 11, 15,
                                                                                          tzinfo=timezone.utc)
    assert Period(90, "d").before(datetime(2025, 4, 1, tzinfo=timezone.utc)) == datetime(2025, 1, 1,
                                                                                         tzinfo=timezone.utc)


def test_a_period_reads_as_words_in_the_reason():
    assert str(Period(1, "y")) == "1 year" and str(Period(90, "d")) == "90 days" and Period(6, "m").code == "6m"
    assert reason(CLOSED_CASES, Period(5, "y")) == "retention: case closed more than 5 years ago"
    assert reason(NON_DATA_CONTACTS, Period(90, "d")).startswith("retention: non-data contact")
    assert "90 days ago" in reason(NON_DATA_CONTACTS, Period(90, "d"))


def test_the_defaults_are_five_years_and_ninety_days():
    for settings in (Settings(), Settings.from_env({}), Settings.from_env({"SENIM_RETENTION_CLOSED_CASES": " "})):
        assert settings.retention_closed_cases == Period(5, "y")
        assert settings.retention_non_data_contacts == Period(90, "d")


def test_settings_read_the_variables():
    settings = Settings.from_env({"SENIM_RETENTION_CLOSED_CASES": "off", "SENIM_RETENTION_NON_DATA_CONTACTS": "6m"})
    assert settings.retention_closed_cases is None
    assert settings.retention_non_data_contacts == Period(6, "m")


@pytest.mark.parametrize("name", ["SENIM_RETENTION_CLOSED_CASES", "SENIM_RETENTION_NON_DATA_CONTACTS"])
@pytest.mark.parametrize("raw", ["5 years", "0y", "never", "90"])
def test_an_invalid_value_names_the_variable(name, raw):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: raw})
    assert str(refused.value).startswith(f"{name}: ")
