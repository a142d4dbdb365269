"""Casework over months over HTTP, on SQLite and on PostgreSQL: the agreement and its extension,
safe contact and safety plans (hidden from and refused to psychologists for a victim or a child),
closing with a coded reason and per-child outcomes (and the old body), follow-ups before and after
closure, reopening from a follow-up, the contact's danger-panel steps starting the plan of its case,
and the erasure of a person making their safe-contact text and own steps unreadable."""
from datetime import date, datetime, timedelta, timezone

import pytest

URL = "/api/v1/cases"
PROBLEM = "application/problem+json"
TODAY = date.today().isoformat()


def post(client, path, body, headers, status=(200, 201)):
    response = client.post(path, json=body, headers=headers)
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.json
    return response


def put(client, path, body, headers, status=200):
    response = client.put(path, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response


@pytest.fixture
def family(client, consultant):
    """A case of the consultant with a victim, an aggressor and a child."""
    case_id = post(client, URL, {"summary": "Семья Н.", "persons": [
        {"role": "victim", "name": "Айгүл"}, {"role": "aggressor", "name": "Болат"}, {"role": "child"}]},
        consultant[1]).json["id"]
    persons = client.get(f"{URL}/{case_id}", headers=consultant[1]).json["persons"]
    return {"id": case_id, **{person["role"]: person["person_id"] for person in persons}}


@pytest.fixture
def psychologist_on_case(client, family, consultant, make_user):
    actor, headers = make_user("psychologist")
    post(client, f"{URL}/{family['id']}/workers", {"user_id": actor.user_id, "reason": "работа с агрессором"},
         consultant[1])
    return actor, headers


def test_a_family_is_taken_on_and_an_extension_is_the_agreement_that_counts(client, family, consultant):
    path = f"{URL}/{family['id']}/agreement"
    assert client.get(path, headers=consultant[1]).json["agreement"] is None
    written = put(client, path, {"service": "family_service", "source": "guardianship", "organisation": "Опека",
                                 "region": "almaty", "agreement_on": "2025-01-15", "term_months": 24}, consultant[1])
    assert int(written.headers["X-Senim-Position"]) == written.json["position"]
    put(client, path, {"service": "family_service", "source": "guardianship", "agreement_on": TODAY,
                       "term_months": 12}, consultant[1])
    body = client.get(path, headers=consultant[1]).json
    assert body["agreement"]["term_months"] == 12 and body["agreement"]["extension"] is True
    assert [entry["agreement_on"] for entry in body["agreements"]] == ["2025-01-15", TODAY]
    assert body["agreements"][0]["ends_on"] == "2027-01-15" and body["agreements"][0]["organisation"] == "Опека"


@pytest.mark.parametrize("body, field", [
    ({"source": "school", "agreement_on": "2025-01-15", "term_months": 12}, "service"),
    ({"service": "family_service", "source": "mars", "agreement_on": "2025-01-15", "term_months": 12}, "source"),
    ({"service": "family_service", "source": "school", "agreement_on": "2999-01-15", "term_months": 12}, "agreement_on"),
    ({"service": "family_service", "source": "school", "agreement_on": "2025-01-15", "term_months": 61}, "term_months"),
    ({"service": "family_service", "source": "school", "agreement_on": "15.01.2025", "term_months": 12}, "agreement_on"),
])
def test_a_bad_agreement_is_422_naming_the_field(client, family, consultant, body, field):
    refused = client.put(f"{URL}/{family['id']}/agreement", json=body, headers=consultant[1])
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    assert field in refused.json["errors"]


def test_safe_contact_is_set_and_read_and_hidden_from_the_psychologist(client, family, consultant, psychologist_on_case):
    path = f"{URL}/{family['id']}/persons/{family['victim']}/safe-contact"
    put(client, path, {"channels": ["whatsapp", "whatsapp"], "times": "будни 10–12", "leave_message": "no",
                       "if_someone_else_answers": "из поликлиники"}, consultant[1])
    shown = client.get(path, headers=consultant[1]).json
    assert shown["set"] is True and shown["channels"] == ["whatsapp"] and shown["times"] == "будни 10–12"
    psychologist = psychologist_on_case[1]
    hidden = client.get(path, headers=psychologist)
    assert hidden.status_code == 200 and hidden.json["hidden"] is True
    assert "будни" not in str(hidden.json) and "поликлиники" not in str(hidden.json)
    refused = client.put(path, json={"channels": ["phone"]}, headers=psychologist)
    assert refused.status_code == 403
    aggressor = f"{URL}/{family['id']}/persons/{family['aggressor']}/safe-contact"
    put(client, aggressor, {"channels": ["phone"], "leave_message": "yes"}, psychologist)
    assert client.get(aggressor, headers=psychologist).json["channels"] == ["phone"]


def test_safe_contact_of_an_unknown_person_or_channel(client, family, consultant):
    missing = client.get(f"{URL}/{family['id']}/persons/{family['id']}/safe-contact", headers=consultant[1])
    assert missing.status_code == 404
    refused = client.put(f"{URL}/{family['id']}/persons/{family['victim']}/safe-contact",
                         json={"channels": ["pigeon"], "leave_message": "maybe"}, headers=consultant[1])
    assert refused.status_code == 422 and {"channels.0", "leave_message"} <= set(refused.json["errors"])


def test_a_safety_plan_is_started_once_revised_with_a_reason_and_keeps_its_versions(client, family, consultant):
    plans = f"{URL}/{family['id']}/safety-plans"
    body = {"person_id": family["victim"], "steps": ["safe_place", "bag_ready"], "own_steps": ["Ключ у соседки"],
            "agreed_on": TODAY, "review_on": "2030-01-01"}
    post(client, plans, body, consultant[1], status=201)
    again = client.post(plans, json=body, headers=consultant[1])
    assert again.status_code == 409 and again.json["code"] == "safety_plan.exists"
    one = f"{plans}/{family['victim']}"
    no_reason = client.put(one, json={"steps": ["code_word"], "agreed_on": TODAY, "review_on": "2030-01-01"},
                           headers=consultant[1])
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    put(client, one, {"steps": ["code_word"], "agreed_on": TODAY, "review_on": "2030-02-01", "reason": "Новый шаг"},
        consultant[1])
    plan = client.get(one, headers=consultant[1]).json
    assert plan["steps"] == ["code_word"] and plan["own_steps"] == []
    assert [version["steps"] for version in plan["versions"]] == [["safe_place", "bag_ready"], ["code_word"]]
    assert plan["versions"][1]["reason"] == "Новый шаг"
    assert [entry["person_id"] for entry in client.get(plans, headers=consultant[1]).json["plans"]] == [family["victim"]]
    assert client.get(f"{plans}/{family['aggressor']}", headers=consultant[1]).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"steps": [], "own_steps": []}, "steps"),
    ({"steps": ["fly_away"]}, "steps.0"),
    ({"steps": ["safe_place"], "review_on": "2020-01-01"}, "review_on"),
    ({"steps": ["safe_place"], "agreed_on": "2999-01-01"}, "agreed_on"),
    ({"steps": ["safe_place"], "own_steps": ["  "]}, "own_steps.0"),
])
def test_a_bad_safety_plan_is_422_naming_the_field(client, family, consultant, body, field):
    full = {"person_id": family["victim"], "agreed_on": TODAY, "review_on": "2030-01-01", **body}
    refused = client.post(f"{URL}/{family['id']}/safety-plans", json=full, headers=consultant[1])
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"]


