"""SENIM_REVIEW_MONTHS: how often a case is reviewed, for every service or per service."""
import pytest

from intake.config import ConfigError, Settings


def test_unset_means_every_six_months():
    assert Settings().review_months("family_service") == 6
    assert Settings.from_env({}).review_months(None) == 6


def test_one_number_is_every_service():
    settings = Settings.from_env({"SENIM_REVIEW_MONTHS": "3"})
    assert settings.review_months("helpline") == settings.review_months("family_service") == 3


def test_a_service_left_out_takes_the_default():
    settings = Settings.from_env({"SENIM_REVIEW_MONTHS": "4, family_service=2"})
    assert settings.review_months("family_service") == 2
    assert settings.review_months("helpline") == 4 and settings.review_months(None) == 4


@pytest.mark.parametrize("raw", ["six", "0", "25", "shelter=6", "family_service=", "=6"])
def test_what_cannot_work_stops_the_start_naming_the_variable(raw):
    with pytest.raises(ConfigError, match="SENIM_REVIEW_MONTHS"):
        Settings.from_env({"SENIM_REVIEW_MONTHS": raw})
