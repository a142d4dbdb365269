"""The case index, on SQLite and on PostgreSQL: victim_risk's escalation flag counts the case's
contacts (incidents) in the last 12 months; enrolment in the programme only on the latest
aggressor_status assessment of the case."""
from datetime import datetime, timedelta, timezone

import pytest

from domain import instruments

CONTACTS = "/api/v1/contacts"
ASSESSMENTS = "/api/v1/assessments"
PROGRAMME = "/api/v1/programme"
PROBLEM = "application/problem+json"


def answers(code: str, **given) -> dict:
    return {item["id"]: given.get(item["id"], "no") for item in instruments.get(code)["items"]}


@pytest.fixture
def new_case(client, consultant, psychologist):
    """Opens a case as the consultant and adds the psychologist to it: only people on a case may
    name it in what they record (linking is not a key)."""
    def open_one() -> str:
        opened = client.post("/api/v1/cases", json={}, headers=consultant[1])
        assert opened.status_code == 201, opened.json
        joined = client.post(f"/api/v1/cases/{opened.json['id']}/workers",
                             json={"user_id": psychologist[0].user_id, "reason": "assesses the case"},
                             headers=consultant[1])
        assert joined.status_code == 201, joined.json
        return opened.json["id"]
    return open_one


@pytest.fixture
def contact(client, consultant):
    """Records a contact of the case that started `days_ago` days ago; returns its id."""
    def record(case_id: str | None, days_ago: float = 1) -> str:
        started = datetime.now(timezone.utc) - timedelta(days=days_ago)
        body = {"service": "helpline", "channel": "phone", "started_at": started.isoformat(),
                "contact_type": "counselling", "caller": {"role": "victim"}, "case_id": case_id}
        created = client.post(CONTACTS, json=body, headers=consultant[1])
        assert created.status_code == 201, created.json
        return created.json["id"]
    return record


def victim_risk(client, headers, case_id: str) -> dict:
    created = client.post(ASSESSMENTS, json={"instrument": "victim_risk", "case_id": case_id,
                                             "answers": answers("victim_risk")}, headers=headers)
    assert created.status_code == 201, created.json
    return created.json


@pytest.mark.parametrize("contacts, escalation", [(3, True), (2, False)])
def test_escalation_counts_the_cases_contacts_in_twelve_months(client, psychologist, contact, new_case,
                                                               contacts, escalation):
    case_id = new_case()
    for days_ago in (1, 100, 300)[:contacts]:
        contact(case_id, days_ago)
    contact(new_case())  # another case
    contact(None)
    recorded = victim_risk(client, psychologist[1], case_id)
    assert (recorded["escalation"], recorded["incidents_in_window"]) == (escalation, contacts)
    stored = client.get(f"{ASSESSMENTS}/{recorded['id']}", headers=psychologist[1]).json["result"]
    assert (stored["escalation"], stored["incidents_in_window"]) == (escalation, contacts)


def test_a_contact_older_than_twelve_months_is_not_counted(client, psychologist, contact, new_case):
    case_id = new_case()
    for days_ago in (1, 30, 380):
        contact(case_id, days_ago)
    recorded = victim_risk(client, psychologist[1], case_id)
    assert (recorded["escalation"], recorded["incidents_in_window"]) == (False, 2)


def test_an_assessment_without_a_case_carries_no_flag(client, psychologist):
    created = client.post(ASSESSMENTS, json={"instrument": "victim_risk", "answers": answers("victim_risk")},
                          headers=psychologist[1])
    assert created.status_code == 201 and "escalation" not in created.json


def test_amending_a_contacts_case_moves_it(client, consultant, psychologist, contact, new_case):
    first, second = new_case(), new_case()
    moved = contact(first)
    contact(first)
    contact(second)
    contact(second)
    assert victim_risk(client, psychologist[1], second)["incidents_in_window"] == 2
    amended = client.post(f"{CONTACTS}/{moved}/amendments", json={
        "changes": {"case_id": second}, "reason": "Recorded under the wrong case."}, headers=consultant[1])
    assert amended.status_code in (200, 201), amended.json
    assert victim_risk(client, psychologist[1], first)["incidents_in_window"] == 1
    now_second = victim_risk(client, psychologist[1], second)
    assert (now_second["escalation"], now_second["incidents_in_window"]) == (True, 3)
    # A contact recorded without a case, then given one, counts from when it started.
    late = contact(None, days_ago=400)
    client.post(f"{CONTACTS}/{late}/amendments", json={"changes": {"case_id": first}, "reason": "Same case."},
                headers=consultant[1])
    assert victim_risk(client, psychologist[1], first)["incidents_in_window"] == 1
    client.post(f"{CONTACTS}/{late}/amendments", json={
        "changes": {"started_at": (datetime.now(timezone.utc) - timedelta(days=3)).isoformat()},
        "reason": "The date was a typo."}, headers=consultant[1])
    assert victim_risk(client, psychologist[1], first)["incidents_in_window"] == 2


def aggressor_status(client, headers, case_id: str, **given) -> str:
    created = client.post(ASSESSMENTS, json={
        "instrument": "aggressor_status", "case_id": case_id,
        "answers": answers("aggressor_status", physical_violence="yes", **given)}, headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_enrolment_only_on_the_latest_aggressor_status_assessment(client, psychologist, senim, new_case):
    case_id = new_case()
    older = aggressor_status(client, psychologist[1], case_id)
    newer = aggressor_status(client, psychologist[1], case_id, alcohol_dependence="yes")
    before = senim.store.head()
    refused = client.post(PROGRAMME, json={"assessment_id": older}, headers=psychologist[1])
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    [message] = refused.json["errors"]["assessment_id"]
    assert "newer" in message and newer in message
    assert senim.store.head() == before
    latest = aggressor_status(client, psychologist[1], case_id)
    enrolled = client.post(PROGRAMME, json={"assessment_id": latest}, headers=psychologist[1])
    assert enrolled.status_code == 201, enrolled.json
    # Another case's assessments do not count.
    other = aggressor_status(client, psychologist[1], new_case())
    assert client.post(PROGRAMME, json={"assessment_id": other}, headers=psychologist[1]).status_code == 201