def test_a_psychologist_neither_sees_nor_writes_a_victims_or_childs_safety_plan(
        client, family, consultant, psychologist_on_case):
    plans = f"{URL}/{family['id']}/safety-plans"
    post(client, plans, {"person_id": family["victim"], "steps": ["safe_place"], "agreed_on": TODAY,
                         "review_on": "2030-01-01"}, consultant[1], status=201)
    psychologist = psychologist_on_case[1]
    assert client.get(plans, headers=psychologist).json["plans"] == []
    assert client.get(f"{plans}/{family['victim']}", headers=psychologist).status_code == 403
    for person in ("victim", "child"):
        refused = client.post(plans, json={"person_id": family[person], "steps": ["safe_place"], "agreed_on": TODAY,
                                           "review_on": "2030-01-01"}, headers=psychologist)
        assert refused.status_code == 403, refused.json
    post(client, plans, {"person_id": family["aggressor"], "steps": ["people_to_call"], "agreed_on": TODAY,
                         "review_on": "2030-01-01"}, psychologist, status=201)
    assert [plan["person_id"] for plan in client.get(plans, headers=psychologist).json["plans"]] == [family["aggressor"]]


def test_an_outsider_reaches_nothing_of_the_casework(client, family, make_user):
    _, outsider = make_user("consultant")
    for path in ("agreement", "safety-plans", "follow-ups", f"persons/{family['victim']}/safe-contact"):
        assert client.get(f"{URL}/{family['id']}/{path}", headers=outsider).status_code == 403


