"""The strict fields and the problem mapper, on the inputs that once turned into 500s."""
import json

import pytest
from flask import Flask
from marshmallow import ValidationError

from intake import problems
from intake.api.fields import Moment, StrictBoolean, Text


@pytest.mark.parametrize("value", [1, 0, 1.0, 0.0, "true", "yes", "null"])
def test_a_strict_boolean_takes_nothing_but_true_or_false(value):
    with pytest.raises(ValidationError, match="Not a valid boolean"):
        StrictBoolean().deserialize(value)


@pytest.mark.parametrize("value", [True, False])
def test_a_strict_boolean_keeps_true_and_false(value):
    assert StrictBoolean().deserialize(value) is value


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00",
                                    "9999-12-31T23:59:59-05:00"])
def test_a_moment_beyond_the_calendar_in_utc_is_a_validation_error(moment):
    with pytest.raises(ValidationError, match="Not a valid datetime"):
        Moment().deserialize(moment)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\x00", "a\x1bb", "\x7f"])
def test_text_refuses_unpaired_surrogates_and_control_characters(text):
    with pytest.raises(ValidationError):
        Text().deserialize(text)


@pytest.mark.parametrize("text", ["line\n\tnext\r\n", "Қазақ тілі 👩‍👧", "'; DROP TABLE senim_events; --", ""])
def test_text_is_kept_as_sent(text):
    assert Text().deserialize(text) == text


def test_a_bare_string_message_is_named_not_a_recursion():
    assert problems.flatten_errors({"a": "Bad.", "b": {"c": ["Worse."]}, "d": {0: ["Worst."]}}) == {
        "a": ["Bad."], "b.c": ["Worse."], "d.0": ["Worst."]}


def test_a_problem_echoing_an_unpaired_surrogate_is_valid_json():
    with Flask(__name__).app_context():
        response = problems.validation_problem({"\ud800": ["Unknown field."]})
    body = response.get_data()
    body.decode("utf-8")  # strict: no surrogate bytes on the wire
    assert json.loads(body)["errors"] == {"\ud800": ["Unknown field."]}
