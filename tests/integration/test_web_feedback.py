"""Questionnaire pages through the Flask test client, on SQLite and on PostgreSQL: a consultant hands out a
feedback link with its QR code; the person answers on the public page without script or cookie, in
Kazakh or Russian; the supervisor reads "98% rated the course 5 of 5" and the paired change on the list,
one click from the menu, with the free texts and the downloads; nobody else gets in."""
import io
import re

from openpyxl import load_workbook

from tests.helpers.web import pages_in, post_form, signed_in_as

russian = pages_in("ru")
LINK_PAGE = re.compile(r"/feedback-links/([0-9a-f-]{36})$")
ADDRESS = re.compile(r'id="feedback-address" type="text" readonly value="([^"]+)"')
EVALUATION = {"overall": 5, "trainers": 5, "useful": 4, "will_apply": "yes"}


def test_a_consultant_hands_out_a_link_and_the_person_answers_it_in_kazakh(client, app, make_user):
    signed_in_as(make_user, client, "consultant")
    menu = client.get("/feedback-links/new")
    assert menu.status_code == 200 and 'href="/feedback-links/new" aria-current="page"' in menu.text
    made = post_form(client, "/feedback-links/new", {"questionnaire": "consultation_feedback", "language": "kk",
                                                     "single_use": "y", "hours": "48"})
    assert made.status_code == 302
    page = client.get(made.headers["Location"])
    assert page.status_code == 200 and "qr.svg" in page.text
    link_id = LINK_PAGE.search(made.headers["Location"]).group(1)
    qr = client.get(f"/feedback-links/{link_id}/qr.svg")
    assert qr.status_code == 200 and qr.content_type == "image/svg+xml" and b"<svg" in qr.data
    png = client.get(f"/feedback-links/{link_id}/qr.png?download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    address = ADDRESS.search(page.text).group(1)
    public = app.test_client()  # the person's phone: no session of ours
    path = address.removeprefix("http://localhost")
    form = public.get(path)
    assert form.status_code == 200 and "Жауаптарымды жіберу" in form.text and "Set-Cookie" not in form.headers
    refused = public.post(path, data={"satisfied": "5", "what_helped": ["support", "nonsense"], "comment": "Рахмет"})
    assert refused.status_code == 422
    assert "Осы сұраққа жауап беріңіз." in refused.text and "Ұсынылған жауаптардың бірін таңдаңыз." in refused.text
    assert ">Рахмет</textarea>" in refused.text  # what was typed is kept
    answered = public.post(path, data={"satisfied": "5", "listened": "5", "helped": "partly", "own_language": "yes",
                                       "recommend": "yes", "what_helped": ["support", "safety_plan"]})
    assert answered.status_code == 200 and "Рахмет!" in answered.text
    assert "Жауап берілді" in client.get(f"/feedback-links/{link_id}").text or \
        public.get(path).status_code == 409


def test_a_link_form_with_bad_hours_is_refused_on_the_page(client, make_user):
    signed_in_as(make_user, client, "psychologist")
    refused = post_form(client, "/feedback-links/new", {"questionnaire": "consultation_feedback", "language": "ru",
                                                        "hours": "99999"})
    assert refused.status_code == 422 and "error-summary" in refused.text


def test_another_consultants_link_page_is_forbidden(client, app, make_user, senim):
    maker, _ = make_user("consultant")
    written = senim.questionnaires.create_link({"questionnaire": "consultation_feedback"}, actor=maker)
    signed_in_as(make_user, client, "consultant")
    assert client.get(f"/feedback-links/{written.id}").status_code == 403


def test_the_supervisor_reads_the_headline_the_change_and_the_free_texts(client, make_user, senim):
    writer, _ = make_user("consultant")
    for n in range(50):
        senim.questionnaires.record({"questionnaire": "course_evaluation", "answered_at": None,
                                     "answers": {**EVALUATION, "overall": 5 if n else 4,
                                                 **({"comment": "Тренерлерге рахмет"} if n == 7 else {})}},
                                    actor=writer)
    signed_in_as(make_user, client, "supervisor")
    listing = client.get("/questionnaires")
    assert listing.status_code == 200 and 'aria-current="page"' in listing.text
    assert "98%" in listing.text  # "98% rated … 5 of 5", one click from the menu
    detail = client.get("/questionnaires/course_evaluation")
    assert detail.status_code == 200 and "98%" in detail.text and "Тренерлерге рахмет" in detail.text
    workbook = client.get("/questionnaires/course_evaluation.xlsx")
    assert workbook.status_code == 200
    assert load_workbook(io.BytesIO(workbook.data)).worksheets[0]["A1"].value == "Показатель"
    assert client.get("/questionnaires/course_evaluation.pdf").data.startswith(b"%PDF")
    assert client.get("/questionnaires/nope").status_code == 404
    assert client.get("/questionnaires?date_from=2026-02-30&date_to=x").status_code == 200


def test_only_supervisors_open_the_questionnaire_pages(client, make_user):
    signed_in_as(make_user, client, "consultant")
    assert client.get("/questionnaires").status_code == 403
    assert client.get("/questionnaires/course_evaluation.xlsx").status_code == 403
