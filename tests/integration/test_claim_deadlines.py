"""Configured claim deadlines (SENIM_CLAIM_DEADLINES) reach the referral, the queue, the
escalation job and the escalations list; on SQLite and on PostgreSQL."""
import dataclasses
from datetime import datetime, timedelta

import pytest

from domain.schedule import WorkingDays
from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import parse_claim_deadlines

URL = "/api/v1/referrals"


def make_emergency(client, headers) -> dict:
    body = {"source": "helpline", "target": "family_service", "urgency": "emergency",
            "reason": "Көмек сұрайды. Просит помощи.", "consent": {"services": True}, "subject_role": "victim"}
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def queue_item(client, headers, referral_id: str, position: int) -> dict:
    queue = client.get(f"/api/v1/referral-queue?target=family_service&min_position={position}", headers=headers)
    assert queue.status_code == 200, queue.json
    return next(item for item in queue.json["referrals"] if item["id"] == referral_id)


@pytest.fixture
def one_minute(settings):
    """A second application on the same database, with emergency=1m configured."""
    configured = dataclasses.replace(settings, claim_deadlines=parse_claim_deadlines("emergency=1m"))
    services = bootstrap(configured)
    yield services, create_app(configured, senim=services).test_client()
    services.close()


def test_a_configured_deadline_is_used_by_the_queue_and_the_escalation_job(
        client, senim, consultant, supervisor, one_minute):
    configured, configured_client = one_minute
    referral = make_emergency(client, consultant[1])
    position = senim.store.head()
    read = configured_client.get(f"{URL}/{referral['id']}", headers=supervisor[1]).json
    made_at = datetime.fromisoformat(read["made_at"])
    assert datetime.fromisoformat(read["claim_deadline"]) == made_at + timedelta(minutes=1)

    item = queue_item(configured_client, supervisor[1], referral["id"], position)
    assert datetime.fromisoformat(item["deadline"]) == made_at + timedelta(minutes=1)
    assert 0 < item["seconds_left"] <= 60
    default_item = queue_item(client, supervisor[1], referral["id"], position)
    assert datetime.fromisoformat(default_item["deadline"]) == made_at + timedelta(minutes=15)

    two_minutes_later = made_at + timedelta(minutes=2)
    configured.projections.catch_up("referral_queue")
    assert senim.escalation.escalate_overdue(two_minutes_later) == []  # 15 minutes by default: still in time
    assert configured.escalation.escalate_overdue(two_minutes_later) == [referral["id"]]

    position = senim.store.head()
    listed = configured_client.get(f"/api/v1/escalations?min_position={position}", headers=supervisor[1]).json
    assert [(e["id"], e["deadline"]) for e in listed["escalations"]] == [(referral["id"], item["deadline"])]
    assert queue_item(configured_client, supervisor[1], referral["id"], position)["escalated"] is True


def test_a_changed_configuration_applies_to_referrals_already_waiting(client, senim, consultant, one_minute):
    configured, _ = one_minute
    referral = make_emergency(client, consultant[1])
    senim.projections.catch_up("referral_queue")
    made_at = datetime.fromisoformat(client.get(f"{URL}/{referral['id']}", headers=consultant[1]).json["made_at"])
    # Made under the default (15 minutes); escalated after one minute once emergency=1m is configured.
    assert senim.escalation.escalate_overdue(made_at + timedelta(minutes=14)) == []
    assert configured.escalation.escalate_overdue(made_at + timedelta(seconds=61)) == [referral["id"]]


def test_a_deadline_in_working_days_is_checked_exactly(client, senim, consultant, settings):
    configured = dataclasses.replace(settings, claim_deadlines=parse_claim_deadlines("routine=1wd"))
    services = bootstrap(configured)
    try:
        body = {"source": "helpline", "target": "family_service", "urgency": "routine",
                "reason": "Көмек сұрайды. Просит помощи.", "consent": {"services": True}, "subject_role": "victim"}
        referral = client.post(URL, json=body, headers=consultant[1]).json
        made_at = datetime.fromisoformat(client.get(f"{URL}/{referral['id']}", headers=consultant[1]).json["made_at"])
        services.projections.catch_up("referral_queue")
        deadline = WorkingDays(1).after(made_at)
        assert services.escalation.escalate_overdue(deadline - timedelta(seconds=1)) == []
        assert services.escalation.escalate_overdue(deadline + timedelta(seconds=1)) == [referral["id"]]
    finally:
        services.close()
