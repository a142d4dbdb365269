"""Idempotency-Key on creating writes, on SQLite and on PostgreSQL: a retry never loses or doubles a record."""
import json
import threading
import uuid

from tests.helpers.threads import run_together
from tests.integration.test_contacts_api import a_call

CONTACT_RECORDED = "domain.contact:Contact.Recorded"


def recorded_contacts(senim) -> int:
    notifications = senim.store.recorder.select_notifications(start=1, limit=100_000)
    return sum(1 for n in notifications if n.topic == CONTACT_RECORDED)


def journal_rows(client, headers, position) -> list[dict]:
    response = client.get("/api/v1/journals/helpline", headers=headers, query_string={"min_position": position})
    assert response.status_code == 200, response.json
    return response.json["rows"]


def post_contact(client, headers, key, body=None):
    return client.post("/api/v1/contacts", json=body or a_call(), headers={**headers, "Idempotency-Key": key})


def test_the_same_key_and_body_answer_the_first_response_and_record_one_contact(client, senim, supervisor):
    _, headers = supervisor
    key = str(uuid.uuid4())
    first = post_contact(client, headers, key)
    again = post_contact(client, headers, key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["X-Senim-Position"] == first.headers["X-Senim-Position"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert recorded_contacts(senim) == 1
    rows = journal_rows(client, headers, first.headers["X-Senim-Position"])
    assert [row["contact_id"] for row in rows] == [first.json["id"]]


def test_a_retry_with_the_body_spaced_or_ordered_differently_is_the_same_request(client, senim, consultant):
    _, headers = consultant
    body = a_call()
    first = post_contact(client, headers, "retry-1", body)
    reordered = dict(reversed(list(body.items())))
    again = client.post("/api/v1/contacts", data=json.dumps(reordered, indent=2),
                        content_type="application/json", headers={**headers, "Idempotency-Key": "retry-1"})
    assert again.status_code == 201 and again.json == first.json
    assert recorded_contacts(senim) == 1


def test_the_same_key_with_another_body_is_422_and_records_nothing(client, senim, consultant):
    _, headers = consultant
    first = post_contact(client, headers, "key-1")
    other = post_contact(client, headers, "key-1", a_call(summary="Another call entirely"))
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.content_type == "application/problem+json"
    assert other.json["type"].endswith("idempotency-key-reused")
    assert recorded_contacts(senim) == 1


def test_the_same_key_on_another_endpoint_is_422(client, consultant):
    _, headers = consultant
    contact = post_contact(client, headers, "shared")
    assert contact.status_code == 201
    amendment = client.post(f"/api/v1/contacts/{contact.json['id']}/amendments",
                            json={"changes": {"channel": "whatsapp"}, "reason": "Wrong channel"},
                            headers={**headers, "Idempotency-Key": "shared"})
    assert amendment.status_code == 422


def test_a_key_of_one_user_never_answers_another(client, senim, make_user):
    _, first_headers = make_user("consultant")
    _, second_headers = make_user("consultant")
    first = post_contact(client, first_headers, "same-key")
    second = post_contact(client, second_headers, "same-key")
    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"]
    assert "Idempotent-Replayed" not in second.headers
    assert recorded_contacts(senim) == 2


def test_a_key_that_is_not_visible_ascii_is_422(client, senim, consultant):
    _, headers = consultant
    for bad in ("", " padded ", "x" * 256):
        response = post_contact(client, headers, bad)
        assert response.status_code == 422, bad
        assert "Idempotency-Key" in response.json["errors"]
    assert recorded_contacts(senim) == 0


def test_concurrent_duplicates_record_exactly_one_contact_and_all_get_its_answer(app, senim, supervisor):
    _, headers = supervisor
    key, body = str(uuid.uuid4()), a_call()
    answers, errors = [], []
    # As many copies as the test store's connection pool holds (2 + 8 overflow, tests/conftest.py):
    # more would wait for a connection and test the pool's timeout, not idempotency.
    copies = 10
    start = threading.Barrier(copies)

    def retry():
        client = app.test_client()
        try:
            start.wait()
            response = post_contact(client, headers, key, body)
            answers.append((response.status_code, response.json, response.headers.get("X-Senim-Position")))
        except Exception as error:  # reported below
            errors.append(error)

    run_together(retry, [()] * copies)
    assert errors == []
    assert len(answers) == copies
    assert {status for status, _, _ in answers} == {201}
    assert len({(body["id"], body["position"], position) for _, body, position in answers}) == 1
    assert recorded_contacts(senim) == 1
    _, first, position = answers[0]
    assert [row["contact_id"] for row in journal_rows(app.test_client(), headers, position)] == [first["id"]]


def test_a_retry_after_the_write_was_saved_but_the_answer_never_sent_gets_the_same_answer(
        client, senim, supervisor, monkeypatch):
    import intake.api.contacts as contacts_api

    _, headers = supervisor
    sent = contacts_api.written
    monkeypatch.setattr(contacts_api, "written", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("worker died")))
    lost = post_contact(client, headers, "lost-answer")
    assert lost.status_code == 500
    assert recorded_contacts(senim) == 1  # the write was committed before the failure
    monkeypatch.setattr(contacts_api, "written", sent)

    retry = post_contact(client, headers, "lost-answer")
    assert retry.status_code == 201
    assert recorded_contacts(senim) == 1
    rows = journal_rows(client, headers, retry.headers["X-Senim-Position"])
    assert [row["contact_id"] for row in rows] == [retry.json["id"]]
    assert retry.json["position"] == int(retry.headers["X-Senim-Position"])


def test_other_creating_writes_replay_too(client, senim, supervisor):
    _, headers = supervisor

    def twice(path, body):
        first = client.post(path, json=body, headers={**headers, "Idempotency-Key": "k-" + path})
        assert first.status_code == 201, first.json
        head = senim.store.head()
        again = client.post(path, json=body, headers={**headers, "Idempotency-Key": "k-" + path})
        assert (again.status_code, again.json) == (201, first.json)
        assert again.headers["X-Senim-Position"] == first.headers["X-Senim-Position"]
        assert senim.store.head() == head  # nothing new was written
        return first.json

    case = twice("/api/v1/cases", {"summary": "Opened from a retry"})
    note = twice(f"/api/v1/cases/{case['id']}/notes", {"text": "Called back"})
    assert note["case_id"] == case["id"]


def test_the_openapi_document_names_the_header_on_creating_writes(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, method in (("/api/v1/contacts", "post"), ("/api/v1/referrals", "post"),
                         ("/api/v1/cases/{case_id}/notes", "post"), ("/api/v1/assessments", "post")):
        names = [p.get("name") for p in spec["paths"][path][method].get("parameters", [])]
        assert "Idempotency-Key" in names, (path, names)
