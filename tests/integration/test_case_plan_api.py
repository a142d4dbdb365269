"""The development plan of a case, its reviews and the family's needs over HTTP, on SQLite and on
PostgreSQL: goals and activities revised and never overwritten, the plan as it stood at a past moment,
refused states (409, the state named) and bad input (422, the field named), who may read and write,
and the sweep's escalation of overdue reviews and activities, once each."""
import time
from datetime import date, datetime, timedelta, timezone

from domain import instruments
from domain.clock import local
from domain.plan import add_months

CASES = "/api/v1/cases"
ASSESSMENTS = "/api/v1/assessments"


def post(client, path, body, headers, status=201):
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def open_case(client, headers, persons=()) -> str:
    case_id = post(client, CASES, {"summary": "Семья Ахметовых", "persons": list(persons)}, headers)["id"]
    return case_id


def the_case(client, headers, case_id) -> dict:
    return client.get(f"{CASES}/{case_id}", headers=headers).json


def goal_body(**extra) -> dict:
    return {"text": "Ребёнок ежедневно посещает школу", "due_on": "2030-06-01",
            "responsible": {"kind": "partner", "organisation": "Школа № 12"}, **extra}


def plan_of(client, headers, case_id, **query) -> dict:
    response = client.get(f"{CASES}/{case_id}/plan", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_a_goal_is_set_revised_and_closed_with_its_activities_and_read_back(client, consultant):
    actor, headers = consultant
    case_id = open_case(client, headers, [{"role": "child"}])
    child = the_case(client, headers, case_id)["persons"][0]["person_id"]
    goal = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(person_id=child), headers)
    assert goal["case_id"] == case_id
    goal_id = goal["id"]
    staff = {"kind": "staff", "user_id": actor.user_id}
    activity_id = post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/activities",
                       {"text": "Встреча с учителем", "due_on": "2030-02-01", "responsible": staff}, headers)["id"]
    second = post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/activities",
                  {"text": "Кружок", "due_on": "2030-03-01", "responsible": staff}, headers)["id"]
    changed = client.patch(f"{CASES}/{case_id}/plan/goals/{goal_id}", json={"due_on": "2030-09-01", "reason": "Каникулы"},
                           headers=headers)
    assert changed.status_code == 200, changed.json
    post(client, f"{CASES}/{case_id}/plan/activities/{activity_id}/done", {}, headers, 200)
    post(client, f"{CASES}/{case_id}/plan/activities/{second}/drop", {"reason": "Нет мест"}, headers, 200)
    post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/close", {"status": "achieved"}, headers, 200)

    plan = plan_of(client, headers, case_id)
    [read] = plan["goals"]
    assert read["person_id"] == child and read["status"] == "achieved" and read["due_on"] == "2030-09-01"
    assert read["responsible"] == {"kind": "partner", "organisation": "Школа № 12"}
    assert read["changes"][0]["before"] == {"due_on": "2030-06-01"} and read["changes"][0]["reason"] == "Каникулы"
    assert [(a["text"], a["status"], a["reason"]) for a in read["activities"]] == [
        ("Встреча с учителем", "done", None), ("Кружок", "dropped", "Нет мест")]
    assert read["activities"][0]["responsible"]["username"] == actor.username


def test_the_plan_as_it_stood_before_a_revision(client, consultant):
    _, headers = consultant
    case_id = open_case(client, headers)
    goal_id = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(), headers)["id"]
    time.sleep(0.01)  # the two revisions must be recorded at different moments
    between = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    response = client.patch(f"{CASES}/{case_id}/plan/goals/{goal_id}",
                            json={"text": "Ребёнок посещает школу", "reason": "Уточнили"}, headers=headers)
    assert response.status_code == 200, response.json
    assert plan_of(client, headers, case_id)["goals"][0]["text"] == "Ребёнок посещает школу"
    then = plan_of(client, headers, case_id, as_of=between)
    assert then["goals"][0]["text"] == "Ребёнок ежедневно посещает школу" and then["goals"][0]["changes"] == []
    assert plan_of(client, headers, case_id, as_of="2001-01-01T00:00:00Z")["goals"] == []


