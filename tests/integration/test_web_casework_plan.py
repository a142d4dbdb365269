"""The case page's needs, plan and reviews sections through Flask's test client, in Russian: setting,
changing and closing goals, activities done and dropped, a review, the plan as it stood, refused
forms coming back with their messages (422, 409), and who may open them."""
from datetime import date, timedelta
from uuid import UUID

from domain import instruments
from tests.helpers.web import ERROR, csrf_token, pages_in, signed_in_as

russian = pages_in("ru")


def case_of(senim, actor) -> UUID:
    return senim.cases.open({"summary": "Семья Ахметовых", "persons": [{"role": "child"}]}, actor=actor).id


def page_of(case_id: UUID) -> str:
    return f"/casework/cases/{case_id}"


def post(client, case_id: UUID, path: str, data: dict):
    token = csrf_token(client, page_of(case_id))
    return client.post(f"{page_of(case_id)}{path}", data={**data, "csrf_token": token})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_worker_sets_a_goal_adds_and_completes_activities_and_reviews(client, senim, make_user):
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    page = client.get(page_of(case_id))
    assert page.status_code == 200
    body = text(page)
    assert "Оценка потребностей" in body and "План развития" in body and "Пересмотры" in body
    assert "instrument=family_needs" in body

    child = next(iter(senim.cases.get(case_id, actor=worker).persons))
    saved = post(client, case_id, "/plan/goals", {
        "goal-text": "Ребёнок ежедневно посещает школу", "goal-person": str(child), "goal-due_on": "2030-06-01",
        "goal-responsible": worker.user_id, "goal-organisation": ""})
    assert saved.status_code == 302, text(saved)
    plan = senim.plans.get(case_id, actor=worker).plan
    [goal_id] = plan.goals
    key = goal_id.hex[:12]
    added = post(client, case_id, f"/plan/goals/{goal_id}/activities", {
        f"g{key}-activity-text": "Встреча с учителем", f"g{key}-activity-due_on": "2030-02-01",
        f"g{key}-activity-responsible": "partner", f"g{key}-activity-organisation": "Школа № 12"})
    assert added.status_code == 302, text(added)
    [activity_id] = senim.plans.get(case_id, actor=worker).plan.activities
    done = post(client, case_id, f"/plan/activities/{activity_id}/done", {})
    assert done.status_code == 302
    again = post(client, case_id, f"/plan/activities/{activity_id}/done", {})
    assert again.status_code == 200 or again.status_code == 409
    assert "уже выполнено" in text(again)

    held = date.today().isoformat()
    next_on = (date.today() + timedelta(days=90)).isoformat()
    reviewed = post(client, case_id, "/reviews", {
        "review-held_on": held, f"progress-{goal_id}": "progressing", f"note-{goal_id}": "Пропусков меньше",
        "review-family_progress": "improved", "review-decisions": "Продолжить", "review-next_review_on": next_on})
    assert reviewed.status_code == 302, text(reviewed)
    body = text(client.get(page_of(case_id)))
    assert "Ребёнок ежедневно посещает школу" in body and "Встреча с учителем" in body
    assert "Есть продвижение" in body and "Пропусков меньше" in body and "Улучшилось" in body


def test_a_refused_form_comes_back_with_its_messages_and_what_was_typed(client, senim, make_user):
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    head = senim.store.head()
    refused = post(client, case_id, "/plan/goals", {
        "goal-text": "Жильё", "goal-person": "", "goal-due_on": "", "goal-responsible": "partner",
        "goal-organisation": ""})
    assert refused.status_code == 422
    body = text(refused)
    assert "Жильё" in body and 'class="error-summary"' in body
    assert {field for field, _ in ERROR.findall(body)} >= {"goal-due_on"}
    future = post(client, case_id, "/reviews", {
        "review-held_on": date.today().isoformat(), "review-family_progress": "stable", "review-decisions": "Продолжить",
        "review-next_review_on": (date.today() + timedelta(days=400)).isoformat()})
    assert future.status_code == 422
    assert "review-next_review_on" in {field for field, _ in ERROR.findall(text(future))}
    assert senim.store.head() == head


def test_a_dropped_goal_takes_no_activity_and_the_plan_shows_as_it_stood(client, senim, make_user):
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    goal = senim.plans.set_goal(case_id, {"text": "Первая цель", "due_on": "2030-01-01",
                                          "responsible": {"kind": "partner", "organisation": "НКО"}}, actor=worker)
    key = goal.part_id.hex[:12]
    closed = post(client, case_id, f"/plan/goals/{goal.part_id}/close", {
        f"g{key}-close-status": "dropped", f"g{key}-close-reason": "Семья отказалась"})
    assert closed.status_code == 302, text(closed)
    late = post(client, case_id, f"/plan/goals/{goal.part_id}/activities", {
        f"g{key}-activity-text": "x", f"g{key}-activity-due_on": "2030-01-01",
        f"g{key}-activity-responsible": worker.user_id})
    assert late.status_code == 409 and "Цель отменена" in text(late)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    before = text(client.get(page_of(case_id), query_string={"plan_as_of": yesterday}))
    assert "Первая цель" not in before and "Целей пока нет" in before


def test_only_the_cases_workers_open_its_plan(client, senim, make_user):
    owner, _ = make_user("consultant")
    case_id = case_of(senim, owner)
    signed_in_as(make_user, client, "consultant")
    assert client.get(page_of(case_id)).status_code == 403
    assert post(client, case_id, "/plan/goals", {"goal-text": "x"}).status_code in (400, 403)


def test_a_needs_assessment_from_the_case_page_shows_in_its_trend(client, senim, make_user):
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    answers = {f"answer-{item['id']}": "no" for item in instruments.get("family_needs")["items"]}
    answers["answer-earlier_removal"] = answers["answer-authorities_involved"] = "yes"
    path = f"/assessments/new?instrument=family_needs&case={case_id}"
    form = client.get(path)
    assert form.status_code == 200 and "Развитие ребёнка" in text(form)
    recorded = client.post(path, data={**answers, "csrf_token": csrf_token(client, path)})
    assert recorded.status_code == 302, text(recorded)
    body = text(client.get(page_of(case_id)))
    assert "Риск утраты ребёнком родительского попечения" in body and "средний" in body


def test_the_sections_speak_kazakh_to_a_kazakh_speaker(client, senim, make_user):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    senim.plans.set_goal(case_id, {"text": "Баспана табу", "due_on": "2030-01-01",
                                   "responsible": {"kind": "staff", "user_id": worker.user_id}}, actor=worker)
    body = text(client.get(page_of(case_id)))
    assert "Даму жоспары" in body and "Қайта қараулар" in body and "Қажеттіліктерді бағалау" in body
    assert "Баспана табу" in body and "жұмыста" in body


def test_a_closed_case_shows_its_plan_without_forms(client, senim, make_user):
    worker = signed_in_as(make_user, client, "consultant")
    case_id = case_of(senim, worker)
    senim.plans.set_goal(case_id, {"text": "Жильё", "due_on": "2030-01-01",
                                   "responsible": {"kind": "partner", "organisation": "Акимат"}}, actor=worker)
    senim.cases.close(case_id, reason="Семья справляется", actor=worker)
    body = text(client.get(page_of(case_id)))
    assert "Жильё" in body and "Дело закрыто" in body
    assert "/plan/goals\"" not in body and "Записать пересмотр" not in body
    refused = post(client, case_id, "/plan/goals", {
        "goal-text": "x", "goal-person": "", "goal-due_on": "2030-01-01", "goal-responsible": worker.user_id})
    assert refused.status_code == 409 and "Дело закрыто" in text(refused)
