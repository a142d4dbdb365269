"""Refusals are codes with parameters: English for the API, Kazakh and Russian for the pages.

The codes raised are found in the source (every call of an error class or Reason with a literal code),
so a code raised anywhere without a message, or a message no code needs, fails here.
"""
import ast
import re
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask, json
from flask_babel import force_locale
from flask_login import LoginManager

from domain.clock import SERVICE_TIMEZONE
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.messages import ENGLISH
from domain.schedule import Shift
from intake.problems import handle_domain_error
from intake.web import refusals
from intake.web.i18n import catalogue, init_i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [path for folder in ("domain", "intake", "projections", "workers") for path in (ROOT / folder).rglob("*.py")]
ERRORS = {"DomainError", "Invalid", "Conflict", "Forbidden", "NotFound", "Reason"}


def _literals(node) -> list[str]:
    """The codes a code argument can be: a literal, or either literal of a conditional expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _code_argument(call: ast.Call, name: str):
    position = 1 if name == "Invalid" else 0
    return call.args[position] if len(call.args) > position else None


def codes_raised() -> dict[str, list[tuple[str, set[str] | None]]]:
    """code → where it is raised and the parameters given there (None: some passed on as **params).

    Calls of the error classes and of Reason, and error subclasses' super().__init__."""
    found: dict[str, list[tuple[str, set[str] | None]]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        subclasses = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                      and any(isinstance(base, ast.Name) and base.id in ERRORS for base in node.bases)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in subclasses:
                calls = [(call, "DomainError") for call in ast.walk(node) if isinstance(call, ast.Call)
                         and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
                         and isinstance(call.func.value, ast.Call)
                         and getattr(call.func.value.func, "id", "") == "super"]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ERRORS:
                calls = [(node, getattr(node.func, "id", getattr(node.func, "attr", None)))]
            else:
                continue
            for call, name in calls:
                given = {keyword.arg for keyword in call.keywords} - {"state"}
                for code in _literals(_code_argument(call, name)):
                    found.setdefault(code, []).append((f"{path.relative_to(ROOT)}:{call.lineno}",
                                                       None if None in given else given))
    return found


def web_messages(code: str) -> list:
    """Every message a page may say for the code: its own, the one said to the reader, one per kind of record."""
    said = [refusals.MESSAGES[code]] if code in refusals.MESSAGES else []
    if code in refusals.TO_YOU:
        said.append(refusals.TO_YOU[code])
    if code == "record.not_found":
        said += list(refusals.NOT_FOUND.values())
    return said


def msgid(message) -> str:
    return str(message._args[0])  # a lazy_gettext string: the English it was made from


def placeholders(message) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", msgid(message)))


RAISED = codes_raised()


def test_the_source_is_searched_for_codes():
    assert "referral.already_claimed" in RAISED and "subject.erased" in RAISED  # a call, a subclass
    assert {"appointment.outside_hours", "appointment.day_off"} <= set(RAISED)  # both ends of a choice


def test_every_code_raised_has_an_english_message():
    unknown = {code: where for code, where in RAISED.items() if code not in ENGLISH}
    assert unknown == {}


def test_every_english_message_belongs_to_a_code_that_is_raised():
    assert sorted(set(ENGLISH) - set(RAISED)) == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_code_raised_has_a_message_in_kazakh_and_russian(language):
    translated = catalogue(language)
    lacking = [code for code in RAISED
               if not web_messages(code) or any(not translated.get(msgid(message)) for message in web_messages(code))]
    assert lacking == []


def test_the_pages_know_no_code_the_domain_does_not_raise():
    assert sorted(set(refusals.MESSAGES) - set(ENGLISH)) == []
    assert sorted(set(refusals.TO_YOU) - set(ENGLISH)) == []


@pytest.mark.parametrize("code", sorted(RAISED))
def test_a_page_says_only_parameters_every_raise_of_the_code_gives(code):
    given = [names for _where, names in RAISED[code] if names is not None]
    for message in web_messages(code):
        assert all(placeholders(message) <= names for names in given), (msgid(message), RAISED[code])


def test_an_unknown_code_fails_where_it_is_raised():
    with pytest.raises(LookupError, match="no.such.code"):
        Invalid("caller.name", "no.such.code")
    with pytest.raises(LookupError, match="no.such.code"):
        Conflict("no.such.code", state="open")


def test_a_refusal_without_its_parameter_fails_where_it_is_raised():
    with pytest.raises(LookupError, match="name"):
        Conflict("referral.already_claimed", state="claimed")


def test_a_reason_is_its_english_sentence_with_its_code_beside_it():
    reason = Reason("text.longer_than", max=200)
    assert reason == "Longer than 200 characters."
    assert (reason.code, reason.params) == ("text.longer_than", {"max": 200})
    refused = Invalid.many({"caller.name": [reason], "summary": [Reason("text.blank")]})
    assert refused.errors == {"caller.name": ["Longer than 200 characters."], "summary": ["Give it in words."]}
    assert refused.codes == {"caller.name": ["text.longer_than"], "summary": ["text.blank"]}
    assert (refused.code, refused.detail) == ("text.longer_than", "caller.name: Longer than 200 characters.")


def test_parameters_that_are_codes_are_spelled_in_english():
    refused = Conflict("referral.wrong_state", state="open", action="schedule", status="open", hint="claim_first")
    assert refused.detail == "Cannot schedule an appointment for a referral that is open. Claim it first."
    assert NotFound("record.not_found", what="participation", id=7).detail == "No programme participation with id 7."


# The API: English as ever, with the code beside it ------------------------------------------------

@pytest.fixture
def api_app():
    app = Flask(__name__)
    with app.test_request_context("/api/v1/anything"):
        yield app


def body(response) -> dict:
    return json.loads(response.get_data())


def test_a_refused_input_answers_its_english_errors_and_their_codes(api_app):
    answer = body(handle_domain_error(Invalid.many({"caller.name": [Reason("caller.text_too_long", max=200)],
                                                    "channel": [Reason("code.unknown", code="pigeon")]})))
    assert answer["detail"] == "caller.name: Text of at most 200 characters. (and 1 more)"
    assert answer["errors"] == {"caller.name": ["Text of at most 200 characters."],
                                "channel": ["Unknown code: 'pigeon'."]}
    assert answer["codes"] == {"caller.name": ["caller.text_too_long"], "channel": ["code.unknown"]}
    assert (answer["status"], answer["code"]) == (422, "caller.text_too_long")


@pytest.mark.parametrize("error, status", [
    (Conflict("referral.already_claimed", state="claimed", name="aliya"), 409),
    (Forbidden("referral.claim_forbidden"), 403),
    (NotFound("record.not_found", what="case", id="x"), 404),
])
def test_a_refusal_answers_its_english_detail_and_its_code(api_app, error, status):
    answer = body(handle_domain_error(error))
    assert (answer["status"], answer["detail"], answer["code"]) == (status, error.detail, error.code)
    assert "codes" not in answer


# The pages: the code in the page's language ----------------------------------------------------

@pytest.fixture
def page_app():
    app = Flask(__name__)
    init_i18n(app)
    LoginManager(app).user_loader(lambda user_id: None)  # nobody signed in
    with app.test_request_context("/queue"):
        yield app


@pytest.mark.parametrize("language, said", [
    ("ru", "Это направление первым взял в работу другой специалист: aliya."),
    ("kk", "Бұл жолдаманы сізден бұрын басқа маман жұмысқа алды: aliya."),
    ("en", "Someone else claimed this referral first: aliya."),
], ids=["ru", "kk", "en"])
def test_a_page_says_a_refusal_in_its_language(page_app, language, said):
    with force_locale(language):
        assert refusals.say(Conflict("referral.already_claimed", state="claimed", name="aliya")) == said


def test_moments_weekdays_and_statuses_are_said_in_the_pages_language(page_app):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=SERVICE_TIMEZONE)
    outside = Reason("appointment.outside_hours", name="aliya", at=start, until=start.replace(hour=11),
                     weekday="monday", shifts=(Shift(start.time().replace(hour=14), start.time().replace(hour=18)),))
    with force_locale("ru"):
        said = refusals.say(outside)
        assert "23.11.2026" in said and "понедельник" in said and "14:00–18:00" in said, said
        wrong_state = Conflict("referral.wrong_state", state="claimed", action="claim", status="claimed", hint=None)
        assert refusals.say(wrong_state) == "Сейчас это сделать нельзя: направление на этапе «Взято специалистом»."


def test_a_code_the_pages_do_not_know_is_said_in_general_words_never_in_english(page_app):
    unknown = Reason("text.blank")
    unknown.code = "not.in.the.catalogue"
    with force_locale("ru"):
        assert refusals.say(unknown) == "Это значение не принято; проверьте его."
        assert refusals.say("A sentence with no code.") == "Это значение не принято; проверьте его."