def test_closing_with_a_coded_reason_follow_ups_and_reopening_from_one(client, family, consultant):
    case = family["id"]
    early = client.post(f"{URL}/{case}/follow-ups", json={"due_months": 3, "finding": "doing_well"},
                        headers=consultant[1])
    assert early.status_code == 409 and early.json["state"] == "open"
    other = client.post(f"{URL}/{case}/closure", json={"reason_code": "other"}, headers=consultant[1])
    assert other.status_code == 422 and "reason" in other.json["errors"]
    not_child = client.post(f"{URL}/{case}/closure", json={
        "reason_code": "self_sufficient", "child_outcomes": [{"person_id": family["victim"]}]}, headers=consultant[1])
    assert not_child.status_code == 422 and "child_outcomes.0.person_id" in not_child.json["errors"]
    post(client, f"{URL}/{case}/closure", {
        "reason_code": "self_sufficient", "occurred_at": (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(),
        "child_outcomes": [{"person_id": family["child"], "removal_prevented": "yes", "wellbeing_improved": "yes"}]},
        consultant[1])
    again = client.post(f"{URL}/{case}/closure", json={"reason": "twice"}, headers=consultant[1])
    assert again.status_code == 409
    wrong_month = client.post(f"{URL}/{case}/follow-ups", json={"due_months": 4, "finding": "doing_well"},
                              headers=consultant[1])
    assert wrong_month.status_code == 422 and "due_months" in wrong_month.json["errors"]
    written = post(client, f"{URL}/{case}/follow-ups", {"due_months": 3, "finding": "needs_help_again",
                                                        "note": "Снова угрозы"}, consultant[1], status=201)
    follow_up_id = written.json["id"]
    body = client.get(f"{URL}/{case}/follow-ups", headers=consultant[1]).json
    assert body["closure"]["reason_code"] == "self_sufficient"
    assert body["closure"]["child_outcomes"] == [{"person_id": family["child"], "removal_prevented": "yes",
                                                  "returned_home": "unknown", "wellbeing_improved": "yes"}]
    assert [due["due_months"] for due in body["schedule"]] == [3, 6, 12]
    assert body["schedule"][0]["findings"][0]["note"] == "Снова угрозы"
    unknown = client.post(f"{URL}/{case}/reopening", json={"reason": "x", "from_follow_up": family["id"]},
                          headers=consultant[1])
    assert unknown.status_code == 422 and "from_follow_up" in unknown.json["errors"]
    post(client, f"{URL}/{case}/reopening", {"reason": "Повторное обращение", "from_follow_up": follow_up_id},
         consultant[1])
    state = client.get(f"{URL}/{case}", headers=consultant[1]).json
    assert [entry["status"] for entry in state["history"]] == ["open", "closed", "reopened"]
    assert state["history"][1]["reason_code"] == "self_sufficient"
    assert state["history"][2]["from_follow_up"] == follow_up_id
    after = client.get(f"{URL}/{case}/follow-ups", headers=consultant[1]).json
    assert after["status"] == "reopened" and len(after["follow_ups"]) == 1


def test_the_old_closing_body_still_closes_a_case_not_coded(client, family, consultant):
    post(client, f"{URL}/{family['id']}/closure", {"reason": "safe now"}, consultant[1])
    body = client.get(f"{URL}/{family['id']}/follow-ups", headers=consultant[1]).json
    assert body["closure"]["reason"] == "safe now" and body["closure"]["reason_code"] is None
    assert body["closure"]["child_outcomes"] is None
    blank = client.post(f"{URL}", json={}, headers=consultant[1]).json["id"]
    refused = client.post(f"{URL}/{blank}/closure", json={}, headers=consultant[1])
    assert refused.status_code == 422 and "reason" in refused.json["errors"]


def test_a_contacts_danger_panel_steps_start_the_plan_of_the_case_opened_from_it(client, consultant):
    contact = post(client, "/api/v1/contacts", {
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat(), "caller": {"role": "victim"},
        "safety_steps": ["safe_now", "code_word"]}, consultant[1], status=201).json["id"]
    assert client.get(f"/api/v1/contacts/{contact}", headers=consultant[1]).json["safety_steps"] == [
        "safe_now", "code_word"]
    case = post(client, URL, {"contact_id": contact}, consultant[1], status=201).json["id"]
    persons = client.get(f"{URL}/{case}", headers=consultant[1]).json["persons"]
    assert [person["role"] for person in persons] == ["victim"]
    plans = client.get(f"{URL}/{case}/safety-plans", headers=consultant[1]).json["plans"]
    assert [(plan["person_id"], plan["steps"], plan["contact_id"]) for plan in plans] == [
        (persons[0]["person_id"], ["safe_now", "code_word"], contact)]
    refused = client.post("/api/v1/contacts", json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": datetime.now(timezone.utc).isoformat(), "caller": {"role": "victim"},
        "safety_steps": ["teleport"]}, headers=consultant[1])
    assert refused.status_code == 422 and "safety_steps.0" in refused.json["errors"]


