"""The psychologist's pages after a night on the line (issue 15, items 9 and 10): the referred person
as the role may see them, the case as a link, instruments that fit the person, enrolment by name."""
import re
import time
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.schedule import WEEKDAYS, WeeklySchedule
from tests.conftest import ADMIN
from tests.helpers.web import csrf_token, pages_in, sign_in

EVERY_DAY = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})
russian = pages_in("ru")


@pytest.fixture
def psychologist(make_user, senim):
    actor, _ = make_user("psychologist")
    senim.staff.set_working_hours(UUID(actor.user_id), schedule=EVERY_DAY, actor=ADMIN)
    return actor


def a_call(role: str, name: str, phone: str, **extra) -> dict:
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": datetime.now(timezone.utc) - timedelta(minutes=20),
            "caller": {"role": role, "name": name, "phone": phone, "language": "kk", "region": "almaty"},
            "consent": {"services": True}, **extra}


def referral_of(senim, consultant, role: str, name: str, phone: str, *, with_case: bool = True) -> dict:
    contact_id = senim.contacts.record(a_call(role, name, phone), actor=consultant).id
    case_id = None
    if with_case:
        case_id = senim.cases.open({"contact_id": str(contact_id)}, actor=consultant).id
        senim.cases.add_person(case_id, {"role": role if role in ("victim", "aggressor") else "other",
                                         "name": name + " (case)", "phone": phone}, actor=consultant)
    referral_id = senim.referrals.make(
        {"source": "helpline", "target": "family_service", "reason": "Просит консультацию.", "urgency": "urgent",
         "consent": {"services": True}, "subject_role": role, "contact_id": str(contact_id),
         **({"case_id": str(case_id)} if case_id else {})}, actor=consultant).id
    return {"referral": referral_id, "case": case_id, "contact": contact_id}


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_claimant_of_an_aggressors_referral_sees_his_name_and_phone_and_a_link_to_the_case(
        client, senim, consultant, psychologist):
    made = referral_of(senim, consultant[0], "aggressor", "Бауыржан Тестов", "+7 701 555 12 34")
    sign_in(client, psychologist.username)
    before = page_text(client, f"/referrals/{made['referral']}")
    assert "Бауыржан Тестов" not in before and "+7 701 555 12 34" not in before
    assert "психологу, который возьмёт направление" in before

    assert client.post(f"/referrals/{made['referral']}/claim",
                       data={"csrf_token": csrf_token(client, "/queue")}).status_code == 302
    after = page_text(client, f"/referrals/{made['referral']}")
    assert "Бауыржан Тестов" in after and 'href="tel:+77015551234"' in after
    assert "Бауыржан Тестов (case)" in after and "Агрессор 1" in after
    assert f'href="/casework/cases/{made["case"]}"' in after
    assert f"<code>{made['case']}</code>" not in after


def test_a_psychologist_never_sees_a_victims_details_but_the_consultant_who_referred_her_does(
        app, senim, consultant, psychologist, supervisor):
    made = referral_of(senim, consultant[0], "victim", "Сауле Тестова", "+7 702 111 22 33")
    senim.referrals.claim(made["referral"], actor=psychologist)
    as_psychologist, as_consultant, as_supervisor = app.test_client(), app.test_client(), app.test_client()
    for client, who in ((as_psychologist, psychologist), (as_consultant, consultant[0]),
                        (as_supervisor, supervisor[0])):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
        sign_in(client, who.username)
    hidden = page_text(as_psychologist, f"/referrals/{made['referral']}")
    assert "Сауле Тестова" not in hidden and "+7 702 111 22 33" not in hidden and "tel:" not in hidden
    assert "только сотрудникам, которые работают с ней" in hidden
    for client in (as_consultant, as_supervisor):
        shown = page_text(client, f"/referrals/{made['referral']}")
        assert "Сауле Тестова" in shown and 'href="tel:+77021112233"' in shown


def test_the_queue_shows_each_referrals_risk_language_and_region(client, senim, consultant, psychologist):
    contact_id = senim.contacts.record(a_call("victim", "Сауле Тестова", "+7 702 111 22 33",
                                              risk=["threats_to_kill", "strangulation"]), actor=consultant[0]).id
    senim.referrals.make({"source": "helpline", "target": "family_service", "reason": "Просит консультацию.",
                          "urgency": "urgent", "consent": {"services": True}, "subject_role": "victim",
                          "contact_id": str(contact_id)}, actor=consultant[0])
    sign_in(client, psychologist.username)
    body = page_text(client, "/queue")
    assert "Угрозы убийством, Удушение" in body
    assert "Казахский" in body or "Қазақ" in body
    assert "Алматы" in body
    assert 'data-refresh-seconds="30"' in body and "queue.js" in body
    assert "Сауле Тестова" not in body


