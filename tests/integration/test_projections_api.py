"""Journals, statistics and read-your-writes with the in-process runner, on SQLite and PostgreSQL."""
from datetime import datetime, timedelta, timezone

from tests.integration.test_contacts_api import a_call

THREE_HOURS_AGO = datetime.now(timezone.utc) - timedelta(hours=3)


def record(client, headers, **overrides) -> int:
    response = client.post("/api/v1/contacts", json=a_call(started_at=THREE_HOURS_AGO.isoformat(), **overrides),
                           headers=headers)
    assert response.status_code == 201, response.json
    return int(response.headers["X-Senim-Position"])


def test_journal_numbers_contacts_gap_free_in_recording_order(client, consultant, supervisor):
    _, mine = consultant
    for channel in ("phone", "whatsapp", "web_chat"):
        position = record(client, mine, channel=channel)
    journal = client.get(f"/api/v1/journals/helpline?min_position={position}", headers=supervisor[1])
    assert journal.status_code == 200, journal.json
    rows = journal.json["rows"]
    assert [row["registration_number"] for row in rows] == [1, 2, 3]
    assert [row["channel"] for row in rows] == ["phone", "whatsapp", "web_chat"]


def test_statistics_count_each_contact_once_after_an_amendment(client, consultant, supervisor):
    _, mine = consultant
    record(client, mine, channel="phone")
    created = client.post("/api/v1/contacts", json=a_call(started_at=THREE_HOURS_AGO.isoformat(), channel="phone"),
                          headers=mine)
    amended = client.post(f"/api/v1/contacts/{created.json['id']}/amendments",
                          json={"changes": {"channel": "whatsapp"}, "reason": "It was WhatsApp"}, headers=mine)
    position = amended.headers["X-Senim-Position"]
    stats = client.get(f"/api/v1/stats/contacts?group_by=channel&min_position={position}", headers=supervisor[1])
    assert stats.status_code == 200, stats.json
    assert stats.json["total"] == 2
    assert {row["channel"]: row["count"] for row in stats.json["rows"]} == {"phone": 1, "whatsapp": 1}


def test_a_position_never_written_is_refused_naming_min_position(client, supervisor):
    response = client.get("/api/v1/stats/contacts?min_position=999999", headers=supervisor[1])
    assert response.status_code == 422
    assert "min_position" in response.json["errors"]


def test_a_projection_still_behind_after_the_wait_is_a_clear_503(settings, senim, consultant, supervisor):
    from dataclasses import replace

    from intake import create_app

    client = create_app(replace(settings, read_your_writes_timeout=0.2), senim=senim).test_client()
    senim.trigger.stop()  # nothing builds projections now: the write below stays unprojected
    position = record(client, consultant[1])
    response = client.get(f"/api/v1/stats/contacts?min_position={position}", headers=supervisor[1])
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json["type"].endswith("projection-behind")


def test_projection_status_shows_no_lag_once_caught_up(client, consultant, supervisor):
    position = record(client, consultant[1])
    client.get(f"/api/v1/stats/contacts?min_position={position}", headers=supervisor[1])
    client.get(f"/api/v1/journals/helpline?min_position={position}", headers=supervisor[1])
    status = client.get("/api/v1/projections", headers=supervisor[1]).json
    assert status["journals"]["position"] >= position
    assert status["contact_stats"]["lag"] == 0 or status["contact_stats"]["position"] >= position


def test_a_read_waits_only_for_events_its_projection_handles(settings, senim, consultant, make_user):
    """A contact's position is already reflected by the referral queue: no referral came after it."""
    from dataclasses import replace

    from intake import create_app

    client = create_app(replace(settings, read_your_writes_timeout=0.5), senim=senim).test_client()
    senim.trigger.stop()  # nothing builds projections now
    position = record(client, consultant[1])
    _, psychologist = make_user("psychologist")
    queue = client.get(f"/api/v1/referral-queue?target=family_service&min_position={position}", headers=psychologist)
    assert queue.status_code == 200, queue.json
    journal = client.get(f"/api/v1/journals/helpline?min_position={position}", headers=consultant[1])
    assert journal.status_code == 503  # the journal does handle contacts, and nothing projected this one