def test_refused_states_are_409_with_the_state_named(client, consultant):
    _, headers = consultant
    case_id = open_case(client, headers)
    goal_id = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(), headers)["id"]
    activity = {"text": "Встреча", "due_on": "2030-02-01", "responsible": {"kind": "partner", "organisation": "ЦПМСС"}}
    activity_id = post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/activities", activity, headers)["id"]
    post(client, f"{CASES}/{case_id}/plan/activities/{activity_id}/done", {}, headers, 200)
    again = client.post(f"{CASES}/{case_id}/plan/activities/{activity_id}/done", json={}, headers=headers)
    assert again.status_code == 409 and again.json["state"] == "done" and again.json["code"] == "plan.activity_done"
    post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/close", {"status": "dropped", "reason": "Переехали"},
         headers, 200)
    under = client.post(f"{CASES}/{case_id}/plan/goals/{goal_id}/activities", json=activity, headers=headers)
    assert under.status_code == 409 and under.json["state"] == "dropped"
    post(client, f"{CASES}/{case_id}/closure", {"reason": "Семья справляется сама"}, headers, 200)
    for path, body in ((f"{CASES}/{case_id}/plan/goals", goal_body()),
                       (f"{CASES}/{case_id}/reviews", {"family_progress": "stable", "decisions": "Закрыть",
                                                       "next_review_on": "2030-01-01"})):
        closed = client.post(path, json=body, headers=headers)
        assert closed.status_code == 409 and closed.json["state"] == "closed", closed.json


def test_bad_input_is_422_naming_the_field(client, consultant):
    _, headers = consultant
    case_id = open_case(client, headers)
    goals = f"{CASES}/{case_id}/plan/goals"
    missing = client.post(goals, json={"text": "Цель", "responsible": {"kind": "partner", "organisation": "x"}},
                          headers=headers)
    assert missing.status_code == 422 and "due_on" in missing.json["errors"]
    partner = client.post(goals, json=goal_body(responsible={"kind": "partner"}), headers=headers)
    assert partner.status_code == 422 and "responsible.organisation" in partner.json["errors"], partner.json
    nobody = client.post(goals, json=goal_body(responsible={"kind": "staff", "user_id": "3f0c7a2e-8b1d-4c5e-9a6f-1d2e3f4a5b6c"}),
                         headers=headers)
    assert nobody.status_code == 422 and "responsible.user_id" in nobody.json["errors"]
    stranger = client.post(goals, json=goal_body(person_id="3f0c7a2e-8b1d-4c5e-9a6f-1d2e3f4a5b6c"), headers=headers)
    assert stranger.status_code == 422 and "person_id" in stranger.json["errors"]
    future = client.post(goals, json=goal_body(occurred_at="2999-01-01T00:00:00Z"), headers=headers)
    assert future.status_code == 422 and "occurred_at" in future.json["errors"]
    too_late = (date.today() + timedelta(days=400)).isoformat()
    review = client.post(f"{CASES}/{case_id}/reviews", json={
        "family_progress": "stable", "decisions": "Продолжить", "next_review_on": too_late}, headers=headers)
    assert review.status_code == 422 and review.json["codes"]["next_review_on"] == ["plan.next_review_too_late"]
    unknown = client.post(f"{CASES}/{case_id}/reviews", json={
        "family_progress": "splendid", "decisions": "x", "next_review_on": "2030-01-01"}, headers=headers)
    assert unknown.status_code == 422 and "family_progress" in unknown.json["errors"]
    assert client.post(f"{CASES}/{case_id}/plan/activities/not-an-id/done", json={}, headers=headers).status_code == 404


def test_reviews_move_the_next_review_date(client, consultant):
    _, headers = consultant
    case_id = open_case(client, headers)
    opened = local(datetime.fromisoformat(the_case(client, headers, case_id)["opened_at"])).date()
    reviews = client.get(f"{CASES}/{case_id}/reviews", headers=headers).json
    assert reviews["reviews"] == [] and reviews["next_review"] == {
        "due_on": add_months(opened, 6).isoformat(), "months": 6, "overdue": False}
    goal_id = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(), headers)["id"]
    next_on = (date.today() + timedelta(days=90)).isoformat()
    post(client, f"{CASES}/{case_id}/reviews", {
        "progress": [{"goal_id": goal_id, "progress": "progressing", "note": "Пропусков меньше"}],
        "family_progress": "improved", "decisions": "Продолжить", "next_review_on": next_on}, headers)
    reviews = client.get(f"{CASES}/{case_id}/reviews", headers=headers).json
    [review] = reviews["reviews"]
    assert review["progress"] == [{"goal_id": goal_id, "progress": "progressing", "note": "Пропусков меньше"}]
    assert review["family_progress"] == "improved" and reviews["next_review"]["due_on"] == next_on


def needs_answers(**given) -> dict:
    return {item["id"]: given.get(item["id"], "no") for item in instruments.get("family_needs")["items"]}