def test_a_poll_of_the_queue_does_not_count_as_activity_so_an_idle_session_still_ends(client, senim, psychologist):
    sign_in(client, psychologist.username)
    with client.session_transaction() as session:
        session["seen"] = seen = int(time.time()) - 60
    assert client.get("/queue", headers={"X-Senim-Poll": "1"}).status_code == 200
    with client.session_transaction() as session:
        assert session["seen"] == seen
    assert client.get("/queue").status_code == 200
    with client.session_transaction() as session:
        assert session["seen"] > seen


# Instruments that fit the person, naming whom they assess (item 10) -----------------------------

def all_answers(instrument: str, answer: str = "no", **overrides) -> dict:
    from domain import instruments
    return {f"answer-{item['id']}": overrides.get(item["id"], answer) for item in instruments.get(instrument)["items"]}


def post(client, path: str, data: dict, token_from: str):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def test_a_victims_referral_offers_the_victim_risk_checklist_and_an_aggressors_the_aggressor_instruments(
        client, senim, consultant, psychologist):
    victim = referral_of(senim, consultant[0], "victim", "Сауле Тестова", "+7 702 111 22 33")
    aggressor = referral_of(senim, consultant[0], "aggressor", "Бауыржан Тестов", "+7 701 555 12 34")
    sign_in(client, psychologist.username)
    for_victim = page_text(client, f"/referrals/{victim['referral']}")
    assert "instrument=victim_risk" in for_victim
    assert "instrument=aggressor_status" not in for_victim and "instrument=odara" not in for_victim
    for_aggressor = page_text(client, f"/referrals/{aggressor['referral']}")
    assert "instrument=aggressor_status" in for_aggressor and "instrument=odara" in for_aggressor
    assert "instrument=victim_risk" not in for_aggressor


def test_an_aggressor_assessment_on_a_victims_referral_is_refused_and_the_fitting_checklist_offered(
        client, senim, consultant, psychologist):
    victim = referral_of(senim, consultant[0], "victim", "Сауле Тестова", "+7 702 111 22 33")
    senim.referrals.claim(victim["referral"], actor=psychologist)
    sign_in(client, psychologist.username)
    url = f"/assessments/new?instrument=aggressor_status&referral={victim['referral']}"
    page = client.get(url)
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "Этот опросник не предназначен для человека в этой роли." in body and "instrument=victim_risk" in body
    assert "Направление касается: Пострадавш" in body
    head = senim.store.head()
    sent = post(client, url, all_answers("aggressor_status", physical_violence="yes"), token_from=f"/referrals/{victim['referral']}")
    assert sent.status_code == 422
    assert senim.store.head() == head


def test_the_questionnaire_names_whom_it_assesses(client, senim, consultant, psychologist):
    aggressor = referral_of(senim, consultant[0], "aggressor", "Бауыржан Тестов", "+7 701 555 12 34")
    senim.referrals.claim(aggressor["referral"], actor=psychologist)
    sign_in(client, psychologist.username)
    body = page_text(client, f"/assessments/new?instrument=aggressor_status&referral={aggressor['referral']}")
    assert "Кого оценивают" in body and "Агрессор 1 · Бауыржан Тестов (case)" in body
    victim = referral_of(senim, consultant[0], "victim", "Сауле Тестова", "+7 702 111 22 33")
    senim.referrals.claim(victim["referral"], actor=psychologist)
    hidden = page_text(client, f"/assessments/new?instrument=victim_risk&referral={victim['referral']}")
    assert "Пострадавш" in hidden and "Сауле Тестова" not in hidden


def test_a_psychologist_enrols_an_aggressor_chosen_by_name_and_the_programme_list_names_him(
        client, senim, consultant, psychologist):
    aggressor = referral_of(senim, consultant[0], "aggressor", "Бауыржан Тестов", "+7 701 555 12 34")
    senim.referrals.claim(aggressor["referral"], actor=psychologist)
    sign_in(client, psychologist.username)
    programme = page_text(client, "/programme")
    assert "Бауыржан Тестов (case)" in programme and 'name="assessment"' not in programme
    assert "номер" not in programme.lower() or "адрес" not in programme.lower()
    refused = post(client, "/programme/enrol", {"person": str(aggressor["referral"])}, token_from="/programme")
    assert refused.status_code == 422 and "Оценка статуса агрессора этого человека ещё не записана" in \
        refused.get_data(as_text=True)

    url = f"/assessments/new?instrument=aggressor_status&referral={aggressor['referral']}"
    done = post(client, url, all_answers("aggressor_status", physical_violence="yes"), token_from=url)
    assert done.status_code == 302, re.findall(r"<li>[^<]*</li>|role=\"alert\"[^<]*<[^<]*", done.get_data(as_text=True))
    enrolled = post(client, "/programme/enrol", {"person": str(aggressor["referral"])}, token_from="/programme")
    assert enrolled.status_code == 302, enrolled.get_data(as_text=True)
    listed = page_text(client, "/programme")
    assert "Агрессор 1 · Бауыржан Тестов (case)" in listed
