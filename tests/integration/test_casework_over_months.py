"""A family's case from taking on to follow-up, through the API only, on SQLite and PostgreSQL:
taken on under an agreement, its needs assessed twice, a plan with a goal and an activity, reviewed
twice, discussed at a conference, a safety plan and safe contact for the mother, closed as
self-sufficient with per-child outcomes, followed up. The caseload and the case statistics see each
step, written by the real services (not raw events)."""
from datetime import date, timedelta

from domain import instruments
from domain.clock import local, utc_now

CASES = "/api/v1/cases"


def ok(response, status=(200, 201)):
    assert response.status_code in status, response.json
    return response.json


def later(days: int) -> str:
    return (local(utc_now()).date() + timedelta(days=days)).isoformat()


def needs_answers(care_loss: str) -> dict:
    """Every item answered no, except the care-loss items answered as given."""
    spec = instruments.get("family_needs")
    return {item["id"]: (care_loss if item["group"] == "care_loss" else "no") for item in spec["items"]}


def caseload_row(client, headers, case_id, position: int) -> dict | None:
    rows = ok(client.get("/api/v1/caseload", headers=headers, query_string={"min_position": position}))
    rows = rows["cases"] if isinstance(rows, dict) else rows
    return next((row for row in rows if row["case_id"] == case_id), None)


def test_a_family_goes_from_taking_on_to_follow_up_and_is_counted(client, consultant, supervisor, make_user):
    worker = consultant[1]
    case_id = ok(client.post(CASES, json={"summary": "Семья Н.", "persons": [
        {"role": "victim", "name": "Айгүл"}, {"role": "aggressor"}, {"role": "child"}, {"role": "child"}]},
        headers=worker))["id"]
    persons = ok(client.get(f"{CASES}/{case_id}", headers=worker))["persons"]
    mother = next(person["person_id"] for person in persons if person["role"] == "victim")
    children = [person["person_id"] for person in persons if person["role"] == "child"]

    ok(client.put(f"{CASES}/{case_id}/agreement", headers=worker, json={
        "service": "family_service", "source": "guardianship", "organisation": "Отдел опеки", "region": "almaty",
        "agreement_on": later(0), "term_months": 24}))
    for level in ("yes", "no"):
        ok(client.post("/api/v1/assessments", headers=worker, json={
            "instrument": "family_needs", "case_id": case_id, "answers": needs_answers(level)}))
    trend = ok(client.get(f"{CASES}/{case_id}/needs", headers=worker))
    levels = [entry["level"] for entry in (trend["assessments"] if isinstance(trend, dict) else trend)]
    assert levels[0] == "high" and levels[-1] == "low"

    goal = ok(client.post(f"{CASES}/{case_id}/plan/goals", headers=worker, json={
        "text": "Дети ходят в школу", "due_on": later(150), "person_id": children[0],
        "responsible": {"kind": "partner", "organisation": "Школа № 12"}}))["id"]
    written = ok(client.post(f"{CASES}/{case_id}/plan/goals/{goal}/activities", headers=worker, json={
        "text": "Встреча с учителем", "due_on": later(20), "responsible": {"kind": "partner", "organisation": "Школа"}}))
    activity = written["id"]
    row = caseload_row(client, worker, case_id, written["position"])
    assert row is not None, "the case of its owner is on the owner's caseload"

    ok(client.post(f"{CASES}/{case_id}/plan/activities/{activity}/done", headers=worker, json={}))
    for progress, next_review in (("progressing", 90), ("achieved", 150)):
        ok(client.post(f"{CASES}/{case_id}/reviews", headers=worker, json={
            "progress": [{"goal_id": goal, "progress": progress, "note": "посещает"}],
            "family_progress": "improved", "decisions": "продолжить", "next_review_on": later(next_review)}))
    reviews = ok(client.get(f"{CASES}/{case_id}/reviews", headers=worker))
    assert len(reviews["reviews"] if isinstance(reviews, dict) else reviews) == 2
    ok(client.post(f"{CASES}/{case_id}/plan/goals/{goal}/close", headers=worker, json={"status": "achieved"}))

    conference = ok(client.post("/api/v1/conferences", headers=supervisor[1], json={
        "kind": "multi_agency", "held_on": later(0), "agencies": ["Школа"], "case_ids": [case_id]}))["id"]
    ok(client.post(f"/api/v1/conferences/{conference}/discussions", headers=worker, json={
        "case_id": case_id, "decisions": "Закрыть по достижении целей"}))

    ok(client.post(f"{CASES}/{case_id}/safety-plans", headers=worker, json={
        "person_id": mother, "steps": ["safe_place", "code_word"], "agreed_on": later(0), "review_on": later(30)}))
    ok(client.put(f"{CASES}/{case_id}/persons/{mother}/safe-contact", headers=worker, json={
        "channels": ["whatsapp"], "times": "будни 10–12", "leave_message": "no"}))

    ok(client.post(f"{CASES}/{case_id}/closure", headers=worker, json={
        "reason_code": "self_sufficient", "child_outcomes": [
            {"person_id": children[0], "removal_prevented": "yes", "returned_home": "no", "wellbeing_improved": "yes"},
            {"person_id": children[1], "removal_prevented": "no", "returned_home": "no", "wellbeing_improved": "yes"}]}))
    review_after_closing = client.post(f"{CASES}/{case_id}/reviews", headers=worker, json={
        "family_progress": "stable", "decisions": "x", "next_review_on": later(30)})
    assert review_after_closing.status_code == 409 and review_after_closing.json["state"] == "closed"
    position = ok(client.post(f"{CASES}/{case_id}/follow-ups", headers=worker,
                              json={"due_months": 3, "finding": "doing_well"}))["position"]
    follow_ups = ok(client.get(f"{CASES}/{case_id}/follow-ups", headers=worker))
    assert [len(due["findings"]) for due in follow_ups["schedule"]] == [1, 0, 0]

    year_start = date(local(utc_now()).year, 1, 1).isoformat()
    stats = client.get("/api/v1/stats/cases", headers=supervisor[1],
                       query_string={"from": year_start, "to": later(0), "group_by": "source", "min_position": position})
    figures = ok(stats)["figures"]
    assert figures["closed_by_reason"] == {"self_sufficient": 1}
    assert figures["children_supported"] == 2
    assert (figures["removal_prevented"], figures["wellbeing_improved"]) == (1, 2)
    assert figures["reviews_done"] == 2
    assert [row["source"] for row in stats.json["rows"]] == ["guardianship"]
