"""The referrals part of the contract, on SQLite and on PostgreSQL (the claim race on PostgreSQL)."""
import threading

import pytest

URL = "/api/v1/referrals"


def a_referral(**overrides) -> dict:
    body = {
        "source": "helpline", "target": "family_service", "urgency": "routine",
        "reason": "Ерін тоқтатуға көмек сұрайды. Муж просит помочь перестать бить.",
        "consent": {"services": True}, "subject_role": "aggressor",
    }
    body.update(overrides)
    return body


def make(client, headers, **overrides) -> dict:
    response = client.post(URL, json=a_referral(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    assert int(response.headers["X-Senim-Position"]) == response.json["position"]
    return response.json


def queue(client, headers, position, target="family_service"):
    response = client.get(f"/api/v1/referral-queue?target={target}&min_position={position}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["referrals"]


# Making and reading --------------------------------------------------------------------------

def test_a_referral_reads_back_with_its_status_history(client, consultant, psychologist):
    created = make(client, consultant[1], urgency="urgent")
    referral = client.get(f"{URL}/{created['id']}", headers=consultant[1])
    assert referral.status_code == 200, referral.json
    assert referral.json["status"] == "open"
    assert referral.json["urgency"] == "urgent"
    assert referral.json["consent"] == {"services": True, "override_reason": None}
    assert referral.json["made_by"]["username"] == consultant[0].username
    assert referral.json["claim_deadline"] > referral.json["made_at"]

    client.post(f"{URL}/{created['id']}/claim", headers=psychologist[1])
    history = client.get(f"{URL}/{created['id']}", headers=psychologist[1]).json["history"]
    assert [(change["status"], change["actor"]["role"]) for change in history] == [
        ("open", "consultant"), ("claimed", "psychologist")]


def test_consent_gate_refuses_a_referral_without_consent_naming_the_field(client, consultant):
    for consent in ({"services": False}, None):
        body = a_referral(consent=consent) if consent else {k: v for k, v in a_referral().items() if k != "consent"}
        response = client.post(URL, json=body, headers=consultant[1])
        assert response.status_code == 422, response.json
        assert "consent.services" in response.json["errors"]
    response = client.post(URL, json=a_referral(consent={"services": "yes"}), headers=consultant[1])
    assert response.status_code == 422
    assert "consent.services" in response.json["errors"]


def test_only_a_supervisor_may_override_a_refusal_of_consent(client, consultant, supervisor):
    override = {"services": False, "override_reason": "Immediate danger to the children."}
    refused = client.post(URL, json=a_referral(consent=override), headers=consultant[1])
    assert refused.status_code == 422
    assert "consent.override_reason" in refused.json["errors"]
    created = make(client, supervisor[1], consent=override)
    referral = client.get(f"{URL}/{created['id']}", headers=supervisor[1]).json
    assert referral["consent"] == {"services": False, "override_reason": "Immediate danger to the children."}


def test_bad_codes_are_refused_naming_the_field(client, consultant):
    response = client.post(URL, json=a_referral(target="moon", urgency="soon"), headers=consultant[1])
    assert response.status_code == 422
    assert {"target", "urgency"} <= set(response.json["errors"])


# Roles ---------------------------------------------------------------------------------------

def test_roles_401_without_a_token_403_for_the_wrong_role(client, consultant, make_user):
    _, admin = make_user("admin")
    assert client.post(URL, json=a_referral()).status_code == 401
    assert client.post(URL, json=a_referral(), headers=admin).status_code == 403
    created = make(client, consultant[1])
    assert client.get(f"{URL}/{created['id']}").status_code == 401
    assert client.get(f"{URL}/{created['id']}", headers=admin).status_code == 403
    assert client.post(f"{URL}/{created['id']}/claim", headers=consultant[1]).status_code == 403
    assert client.get("/api/v1/referral-queue?target=family_service").status_code == 401
    assert client.get("/api/v1/referral-queue?target=family_service", headers=consultant[1]).status_code == 403


def test_who_may_read_a_referral(client, consultant, psychologist, make_user):
    _, other_consultant = make_user("consultant")
    to_family = make(client, consultant[1])
    to_lawyers = make(client, consultant[1], target="legal_aid")
    assert client.get(f"{URL}/{to_family['id']}", headers=other_consultant).status_code == 403
    assert client.get(f"{URL}/{to_family['id']}", headers=psychologist[1]).status_code == 200
    assert client.get(f"{URL}/{to_lawyers['id']}", headers=psychologist[1]).status_code == 403
    assert client.get(f"{URL}/{to_lawyers['id']}", headers=consultant[1]).status_code == 200
    response = client.get("/api/v1/referral-queue?target=legal_aid", headers=psychologist[1])
    assert response.status_code == 403


def test_an_unknown_referral_is_404(client, supervisor):
    response = client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=supervisor[1])
    assert response.status_code == 404


# The state machine ---------------------------------------------------------------------------

def test_a_second_claim_by_someone_else_is_409_with_the_state(client, consultant, psychologist, make_user):
    _, other = make_user("psychologist")
    created = make(client, consultant[1])
    assert client.post(f"{URL}/{created['id']}/claim", headers=psychologist[1]).status_code == 200
    again = client.post(f"{URL}/{created['id']}/claim", headers=psychologist[1])
    assert again.status_code == 200  # a retry by the claimant records nothing
    lost = client.post(f"{URL}/{created['id']}/claim", headers=other)
    assert lost.status_code == 409
    assert lost.json["state"] == "claimed"
    assert psychologist[0].username in lost.json["detail"]
    history = client.get(f"{URL}/{created['id']}", headers=psychologist[1]).json["history"]
    assert [change["status"] for change in history] == ["open", "claimed"]


def test_illegal_transitions_are_409_with_the_current_state(client, consultant, psychologist):
    created = make(client, consultant[1])
    early = client.post(f"{URL}/{created['id']}/complete", json={"outcome": "referred_further"},
                        headers=psychologist[1])
    assert early.status_code == 409
    assert early.json["state"] == "open"

    cancelled = client.post(f"{URL}/{created['id']}/cancel", json={"reason": "She moved to Astana."},
                            headers=consultant[1])
    assert cancelled.status_code == 200, cancelled.json
    for action, body in (("claim", None), ("decline", {"reason": "Out of remit"}),
                         ("cancel", {"reason": "Again"}), ("complete", {"outcome": "not_reached"})):
        # A final state conflicts before anything else is checked (who acts, what was sent).
        response = client.post(f"{URL}/{created['id']}/{action}", json=body, headers=psychologist[1])
        assert response.status_code == 409, (action, response.json)
        assert response.json["state"] == "cancelled"


def test_claim_then_complete_or_decline_end_the_referral(client, consultant, psychologist):
    done = make(client, consultant[1])
    client.post(f"{URL}/{done['id']}/claim", headers=psychologist[1])
    needs_visit = client.post(f"{URL}/{done['id']}/complete", json={"outcome": "consultation_held"},
                              headers=psychologist[1])
    assert needs_visit.status_code == 422
    assert "outcome" in needs_visit.json["errors"]
    unknown = client.post(f"{URL}/{done['id']}/complete", json={"outcome": "fine"}, headers=psychologist[1])
    assert unknown.status_code == 422
    completed = client.post(f"{URL}/{done['id']}/complete", json={"outcome": "not_reached"},
                            headers=psychologist[1])
    assert completed.status_code == 200, completed.json
    referral = client.get(f"{URL}/{done['id']}", headers=psychologist[1]).json
    assert (referral["status"], referral["outcome"]) == ("completed", "not_reached")

    refused = make(client, consultant[1])
    blank = client.post(f"{URL}/{refused['id']}/decline", json={"reason": "  "}, headers=psychologist[1])
    assert blank.status_code == 422
    assert "reason" in blank.json["errors"]
    declined = client.post(f"{URL}/{refused['id']}/decline", json={"reason": "Outside our remit."},
                           headers=psychologist[1])
    assert declined.status_code == 200, declined.json
    referral = client.get(f"{URL}/{refused['id']}", headers=consultant[1]).json
    assert (referral["status"], referral["end_reason"]) == ("declined", "Outside our remit.")


def test_only_the_maker_claimant_or_a_supervisor_may_cancel(client, consultant, make_user):
    _, other_consultant = make_user("consultant")
    _, other_psychologist = make_user("psychologist")
    created = make(client, consultant[1])
    assert client.post(f"{URL}/{created['id']}/cancel", json={"reason": "No"},
                       headers=other_consultant).status_code == 403
    assert client.post(f"{URL}/{created['id']}/cancel", json={"reason": "No"},
                       headers=other_psychologist).status_code == 403


# The queue -----------------------------------------------------------------------------------

def test_the_queue_puts_the_most_urgent_and_oldest_first_with_time_left(client, consultant, psychologist,
                                                                        supervisor):
    first_routine = make(client, consultant[1], urgency="routine")
    urgent = make(client, consultant[1], urgency="urgent")
    emergency = make(client, consultant[1], urgency="emergency")
    second_routine = make(client, consultant[1], urgency="routine")
    elsewhere = make(client, consultant[1], target="legal_aid")
    rows = queue(client, psychologist[1], elsewhere["position"])
    assert [row["id"] for row in rows] == [emergency["id"], urgent["id"], first_routine["id"], second_routine["id"]]
    assert [row["urgency"] for row in rows] == ["emergency", "urgent", "routine", "routine"]
    assert 14 * 60 < rows[0]["seconds_left"] <= 15 * 60
    assert 4 * 3600 - 120 < rows[1]["seconds_left"] <= 4 * 3600
    assert rows[2]["seconds_left"] >= 3 * 24 * 3600 - 120
    assert not any(row["overdue"] for row in rows)
    assert [row["id"] for row in queue(client, supervisor[1], elsewhere["position"], "legal_aid")] == [elsewhere["id"]]


def test_claimed_declined_and_cancelled_referrals_leave_the_queue(client, consultant, psychologist):
    claimed, declined, cancelled, waiting = (make(client, consultant[1]) for _ in range(4))
    client.post(f"{URL}/{claimed['id']}/claim", headers=psychologist[1])
    client.post(f"{URL}/{declined['id']}/decline", json={"reason": "Outside our remit."}, headers=psychologist[1])
    last = client.post(f"{URL}/{cancelled['id']}/cancel", json={"reason": "Withdrawn."}, headers=consultant[1])
    assert last.status_code == 200, last.json
    assert [row["id"] for row in queue(client, psychologist[1], last.json["position"])] == [waiting["id"]]

    released = client.post(f"{URL}/{claimed['id']}/release", json={"reason": "On leave from tomorrow."},
                           headers=psychologist[1])
    assert released.status_code == 200, released.json
    rows = queue(client, psychologist[1], released.json["position"])
    assert [row["id"] for row in rows] == [claimed["id"], waiting["id"]]  # oldest first again


def test_the_queue_needs_a_known_target(client, psychologist):
    assert client.get("/api/v1/referral-queue", headers=psychologist[1]).status_code == 422
    assert client.get("/api/v1/referral-queue?target=moon", headers=psychologist[1]).status_code == 422


# The claim race ------------------------------------------------------------------------------

@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_exactly_one_of_eight_concurrent_claims_wins(app, client, consultant, make_user):
    created = make(client, consultant[1], urgency="emergency")
    psychologists = [make_user("psychologist") for _ in range(8)]
    start = threading.Barrier(len(psychologists))
    answers: list = [None] * len(psychologists)

    def claim(index: int, headers: dict) -> None:
        own_client = app.test_client()
        start.wait()
        response = own_client.post(f"{URL}/{created['id']}/claim", headers=headers)
        answers[index] = (response.status_code, response.json)

    threads = [threading.Thread(target=claim, args=(index, headers))
               for index, (_, headers) in enumerate(psychologists)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(code for code, _ in answers)
    assert codes == [200] + [409] * 7, answers
    assert all(body["state"] == "claimed" for code, body in answers if code == 409)

    winner = next(index for index, (code, _) in enumerate(answers) if code == 200)
    referral = client.get(f"{URL}/{created['id']}", headers=consultant[1]).json
    assert referral["claimant"]["username"] == psychologists[winner][0].username
    assert [change["status"] for change in referral["history"]] == ["open", "claimed"]
