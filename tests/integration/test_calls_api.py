"""POST /api/v1/calls, on SQLite and on PostgreSQL: a call is recorded with its checklist, case file and
referral in one request; a refusal writes nothing; a part that fails after the contact was saved is
named and the rest stand; roles and the link rule are those of the parts' own endpoints."""
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from uuid import UUID

from domain import instruments


def a_call(**parts) -> dict:
    started = (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat()
    answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    body = {
        "contact": {"service": "helpline", "channel": "phone", "contact_type": "counselling", "started_at": started,
                    "caller": {"role": "victim", "name": "Айгүл", "phone": "+7 701 555 1122"},
                    "categories": ["physical_assault"], "consent": {"services": True, "reporting": True}},
        "checklist": {"answers": {**answers, "fear": "yes"}},
        "case": {"summary": "Муж угрожает."},
        "referral": {"source": "helpline", "target": "crisis_centre", "urgency": "urgent",
                     "reason": "Нужен приют.", "consent": {"services": True}},
    }
    body.update(parts)
    return {key: value for key, value in body.items() if value is not None}


def post_call(client, headers, body, **extra_headers):
    return client.post("/api/v1/calls", json=body, headers={**headers, **extra_headers})


def test_a_call_writes_its_contact_case_checklist_and_referral(client, senim, consultant):
    actor, headers = consultant
    response = post_call(client, headers, a_call())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"] == body["contact_id"] and body["not_saved"] == []
    assert int(response.headers["X-Senim-Position"]) == body["position"] == senim.store.head()
    contact = senim.contacts.get(UUID(body["contact_id"]), actor=actor)
    assert str(contact.fields["case_id"]) == body["case_id"]
    case = senim.cases.get(UUID(body["case_id"]), actor=actor)
    assert case.summary == "Муж угрожает."
    assert [(person["role"], person["name"]) for person in case.persons.values()] == [("victim", "Айгүл")]
    assessment = senim.assessments.get(UUID(body["assessment_id"]), actor=actor)
    assert (assessment.contact_id, assessment.case_id) == (contact.id, case.id)
    assert assessment.answers["fear"] == "yes"
    referral = senim.referrals.get(UUID(body["referral_id"]), actor=actor)
    assert (referral.contact_id, referral.case_id, referral.target, referral.subject_role) == \
        (contact.id, case.id, "crisis_centre", "victim")
    case_page = client.get(f"/api/v1/cases/{case.id}", headers=headers,
                           query_string={"min_position": body["position"]})
    assert case_page.json["members"] == {"contacts": [str(contact.id)], "referrals": [str(referral.id)],
                                         "assessments": [str(assessment.id)]}


def test_a_contact_alone_is_a_call(client, senim, consultant):
    _, headers = consultant
    response = post_call(client, headers, {"contact": a_call()["contact"]})
    assert response.status_code == 201, response.json
    assert (response.json["case_id"], response.json["assessment_id"], response.json["referral_id"]) == \
        (None, None, None)


def test_a_refused_part_writes_nothing_and_every_refusal_is_named(client, senim, consultant):
    _, headers = consultant
    head = senim.store.head()
    call = a_call(referral={"source": "helpline", "target": "police", "urgency": "urgent", "reason": "Угрозы.",
                            "consent": {"services": False}},
                  checklist={"answers": {"fear": "perhaps"}})
    response = post_call(client, headers, call)
    assert response.status_code == 422, response.json
    assert response.headers["Content-Type"] == "application/problem+json"
    fields = set(response.json["errors"])
    assert any(name.startswith("referral.consent") for name in fields), fields
    assert any(name.startswith("checklist.answers") for name in fields), fields
    assert senim.store.head() == head


def test_a_bad_contact_is_refused_before_the_other_parts(client, senim, consultant):
    _, headers = consultant
    head = senim.store.head()
    contact = {**a_call()["contact"], "started_at": (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()}
    response = post_call(client, headers, a_call(contact=contact))
    assert response.status_code == 422, response.json
    assert "contact.started_at" in response.json["errors"]
    assert senim.store.head() == head


def test_a_part_that_fails_after_the_contact_is_named_and_the_rest_stand(client, senim, consultant, monkeypatch):
    actor, headers = consultant

    def database_away(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(senim.referrals, "make", database_away)
    response = post_call(client, headers, a_call())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["not_saved"] == ["referral"] and body["referral_id"] is None
    assert body["case_id"] and body["assessment_id"]
    assert int(response.headers["X-Senim-Position"]) == body["position"] == senim.store.head()
    assert senim.contacts.get(UUID(body["contact_id"]), actor=actor).fields["case_id"] == UUID(body["case_id"])


def test_a_case_that_fails_to_open_leaves_the_checklist_and_referral_outside_any_case(client, senim, consultant,
                                                                                       monkeypatch):
    actor, headers = consultant

    def database_away(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(senim.cases, "open", database_away)
    body = post_call(client, headers, a_call()).json
    assert body["not_saved"] == ["case"] and body["case_id"] is None
    assert senim.referrals.get(UUID(body["referral_id"]), actor=actor).case_id is None


def test_staff_without_case_work_and_strangers_are_refused(client, senim, make_user):
    _, admin = make_user("admin")
    head = senim.store.head()
    assert post_call(client, admin, a_call()).status_code == 403
    assert post_call(client, {}, a_call()).status_code == 401
    assert senim.store.head() == head


def test_a_call_naming_a_case_the_caller_may_not_see_is_403_and_writes_nothing(client, senim, consultant, make_user):
    _, headers = consultant
    _, other = make_user("consultant")
    case_id = client.post("/api/v1/cases", json={"summary": "someone else's"}, headers=other).json["id"]
    head = senim.store.head()
    contact = {**a_call()["contact"], "case_id": case_id}
    response = post_call(client, headers, a_call(contact=contact, case=None))
    assert response.status_code == 403, response.json
    assert senim.store.head() == head


def test_a_call_naming_a_case_it_may_see_joins_that_case(client, senim, consultant):
    actor, headers = consultant
    case_id = client.post("/api/v1/cases", json={"summary": "mine"}, headers=headers).json["id"]
    contact = {**a_call()["contact"], "case_id": case_id}
    body = post_call(client, headers, a_call(contact=contact)).json
    assert body["case_id"] is None  # no new case file: the contact joined the one it names
    assert str(senim.referrals.get(UUID(body["referral_id"]), actor=actor).case_id) == case_id


def test_a_call_naming_a_case_that_does_not_exist_is_422(client, senim, consultant):
    _, headers = consultant
    head = senim.store.head()
    contact = {**a_call()["contact"], "case_id": str(uuid.uuid4())}
    assert post_call(client, headers, a_call(contact=contact)).status_code == 422
    assert senim.store.head() == head


def test_a_retried_call_answers_the_first_response_and_writes_nothing_more(client, senim, consultant):
    _, headers = consultant
    key, call = str(uuid.uuid4()), a_call()
    first = post_call(client, headers, call, **{"Idempotency-Key": key})
    head = senim.store.head()
    again = post_call(client, headers, call, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["X-Senim-Position"] == first.headers["X-Senim-Position"] == str(first.json["position"])
    assert again.headers["Idempotent-Replayed"] == "true"
    assert senim.store.head() == head
    other = post_call(client, headers, {**call, "case": None}, **{"Idempotency-Key": key})
    assert other.status_code == 422


def test_the_openapi_document_describes_calls(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/calls"]["post"]
    assert "201" in operation["responses"] and "requestBody" in operation
    assert "Idempotency-Key" in [parameter.get("name") for parameter in operation.get("parameters", [])]
