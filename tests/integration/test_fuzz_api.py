"""Fuzzing the served OpenAPI document: whatever a client sends, the answer is never a 5xx.

Runs on SQLite only (the rules under test are the API's, not the store's) with a bounded,
derandomised number of examples per operation, so CI is quick and repeatable.
"""
import json
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import not_a_server_error

from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.conftest import ADMIN

OPENAPI_PATH = "/api/v1/openapi.json"
# The app fixture is shared by a test's examples on purpose: one store, growing as they run.
FUZZ_SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)
NOW = datetime.now(timezone.utc)


def a_call(summary) -> dict:
    return {
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (NOW - timedelta(minutes=20)).isoformat(), "caller": {"role": "victim"},
        "summary": summary,
    }


@pytest.fixture
def fuzz_app(sqlite_url):
    """The real app on a fresh SQLite file, with one supervisor and one admin holding tokens."""
    config = Settings(database_url=sqlite_url, secret_key="fuzz-secret", testing=True)
    senim = bootstrap(config)
    app = create_app(config, senim=senim)
    tokens = {}
    for role in ("supervisor", "admin"):
        user = senim.staff.add_user(username=f"fuzz-{role}", role=role, password="correct horse 1", actor=ADMIN)
        tokens[role], _ = senim.staff.issue_token(user.id, actor=ADMIN)
    app.config["FUZZ_TOKENS"] = tokens
    yield app
    senim.close()


def token_for(app, path: str) -> dict:
    """Admins manage accounts; a supervisor may read and amend every contact."""
    role = "admin" if path.startswith("/api/v1/users") else "supervisor"
    return {"Authorization": f"Bearer {app.config['FUZZ_TOKENS'][role]}"}


def existing_records(app) -> dict:
    """Ids (and a service) that exist, so the fuzzer gets past the 404 of a random one half of the time."""
    client = app.test_client()
    contact = client.post("/api/v1/contacts", json=a_call("Fuzz target."),
                          headers=token_for(app, "/api/v1/contacts"))
    user = client.post("/api/v1/users", json={"username": "fuzz-target", "role": "consultant",
                                              "password": "correct horse 1"},
                       headers=token_for(app, "/api/v1/users"))
    assert contact.status_code == user.status_code == 201
    return {"contact_id": contact.json["id"], "user_id": user.json["id"], "service": "helpline"}


def case_strategy(operation, records: dict):
    """Valid and invalid requests (wrong types, missing fields, junk), to random and to real ids, and valid
    ones whose dates, moments and numbers sit at the edges of the calendar and of integers."""
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    names = {parameter.name for parameter in operation.path_parameters}
    real_ids = {name: value for name, value in records.items() if name in names}
    strategies = [operation.as_strategy(mode) for mode in modes]
    if real_ids:
        strategies += [operation.as_strategy(mode, path_parameters=real_ids) for mode in modes]
    if has_extremes(operation):
        strategies.append(at_the_extremes(operation, real_ids))
    return st.one_of(strategies)


# The first and last days a datetime can hold, moments whose time zone takes them past those edges
# in UTC, and integers beyond what 64 bits (or a database column) hold.
EXTREME_DAYS = ("0001-01-01", "0001-01-02", "9999-12-25", "9999-12-31")
EXTREME_MOMENTS = ("0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z",
                   "9999-12-31T23:59:59", "9999-12-31T23:59:59.999999-12:00", "9999-12-31T23:59:59Z")
EXTREME_NUMBERS = (-1, 0, -(2**63) - 1, 2**63, 2**64, 10**30, -(10**30))


def extreme_values(schema: dict) -> tuple:
    if schema.get("format") == "date":
        return EXTREME_DAYS
    if schema.get("format") == "date-time":
        return EXTREME_MOMENTS + EXTREME_DAYS
    if schema.get("type") in ("integer", "number"):
        return EXTREME_NUMBERS
    return ()


def resolved(schema: dict, bundle: dict) -> dict:
    """schemathesis bundles a body's schema with its references as #/x-bundled/NAME."""
    while "$ref" in schema:
        schema = bundle[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schemas(operation) -> list[tuple[dict, dict]]:
    """(schema, bundle) of each JSON body the operation takes."""
    found = []
    for body in operation.body:
        schema = body.definition.get("schema") or {}
        found.append((resolved(schema, schema.get("x-bundled", {})), schema.get("x-bundled", {})))
    return found


def has_extremes(operation) -> bool:
    def within(schema, bundle, depth=0) -> bool:
        return depth < 5 and any(
            extreme_values(resolved(prop, bundle)) or within(resolved(prop, bundle), bundle, depth + 1)
            for prop in (schema.get("properties") or {}).values())
    return any(extreme_values(parameter.definition.get("schema", {})) for parameter in operation.query) or any(
        within(schema, bundle) for schema, bundle in body_schemas(operation))


def put_extremes(draw, data, schema: dict, bundle: dict) -> None:
    """Each date, moment and number of the body (nested objects too) kept, or set to an extreme."""
    if not isinstance(data, dict):
        return
    for name, prop in (schema.get("properties") or {}).items():
        prop = resolved(prop, bundle)
        values = extreme_values(prop)
        if values and not prop.get("readOnly") and draw(st.booleans()):
            data[name] = draw(st.sampled_from(values))
        elif prop.get("type") == "object" and name in data:
            put_extremes(draw, data[name], prop, bundle)


@st.composite
def at_the_extremes(draw, operation, real_ids: dict):
    """A valid request, then its query's and body's dates, moments and numbers (some, or all) at the edges."""
    case = draw(operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=real_ids or None))
    for parameter in operation.query:
        values = extreme_values(parameter.definition.get("schema", {}))
        if values and draw(st.booleans()):
            case.query = {**(case.query or {}), parameter.name: draw(st.sampled_from(values))}
    for schema, bundle in body_schemas(operation):
        put_extremes(draw, case.body, schema, bundle)
    return case


