"""Bad input to the contacts API: always a 4xx problem+json naming the field, never a 5xx, never a write.

Each refused request is checked the same way (see `refused`): the status, the problem+json
shape, the field named in `errors`, and the event store's head position unchanged. Every test
runs on SQLite and on PostgreSQL.
"""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

CONTACTS = "/api/v1/contacts"
JSON = "application/json"
PROBLEM = "application/problem+json"
NOW = datetime.now(timezone.utc)


def ago(**delta) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def a_call(**overrides) -> dict:
    body = {
        "service": "helpline",
        "channel": "phone",
        "started_at": ago(minutes=20),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 31, "region": "almaty"},
        "categories": ["physical_assault"],
        "summary": "Күйеуі қорқытады. Муж угрожает.",
        "consent": {"services": True, "reporting": True},
    }
    body.update(overrides)
    return body


def with_value(body: dict, dotted: str, value) -> dict:
    """The body with one (possibly nested) field set: with_value(b, "caller.age", "31")."""
    *parents, last = dotted.split(".")
    target = body
    for key in parents:
        target = target[key]
    target[last] = value
    return body


def without(body: dict, dotted: str) -> dict:
    *parents, last = dotted.split(".")
    target = body
    for key in parents:
        target = target[key]
    del target[last]
    return body


def raw(client, url: str, data: bytes, headers: dict, content_type: str | None = JSON):
    """Posts bytes exactly as given, not re-encoded by the test client."""
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(url, data=data, headers=headers)


def assert_problem(response, status: int, field: str | None = None):
    body_text = response.get_data(as_text=True)
    assert response.status_code == status, body_text
    assert response.content_type == PROBLEM, body_text
    problem = json.loads(body_text)
    for key in ("type", "title", "status", "detail"):
        assert problem.get(key), f"{key} missing from {problem}"
    assert problem["status"] == status
    if field is not None:
        assert field in problem.get("errors", {}), f"{field!r} not named in {problem.get('errors')}"
        assert all(isinstance(message, str) for message in problem["errors"][field])
    return problem


@pytest.fixture
def refused(senim):
    """Sends a request, checks it was refused as a problem naming the field, and that nothing was written."""
    def check(send, status: int = 422, field: str | None = None):
        before = senim.store.head()
        response = send()
        problem = assert_problem(response, status, field)
        assert senim.store.head() == before, "a refused request wrote to the event store"
        return problem
    return check


