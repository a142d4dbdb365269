"""Questionnaires through the API and the public feedback page, on both stores: responses scored by the
server, bad answers named, links checked, free text for supervisors only and gone with an erasure,
feedback links single-use or expiring, the analysis' figures and exports, and T1's questionnaire rows."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from domain.clock import local, utc_now
from domain.questionnaire import FeedbackLink
from intake.adapters.rate_limit import RateLimiter

FEEDBACK = {"satisfied": 5, "listened": 5, "helped": "yes", "own_language": "yes", "recommend": "yes"}
EVALUATION = {"overall": 5, "trainers": 5, "useful": 4, "will_apply": "yes"}
TEST_RIGHT = {"punishment_works": "no", "tantrum": "calm_name", "praise": "yes",
              "violence_signs": ["fear", "injuries", "withdrawn"], "screen_time": "one_hour", "help_line": "yes",
              "stress": 3}
WRONG = ("punishment_works", "tantrum", "praise", "violence_signs", "screen_time", "help_line")
WRONG_ANSWERS = {"punishment_works": "yes", "tantrum": "shout", "praise": "no", "violence_signs": ["good_marks"],
                 "screen_time": "unlimited", "help_line": "no"}
FORM = {"satisfied": "5", "listened": "4", "helped": "yes", "own_language": "yes", "recommend": "yes"}


def test_with(score: int) -> dict:
    """Test answers with `score` right ones (the first `score` items right, the rest wrong)."""
    return {**TEST_RIGHT, **{item: WRONG_ANSWERS[item] for item in WRONG[score:]}}


test_with.__test__ = False  # a helper, not a test


def post(client, headers, body, status=201):
    response = client.post("/api/v1/questionnaire-responses", json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def new_link(client, headers, **body):
    response = client.post("/api/v1/feedback-links", json={"questionnaire": "consultation_feedback", **body},
                           headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_every_questionnaire_is_listed_with_its_items_in_three_languages(client, consultant):
    _, headers = consultant
    listed = client.get("/api/v1/questionnaires", headers=headers).json
    assert {q["kind"] for q in listed} == {"consultation_feedback", "pre_post_test", "course_evaluation"}
    test = next(q for q in listed if q["kind"] == "pre_post_test")
    assert any("correct" in item for item in test["versions"][0]["items"])


def test_a_test_is_scored_by_the_server(client, psychologist):
    _, headers = psychologist
    body = {"questionnaire": "parent_course_test", "phase": "pre", "participant": "G1-01", "answers": test_with(4)}
    assert post(client, headers, body)["result"] == {"score": 4, "max_score": 6, "percent": 66.7}


def test_bad_answers_are_422_naming_each_item(client, consultant):
    _, headers = consultant
    answer = post(client, headers, {"questionnaire": "consultation_feedback",
                                    "answers": {**FEEDBACK, "satisfied": 9, "helped": "perhaps"}}, status=422)
    assert set(answer["errors"]) == {"answers.satisfied", "answers.helped"}
    assert post(client, headers, {"questionnaire": "nope", "answers": {}}, status=422)["errors"].keys() == {"questionnaire"}
    answer = post(client, headers, {"questionnaire": "parent_course_test", "answers": TEST_RIGHT}, status=422)
    assert "phase" in answer["errors"]


def test_a_contact_named_must_exist_and_be_the_writers_to_see(client, consultant, make_user):
    _, owner = consultant
    _, other = make_user("consultant")
    contact = client.post("/api/v1/contacts", json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(), "caller": {"role": "victim"}},
        headers=owner).json["id"]
    body = {"questionnaire": "consultation_feedback", "answers": FEEDBACK, "about": {"kind": "contact", "id": contact}}
    post(client, owner, body)
    assert post(client, other, body, status=403)["code"] == "link.forbidden"
    missing = {**body, "about": {"kind": "contact", "id": "0f8fad5b-d9cb-469f-a165-70867728950e"}}
    assert "about.id" in post(client, owner, missing, status=422)["errors"]
    link = new_link(client, owner, about={"kind": "contact", "id": contact})
    assert link["id"]
    refused = client.post("/api/v1/feedback-links", json={"questionnaire": "consultation_feedback",
                                                          "about": {"kind": "contact", "id": contact}}, headers=other)
    assert refused.status_code == 403


def test_free_text_is_read_by_supervisors_only_and_erasure_makes_it_unreadable(client, senim, consultant, supervisor):
    _, writer = consultant
    actor, reader = supervisor
    written = post(client, writer, {"questionnaire": "consultation_feedback",
                                    "answers": {**FEEDBACK, "comment": "Айгүл, Абай 10"}})
    path = f"/api/v1/questionnaire-responses/{written['id']}"
    assert client.get(path, headers=writer).status_code == 403
    assert client.get(path, headers=reader).json["texts"] == {"comment": "Айгүл, Абай 10"}
    analysis = client.get("/api/v1/questionnaires/consultation_feedback/analysis", headers=reader).json
    assert [text["text"] for text in analysis["free_texts"]] == ["Айгүл, Абай 10"]
    senim.erasure.erase_subject(written["id"], "asked to be forgotten", actor)
    gone = client.get(path, headers=reader).json
    assert gone["texts"] is None and gone["answers"]["satisfied"] == 5
    analysis = client.get("/api/v1/questionnaires/consultation_feedback/analysis", headers=reader).json
    assert analysis["free_texts"] == [] and analysis["responses"] == 1


def test_a_single_use_link_takes_one_answer_then_is_409_used(client, senim, consultant):
    _, headers = consultant
    link = new_link(client, headers, language="kk")
    assert link["url"].endswith(f"/feedback/{link['token']}")
    page = f"/feedback/{link['token']}"
    assert client.post(page, data=FORM).status_code == 200
    second = client.post(page, data=FORM)
    assert second.status_code == 409 and "Бұл сілтеме жабық" in second.text
    assert client.get(page).status_code == 409
    state = client.get(f"/api/v1/feedback-links/{link['id']}", headers=headers).json
    assert state["state"] == "used" and state["answers"] == 1


def test_an_expired_link_is_409_expired(client, senim, consultant):
    actor, _ = consultant
    past = datetime.now(timezone.utc) - timedelta(hours=3)
    link = FeedbackLink.create(questionnaire="consultation_feedback", actor=actor, hours=1, now=past)
    senim.store.commit(link)
    with pytest.raises(Exception) as refused:
        senim.questionnaires.answer_link(link.token, {**FEEDBACK})
    assert getattr(refused.value, "state", None) == "expired"
    page = client.post(f"/feedback/{link.token}?lang=ru", data=FORM)
    assert page.status_code == 409 and "Срок действия ссылки истёк" in page.text


def test_an_expiring_link_takes_many_answers(client, consultant):
    _, headers = consultant
    link = new_link(client, headers, questionnaire="course_evaluation", single_use=False, expires_in_hours=2)
    form = {"overall": "5", "trainers": "5", "useful": "5", "will_apply": "yes", "sessions_attended": "9"}
    for _ in range(3):
        assert client.post(f"/feedback/{link['token']}", data=form).status_code == 200
    assert client.get(f"/api/v1/feedback-links/{link['id']}", headers=headers).json["answers"] == 3


def test_a_link_and_its_qr_code_are_for_its_maker_and_supervisors(client, consultant, make_user, supervisor):
    _, maker = consultant
    _, colleague = make_user("psychologist")
    link = new_link(client, maker)
    for kind, content_type in (("png", "image/png"), ("svg", "image/svg+xml")):
        image = client.get(link[f"qr_{kind}"], headers=maker)
        assert image.status_code == 200 and image.content_type == content_type
    assert client.get(link["qr_png"], headers=colleague).status_code == 403
    assert client.get(link["qr_png"], headers=supervisor[1]).status_code == 200
    assert client.post("/api/v1/feedback-links", json={"questionnaire": "parent_course_test"},
                       headers=maker).status_code == 422


def test_the_public_page_works_without_script_cookie_or_cache(client, consultant):
    _, headers = consultant
    link = new_link(client, headers, language="kk")
    page = client.get(f"/feedback/{link['token']}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers and page.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.text and "csrf" not in page.text.lower()
    assert 'lang="kk"' in page.text and "Кеңеске жалпы қаншалықты қанағаттандыңыз?" in page.text
    assert 'type="radio" name="satisfied"' in page.text and 'autocomplete="off"' in page.text
    refused = client.post(f"/feedback/{link['token']}", data={"satisfied": "5", "comment": "  "})
    assert refused.status_code == 422 and "error-summary" in refused.text
    assert 'value="5"\n               checked' in refused.text or 'checked' in refused.text
    thanks = client.post(f"/feedback/{link['token']}", data={**FORM, "comment": "рахмет"})
    assert thanks.status_code == 200 and "Set-Cookie" not in thanks.headers and "Рахмет!" in thanks.text


def test_an_unknown_token_is_404(client):
    assert client.get("/feedback/not-a-real-token-at-all").status_code == 404
    assert client.get("/feedback/x").status_code == 404


def test_the_public_page_is_rate_limited_per_address(client, senim, consultant):
    _, headers = consultant
    link = new_link(client, headers)
    senim.feedback_limiter = RateLimiter("feedback-test", limit=3, window=600)
    for _ in range(3):
        assert client.get(f"/feedback/{link['token']}").status_code == 200
    limited = client.get(f"/feedback/{link['token']}")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    other = client.get(f"/feedback/{link['token']}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_the_rate_limit_is_shared_through_redis(redis_url):
    limiter = RateLimiter("feedback-redis-test", limit=2, window=600, redis_url=redis_url)
    assert [limiter.hit("10.0.0.9") for _ in range(2)] == [None, None]
    assert limiter.hit("10.0.0.9") > 0
    assert RateLimiter("feedback-redis-test", limit=2, window=600, redis_url=redis_url).hit("10.0.0.9") > 0


def test_the_analysis_makes_the_headline_and_the_paired_change_one_request(client, consultant, supervisor):
    """T3 (SEED-TABLES.md): 108 evaluation forms, 98% rated the course 5 of 5; parents' competence improved
    by 15% and stress fell by 10% between the pre- and post-course questionnaires."""
    _, writer = consultant
    _, reader = supervisor
    day = "2019-06-01T10:00:00+05:00"
    for n in range(108):  # 106 of 108 rate the course 5 of 5: 98.1%, printed as 98%
        post(client, writer, {"questionnaire": "course_evaluation", "answered_at": day,
                              "answers": {**EVALUATION, "overall": 5 if n >= 2 else 4}})
    for n in range(10):  # pre 4 of 6 for everyone; post 5 of 6 for 6 of them, 4 of 6 for the rest: +15%
        code = f"P{n:02d}"
        post(client, writer, {"questionnaire": "parent_course_test", "phase": "pre", "participant": code,
                              "answered_at": day, "answers": {**test_with(4), "stress": 5}})
        post(client, writer, {"questionnaire": "parent_course_test", "phase": "post", "participant": code,
                              "answered_at": "2019-08-01T10:00:00+05:00",
                              "answers": {**test_with(5 if n < 6 else 4), "stress": 5 if n < 5 else 4}})
    query = "?from=2019-01-01&to=2019-12-31"
    course = client.get(f"/api/v1/questionnaires/course_evaluation/analysis{query}", headers=reader).json
    assert course["responses"] == 108 and course["headline"]["top_percent"] == 98.1
    assert round(course["headline"]["top_percent"]) == 98
    overall = next(item for item in course["items"] if item["id"] == "overall")
    assert [e["count"] for e in overall["distribution"]] == [0, 0, 0, 2, 106] and overall["mean"] == 4.98
    test = client.get(f"/api/v1/questionnaires/parent_course_test/analysis{query}", headers=reader).json["test"]
    assert test["paired"]["participants"] == 10 and test["paired"]["change_percent"] == 15.0
    assert (test["paired"]["mean_pre"], test["paired"]["mean_post"]) == (4.0, 4.6)
    stress = next(scale for scale in test["scales"] if scale["item"] == "stress")
    assert stress["change_percent"] == -10.0  # stress fell by 10%
    outside = client.get("/api/v1/questionnaires/course_evaluation/analysis?from=2020-01-01&to=2020-12-31",
                         headers=reader).json
    assert outside["responses"] == 0 and outside["headline"]["top_percent"] is None
    assert client.get(f"/api/v1/questionnaires/course_evaluation/analysis{query}", headers=writer).status_code == 403
    assert client.get("/api/v1/questionnaires/nope/analysis", headers=reader).status_code == 422

    workbook = client.get(f"/api/v1/questionnaires/course_evaluation/analysis.xlsx{query}&lang=kk", headers=reader)
    assert workbook.status_code == 200 and workbook.content_type.startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(workbook.data))
    summary, items = book.worksheets[0], book.worksheets[1]
    assert summary.freeze_panes == "A2" and summary["A1"].font.bold and summary.column_dimensions["A"].width >= 40
    assert summary["B3"].value == 108 and isinstance(summary["B3"].value, int)
    assert 98.1 in [row[1] for row in summary.iter_rows(values_only=True)]
    assert items["A1"].value == "Сұрақ" and any(isinstance(row[2], int) for row in items.iter_rows(min_row=2, values_only=True))
    pairs = client.get(f"/api/v1/questionnaires/parent_course_test/analysis.xlsx{query}", headers=reader)
    assert len(load_workbook(io.BytesIO(pairs.data)).worksheets[2]["A"]) == 11  # heading and ten participants
    report = client.get(f"/api/v1/questionnaires/parent_course_test/analysis.pdf{query}&lang=kk", headers=reader)
    assert report.status_code == 200 and report.data.startswith(b"%PDF") and len(report.data) > 2000


def test_t1_thirty_three_feedback_forms_and_the_webinars_forty_pre_and_post_tests(client, consultant, supervisor):
    """T1 (SEED-TABLES.md): feedback questionnaires collected 33; webinar pre-/post-tests 40 / 40; webinar
    feedback questionnaires 30; the juvenile-police webinar's pre-/post-tests 23 / 23 (a training of its own)."""
    _, writer = consultant
    _, reader = supervisor
    in_2020 = "2020-05-12T11:00:00+05:00"
    for n in range(33):
        if n < 20:
            post(client, writer, {"questionnaire": "consultation_feedback", "answers": FEEDBACK, "answered_at": in_2020})
        else:  # thirteen came through links, answered by the people themselves (today: outside 2020 below)
            link = new_link(client, writer)
            assert client.post(f"/feedback/{link['token']}", data=FORM).status_code == 200
    post(client, writer, {"questionnaire": "consultation_feedback", "answers": FEEDBACK,
                          "answered_at": "2019-12-30T12:00:00+05:00"})  # another year
    for phase in ("pre", "post"):
        for n in range(40):
            post(client, writer, {"questionnaire": "parent_course_test", "phase": phase, "participant": f"W{n}",
                                  "about": {"kind": "training", "id": "webinar-2020"}, "answered_at": in_2020,
                                  "answers": test_with(3 if phase == "pre" else 5)})
    for phase in ("pre", "post"):
        for n in range(23):
            post(client, writer, {"questionnaire": "parent_course_test", "phase": phase, "participant": f"J{n}",
                                  "about": {"kind": "training", "id": "juvenile-police-2020"},
                                  "answered_at": in_2020, "answers": test_with(4)})
    for _ in range(30):
        last = post(client, writer, {"questionnaire": "course_evaluation", "answers": EVALUATION,
                                     "answered_at": in_2020, "about": {"kind": "training", "id": "webinar-2020"}})
    seen = f"&min_position={last['position']}"  # read your own writes
    today = local(utc_now()).date()  # the service's day: the links were answered today, in Almaty
    stats = client.get(f"/api/v1/stats/questionnaires?from=2020-01-01&to={today}&kind=consultation_feedback"
                       f"&group_by=source{seen}", headers=reader).json
    assert stats["total"] == 33
    assert {row["source"]: row["count"] for row in stats["rows"]} == {"staff": 20, "link": 13}
    tests = client.get("/api/v1/stats/questionnaires?from=2020-01-01&to=2020-12-31&questionnaire=parent_course_test"
                       "&group_by=phase", headers=reader).json
    assert {row["phase"]: row["count"] for row in tests["rows"]} == {"pre": 63, "post": 63}
    evaluations = client.get("/api/v1/stats/questionnaires?from=2020-01-01&to=2020-12-31&kind=course_evaluation",
                             headers=reader).json
    assert evaluations["total"] == 30
    assert client.get("/api/v1/stats/questionnaires?group_by=nope", headers=reader).status_code == 422
    assert client.get("/api/v1/stats/questionnaires", headers=writer).status_code == 403


def test_two_answers_at_once_through_a_single_use_link_save_one(senim, consultant):
    from domain.errors import Conflict
    from tests.helpers.threads import run_together

    actor, _ = consultant
    token = senim.questionnaires.create_link({"questionnaire": "consultation_feedback"}, actor=actor).token
    outcomes: list = []

    def answer(_):
        try:
            senim.questionnaires.answer_link(token, dict(FEEDBACK))
            outcomes.append("saved")
        except Conflict as refused:
            outcomes.append(refused.state or refused.code)

    run_together(answer, [(n,) for n in range(4)])
    assert sorted(outcomes) == ["saved", "used", "used", "used"]
    assert len(senim.questionnaires.open_link(token).responses) == 1


def test_the_openapi_document_shows_examples_of_the_questionnaire_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    created = spec["paths"]["/api/v1/feedback-links"]["post"]
    assert created["requestBody"]["content"]["application/json"]["example"]["questionnaire"] == "consultation_feedback"
    assert "example" in created["responses"]["201"]["content"]["application/json"]
    assert "example" in spec["paths"]["/api/v1/stats/questionnaires"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "image/png" in spec["paths"]["/api/v1/feedback-links/{link_id}/qr.png"]["get"]["responses"]["200"]["content"]