def test_no_generated_request_gets_a_server_error(fuzz_app, subtests):
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, fuzz_app)
    # Send the real token rather than a generated one, so requests get past authentication.
    schema.config.generation.update(with_security_parameters=False)
    records = existing_records(fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6, "the OpenAPI document lost its operations"
    for operation in operations:
        headers = token_for(fuzz_app, operation.path)

        @given(case=case_strategy(operation, records))
        @FUZZ_SETTINGS
        def no_server_error(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        with subtests.test(operation=operation.label):
            no_server_error()


# Any JSON at all, keys and strings including unpaired surrogates, sent to every write.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(ANY_TEXT, children, max_size=5),
    max_leaves=20,
)
WRITES = ("/api/v1/contacts", "/api/v1/contacts/{contact_id}/amendments", "/api/v1/contacts/{contact_id}/completion",
          "/api/v1/users", "/api/v1/users/{user_id}/role", "/api/v1/users/{user_id}/password")


def test_random_json_and_bytes_to_every_write_never_get_a_server_error(fuzz_app, subtests):
    client = fuzz_app.test_client()
    records = existing_records(fuzz_app)
    for path in WRITES:
        headers = {**token_for(fuzz_app, path), "Content-Type": "application/json"}
        url = path.format(**records)

        @given(body=st.one_of(
            ANY_JSON.map(lambda value: json.dumps(value).encode()),  # NaN and Infinity included
            ANY_JSON.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
            st.binary(max_size=200),
        ))
        @FUZZ_SETTINGS
        def no_server_error(body):
            response = client.post(url, data=body, headers=headers)
            assert response.status_code < 500, response.get_data(as_text=True)
            assert response.content_type in ("application/json", "application/problem+json")

        with subtests.test(path=path):
            no_server_error()


# -- summary text round-trips verbatim or is refused naming `summary` -----------------------------

@pytest.fixture
def text_client(fuzz_app):
    client = fuzz_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = token_for(fuzz_app, "/api/v1/contacts")["Authorization"]
    return client


@given(summary=st.one_of(
    st.text(),  # any code point but surrogates: controls, non-characters, astral planes
    st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Z"]), max_size=300),
    st.text(alphabet="әғқңөұүһіӘҒҚҢӨҰҮҺІ ёЁщъ 😀👩‍👧🇰🇿\t\n\r\x00\x1b\x7f\u200b\u202e\ufeff'\";<>&\\"),
), as_escapes=st.booleans())
@settings(FUZZ_SETTINGS, max_examples=100)
def test_any_summary_round_trips_verbatim_or_is_refused_naming_summary(fuzz_app, text_client, summary, as_escapes):
    # Sent either as raw UTF-8 or with every non-ASCII character as a JSON \\u escape.
    body = json.dumps(a_call(summary), ensure_ascii=as_escapes).encode()
    before = fuzz_app.extensions["senim"].store.head()
    response = text_client.post("/api/v1/contacts", data=body, content_type="application/json")
    if response.status_code == 201:
        contact_id = response.json["id"]
        assert text_client.get(f"/api/v1/contacts/{contact_id}").json["summary"] == summary
        history = text_client.get(f"/api/v1/contacts/{contact_id}/history").json["events"]
        assert history[0]["data"]["summary"] == summary
    else:
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.content_type == "application/problem+json"
        assert list(response.json["errors"]) == ["summary"]
        assert fuzz_app.extensions["senim"].store.head() == before


# One surrogate only: a high one followed by a low one would arrive as a valid pair.
@given(summary=st.tuples(st.text(max_size=20), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                         st.text(max_size=20)).map("".join))
@FUZZ_SETTINGS
def test_a_summary_with_an_unpaired_surrogate_is_refused_naming_summary(text_client, summary):
    response = text_client.post("/api/v1/contacts", data=json.dumps(a_call(summary)),
                                content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.json["errors"]) == ["summary"]
