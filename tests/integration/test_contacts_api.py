"""The contacts part of the contract, on SQLite and on PostgreSQL."""
from datetime import datetime, timedelta, timezone

import pytest

NOW = datetime.now(timezone.utc)


def a_call(**overrides) -> dict:
    body = {
        "service": "helpline",
        "channel": "phone",
        "started_at": (NOW - timedelta(minutes=20)).isoformat(),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 31, "region": "almaty"},
        "categories": ["physical_assault", "psychological_abuse"],
        "risk": ["immediate_danger"],
        "summary": "Күйеуі қорқытады. Муж угрожает.",
        "outcome": ["safety_planning"],
        "consent": {"services": True, "reporting": True},
    }
    body.update(overrides)
    return body


def test_a_recorded_contact_reads_back_with_its_position(client, consultant):
    _, headers = consultant
    created = client.post("/api/v1/contacts", json=a_call(), headers=headers)
    assert created.status_code == 201
    position = int(created.headers["X-Senim-Position"])
    assert created.json["position"] == position > 0

    contact = client.get(f"/api/v1/contacts/{created.json['id']}", headers=headers).json
    assert contact["summary"] == "Күйеуі қорқытады. Муж угрожает."
    assert contact["caller"]["age_group"] == "25_34"
    assert contact["status"] == "open"
    assert contact["recorded_by"]["role"] == "consultant"


def test_an_amendment_needs_a_reason_and_keeps_the_original(client, consultant):
    _, headers = consultant
    contact_id = client.post("/api/v1/contacts", json=a_call(), headers=headers).json["id"]

    refused = client.post(f"/api/v1/contacts/{contact_id}/amendments",
                          json={"changes": {"channel": "whatsapp"}}, headers=headers)
    assert refused.status_code == 422
    assert "reason" in refused.json["errors"]

    amended = client.post(f"/api/v1/contacts/{contact_id}/amendments",
                          json={"changes": {"channel": "whatsapp"}, "reason": "Wrong channel"}, headers=headers)
    assert amended.status_code == 201
    history = client.get(f"/api/v1/contacts/{contact_id}/history", headers=headers).json["events"]
    assert [event["type"] for event in history] == ["Recorded", "Amended"]
    assert history[0]["data"]["channel"] == "phone"
    assert history[1]["data"] == {"changes": {"channel": "whatsapp"}, "reason": "Wrong channel"}
    assert client.get(f"/api/v1/contacts/{contact_id}", headers=headers).json["channel"] == "whatsapp"


def test_completing_fixes_the_duration_once(client, consultant):
    _, headers = consultant
    contact_id = client.post("/api/v1/contacts", json=a_call(), headers=headers).json["id"]
    ended = (NOW - timedelta(minutes=5)).isoformat()
    done = client.post(f"/api/v1/contacts/{contact_id}/completion", json={"ended_at": ended}, headers=headers)
    assert done.status_code == 200
    assert client.get(f"/api/v1/contacts/{contact_id}", headers=headers).json["duration_seconds"] == 15 * 60
    again = client.post(f"/api/v1/contacts/{contact_id}/completion", json={}, headers=headers)
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"


@pytest.mark.parametrize("role", ["admin"])
def test_roles_without_case_access_are_refused(client, make_user, role):
    _, headers = make_user(role)
    assert client.post("/api/v1/contacts", json=a_call(), headers=headers).status_code == 403


def test_no_token_is_401(client):
    response = client.post("/api/v1/contacts", json=a_call())
    assert response.status_code == 401
    assert response.json["status"] == 401