@pytest.fixture
def contact_id(client, consultant):
    _, headers = consultant
    created = client.post(CONTACTS, json=a_call(), headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"]


def write_urls(contact_id: str) -> dict[str, str]:
    return {
        "record": CONTACTS,
        "amend": f"{CONTACTS}/{contact_id}/amendments",
        "complete": f"{CONTACTS}/{contact_id}/completion",
    }


WRITES = ("record", "amend", "complete")


# -- the body is not a JSON object -----------------------------------------------------------------

MALFORMED_JSON = {
    "unclosed": b'{"service": "helpline"',
    "bare_words": b"{service: helpline}",
    "single_quotes": b"{'service': 'helpline'}",
    "trailing_comma": b'{"service": "helpline",}',
    "two_documents": b'{"a": 1} {"b": 2}',
    "byte_order_mark": b'\xef\xbb\xbf{"service": "helpline"}',
    "nested_too_deep": b"[" * 100_000 + b"]" * 100_000,
    "object_nested_too_deep": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "number_too_long_to_read": b'{"caller": {"age": ' + b"9" * 5_000 + b"}}",
}


@pytest.mark.parametrize("write", WRITES)
def test_malformed_json_is_a_400_problem(client, consultant, contact_id, refused, subtests, write):
    _, headers = consultant
    for name, body in MALFORMED_JSON.items():
        with subtests.test(name):
            problem = refused(lambda: raw(client, write_urls(contact_id)[write], body, headers), 400)
            assert "JSON" in problem["detail"]


INVALID_UTF8 = {
    "stray_bytes": b'{"summary": "\xff\xfe"}',
    "overlong_slash": b'{"summary": "\xc0\xaf"}',
    "lone_continuation_byte": b'{"summary": "a\x80b"}',
    "truncated_kazakh_letter": b'{"summary": "\xd2"}',
    "cesu_surrogate": b'{"summary": "\xed\xa0\x80"}',
}


@pytest.mark.parametrize("write", WRITES)
def test_invalid_utf8_in_the_body_is_a_400_problem_not_a_500(client, consultant, contact_id, refused, subtests, write):
    _, headers = consultant
    for name, body in INVALID_UTF8.items():
        with subtests.test(name):
            refused(lambda: raw(client, write_urls(contact_id)[write], body, headers), 400)


NOT_AN_OBJECT = [b"[]", b'[{"service": "helpline"}]', b'"helpline"', b"42", b"true", b"null"]


@pytest.mark.parametrize("write", WRITES)
def test_a_json_value_that_is_not_an_object_is_refused(client, consultant, contact_id, refused, subtests, write):
    _, headers = consultant
    for body in NOT_AN_OBJECT:
        with subtests.test(body.decode()):
            refused(lambda: raw(client, write_urls(contact_id)[write], body, headers), 422, "_schema")


NOT_JSON_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/xml", None]


@pytest.mark.parametrize("write", WRITES)
def test_a_body_that_is_not_declared_as_json_is_a_415(client, consultant, contact_id, refused, subtests, write):
    _, headers = consultant
    body = json.dumps(a_call()).encode()
    for content_type in NOT_JSON_TYPES:
        with subtests.test(str(content_type)):
            refused(lambda: raw(client, write_urls(contact_id)[write], body, headers, content_type), 415)


@pytest.mark.parametrize("write", WRITES)
def test_a_3_mb_body_is_a_413_problem(client, consultant, contact_id, refused, write):
    _, headers = consultant
    body = json.dumps(a_call(summary="ә" * (3 * 1024 * 1024 // 2)), ensure_ascii=False).encode()
    assert len(body) > 3 * 1024 * 1024
    refused(lambda: raw(client, write_urls(contact_id)[write], body, headers), 413)


# -- recording a contact: fields ------------------------------------------------------------------

REQUIRED = ("service", "channel", "started_at", "contact_type", "caller", "caller.role")


def test_each_missing_required_field_is_named(client, consultant, refused, subtests):
    _, headers = consultant
    for field in REQUIRED:
        with subtests.test(field):
            problem = refused(lambda: client.post(CONTACTS, json=without(a_call(), field), headers=headers),
                              422, field)
            assert list(problem["errors"]) == [field]


@pytest.mark.parametrize("body", [b"{}", b""], ids=["empty_object", "no_body"])
def test_an_empty_contact_names_every_required_field(client, consultant, refused, body):
    _, headers = consultant
    problem = refused(lambda: raw(client, CONTACTS, body, headers), 422)
    assert set(problem["errors"]) == {"service", "channel", "started_at", "contact_type", "caller"}


def test_a_required_field_sent_as_null_is_refused_naming_it(client, consultant, refused, subtests):
    _, headers = consultant
    for field in REQUIRED:
        with subtests.test(field):
            refused(lambda: client.post(CONTACTS, json=with_value(a_call(), field, None), headers=headers),
                    422, field)


WRONG_TYPES = {
    "string_age": ("caller.age", "31", "caller.age"),
    "float_age": ("caller.age", 31.0, "caller.age"),
    "fractional_age": ("caller.age", 31.5, "caller.age"),
    "bool_age": ("caller.age", True, "caller.age"),
    "list_age": ("caller.age", [31], "caller.age"),
    "yes_for_consent": ("consent.services", "yes", "consent.services"),
    "number_for_consent": ("consent.reporting", 1, "consent.reporting"),
    "number_for_code": ("channel", 5, "channel"),
    "list_for_code": ("caller.role", ["victim"], "caller.role"),
    "object_for_code": ("service", {"code": "helpline"}, "service"),
    "string_for_code_list": ("categories", "physical_assault", "categories"),
    "number_in_code_list": ("categories", ["physical_assault", 7], "categories.1"),
    "null_in_code_list": ("risk", [None], "risk.0"),
    "non_boolean_flag_object": ("risk", {"weapon": "yes"}, "risk"),
    "number_for_summary": ("summary", 123, "summary"),
    "object_for_summary": ("summary", {"text": "x"}, "summary"),
    "epoch_seconds_for_a_time": ("started_at", 1_700_000_000, "started_at"),
    "words_for_a_time": ("started_at", "yesterday evening", "started_at"),
    "impossible_date": ("started_at", "2024-02-30T10:00:00+05:00", "started_at"),
    "empty_time": ("started_at", "", "started_at"),
    "string_for_caller": ("caller", "victim", "caller._schema"),
    "list_for_consent": ("consent", [True], "consent._schema"),
    "malformed_case_id": ("case_id", "case-42", "case_id"),
}


def each_refused_naming_the_field(client, consultant, refused, subtests, cases: dict) -> None:
    """Every case (field, value, the field the problem names) sent alone in a call is refused with 422."""
    _, headers = consultant
    for name, (field, value, named) in cases.items():
        with subtests.test(name):
            refused(lambda: client.post(CONTACTS, json=with_value(a_call(), field, value), headers=headers),
                    422, named)


def test_a_wrong_type_is_refused_naming_the_field(client, consultant, refused, subtests):
    each_refused_naming_the_field(client, consultant, refused, subtests, WRONG_TYPES)


UNKNOWN_CODES = {
    "service": ("service", "hotline", "service"),
    "channel": ("channel", "carrier_pigeon", "channel"),
    "contact_type": ("contact_type", "gossip", "contact_type"),
    "caller_role": ("caller.role", "neighbour", "caller.role"),
    "caller_gender": ("caller.gender", "F", "caller.gender"),
    "caller_age_group": ("caller.age_group", "65_plus", "caller.age_group"),
    "caller_language": ("caller.language", "klingon", "caller.language"),
    "caller_region": ("caller.region", "mars", "caller.region"),
    "second_category": ("categories", ["physical_assault", "zzz"], "categories.1"),
    "risk_flag": ("risk", ["lightning"], "risk.0"),
    "risk_flag_object": ("risk", {"lightning": True}, "risk.0"),
    "outcome": ("outcome", ["teleported"], "outcome.0"),
    "code_in_another_case": ("channel", "PHONE", "channel"),
    "code_with_spaces": ("channel", " phone ", "channel"),
}


def test_an_unknown_code_is_refused_naming_the_field(client, consultant, refused, subtests):
    each_refused_naming_the_field(client, consultant, refused, subtests, UNKNOWN_CODES)


def test_an_unknown_extra_field_is_refused_by_name(client, consultant, refused, subtests):
    _, headers = consultant
    for field in ["priority", "caller.nickname", "caller.email", "consent.override_reason", "id"]:
        with subtests.test(field):
            refused(lambda: client.post(CONTACTS, json=with_value(a_call(), field, "x"), headers=headers),
                    422, field)


def test_an_unpaired_surrogate_as_a_field_name_is_refused_not_a_500(client, consultant, refused):
    _, headers = consultant
    body = json.dumps(a_call(**{"\ud800": 1})).encode()  # ensure_ascii: sent as the escape \ud800
    problem = refused(lambda: raw(client, CONTACTS, body, headers), 422, "\ud800")
    assert problem["errors"]["\ud800"] == ["Unknown field."]


# -- recording a contact: rules -------------------------------------------------------------------

def test_a_start_in_the_future_is_refused_naming_started_at(client, consultant, refused, subtests):
    _, headers = consultant
    for started_at in [(NOW + timedelta(days=3650)).isoformat(), "2999-01-01T00:00:00Z",
                       (NOW + timedelta(hours=1)).isoformat()]:
        with subtests.test(started_at):
            problem = refused(lambda: client.post(CONTACTS, json=a_call(started_at=started_at), headers=headers),
                              422, "started_at")
            assert problem["errors"]["started_at"] == ["The start is in the future."]


def test_a_start_implausibly_far_in_the_past_is_refused_naming_started_at(client, consultant, refused, subtests):
    _, headers = consultant
    for started_at in ["1900-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "1970-01-01T00:00:00"]:
        with subtests.test(started_at):
            problem = refused(lambda: client.post(CONTACTS, json=a_call(started_at=started_at), headers=headers),
                              422, "started_at")
            assert problem["errors"]["started_at"] == ["The start is implausibly far in the past."]


EDGES_OF_THE_CALENDAR = ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00",
                         "9999-12-31T23:59:59.999999-23:59"]


def test_a_time_that_overflows_the_calendar_in_utc_is_refused_not_a_500(client, consultant, contact_id, refused,
                                                                        subtests):
    _, headers = consultant
    urls = write_urls(contact_id)
    for moment in EDGES_OF_THE_CALENDAR:
        with subtests.test(moment):
            check_every_write_refuses_the_moment(client, headers, urls, refused, moment)


DAY_QUERIES = ("/api/v1/appointments", "/api/v1/stats/contacts", "/api/v1/stats/referrals", "/api/v1/stats/programme",
               "/api/v1/stats/assessments", "/api/v1/journals/helpline")
DAYS_AT_THE_EDGES = [({"from": "0001-01-01", "to": "0001-01-02"}, "from"), ({"from": "9999-12-25"}, "from"),
                     ({"from": "9999-12-25", "to": "9999-12-31"}, "from"), ({"to": "9999-12-31"}, "to"),
                     ({"to": "0001-01-01"}, "to"), ({"from": "1899-12-31", "to": "1900-01-01"}, "from")]


@pytest.mark.parametrize("path", DAY_QUERIES)
def test_a_day_at_the_edge_of_the_calendar_is_refused_naming_it_not_a_500(client, make_user, refused, path,
                                                                          subtests):
    _, headers = make_user("supervisor")
    for query, field in DAYS_AT_THE_EDGES:
        with subtests.test(**query):
            problem = refused(lambda: client.get(path, query_string=query, headers=headers), 422, field)
            assert problem["errors"][field] == ["Give a day from 1900-01-01 to 2999-12-31."]


def test_the_first_and_last_days_a_query_may_name_are_answered(client, make_user):
    _, headers = make_user("supervisor")
    for query in ({"from": "1900-01-01", "to": "1900-01-07"}, {"from": "2999-12-25", "to": "2999-12-31"}):
        assert client.get("/api/v1/appointments", query_string=query, headers=headers).status_code == 200
        assert client.get("/api/v1/stats/contacts", query_string=query, headers=headers).status_code == 200


def check_every_write_refuses_the_moment(client, headers, urls, refused, moment):
    refused(lambda: client.post(CONTACTS, json=a_call(started_at=moment), headers=headers), 422, "started_at")
    refused(lambda: client.post(CONTACTS, json=a_call(ended_at=moment), headers=headers), 422, "ended_at")
    refused(lambda: client.post(urls["complete"], json={"ended_at": moment}, headers=headers), 422, "ended_at")
    refused(lambda: client.post(urls["amend"], json={"changes": {"started_at": moment}, "reason": "Typo"},
                                headers=headers), 422, "changes.started_at")


def test_an_end_before_the_start_is_refused_naming_ended_at(client, consultant, refused):
    _, headers = consultant
    body = a_call(started_at=ago(minutes=20), ended_at=ago(minutes=30))
    problem = refused(lambda: client.post(CONTACTS, json=body, headers=headers), 422, "ended_at")
    assert problem["errors"]["ended_at"] == ["The end is before the start."]


def test_a_contact_longer_than_a_day_is_refused_naming_ended_at(client, consultant, refused):
    _, headers = consultant
    body = a_call(started_at=ago(hours=30), ended_at=ago(hours=1))
    refused(lambda: client.post(CONTACTS, json=body, headers=headers), 422, "ended_at")


def test_an_impossible_age_is_refused_naming_caller_age(client, consultant, refused, subtests):
    _, headers = consultant
    for age in [-1, -120, 121, 500, 10**30]:
        with subtests.test(age=age):
            body = a_call(caller={"role": "victim", "age": age})
            refused(lambda: client.post(CONTACTS, json=body, headers=headers), 422, "caller.age")


def test_an_age_outside_its_age_group_is_refused_naming_caller_age_group(client, consultant, refused, subtests):
    _, headers = consultant
    for age, age_group in [(31, "60_plus"), (70, "under_14"), (15, "25_34")]:
        with subtests.test(age=age, age_group=age_group):
            body = a_call(caller={"role": "victim", "age": age, "age_group": age_group})
            problem = refused(lambda: client.post(CONTACTS, json=body, headers=headers), 422, "caller.age_group")
            assert str(age) in problem["errors"]["caller.age_group"][0]


CONTROL_CHARACTERS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"]


def test_a_control_character_in_the_summary_is_refused_naming_summary(client, consultant, contact_id, refused,
                                                                      subtests):
    _, headers = consultant
    for character in CONTROL_CHARACTERS:
        with subtests.test(f"U+{ord(character):04X}"):
            summary = f"Called at night{character} crying"
            refused(lambda: client.post(CONTACTS, json=a_call(summary=summary), headers=headers), 422, "summary")
            refused(lambda: client.post(f"{CONTACTS}/{contact_id}/amendments",
                                        json={"changes": {"summary": summary}, "reason": "Typo"}, headers=headers),
                    422, "changes.summary")


def test_an_unpaired_surrogate_in_the_summary_is_refused_naming_summary(client, consultant, refused, subtests):
    _, headers = consultant
    for summary in ["\ud800", "before \udfff after", "\ude00\ud83d"]:  # high, low, a pair reversed
        with subtests.test(summary.encode("unicode_escape").decode()):
            body = json.dumps(a_call(summary=summary)).encode()  # ensure_ascii: arrives as \\udXXX escapes
            refused(lambda: raw(client, CONTACTS, body, headers), 422, "summary")


def test_a_summary_over_its_length_is_refused_naming_summary(client, consultant, refused):
    _, headers = consultant
    refused(lambda: client.post(CONTACTS, json=a_call(summary="ө" * 20_001), headers=headers), 422, "summary")


def test_several_faults_are_all_named_at_once(client, consultant, refused):
    _, headers = consultant
    body = a_call(channel="fax", caller={"role": "victim", "age": "old"}, categories=["zzz"], extra=1)
    problem = refused(lambda: client.post(CONTACTS, json=body, headers=headers), 422)
    assert {"channel", "caller.age", "categories.0", "extra"} <= set(problem["errors"])


# -- amendments -----------------------------------------------------------------------------------

@pytest.fixture
def amend(client, consultant, contact_id):
    _, headers = consultant

    def post(body):
        # ensure_ascii, so an unpaired surrogate travels as its JSON escape.
        return lambda: raw(client, f"{CONTACTS}/{contact_id}/amendments", json.dumps(body).encode(), headers)
    return post


@pytest.fixture
def unchanged(client, consultant, contact_id):
    """Asserts, after the test, that the contact reads exactly as it did before it."""
    _, headers = consultant
    read = lambda: client.get(f"{CONTACTS}/{contact_id}/history", headers=headers).json  # noqa: E731
    before = read()
    yield
    assert read() == before


def test_the_service_cannot_be_amended(amend, refused, unchanged):
    problem = refused(amend({"changes": {"service": "family_service"}, "reason": "Wrong journal"}), 422,
                      "changes.service")
    assert list(problem["errors"]) == ["changes.service"]


def test_an_amendment_with_the_service_among_valid_changes_is_refused_whole(amend, refused, unchanged):
    refused(amend({"changes": {"channel": "whatsapp", "service": "family_service"}, "reason": "Typo"}), 422,
            "changes.service")


WITHOUT_CHANGES = {
    "empty_object": ({"changes": {}, "reason": "Typo"}, "changes"),
    "missing": ({"reason": "Typo"}, "changes"),
    "null": ({"changes": None, "reason": "Typo"}, "changes"),
    "array": ({"changes": [], "reason": "Typo"}, "changes._schema"),
    "string": ({"changes": "channel=whatsapp", "reason": "Typo"}, "changes._schema"),
}


def test_an_amendment_without_changes_is_refused_naming_changes(amend, refused, unchanged, subtests):
    for name, (body, named) in WITHOUT_CHANGES.items():
        with subtests.test(name):
            refused(amend(body), 422, named)


CHANGING_NOTHING = {
    "same_channel": {"channel": "phone"},
    "empty_caller": {"caller": {}},
    "same_caller": {"caller": {"role": "victim", "age": 31}},
    "same_categories_twice": {"categories": ["physical_assault", "physical_assault"]},
    "same_consent": {"consent": {"services": True}},
}


def test_an_amendment_that_changes_nothing_is_refused_naming_changes(amend, refused, unchanged, subtests):
    for name, changes in CHANGING_NOTHING.items():
        with subtests.test(name):
            problem = refused(amend({"changes": changes, "reason": "Just checking"}), 422, "changes")
            assert problem["errors"]["changes"] == ["The correction changes nothing."]


UNUSABLE_REASONS = {"empty": "", "blank": " \n\t ", "null": None, "number": 7, "too_long": "x" * 2_001,
                    "nul_byte": "Typo\x00", "unpaired_surrogate": "Typo\udc00"}


def test_an_amendment_without_a_usable_reason_is_refused_naming_reason(amend, refused, unchanged, subtests):
    with subtests.test("missing"):
        refused(amend({"changes": {"channel": "whatsapp"}}), 422, "reason")
    for name, reason in UNUSABLE_REASONS.items():
        with subtests.test(name):
            refused(amend({"changes": {"channel": "whatsapp"}, "reason": reason}), 422, "reason")


INVALID_CHANGES = {
    "end_before_start": ({"ended_at": ago(hours=2)}, "changes.ended_at"),
    "start_in_future": ({"started_at": ago(minutes=-90)}, "changes.started_at"),
    "start_too_early": ({"started_at": "1999-01-01T00:00:00Z"}, "changes.started_at"),
    "age_outside_group": ({"caller": {"age_group": "60_plus"}}, "changes.caller.age_group"),
    "age_500": ({"caller": {"age": 500}}, "changes.caller.age"),
    "string_age": ({"caller": {"age": "31"}}, "changes.caller.age"),
    "no_role": ({"caller": {"role": None}}, "changes.caller.role"),
    "unknown_region": ({"caller": {"region": "mars"}}, "changes.caller.region"),
    "unknown_caller_field": ({"caller": {"nickname": "x"}}, "changes.caller.nickname"),
    "unknown_category": ({"categories": ["physical_assault", "zzz"]}, "changes.categories.1"),
    "null_channel": ({"channel": None}, "changes.channel"),
    "null_start": ({"started_at": None}, "changes.started_at"),
    "yes_for_consent": ({"consent": {"services": "yes"}}, "changes.consent.services"),
    "number_for_consent": ({"consent": {"reporting": 0}}, "changes.consent.reporting"),
    "the_id": ({"id": str(uuid.uuid4())}, "changes.id"),
    "the_author": ({"recorded_by": {"username": "someone"}}, "changes.recorded_by"),
}


def test_an_amendment_into_an_invalid_contact_is_refused_naming_the_change(amend, refused, unchanged, subtests):
    for name, (changes, named) in INVALID_CHANGES.items():
        with subtests.test(name):
            refused(amend({"changes": changes, "reason": "Correction"}), 422, named)


def test_an_amendment_of_a_nonexistent_contact_is_404(client, consultant, refused):
    _, headers = consultant
    refused(lambda: client.post(f"{CONTACTS}/{uuid.uuid4()}/amendments",
                                json={"changes": {"channel": "whatsapp"}, "reason": "Typo"}, headers=headers), 404)


# -- completion -----------------------------------------------------------------------------------

def test_a_completion_before_the_start_is_refused_naming_ended_at(client, consultant, contact_id, refused, subtests):
    _, headers = consultant
    for ended_at in [ago(hours=1), "2001-01-01T00:00:00Z"]:
        with subtests.test(ended_at):
            problem = refused(lambda: client.post(f"{CONTACTS}/{contact_id}/completion", json={"ended_at": ended_at},
                                                  headers=headers), 422, "ended_at")
            assert problem["errors"]["ended_at"] == ["The end is before the start."]


def test_a_completion_at_an_unusable_time_is_refused_naming_ended_at(client, consultant, contact_id, refused,
                                                                     subtests):
    _, headers = consultant
    for ended_at in [(NOW + timedelta(hours=2)).isoformat(), None, "soon", 1_700_000_000, "", True]:
        with subtests.test(repr(ended_at)):
            refused(lambda: client.post(f"{CONTACTS}/{contact_id}/completion", json={"ended_at": ended_at},
                                        headers=headers), 422, "ended_at")


def test_a_completion_with_an_unknown_field_is_refused_by_name(client, consultant, contact_id, refused):
    _, headers = consultant
    refused(lambda: client.post(f"{CONTACTS}/{contact_id}/completion", json={"outcome": ["referred"]},
                                headers=headers), 422, "outcome")


def test_a_second_completion_conflicts_and_writes_nothing(client, consultant, contact_id, refused):
    _, headers = consultant
    assert client.post(f"{CONTACTS}/{contact_id}/completion", json={}, headers=headers).status_code == 200
    problem = refused(lambda: client.post(f"{CONTACTS}/{contact_id}/completion", json={"ended_at": ago(minutes=1)},
                                          headers=headers), 409)
    assert problem["state"] == "completed"


# -- ids and query strings ------------------------------------------------------------------------

def contact_requests(client, headers, contact_id: str) -> dict:
    return {
        "read": lambda: client.get(f"{CONTACTS}/{contact_id}", headers=headers),
        "history": lambda: client.get(f"{CONTACTS}/{contact_id}/history", headers=headers),
        "amend": lambda: client.post(f"{CONTACTS}/{contact_id}/amendments",
                                     json={"changes": {"channel": "whatsapp"}, "reason": "Typo"}, headers=headers),
        "complete": lambda: client.post(f"{CONTACTS}/{contact_id}/completion", json={}, headers=headers),
    }


def test_a_nonexistent_contact_is_404(client, consultant, refused, subtests):
    _, headers = consultant
    for kind, send in contact_requests(client, headers, str(uuid.uuid4())).items():
        with subtests.test(kind):
            refused(send, 404)


def test_the_id_of_a_record_that_is_not_a_contact_is_404(client, supervisor, refused, subtests):
    actor, headers = supervisor
    for kind, send in contact_requests(client, headers, str(actor.user_id)).items():
        with subtests.test(kind):
            refused(send, 404)


MALFORMED_IDS = ["not-a-uuid", "42", "%00", "'%20OR%201=1--", "0" * 33, "{12345678-1234-1234-1234-123456789abc}",
                 "12345678-1234-1234-1234-123456789abg", "%F0%9F%98%80"]


def test_a_malformed_id_in_the_url_is_404(client, consultant, refused, subtests):
    _, headers = consultant
    for bad_id in MALFORMED_IDS:
        for kind, send in contact_requests(client, headers, bad_id).items():
            with subtests.test(kind, id=bad_id):
                refused(send, 404)


BAD_POSITIONS = ["abc", "-1", "1.5", "", "1e3", "0x10", "%00", "%FF"]


def test_a_bad_min_position_is_refused_naming_min_position(client, consultant, contact_id, refused, subtests):
    _, headers = consultant
    for where in ("", "/history"):
        for min_position in BAD_POSITIONS:
            with subtests.test(where or "/", min_position=min_position):
                refused(lambda: client.get(f"{CONTACTS}/{contact_id}{where}?min_position={min_position}",
                                           headers=headers), 422, "min_position")


PROJECTION_READS = ("/api/v1/journals/helpline", "/api/v1/stats/contacts")


def test_a_bad_min_position_on_a_projection_read_is_refused_naming_min_position(client, supervisor, refused,
                                                                                subtests):
    _, headers = supervisor
    for url in PROJECTION_READS:
        for min_position in BAD_POSITIONS:
            with subtests.test(url, min_position=min_position):
                refused(lambda: client.get(f"{url}?min_position={min_position}", headers=headers),
                        422, "min_position")


def test_a_min_position_no_write_returned_is_refused_naming_min_position(client, supervisor, refused, senim):
    _, headers = supervisor
    beyond = senim.store.head() + 1_000
    for url in PROJECTION_READS:
        refused(lambda: client.get(f"{url}?min_position={beyond}", headers=headers), 422, "min_position")


# -- nothing is written, not even a gap in the positions ------------------------------------------

def test_refused_requests_leave_no_gap_before_the_next_write(client, consultant, contact_id, senim):
    _, headers = consultant
    before = senim.store.head()
    urls = write_urls(contact_id)
    for response in (
        raw(client, CONTACTS, b"{bad", headers),
        raw(client, CONTACTS, b"[" * 100_000 + b"]" * 100_000, headers),
        client.post(CONTACTS, json=a_call(ended_at=ago(hours=1)), headers=headers),
        client.post(CONTACTS, json=a_call(caller={"role": "victim", "age": 31, "age_group": "60_plus"}),
                    headers=headers),
        client.post(urls["amend"], json={"changes": {"channel": "phone"}, "reason": "Nothing"}, headers=headers),
        client.post(urls["amend"], json={"changes": {"ended_at": ago(hours=3)}, "reason": "Bad"}, headers=headers),
        client.post(urls["complete"], json={"ended_at": ago(hours=2)}, headers=headers),
    ):
        assert 400 <= response.status_code < 500
    written = client.post(CONTACTS, json=a_call(), headers=headers)
    assert written.status_code == 201
    # PostgreSQL hands out positions from a sequence: a rolled-back insert would leave a gap here.
    assert int(written.headers["X-Senim-Position"]) == before + 1


# -- beyond contacts -------------------------------------------------------------------------------

def test_json_nested_too_deep_for_the_parser_is_a_400_on_the_users_api_too(client, make_user, refused):
    _, headers = make_user("admin")
    for body in (MALFORMED_JSON["nested_too_deep"], MALFORMED_JSON["number_too_long_to_read"]):
        refused(lambda: raw(client, "/api/v1/users", body, headers), 400)


# -- hostile and multilingual text is data, kept byte for byte ------------------------------------

VERBATIM = {
    "sql_injection": "'; DROP TABLE senim_events; --",
    "sql_injection_quoted": "Robert'); DELETE FROM senim_events WHERE ('1'='1",
    "html_script": '<script>alert("xss")</script><img src=x onerror=alert(1)>',
    "html_entities": "&lt;b&gt; &amp; &#x27; &quot;",
    "kazakh_letters": "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі",
    "kazakh_sentence": "Күйеуі қорқытады, балалары үйде. Өтініш, көмектесіңіз — құқық қорғау органдарына хабарласу керек.",
    "russian": "Муж угрожает ножом; ёлка, щётка, подъезд — «кавычки»",
    "emoji": "Мен қорқамын 😢🙏 👩‍👧‍👦 🇰🇿 ✋🏽",
    "mixed_scripts": "Kazakh қазақ / Russian русский / English / العربية / 中文",
    "decomposed_letters": "и\u0306 е\u0308 a\u0301",  # not normalised to NFC
    "invisible_characters": "zero\u200bwidth, rtl\u202eoverride, bom\ufeff, nbsp\u00a0.",
    "line_and_paragraph_separators": "one\u2028two\u2029three",
    "astral_and_noncharacters": "\U0001f600 \U00010348 \U0010fffd \ufffd",
    "tabs_and_newlines": "line 1\n\tline 2\r\nline 3",
    "backslashes_and_quotes": 'C:\\temp\\"x" \\u0041 %s {0} ${jndi:ldap://x}',
}


def test_hostile_and_multilingual_text_is_kept_verbatim(client, consultant, subtests):
    _, headers = consultant
    for name, text in VERBATIM.items():
        with subtests.test(name):
            check_kept_verbatim(client, headers, text)


def check_kept_verbatim(client, headers, text):
    created = client.post(CONTACTS, json=a_call(summary=text), headers=headers)
    assert created.status_code == 201, created.json
    contact_id = created.json["id"]
    amended = client.post(f"{CONTACTS}/{contact_id}/amendments",
                          json={"changes": {"summary": text + " (2)"}, "reason": text}, headers=headers)
    assert amended.status_code == 201, amended.json

    read = client.get(f"{CONTACTS}/{contact_id}", headers=headers)
    assert read.json["summary"] == text + " (2)"
    events = client.get(f"{CONTACTS}/{contact_id}/history", headers=headers).json["events"]
    assert events[0]["data"]["summary"] == text
    assert events[1]["data"] == {"changes": {"summary": text + " (2)"}, "reason": text}
    # Byte for byte: UTF-8 on the wire, not \\u escapes, wherever JSON needs no escape at all.
    if not any(character in text for character in '"\\\n\r\t'):
        assert text.encode("utf-8") in read.get_data()
