"""The correctional programme, on SQLite and on PostgreSQL: enrolment behind the eligibility gate of
an aggressor_status assessment, sessions, completion and drop-out, illegal transitions, statistics."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from domain import instruments
from domain.clock import local, utc_now

URL = "/api/v1/programme"
ASSESSMENTS = "/api/v1/assessments"
STATS = "/api/v1/stats/programme"
PROBLEM = "application/problem+json"


def aggressor(**given) -> dict:
    return {item["id"]: given.get(item["id"], "no") for item in instruments.get("aggressor_status")["items"]}


@pytest.fixture
def assess(client, psychologist):
    """Records an aggressor_status assessment with the given answers; returns its id."""
    def record(**given) -> str:
        created = client.post(ASSESSMENTS, json={"instrument": "aggressor_status", "answers": aggressor(**given)},
                              headers=psychologist[1])
        assert created.status_code == 201, created.json
        return created.json["id"]
    return record


@pytest.fixture
def enrol(client, psychologist, assess):
    def make(**body) -> dict:
        body.setdefault("assessment_id", assess(physical_violence="yes"))
        created = client.post(URL, json=body, headers=psychologist[1])
        assert created.status_code == 201, created.json
        return created.json
    return make


def session(client, headers, participation_id, attended=True, **body):
    body = {"at": datetime.now(timezone.utc).isoformat(), "attended": attended, **body}
    return client.post(f"{URL}/{participation_id}/sessions", json=body, headers=headers)


def test_enrol_after_an_eligible_assessment(client, psychologist, enrol, senim):
    created = enrol()
    assert created["position"] == senim.store.head()
    shown = client.get(f"{URL}/{created['id']}", headers=psychologist[1])
    assert shown.status_code == 200, shown.json
    assert (shown.json["status"], shown.json["sessions"], shown.json["attended"], shown.json["missed"]) == (
        "enrolled", [], 0, 0)
    assert shown.json["enrolled_by"]["username"] == psychologist[0].username


@pytest.mark.parametrize("given, words", [
    ({"physical_violence": "yes", "alcohol_dependence": "yes"}, ("alcohol_dependence", "health")),
    ({"physical_violence": "yes", "acute_psychiatric_condition": "unknown"}, ("undecided",)),
])
def test_an_ineligible_or_undecided_assessment_is_refused_naming_assessment_id(client, psychologist, assess,
                                                                               senim, given, words):
    assessment_id = assess(**given)
    before = senim.store.head()
    refused = client.post(URL, json={"assessment_id": assessment_id}, headers=psychologist[1])
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    [message] = refused.json["errors"]["assessment_id"]
    assert all(word in message for word in words), message
    assert senim.store.head() == before


def test_a_missing_assessment_or_referral_is_named(client, psychologist, assess):
    refused = client.post(URL, json={"assessment_id": str(uuid.uuid4())}, headers=psychologist[1])
    assert refused.status_code == 422 and "assessment_id" in refused.json["errors"]
    refused = client.post(URL, json={"assessment_id": assess(), "referral_id": str(uuid.uuid4())},
                          headers=psychologist[1])
    assert refused.status_code == 422 and "referral_id" in refused.json["errors"]


def test_roles_and_missing_records(client, consultant, supervisor, make_user, enrol):
    created = enrol()
    admin = make_user("admin")[1]
    assert client.post(URL, json={"assessment_id": str(uuid.uuid4())}).status_code == 401
    assert client.post(URL, json={"assessment_id": str(uuid.uuid4())}, headers=consultant[1]).status_code == 403
    assert client.get(f"{URL}/{created['id']}", headers=admin).status_code == 403
    assert session(client, consultant[1], created["id"]).status_code == 403
    assert client.get(f"{URL}/{created['id']}", headers=supervisor[1]).status_code == 200
    missing = client.get(f"{URL}/{uuid.uuid4()}", headers=supervisor[1])
    assert missing.status_code == 404 and missing.content_type == PROBLEM


def test_sessions_then_completion(client, psychologist, supervisor, enrol):
    created = enrol()
    first = session(client, psychologist[1], created["id"], attended=False, note="Did not come; phoned.")
    assert first.status_code == 201, first.json
    assert first.json["number"] == 1
    too_early = client.post(f"{URL}/{created['id']}/complete", json={"outcome": "completed"},
                            headers=psychologist[1])
    assert too_early.status_code == 409 and too_early.json["state"] == "enrolled"
    assert session(client, psychologist[1], created["id"]).json["number"] == 2
    future = session(client, psychologist[1], created["id"], at=(utc_now() + timedelta(days=2)).isoformat())
    assert future.status_code == 422 and "at" in future.json["errors"]
    unknown = client.post(f"{URL}/{created['id']}/complete", json={"outcome": "graduated"},
                          headers=psychologist[1])
    assert unknown.status_code == 422 and "outcome" in unknown.json["errors"]
    done = client.post(f"{URL}/{created['id']}/complete", json={"outcome": "completed_with_conditions"},
                       headers=supervisor[1])
    assert done.status_code == 200, done.json
    shown = client.get(f"{URL}/{created['id']}", headers=psychologist[1]).json
    assert (shown["status"], shown["outcome"], shown["attended"], shown["missed"]) == (
        "completed", "completed_with_conditions", 1, 1)
    assert [(s["number"], s["attended"], s["note"]) for s in shown["sessions"]] == [
        (1, False, "Did not come; phoned."), (2, True, None)]
    late = session(client, psychologist[1], created["id"])
    assert late.status_code == 409 and late.json["state"] == "completed"
    again = client.post(f"{URL}/{created['id']}/drop-out", json={"reason": "x"}, headers=psychologist[1])
    assert again.status_code == 409 and again.json["state"] == "completed"


def test_drop_out_ends_the_participation(client, psychologist, enrol):
    created = enrol()
    blank = client.post(f"{URL}/{created['id']}/drop-out", json={"reason": " "}, headers=psychologist[1])
    assert blank.status_code == 422 and "reason" in blank.json["errors"]
    dropped = client.post(f"{URL}/{created['id']}/drop-out", json={"reason": "Moved to Almaty."},
                          headers=psychologist[1])
    assert dropped.status_code == 200, dropped.json
    shown = client.get(f"{URL}/{created['id']}", headers=psychologist[1]).json
    assert (shown["status"], shown["drop_out_reason"]) == ("dropped_out", "Moved to Almaty.")
    late = session(client, psychologist[1], created["id"])
    assert late.status_code == 409 and late.json["state"] == "dropped_out"
    done = client.post(f"{URL}/{created['id']}/complete", json={"outcome": "completed"}, headers=psychologist[1])
    assert done.status_code == 409 and done.json["state"] == "dropped_out"


def test_programme_statistics(client, psychologist, supervisor, consultant, enrol):
    completed, dropped, ongoing = enrol(), enrol(), enrol()
    for attended in (True, False, True):
        assert session(client, psychologist[1], completed["id"], attended=attended).status_code == 201
    assert session(client, psychologist[1], dropped["id"], attended=False).status_code == 201
    assert session(client, psychologist[1], ongoing["id"], attended=True).status_code == 201
    client.post(f"{URL}/{completed['id']}/complete", json={"outcome": "completed"}, headers=psychologist[1])
    last = client.post(f"{URL}/{dropped['id']}/drop-out", json={"reason": "Stopped coming."},
                       headers=psychologist[1])
    position = last.json["position"]
    month = local(utc_now()).strftime("%Y-%m")

    def stats(group_by: str) -> dict:
        answer = client.get(f"{STATS}?group_by={group_by}&min_position={position}", headers=supervisor[1])
        assert answer.status_code == 200, answer.json
        return answer.json

    by_status = stats("status")
    assert (by_status["total"], by_status["sessions_attended"], by_status["sessions_missed"]) == (3, 3, 2)
    assert {row["status"]: (row["count"], row["sessions_attended"], row["sessions_missed"])
            for row in by_status["rows"]} == {"completed": (1, 2, 1), "dropped_out": (1, 0, 1), "enrolled": (1, 1, 0)}
    assert stats("status,month")["rows"][0]["month"] == month
    assert stats("month")["rows"] == [{"month": month, "count": 3, "sessions_attended": 3, "sessions_missed": 2}]
    assert stats("")["rows"] == [{"count": 3, "sessions_attended": 3, "sessions_missed": 2}]
    assert client.get(f"{STATS}?group_by=region", headers=supervisor[1]).status_code == 422
    assert client.get(STATS, headers=psychologist[1]).status_code == 403
    assert client.get(STATS).status_code == 401
