"""The assessments part of the contract, on SQLite and on PostgreSQL: the published instruments,
server-side scoring against reference cases, overrides, least privilege and history."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from domain import instruments

INSTRUMENTS = "/api/v1/instruments"
ASSESSMENTS = "/api/v1/assessments"
PROBLEM = "application/problem+json"
NOW = datetime.now(timezone.utc)


def item_ids(code: str) -> list[str]:
    return [item["id"] for item in instruments.get(code)["items"]]


def answers(code: str, yes: int = 0, unknown: int = 0) -> dict:
    """The first `yes` items yes, the next `unknown` unknown, the rest no."""
    return {item_id: "yes" if n < yes else "unknown" if n < yes + unknown else "no"
            for n, item_id in enumerate(item_ids(code))}


def aggressor(**given) -> dict:
    return {item_id: given.get(item_id, "no") for item_id in item_ids("aggressor_status")}


def assess(client, headers, instrument: str = "victim_risk", **body):
    body.setdefault("answers", answers(instrument, yes=11))
    return client.post(ASSESSMENTS, json={"instrument": instrument, **body}, headers=headers)


@pytest.fixture
def refused(senim):
    """Sends a request; checks the problem+json names the field and nothing was written."""
    def check(send, status: int = 422, field: str | None = None):
        before = senim.store.head()
        response = send()
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.content_type == PROBLEM
        assert response.json["status"] == status
        if field is not None:
            assert field in response.json["errors"], response.json
        assert senim.store.head() == before, "a refused request wrote to the event store"
        return response.json
    return check


@pytest.fixture
def medium_risk(client, psychologist):
    """A victim_risk assessment at `medium` (11 yes), made by the psychologist."""
    _, headers = psychologist
    created = assess(client, headers)
    assert created.status_code == 201, created.json
    assert created.json["level"] == "medium"
    return created.json["id"]


# -- the instruments --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["consultant", "psychologist", "supervisor", "admin"])
def test_every_staff_role_reads_the_instruments_as_published(client, make_user, role):
    _, headers = make_user(role)
    response = client.get(INSTRUMENTS, headers=headers)
    assert response.status_code == 200
    assert response.json == json.loads(json.dumps(instruments.all_instruments()))


def test_the_instruments_carry_wording_answers_scoring_and_contraindications(client, consultant):
    _, headers = consultant
    catalogue = {record["code"]: record for record in client.get(INSTRUMENTS, headers=headers).json}
    assert set(catalogue) >= {"victim_risk", "odara", "aggressor_status"}
    current = {code: record["versions"][-1] for code, record in catalogue.items()}
    assert [len(current[code]["items"]) for code in ("victim_risk", "odara")] == [24, 13]
    for version in current.values():
        assert version["scoring"]["method"] and version["scoring"]["levels"]
        for item in version["items"]:
            assert all(item[language].strip() for language in ("kk", "ru", "en"))
            assert item["answers"] == ["yes", "no", "unknown"]
    flagged = {item["id"] for item in current["aggressor_status"]["items"] if item.get("contraindication")}
    assert flagged == {"alcohol_dependence", "drug_dependence", "gambling_addiction", "acute_psychiatric_condition"}


def test_the_instruments_need_a_token(client):
    assert client.get(INSTRUMENTS).status_code == 401


# -- scoring reference cases, through the API ------------------------------------------------------

@pytest.mark.parametrize("yes, level", [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"),
                                        (14, "high"), (24, "high")])
def test_victim_risk_levels_at_their_boundaries(client, consultant, yes, level):
    _, headers = consultant
    created = assess(client, headers, answers=answers("victim_risk", yes=yes))
    assert created.status_code == 201, created.json
    assert int(created.headers["X-Senim-Position"]) == created.json["position"] > 0
    assert (created.json["score"], created.json["level"]) == (yes, level)
    assert (created.json["unknown_count"], created.json["complete"]) == (0, True)
    assert (created.json["instrument"], created.json["version"]) == ("victim_risk", "1")


@pytest.mark.parametrize("yes, rate", [(0, 0.05), (4, 0.41), (5, 0.59), (6, 0.59), (7, 0.70), (13, 0.70)])
def test_odara_scores_with_the_recidivism_rate_of_its_bin(client, psychologist, yes, rate):
    _, headers = psychologist
    created = assess(client, headers, "odara", answers=answers("odara", yes=yes))
    assert created.status_code == 201, created.json
    assert (created.json["score"], created.json["recidivism_rate"], created.json["complete"]) == (yes, rate, True)


@pytest.mark.parametrize("given, level", [
    ({}, "not_established"),
    ({"threats": "yes"}, "potential"),
    ({"threats": "yes", "physical_violence": "yes"}, "confirmed"),
])
def test_aggressor_status_reference_cases(client, psychologist, given, level):
    _, headers = psychologist
    created = assess(client, headers, "aggressor_status", answers=aggressor(**given))
    assert created.status_code == 201, created.json
    assert created.json["level"] == level
    assert (created.json["programme_eligible"], created.json["suggested_referral"]) == (True, None)


def test_a_contraindication_makes_the_aggressor_ineligible_and_suggests_health(client, psychologist):
    _, headers = psychologist
    created = assess(client, headers, "aggressor_status",
                     answers=aggressor(physical_violence="yes", gambling_addiction="yes"))
    assert created.status_code == 201, created.json
    assert created.json["level"] == "confirmed"
    assert created.json["programme_eligible"] is False
    assert created.json["suggested_referral"] == "health"
    assert created.json["contraindications"] == ["gambling_addiction"]


def test_an_unknown_contraindication_leaves_eligibility_open(client, psychologist):
    _, headers = psychologist
    created = assess(client, headers, "aggressor_status", answers=aggressor(drug_dependence="unknown"))
    assert created.json["programme_eligible"] is None
    assert created.json["unknown_contraindications"] == ["drug_dependence"]


def test_unknowns_never_count_as_no_and_mark_a_result_that_could_change(client, consultant):
    _, headers = consultant
    open_ended = assess(client, headers, answers=answers("victim_risk", yes=13, unknown=1)).json
    assert (open_ended["score"], open_ended["level"], open_ended["unknown_count"]) == (13, "medium", 1)
    assert open_ended["complete"] is False
    assert open_ended["highest_possible_level"] == "high"

    settled = assess(client, headers, answers=answers("victim_risk", yes=2, unknown=3)).json
    assert (settled["level"], settled["unknown_count"], settled["complete"]) == ("standard", 3, True)


def test_an_assessment_reads_back_with_its_answers_result_and_assessor(client, psychologist):
    actor, headers = psychologist
    contact = client.post("/api/v1/contacts", headers=headers, json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (NOW - timedelta(minutes=20)).isoformat(), "caller": {"role": "victim"}})
    assert contact.status_code == 201, contact.json
    case = client.post("/api/v1/cases", headers=headers, json={"summary": "The psychologist's own case."})
    assert case.status_code == 201, case.json
    case_id = case.json["id"]
    given = answers("victim_risk", yes=14)
    created = assess(client, headers, answers=given, contact_id=contact.json["id"], case_id=case_id)
    assert created.status_code == 201, created.json

    state = client.get(f"{ASSESSMENTS}/{created.json['id']}", headers=headers).json
    assert (state["instrument"], state["version"], state["subject_role"]) == ("victim_risk", "1", "victim")
    assert state["answers"] == given
    assert state["result"]["score"] == 14
    assert state["level"] == state["computed_level"] == "high"
    assert (state["contact_id"], state["case_id"]) == (contact.json["id"], case_id)
    assert state["assessed_by"] == {"user_id": actor.user_id, "username": actor.username, "role": "psychologist"}
    assert state["assessed_at"] and state["overrides"] == []


# -- bad input: named, nothing written ----------------------------------------------------------------

def with_answers(code: str, **changes) -> dict:
    given = answers(code)
    given.update(changes)
    return given


BAD_BODIES = {
    "no_instrument": ({"answers": answers("victim_risk")}, "instrument"),
    "unknown_instrument": ({"instrument": "danger", "answers": answers("victim_risk")}, "instrument"),
    "instrument_not_text": ({"instrument": 7, "answers": answers("victim_risk")}, "instrument"),
    "unknown_version": ({"instrument": "victim_risk", "version": "99", "answers": answers("victim_risk")}, "version"),
    "no_answers": ({"instrument": "victim_risk"}, "answers"),
    "answers_not_an_object": ({"instrument": "victim_risk", "answers": ["yes"] * 24}, "answers"),
    "answer_outside_the_set": ({"instrument": "victim_risk", "answers": with_answers("victim_risk", fear="maybe")},
                               "answers.fear"),
    "answer_not_text": ({"instrument": "odara", "answers": with_answers("odara", prior_custody=True)},
                        "answers.prior_custody"),
    "item_that_does_not_exist": ({"instrument": "odara", "answers": with_answers("odara", shoe_size="yes")},
                                 "answers.shoe_size"),
    "missing_item": ({"instrument": "odara",
                      "answers": {k: v for k, v in answers("odara").items() if k != "victim_concern"}},
                     "answers.victim_concern"),
    "wrong_subject": ({"instrument": "odara", "answers": answers("odara"), "subject_role": "victim"},
                      "subject_role"),
    "contact_that_does_not_exist": ({"instrument": "victim_risk", "answers": answers("victim_risk"),
                                     "contact_id": str(uuid.uuid4())}, "contact_id"),
    "case_id_not_an_id": ({"instrument": "victim_risk", "answers": answers("victim_risk"), "case_id": "12"},
                          "case_id"),
    "unknown_field": ({"instrument": "victim_risk", "answers": answers("victim_risk"), "level": "high"}, "level"),
}


@pytest.mark.parametrize("body, field", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(client, consultant, refused, body, field):
    _, headers = consultant
    refused(lambda: client.post(ASSESSMENTS, json=body, headers=headers), 422, field)


def test_every_bad_answer_is_named_at_once(client, consultant, refused):
    _, headers = consultant
    given = with_answers("victim_risk", fear="often", weapons="")
    del given["money"]
    problem = refused(lambda: assess(client, headers, answers=given), 422)
    assert set(problem["errors"]) == {"answers.fear", "answers.weapons", "answers.money"}


# -- overrides --------------------------------------------------------------------------------------

def test_the_assessor_raises_a_level_with_a_reason(client, psychologist, medium_risk):
    actor, headers = psychologist
    raised = client.post(f"{ASSESSMENTS}/{medium_risk}/override", headers=headers,
                         json={"level": "high", "reason": "Threats to the children since the call."})
    assert raised.status_code == 201, raised.json
    assert int(raised.headers["X-Senim-Position"]) == raised.json["position"]
    assert (raised.json["level"], raised.json["previous_level"]) == ("high", "medium")

    state = client.get(f"{ASSESSMENTS}/{medium_risk}", headers=headers).json
    assert (state["level"], state["computed_level"], state["result"]["level"]) == ("high", "medium", "medium")
    [override] = state["overrides"]
    assert override["reason"] == "Threats to the children since the call."
    assert (override["level"], override["previous_level"], override["by"]["username"]) == (
        "high", "medium", actor.username)
    assert override["at"]


def test_lowering_a_level_takes_a_supervisor(client, psychologist, supervisor, medium_risk, refused):
    _, headers = psychologist
    url = f"{ASSESSMENTS}/{medium_risk}/override"
    refused(lambda: client.post(url, json={"level": "standard", "reason": "Seems calmer."}, headers=headers),
            422, "level")

    _, supervisor_headers = supervisor
    lowered = client.post(url, json={"level": "standard", "reason": "Reviewed with the team."},
                          headers=supervisor_headers)
    assert lowered.status_code == 201, lowered.json
    assert lowered.json["level"] == "standard"
    assert client.get(f"{ASSESSMENTS}/{medium_risk}", headers=headers).json["level"] == "standard"


@pytest.mark.parametrize("body, field", [
    ({"level": "high"}, "reason"),
    ({"level": "high", "reason": "   "}, "reason"),
    ({"level": "extreme", "reason": "Gut feeling."}, "level"),
    ({"level": "medium", "reason": "Same again."}, "level"),
    ({"reason": "No level."}, "level"),
])
def test_a_bad_override_is_refused_naming_the_field(client, psychologist, medium_risk, refused, body, field):
    _, headers = psychologist
    refused(lambda: client.post(f"{ASSESSMENTS}/{medium_risk}/override", json=body, headers=headers), 422, field)


def test_only_the_assessor_or_a_supervisor_may_override(client, make_user, medium_risk, refused):
    _, colleague = make_user("psychologist")
    refused(lambda: client.post(f"{ASSESSMENTS}/{medium_risk}/override",
                                json={"level": "high", "reason": "I think so."}, headers=colleague), 403)


# -- who may read, history ---------------------------------------------------------------------------

def test_the_assessor_and_supervisors_read_an_assessment_others_do_not(client, make_user, psychologist,
                                                                        supervisor, medium_risk):
    url = f"{ASSESSMENTS}/{medium_risk}"
    assert client.get(url, headers=psychologist[1]).status_code == 200
    assert client.get(url, headers=supervisor[1]).status_code == 200
    for role in ("consultant", "psychologist", "admin"):
        _, headers = make_user(role)
        assert client.get(url, headers=headers).status_code == 403, role
        assert client.get(f"{url}/history", headers=headers).status_code == 403, role
    assert client.get(url).status_code == 401
    assert client.get(f"{url}/history").status_code == 401


def test_writing_needs_a_token_and_a_case_role(client, make_user, refused):
    body = {"instrument": "victim_risk", "answers": answers("victim_risk")}
    problem = refused(lambda: client.post(ASSESSMENTS, json=body), 401)
    assert problem["status"] == 401
    _, admin = make_user("admin")
    refused(lambda: client.post(ASSESSMENTS, json=body, headers=admin), 403)


def test_an_assessment_that_does_not_exist_is_404(client, supervisor, refused):
    _, headers = supervisor
    missing = f"{ASSESSMENTS}/{uuid.uuid4()}"
    refused(lambda: client.get(missing, headers=headers), 404)
    refused(lambda: client.post(f"{missing}/override", json={"level": "high", "reason": "x"}, headers=headers), 404)


def test_a_contact_id_is_not_an_assessment(client, consultant, refused):
    _, headers = consultant
    contact = client.post("/api/v1/contacts", headers=headers, json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (NOW - timedelta(minutes=5)).isoformat(), "caller": {"role": "victim"}})
    refused(lambda: client.get(f"{ASSESSMENTS}/{contact.json['id']}", headers=headers), 404)


def test_the_history_lists_every_event_oldest_first(client, psychologist, supervisor, medium_risk):
    actor, headers = psychologist
    client.post(f"{ASSESSMENTS}/{medium_risk}/override", json={"level": "high", "reason": "Escalating."},
                headers=headers)
    client.post(f"{ASSESSMENTS}/{medium_risk}/override", json={"level": "medium", "reason": "Reviewed."},
                headers=supervisor[1])

    history = client.get(f"{ASSESSMENTS}/{medium_risk}/history", headers=headers).json
    assert history["id"] == medium_risk
    events = history["events"]
    assert [event["type"] for event in events] == ["Recorded", "LevelOverridden", "LevelOverridden"]
    assert [event["version"] for event in events] == [1, 2, 3]
    assert events[0]["data"]["answers"] == answers("victim_risk", yes=11)
    assert events[0]["data"]["result"]["level"] == "medium"
    assert events[0]["actor"]["username"] == actor.username
    assert events[1]["data"] == {"level": "high", "previous_level": "medium", "reason": "Escalating."}
    assert events[2]["actor"]["role"] == "supervisor"
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)