def test_needs_assessments_of_a_case_show_as_a_trend(client, consultant, psychologist):
    _, headers = consultant
    case_id = open_case(client, headers)
    without = client.post(ASSESSMENTS, json={"instrument": "family_needs", "answers": needs_answers()}, headers=headers)
    assert without.status_code == 422 and "case_id" in without.json["errors"]
    first = post(client, ASSESSMENTS, {"instrument": "family_needs", "case_id": case_id, "answers": needs_answers(
        child_health="yes", housing="yes", earlier_removal="yes", authorities_involved="yes", refuses_help="yes",
        no_other_carer="yes")}, headers)
    assert first["level"] == "high" and first["care_loss_risk"]["level"] == "high"
    assert first["sides"]["child_development"] == {"score": 1, "max_score": 5, "unknown_count": 0}
    post(client, ASSESSMENTS, {"instrument": "family_needs", "case_id": case_id,
                               "answers": needs_answers(housing="unknown")}, headers)
    trend = client.get(f"{CASES}/{case_id}/needs", headers=headers)
    assert trend.status_code == 200, trend.json
    assert [entry["level"] for entry in trend.json["assessments"]] == ["high", "low"]
    assert trend.json["assessments"][1]["sides"]["family_environment"]["unknown_count"] == 1
    _, outsider = psychologist
    assert client.get(f"{CASES}/{case_id}/needs", headers=outsider).status_code == 403


def test_only_those_who_see_the_case_read_or_write_its_plan(client, consultant, make_user, admin):
    _, headers = consultant
    case_id = open_case(client, headers)
    _, other = make_user("consultant")
    _, admin_headers = admin
    for who in (other, admin_headers):
        assert client.get(f"{CASES}/{case_id}/plan", headers=who).status_code == 403
        assert client.post(f"{CASES}/{case_id}/plan/goals", json=goal_body(), headers=who).status_code == 403
    _, boss = make_user("supervisor")
    post(client, f"{CASES}/{case_id}/plan/goals", goal_body(), boss)


def test_the_sweep_escalates_an_overdue_review_and_activity_once(client, consultant, senim):
    actor, headers = consultant
    case_id = open_case(client, headers)
    goal_id = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(), headers)["id"]
    activity_id = post(client, f"{CASES}/{case_id}/plan/goals/{goal_id}/activities", {
        "text": "Встреча", "due_on": date.today().isoformat(),
        "responsible": {"kind": "staff", "user_id": actor.user_id}}, headers)["id"]
    quiet = open_case(client, headers)
    post(client, f"{CASES}/{quiet}/closure", {"reason": "Ошибка"}, headers, 200)
    later = datetime.now(timezone.utc) + timedelta(days=200)
    escalated = senim.plans.escalate_overdue(later)
    mine = sorted((entry["item"], str(entry["item_id"])) for entry in escalated if str(entry["case_id"]) == case_id)
    assert mine == [("activity", activity_id), ("review", "None")]
    assert not any(str(entry["case_id"]) == quiet for entry in escalated)
    assert senim.plans.escalate_overdue(later) == []
    plan = plan_of(client, headers, case_id)
    assert sorted(entry["item"] for entry in plan["escalations"]) == ["activity", "review"]


def test_erasing_a_person_of_the_case_erases_the_plans_text_naming_her(client, consultant, supervisor, database_url):
    from tests.helpers.raw_store import RawStore
    _, headers = consultant
    case_id = open_case(client, headers, [{"role": "victim", "name": "Saule Plantextova"}])
    victim = the_case(client, headers, case_id)["persons"][0]["person_id"]
    goal_id = post(client, f"{CASES}/{case_id}/plan/goals", goal_body(
        text="Plantextova finds a safe flat", person_id=victim,
        responsible={"kind": "partner", "organisation": "Plantextova's sister"}), headers)["id"]
    post(client, f"{CASES}/{case_id}/reviews", {
        "progress": [{"goal_id": goal_id, "progress": "no_change", "note": "Plantextova still waits"}],
        "family_progress": "stable", "decisions": "Ask Plantextova again",
        "next_review_on": (date.today() + timedelta(days=30)).isoformat()}, headers)
    raw = RawStore(database_url)
    assert not any(b"Plantextova" in raw.plaintext(position) for position in raw.rows())
    assert plan_of(client, headers, case_id)["goals"][0]["text"] == "Plantextova finds a safe flat"
    post(client, f"/api/v1/persons/{victim}/erasure", {"reason": "She asked to be forgotten"}, supervisor[1])
    plan = plan_of(client, headers, case_id)
    assert plan["goals"][0]["text"] is None and plan["goals"][0]["responsible"]["organisation"] is None
    review = plan["reviews"][0]
    assert review["decisions"] is None and review["progress"][0]["note"] is None
    assert review["progress"][0]["progress"] == "no_change"  # the codes stay countable