def test_a_call_with_danger_panel_steps_opens_its_case_with_the_callers_plan(client, consultant):
    call = post(client, "/api/v1/calls", {"contact": {
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat(),
        "caller": {"role": "victim", "name": "Айгүл"}, "safety_steps": ["can_leave"]}, "case": {}},
        consultant[1], status=201).json
    plans = client.get(f"{URL}/{call['case_id']}/safety-plans", headers=consultant[1]).json["plans"]
    assert [plan["steps"] for plan in plans] == [["can_leave"]] and plans[0]["label"] == "Victim 1"


def test_erasing_a_person_makes_their_safe_contact_text_and_own_steps_unreadable(client, family, consultant, supervisor):
    case = family["id"]
    put(client, f"{URL}/{case}/persons/{family['victim']}/safe-contact", {
        "channels": ["whatsapp"], "times": "будни 10–12", "if_someone_else_answers": "из поликлиники"}, consultant[1])
    post(client, f"{URL}/{case}/safety-plans", {"person_id": family["victim"], "steps": ["safe_place"],
                                                "own_steps": ["Ключ у соседки"], "agreed_on": TODAY,
                                                "review_on": "2030-01-01"}, consultant[1], status=201)
    post(client, f"/api/v1/persons/{family['victim']}/erasure", {"reason": "the law requires it"}, supervisor[1],
         status=201)
    shown = client.get(f"{URL}/{case}/persons/{family['victim']}/safe-contact", headers=consultant[1]).json
    assert shown["channels"] == ["whatsapp"] and shown["times"] is None and shown["if_someone_else_answers"] is None
    plan = client.get(f"{URL}/{case}/safety-plans/{family['victim']}", headers=consultant[1]).json
    assert plan["steps"] == ["safe_place"] and plan["own_steps"] == []
    history = client.get(f"{URL}/{case}/history", headers=supervisor[1]).json
    assert "будни" not in str(history) and "поликлиники" not in str(history)
    written_again = client.put(f"{URL}/{case}/persons/{family['victim']}/safe-contact",
                               json={"channels": ["phone"], "times": "утром"}, headers=consultant[1])
    assert written_again.status_code == 409 and written_again.json["code"] == "subject.erased"


def test_the_openapi_document_has_examples_for_the_casework_writes(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, method in ((f"{URL}/{{case_id}}/agreement", "put"), (f"{URL}/{{case_id}}/safety-plans", "post"),
                         (f"{URL}/{{case_id}}/follow-ups", "post"), (f"{URL}/{{case_id}}/closure", "post"),
                         (f"{URL}/{{case_id}}/persons/{{person_id}}/safe-contact", "put")):
        content = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert "example" in content or "examples" in content, (path, method)
