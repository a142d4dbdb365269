"""SENIM_CLAIM_DEADLINES: the claim deadlines by urgency, parsed at start-up."""
from datetime import timedelta

import pytest

from domain.referral import CLAIM_DEADLINES
from domain.schedule import WorkingDays
from intake.config import ConfigError, Settings, parse_claim_deadlines


def test_every_unit_is_understood():
    assert dict(parse_claim_deadlines("emergency=1m, urgent=2h,routine=3wd")) == {
        "emergency": timedelta(minutes=1), "urgent": timedelta(hours=2), "routine": WorkingDays(3)}
    assert parse_claim_deadlines("routine=2d")["routine"] == timedelta(days=2)


def test_an_urgency_left_out_keeps_its_default():
    assert dict(parse_claim_deadlines("emergency=5m")) == {**CLAIM_DEADLINES, "emergency": timedelta(minutes=5)}


def test_unset_means_the_domain_defaults():
    assert dict(parse_claim_deadlines("")) == dict(CLAIM_DEADLINES)
    assert dict(Settings.from_env({}).claim_deadlines) == dict(CLAIM_DEADLINES)
    assert dict(Settings().claim_deadlines) == dict(CLAIM_DEADLINES)


def test_settings_read_the_variable():
    settings = Settings.from_env({"SENIM_CLAIM_DEADLINES": "emergency=1m"})
    assert settings.claim_deadlines["emergency"] == timedelta(minutes=1)
    assert settings.claim_deadlines["routine"] == WorkingDays(3)


@pytest.mark.parametrize("raw, message", [
    ("critical=5m", "unknown urgency 'critical'"),
    ("emergency=5s", "needs a whole number and a unit"),
    ("emergency=5", "needs a whole number and a unit"),
    ("emergency=m", "needs a whole number and a unit"),
    ("emergency=-5m", "needs a whole number and a unit"),
    ("emergency=1.5h", "needs a whole number and a unit"),
    ("emergency=0m", "must be positive"),
    ("emergency", "write urgency=amount+unit"),
    ("=5m", "write urgency=amount+unit"),
    ("emergency=5m,emergency=10m", "given twice"),
])
def test_a_wrong_value_stops_the_start_with_a_clear_message(raw, message):
    with pytest.raises(ConfigError, match="SENIM_CLAIM_DEADLINES") as error:
        Settings.from_env({"SENIM_CLAIM_DEADLINES": raw})
    assert message in str(error.value)


def test_the_defaults_cannot_be_changed_through_the_settings():
    with pytest.raises(TypeError):
        parse_claim_deadlines("")["emergency"] = timedelta(0)
