"""Referral statistics (a projection, counted under each referral's current status) and the periodic
escalation of referrals that missed their claim deadline; on SQLite and on PostgreSQL."""
from datetime import datetime, timedelta, timezone

import pytest

from domain.actor import Actor
from domain.clock import local, utc_now
from domain.referral import Referral
from intake.services.escalation import ESCALATION_ACTOR

URL = "/api/v1/referrals"
STATS = "/api/v1/stats/referrals"


def a_referral(**overrides) -> dict:
    body = {"source": "helpline", "target": "family_service", "urgency": "routine",
            "reason": "Көмек сұрайды. Просит помощи.", "consent": {"services": True}, "subject_role": "aggressor"}
    body.update(overrides)
    return body


def make(client, headers, **overrides) -> dict:
    response = client.post(URL, json=a_referral(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def stats(client, headers, position, group_by, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"group_by": group_by, "min_position": position, **params}.items())
    response = client.get(f"{STATS}?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def counts(result: dict, *dims) -> dict:
    return {tuple(row[d] for d in dims): row["count"] for row in result["rows"]}


# Statistics --------------------------------------------------------------------------------------

@pytest.fixture
def referrals(client, consultant, supervisor, psychologist):
    """Six referrals; two claimed, one of them then cancelled, one open cancelled."""
    made = [
        make(client, consultant[1], source="helpline", target="family_service", urgency="routine"),
        make(client, consultant[1], source="helpline", target="family_service", urgency="urgent"),
        make(client, consultant[1], source="police", target="family_service", urgency="emergency"),
        make(client, consultant[1], source="police", target="crisis_centre", urgency="routine",
             subject_role="victim"),
        make(client, consultant[1], source="crisis_centre", target="family_service", urgency="routine"),
        make(client, consultant[1], source="helpline", target="crisis_centre", urgency="urgent",
             subject_role="victim"),
    ]
    for referral in made[:2]:
        assert client.post(f"{URL}/{referral['id']}/claim", headers=psychologist[1]).status_code == 200
    cancelled = client.post(f"{URL}/{made[1]['id']}/cancel", json={"reason": "The person moved away."},
                            headers=supervisor[1])
    assert cancelled.status_code == 200, cancelled.json
    cancelled = client.post(f"{URL}/{made[3]['id']}/cancel", json={"reason": "Made by mistake."},
                            headers=supervisor[1])
    assert cancelled.status_code == 200, cancelled.json
    return made, cancelled.json["position"]


def test_referral_statistics_by_each_dimension(client, supervisor, referrals):
    _, position = referrals
    by_source = stats(client, supervisor[1], position, "source")
    assert by_source["total"] == 6
    assert counts(by_source, "source") == {("helpline",): 3, ("police",): 2, ("crisis_centre",): 1}
    assert [row["count"] for row in by_source["rows"]] == [3, 2, 1]  # largest first
    assert counts(stats(client, supervisor[1], position, "target"), "target") == {
        ("family_service",): 4, ("crisis_centre",): 2}
    assert counts(stats(client, supervisor[1], position, "urgency"), "urgency") == {
        ("routine",): 3, ("urgent",): 2, ("emergency",): 1}
    assert counts(stats(client, supervisor[1], position, "subject_role"), "subject_role") == {
        ("aggressor",): 4, ("victim",): 2}
    month = local(utc_now()).strftime("%Y-%m")
    assert counts(stats(client, supervisor[1], position, "month"), "month") == {(month,): 6}
    # Claimed, then cancelled: counted once, under its current status; no double counting.
    by_status = stats(client, supervisor[1], position, "status")
    assert counts(by_status, "status") == {("open",): 3, ("claimed",): 1, ("cancelled",): 2}
    assert sum(row["count"] for row in by_status["rows"]) == by_status["total"] == 6
    assert stats(client, supervisor[1], position, "")["rows"] == [{"count": 6}]


def test_referral_statistics_by_a_pair_and_a_triple(client, supervisor, referrals):
    _, position = referrals
    pair = stats(client, supervisor[1], position, "source,target")
    assert counts(pair, "source", "target") == {
        ("helpline", "family_service"): 2, ("police", "family_service"): 1, ("police", "crisis_centre"): 1,
        ("crisis_centre", "family_service"): 1, ("helpline", "crisis_centre"): 1}
    assert pair["rows"][0] == {"source": "helpline", "target": "family_service", "count": 2}
    triple = stats(client, supervisor[1], position, "subject_role,source,status")
    assert counts(triple, "subject_role", "source", "status")[("aggressor", "helpline", "cancelled")] == 1
    assert sum(row["count"] for row in triple["rows"]) == 6


def test_statuses_move_as_referrals_are_claimed_released_and_completed(client, supervisor, psychologist,
                                                                       referrals):
    made, _ = referrals
    client.post(f"{URL}/{made[4]['id']}/claim", headers=psychologist[1])
    released = client.post(f"{URL}/{made[4]['id']}/release", json={"reason": "On leave from Monday."},
                           headers=psychologist[1])
    assert released.status_code == 200, released.json
    client.post(f"{URL}/{made[2]['id']}/claim", headers=psychologist[1])
    declined = client.post(f"{URL}/{made[0]['id']}/decline", json={"reason": "Outside our remit."},
                           headers=psychologist[1])
    assert declined.status_code == 200, declined.json
    by_status = stats(client, supervisor[1], declined.json["position"], "status")
    assert counts(by_status, "status") == {("open",): 2, ("claimed",): 1, ("declined",): 1, ("cancelled",): 2}
    assert by_status["total"] == 6


def test_the_range_is_on_the_local_day_a_referral_was_made(client, senim, supervisor, consultant):
    # Made at 20:30 UTC on 31 January: 1 February in Kazakhstan (UTC+5).
    made_at = datetime(2025, 1, 31, 20, 30, tzinfo=timezone.utc)
    referral = Referral.make(actor=consultant[0], now=made_at, **a_referral())
    position = senim.store.commit(referral)
    older = Referral.make(actor=consultant[0], now=made_at - timedelta(days=40), **a_referral(source="police"))
    senim.store.commit(older)
    february = stats(client, supervisor[1], position, "month,source", **{"from": "2025-02-01", "to": "2025-02-28"})
    assert february == {"total": 1, "rows": [{"month": "2025-02", "source": "helpline", "count": 1}]}
    both = stats(client, supervisor[1], position, "month", **{"from": "2024-12-01", "to": "2025-02-28"})
    assert counts(both, "month") == {("2024-12",): 1, ("2025-02",): 1}


def test_referral_statistics_refuse_unknown_dimensions_and_other_roles(client, consultant, psychologist,
                                                                     supervisor):
    for group_by in ("planet", "source,planet", "source,target,status,urgency", "source,source"):
        response = client.get(f"{STATS}?group_by={group_by}", headers=supervisor[1])
        assert response.status_code == 422, (group_by, response.json)
        assert any(field.startswith("group_by") for field in response.json["errors"]), response.json
    for role in (consultant, psychologist):
        assert client.get(f"{STATS}?group_by=source", headers=role[1]).status_code == 403


# Escalation --------------------------------------------------------------------------------------

def escalation_events(senim, referral_id: str) -> list:
    from uuid import UUID
    return [event for event in senim.store.events.get(UUID(referral_id))
            if isinstance(event, Referral.Escalated)]


def caught_up(senim) -> None:
    senim.projections.catch_up("referral_queue")


def test_an_overdue_emergency_is_escalated_once_and_a_routine_referral_in_time_is_not(
        client, senim, consultant, supervisor):
    emergency = make(client, consultant[1], urgency="emergency")
    routine = make(client, consultant[1], urgency="routine")
    caught_up(senim)
    later = utc_now() + timedelta(minutes=20)
    assert senim.escalation.escalate_overdue(later) == [emergency["id"]]
    assert senim.escalation.escalate_overdue(later + timedelta(minutes=1)) == []  # the queue had not caught up yet
    caught_up(senim)
    assert senim.escalation.escalate_overdue(later + timedelta(minutes=2)) == []
    assert len(escalation_events(senim, emergency["id"])) == 1
    assert escalation_events(senim, routine["id"]) == []

    referral = client.get(f"{URL}/{emergency['id']}", headers=supervisor[1]).json
    assert [(e["deadline"], e["actor"]["username"]) for e in referral["escalations"]] == [("claim", "escalation")]
    head = senim.store.head()
    listed = client.get(f"/api/v1/escalations?min_position={head}", headers=supervisor[1])
    assert listed.status_code == 200, listed.json
    assert [(e["id"], e["urgency"]) for e in listed.json["escalations"]] == [(emergency["id"], "emergency")]
    assert listed.json["escalations"][0]["seconds_overdue"] < 0  # `later` is still in the future
    queue = client.get(f"/api/v1/referral-queue?target=family_service&min_position={head}", headers=supervisor[1])
    flags = {item["id"]: item["escalated"] for item in queue.json["referrals"]}
    assert flags == {emergency["id"]: True, routine["id"]: False}


def test_a_claimed_referral_is_neither_escalated_nor_listed(client, senim, consultant, supervisor):
    emergency = make(client, consultant[1], urgency="emergency")
    caught_up(senim)
    later = utc_now() + timedelta(minutes=20)
    assert senim.escalation.escalate_overdue(later) == [emergency["id"]]
    claimed = client.post(f"{URL}/{emergency['id']}/claim", headers=supervisor[1])
    assert claimed.status_code == 200
    listed = client.get(f"/api/v1/escalations?min_position={claimed.json['position']}", headers=supervisor[1])
    assert listed.json["escalations"] == []
    another = make(client, consultant[1], urgency="emergency")
    client.post(f"{URL}/{another['id']}/claim", headers=supervisor[1])
    caught_up(senim)
    assert senim.escalation.escalate_overdue(later) == []


def test_a_lost_escalation_race_is_swallowed(client, senim, consultant, monkeypatch, caplog):
    emergency = make(client, consultant[1], urgency="emergency")
    caught_up(senim)
    later = utc_now() + timedelta(minutes=20)
    real_commit = senim.store.commit

    def commit_after_a_rival(*aggregates):
        # Another worker escalates the same referral between our load and our save.
        monkeypatch.setattr(senim.store, "commit", real_commit)
        rival = senim.store.load(aggregates[0].id, Referral, "referral")
        assert rival.escalate(actor=Actor.system("escalation"), now=later)
        real_commit(rival)
        return real_commit(*aggregates)

    monkeypatch.setattr(senim.store, "commit", commit_after_a_rival)
    with caplog.at_level("DEBUG", logger="intake.services.escalation"):
        assert senim.escalation.escalate_overdue(later) == []
    assert "lost a race" in caplog.text
    assert len(escalation_events(senim, emergency["id"])) == 1
    assert ESCALATION_ACTOR.username == "escalation"


def test_escalations_are_for_supervisors(client, consultant, make_user):
    for role in (consultant, make_user("psychologist"), make_user("admin")):
        assert client.get("/api/v1/escalations", headers=role[1]).status_code == 403


def test_both_runners_escalate_on_their_sweeps(senim):
    from workers.main import sweep_forever
    assert senim.escalation.sweep in senim.trigger.periodic

    import threading
    stop, swept, ran = threading.Event(), [], []

    class Trigger:
        def sweep(self):
            swept.append(1)

    def job():
        ran.append(1)
        stop.set()
    sweep_forever(Trigger(), stop, 0.01, (job,))
    assert swept == ran == [1]
