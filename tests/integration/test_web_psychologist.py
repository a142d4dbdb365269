"""The psychologist's pages through Flask's test client: the queue and claims, a referral's actions,
the week, working hours, assessments and the programme; bad input, permissions, odd URLs."""
import re
from datetime import datetime, time, timedelta
from uuid import UUID, uuid4

import pytest

from domain.clock import SERVICE_TIMEZONE
from domain.referral import Referral
from domain.schedule import WEEKDAYS, Availability, WeeklySchedule
from tests.conftest import ADMIN
from tests.helpers.web import csrf_token, pages_in, sign_in

EVERY_DAY = WeeklySchedule.of({day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in WEEKDAYS})
ALL_DAY = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})


# Pages in Russian: the domain's English refusals must reach the user translated.
russian = pages_in("ru")


@pytest.fixture
def psychologist(make_user, senim):
    actor, _ = make_user("psychologist")
    senim.staff.set_working_hours(UUID(actor.user_id), schedule=EVERY_DAY, actor=ADMIN)
    return actor


@pytest.fixture
def colleague(make_user, senim):
    actor, _ = make_user("psychologist")
    senim.staff.set_working_hours(UUID(actor.user_id), schedule=EVERY_DAY, actor=ADMIN)
    return actor


def next_week(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(SERVICE_TIMEZONE).date() + timedelta(days=7)
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIMEZONE)


def make_referral(senim, maker, **extra) -> UUID:
    fields = {"source": "police", "target": "family_service", "reason": "Угрозы жене, просит консультацию.",
              "urgency": "urgent", "consent": {"services": True}, "subject_role": "aggressor", **extra}
    return senim.referrals.make(fields, actor=maker).id


def post(client, path: str, data: dict, token_from: str | None = None, **kwargs):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or "/queue")}, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


def events(senim) -> int:
    return senim.store.head()


# The queue ---------------------------------------------------------------------------------------

def test_the_queue_lists_open_referrals_and_one_click_claims(client, senim, consultant, psychologist):
    referral_id = make_referral(senim, consultant[0])
    sign_in(client, psychologist.username)
    page = client.get("/queue")
    assert page.status_code == 200
    body = text(page)
    assert "Очередь направлений" in body and "Срочный" in body and "Полиция" in body
    assert f"/referrals/{referral_id}/claim" in body
    claimed = post(client, f"/referrals/{referral_id}/claim", {})
    assert claimed.status_code == 302
    after = client.get(claimed.headers["Location"])
    assert after.status_code == 200
    body = text(after)
    assert "Вы взяли направление" in body
    assert f'action="/referrals/{referral_id}/claim"' not in body  # no longer waiting: read-your-writes
    assert f"/referrals/{referral_id}\"" in body  # listed among my referrals in progress
    assert senim.referrals.get(referral_id, actor=psychologist).claimant["username"] == psychologist.username


def test_a_second_claim_says_who_was_quicker_and_shows_the_queue_again(app, senim, consultant, psychologist,
                                                                        colleague):
    referral_id = make_referral(senim, consultant[0])
    first, second = app.test_client(), app.test_client()
    for client, who in ((first, psychologist), (second, colleague)):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
        sign_in(client, who.username)
    token = csrf_token(second, "/queue")  # the second has the queue open before the first claims
    assert post(first, f"/referrals/{referral_id}/claim", {}).status_code == 302
    head = events(senim)
    lost = second.post(f"/referrals/{referral_id}/claim", data={"csrf_token": token})
    assert lost.status_code == 409
    body = text(lost)
    assert "первым взял" in body and psychologist.username in body
    assert "Очередь направлений" in body and f'action="/referrals/{referral_id}/claim"' not in body
    assert events(senim) == head


def test_a_supervisor_sees_every_service_and_everyones_referrals_in_progress(client, senim, consultant,
                                                                          psychologist, supervisor):
    referral_id = make_referral(senim, consultant[0])
    senim.referrals.claim(referral_id, actor=psychologist)
    shelter = make_referral(senim, consultant[0], target="shelter")
    sign_in(client, supervisor[0].username)
    family = text(client.get("/queue"))
    assert psychologist.username in family and f'/referrals/{referral_id}"' in family
    assert f"/referrals/{shelter}/claim" not in family
    assert f"/referrals/{shelter}/claim" in text(client.get("/queue?target=shelter"))
    assert client.get("/queue?target=nonsense").status_code == 200


def test_a_consultant_gets_a_403_page_on_the_queue(client, consultant):
    sign_in(client, consultant[0].username)
    page = client.get("/queue")
    assert page.status_code == 403
    assert page.content_type.startswith("text/html")
    assert client.get("/week").status_code == 403
    assert client.get("/programme").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/queue").status_code == 302
    assert "/login" in client.get("/week").headers["Location"]


# A referral ------------------------------------------------------------------------------------

def claimed(senim, consultant, psychologist) -> UUID:
    referral_id = make_referral(senim, consultant[0])
    senim.referrals.claim(referral_id, actor=psychologist)
    return referral_id


def schedule_form(day: datetime, **extra) -> dict:
    return {"schedule-day": day.date().isoformat(), "schedule-start": day.strftime("%H:%M"),
            "schedule-duration": "60", "schedule-format": "in_person", "schedule-colleague": "", **extra}


def test_the_referral_page_shows_details_history_and_records_the_read(client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    page = client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    body = text(page)
    assert "Угрозы жене" in body and "Направление создано" in body and "Взято" in body
    assert "Назначить встречу" in body and "Вернуть в очередь" in body
    assert senim.access.flush() > 0


def test_an_appointment_outside_working_hours_is_refused_next_to_the_time_and_nothing_is_written(
        client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    late = next_week(20)
    page = post(client, f"/referrals/{referral_id}/schedule", schedule_form(late),
                token_from=f"/referrals/{referral_id}")
    assert page.status_code == 422
    body = text(page)
    assert "Вы не работаете" in body and "schedule-start-error" in body
    assert f'value="{late.date().isoformat()}"' in body and 'value="20:00"' in body  # nothing typed is lost
    assert 'data-draft-restore="never"' in body
    assert events(senim) == head


def test_an_appointment_in_the_past_is_refused(client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    past = next_week(10) - timedelta(days=14)
    page = post(client, f"/referrals/{referral_id}/schedule", schedule_form(past),
                token_from=f"/referrals/{referral_id}")
    assert page.status_code == 422
    assert "в прошлом" in text(page)
    assert events(senim) == head


def test_malformed_dates_and_choices_are_explained_not_crashed_on(client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    page = post(client, f"/referrals/{referral_id}/schedule",
                schedule_form(next_week(10), **{"schedule-day": "31.02.2026", "schedule-start": "25:99",
                                               "schedule-duration": "9999", "schedule-format": "teleport",
                                               "schedule-colleague": "nobody"}),
                token_from=f"/referrals/{referral_id}")
    assert page.status_code == 422
    body = text(page)
    assert "Укажите дату" in body and "ЧЧ:ММ" in body and "Выберите один из предложенных вариантов." in body
    assert events(senim) == head


def test_scheduling_with_a_pair_colleague_then_attendance_and_outcome(client, senim, consultant, psychologist,
                                                                     colleague):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    page = client.get(f"/referrals/{referral_id}")
    assert colleague.username in text(page)
    booked = post(client, f"/referrals/{referral_id}/schedule",
                  schedule_form(next_week(10), **{"schedule-colleague": colleague.username,
                                                 "schedule-format": "online"}),
                  token_from=f"/referrals/{referral_id}")
    assert booked.status_code == 302, text(booked)
    referral = senim.referrals.get(referral_id, actor=psychologist)
    assert referral.status == "scheduled"
    assert [p["username"] for p in referral.appointment["psychologists"]] == [psychologist.username,
                                                                                colleague.username]
    week = client.get(f"/week?week={next_week(10).date().isoformat()}")
    assert week.status_code == 200
    assert f"/referrals/{referral_id}" in text(week) and colleague.username in text(week)
    # The appointment has not begun: attendance is refused, in words.
    early = post(client, f"/referrals/{referral_id}/attendance", {"attendance-attended": "yes"},
                 token_from=f"/referrals/{referral_id}")
    assert early.status_code == 409
    assert "ещё не началась" in text(early)


def booked_in_the_past(senim, consultant, psychologist) -> UUID:
    """A referral whose appointment began this morning (booked yesterday, through the domain)."""
    referral_id = claimed(senim, consultant, psychologist)
    now = datetime.now(SERVICE_TIMEZONE)
    referral = senim.store.load(referral_id, Referral)
    referral.schedule(at=now - timedelta(minutes=5), format="in_person", actor=psychologist,
                      duration=timedelta(minutes=1),
                      availability={psychologist.username: Availability(ALL_DAY)}, now=now - timedelta(days=1))
    senim.store.commit(referral)
    return referral_id


def test_attendance_then_the_consultation_and_its_outcome(client, senim, consultant, psychologist):
    referral_id = booked_in_the_past(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    came = post(client, f"/referrals/{referral_id}/attendance", {"attendance-attended": "yes"},
                token_from=f"/referrals/{referral_id}")
    assert came.status_code == 302
    page = client.get(came.headers["Location"])
    assert "Записать консультацию" in text(page)
    now = datetime.now(SERVICE_TIMEZONE)
    start = (now - timedelta(minutes=50)).strftime("%H:%M") if now.hour >= 1 else "00:00"
    head = events(senim)
    wrong = post(client, f"/referrals/{referral_id}/consultation",
                 {"consultation-channel": "in_person", "consultation-day": now.date().isoformat(),
                  "consultation-start": start, "consultation-end": "",
                  "consultation-outcome": "consultation_held"}, token_from=f"/referrals/{referral_id}")
    assert wrong.status_code == 422 and events(senim) == head
    recorded = post(client, f"/referrals/{referral_id}/consultation",
                    {"consultation-channel": "in_person", "consultation-day": now.date().isoformat(),
                     "consultation-start": start, "consultation-end": now.strftime("%H:%M"),
                     "consultation-done": ["psychological_support", "safety_planning"],
                     "consultation-summary": "Обсудили план безопасности.", "consultation-reporting": "yes",
                     "consultation-outcome": "consultation_held"}, token_from=f"/referrals/{referral_id}")
    assert recorded.status_code == 302, text(recorded)
    referral = senim.referrals.get(referral_id, actor=psychologist)
    assert (referral.status, referral.outcome) == ("completed", "consultation_held")


def test_a_decline_without_a_reason_is_refused_and_writes_nothing(client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    page = post(client, f"/referrals/{referral_id}/decline", {"decline-reason": "   "},
                token_from=f"/referrals/{referral_id}")
    assert page.status_code == 422
    assert "decline-reason-error" in text(page)
    assert events(senim) == head
    released = post(client, f"/referrals/{referral_id}/release", {"release-reason": "Ухожу в отпуск."},
                    token_from=f"/referrals/{referral_id}")
    assert released.status_code == 302
    assert senim.referrals.get(referral_id, actor=psychologist).status == "open"


def test_another_psychologists_referral_offers_no_actions_and_refuses_them(client, senim, consultant,
                                                                          psychologist, colleague):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, colleague.username)
    page = client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    assert "Назначить встречу" not in text(page)
    refused = post(client, f"/referrals/{referral_id}/release", {"release-reason": "Моё."},
                   token_from=f"/referrals/{referral_id}")
    assert refused.status_code == 403


def test_odd_ids_are_pages_not_crashes(client, psychologist):
    sign_in(client, psychologist.username)
    for path in ("/referrals/not-an-id", f"/referrals/{uuid4()}", f"/assessments/{uuid4()}",
                 "/assessments/nope", f"/programme/{uuid4()}", "/assessments/new?instrument=odara&referral=zzz",
                 f"/assessments/new?instrument=odara&referral={uuid4()}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.content_type.startswith("text/html")
    assert post(client, f"/referrals/{uuid4()}/claim", {}).status_code == 404


# The week and working hours --------------------------------------------------------------------

@pytest.mark.parametrize("week", ["garbage", "2026-13-45", "9999-12-31", "0001-01-01", "", "2026-11-23'--", "%00"])
def test_odd_weeks_show_the_current_week_with_a_notice(client, psychologist, week):
    sign_in(client, psychologist.username)
    page = client.get("/week", query_string={"week": week})
    assert page.status_code == 200
    assert "Моя неделя" in text(page)


def test_the_week_links_to_the_weeks_before_and_after(client, psychologist):
    sign_in(client, psychologist.username)
    page = text(client.get("/week?week=2026-11-25"))
    assert "week=2026-11-16" in page and "week=2026-11-30" in page
    assert "23 ноября" in page


def test_working_hours_are_saved_and_bad_shifts_explained(client, senim, psychologist):
    sign_in(client, psychologist.username)
    page = client.get("/working-hours")
    assert page.status_code == 200 and 'value="09:00"' in text(page)
    head = events(senim)
    bad = post(client, "/working-hours", {"monday-0-start": "18:00", "monday-0-end": "09:00",
                                          "tuesday-0-start": "09:00", "tuesday-0-end": "",
                                          "wednesday-1-start": "7pm", "wednesday-1-end": "20:00"},
               token_from="/working-hours")
    assert bad.status_code == 422
    body = text(bad)
    assert "tuesday-0-error" in body and "wednesday-1-error" in body
    assert events(senim) == head
    order = post(client, "/working-hours", {"monday-0-start": "18:00", "monday-0-end": "09:00"},
                 token_from="/working-hours")
    assert order.status_code == 422 and "monday-0-error" in text(order)
    assert events(senim) == head
    good = post(client, "/working-hours", {"monday-0-start": "", "monday-0-end": "",
                                           "monday-1-start": "10:00", "monday-1-end": "16:00",
                                           "friday-0-start": "09:00", "friday-0-end": "12:00"},
                token_from="/working-hours")
    assert good.status_code == 302
    assert senim.staff.get(UUID(psychologist.user_id)).working_hours == {"monday": [["10:00", "16:00"]],
                                                                         "friday": [["09:00", "12:00"]]}


# Assessments and the programme -------------------------------------------------------------------

def all_answers(instrument: str, answer: str = "no", **overrides) -> dict:
    from domain import instruments
    items = instruments.get(instrument)["items"]
    return {f"answer-{item['id']}": overrides.get(item["id"], answer) for item in items}


def test_an_odara_with_unknown_answer_codes_is_refused_item_by_item(client, senim, psychologist):
    sign_in(client, psychologist.username)
    page = client.get("/assessments/new?instrument=odara")
    assert page.status_code == 200 and "ODARA" in text(page)
    head = events(senim)
    answers = all_answers("odara", prior_custody="maybe")
    del answers["answer-victim_concern"]
    refused = post(client, "/assessments/new?instrument=odara", {**answers, "answer-bogus": "yes"},
                   token_from="/assessments/new?instrument=odara")
    assert refused.status_code == 422
    body = text(refused)
    assert "answer-prior_custody-error" in body and "answer-victim_concern-error" in body
    assert "Выберите «да», «нет» или «неизвестно»." in body or "Выберите да, нет или неизвестно." in body
    assert events(senim) == head


def test_an_odara_is_scored_by_the_server(client, senim, psychologist):
    sign_in(client, psychologist.username)
    answers = all_answers("odara", prior_domestic_incident="yes", index_threat="yes", victim_concern="yes",
                          substance_abuse="unknown")
    done = post(client, "/assessments/new?instrument=odara", answers, token_from="/assessments/new?instrument=odara")
    assert done.status_code == 302, text(done)
    result = client.get(done.headers["Location"])
    body = text(result)
    assert result.status_code == 200
    assert "3 из 13" in body and "27%" in body


def test_aggressor_status_with_a_contraindication_is_not_eligible_and_suggests_health(client, senim, consultant,
                                                                                     psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    url = f"/assessments/new?instrument=aggressor_status&referral={referral_id}"
    done = post(client, url, all_answers("aggressor_status", physical_violence="yes", alcohol_dependence="yes"),
                token_from=url)
    assert done.status_code == 302, text(done)
    body = text(client.get(done.headers["Location"]))
    assert "Не может участвовать" in body or "Не подходит" in body
    assert "Медицинская помощь" in body
    assert "Зачислить в программу" not in body


def test_an_eligible_aggressor_is_enrolled_and_sessions_are_recorded(client, senim, consultant, psychologist):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    url = f"/assessments/new?instrument=aggressor_status&referral={referral_id}"
    done = post(client, url, all_answers("aggressor_status", physical_violence="yes"), token_from=url)
    result = client.get(done.headers["Location"])
    assert "Зачислить в программу" in text(result)
    assessment_id = done.headers["Location"].split("/assessments/")[1].split("?")[0]
    enrolled = post(client, "/programme/enrol", {"assessment": assessment_id, "referral": str(referral_id)},
                    token_from="/programme")
    assert enrolled.status_code == 302, text(enrolled)
    participation = enrolled.headers["Location"]
    assert client.get("/programme").status_code == 200
    assert participation.split("?")[0] in text(client.get("/programme"))
    head = events(senim)
    future = post(client, participation + "/sessions",
                  {"session-day": next_week(10).date().isoformat(), "session-start": "10:00", "session-attended": "yes"},
                  token_from=participation)
    assert future.status_code == 422 and "в будущем" in text(future)
    early = post(client, participation + "/complete", {"complete-outcome": "completed"}, token_from=participation)
    assert early.status_code == 409
    assert events(senim) == head
    today = datetime.now(SERVICE_TIMEZONE) - timedelta(minutes=1)
    session = post(client, participation + "/sessions",
                   {"session-day": today.date().isoformat(), "session-start": today.strftime("%H:%M"),
                    "session-attended": "yes", "session-note": "Первая группа."}, token_from=participation)
    assert session.status_code == 302, text(session)
    finished = post(client, participation + "/complete", {"complete-outcome": "completed"}, token_from=participation)
    assert finished.status_code == 302
    assert "Программа пройдена" in text(client.get(participation))


def test_enrolment_on_a_bad_assessment_number_is_explained(client, senim, psychologist):
    sign_in(client, psychologist.username)
    head = events(senim)
    for number in ("not a number", str(uuid4())):
        page = post(client, "/programme/enrol", {"assessment": number}, token_from="/programme")
        assert page.status_code == 422
        assert "programme" in text(page)
    assert events(senim) == head


# Changing an assessment's level by professional judgement -----------------------------------------

ODARA_LEVELS = ("0", "1", "2", "3", "4", "5-6", "7-13")
OFFERED = re.compile(r'name="override-level" id="[^"]+" value="([^"]+)"')


def recorded_odara(senim, assessor, yes: int = 0) -> UUID:
    """An ODARA the assessor recorded with `yes` items answered yes: its level is str(yes) up to 4."""
    from domain import instruments
    ids = [item["id"] for item in instruments.get("odara")["items"]]
    answers = {item_id: "yes" if number < yes else "no" for number, item_id in enumerate(ids)}
    return senim.assessments.record({"instrument": "odara", "answers": answers}, actor=assessor).id


def override(client, assessment_id: UUID, level, reason: str, **kwargs):
    return post(client, f"/assessments/{assessment_id}/override",
                {"override-level": level, "override-reason": reason}, token_from=f"/assessments/{assessment_id}",
                **kwargs)


def level_of(senim, assessment_id: UUID, actor) -> str:
    return senim.assessments.get(assessment_id, actor=actor).level


def test_the_assessor_raises_the_level_and_the_page_lists_the_change(client, senim, psychologist, supervisor):
    assessment_id = recorded_odara(senim, psychologist, yes=1)
    sign_in(client, psychologist.username)
    page = text(client.get(f"/assessments/{assessment_id}"))
    assert "Изменить уровень" in page and "Понизить уровень может только супервайзер." in page
    assert OFFERED.findall(page) == ["2", "3", "4", "5-6", "7-13"]  # only higher levels to a psychologist
    assert 'data-draft="assessment-' in page
    changed = override(client, assessment_id, "4", "Угрожал ножом при детях; в ответах этого нет.")
    assert changed.status_code == 302, text(changed)
    assert changed.headers["Location"].endswith(f"/assessments/{assessment_id}")
    page = text(client.get(changed.headers["Location"]))
    assert "Уровень изменён." in page
    result = page.split('id="result-heading"')[1].split("</section>")[0]
    assert "Сумма баллов 4: вероятность повторного нападения 41%" in result
    assert "Рассчитано: Сумма баллов 1" in result
    changes = page.split('id="changes-heading"')[1].split("</section>")[0]
    assert "Угрожал ножом при детях" in changes and "Сумма баллов 1" in changes and psychologist.username in changes
    assert OFFERED.findall(page) == ["5-6", "7-13"]
    assert level_of(senim, assessment_id, psychologist) == "4"
    seen = client.get(f"/api/v1/assessments/{assessment_id}", headers=supervisor[1]).get_json()
    assert (seen["level"], seen["computed_level"]) == ("4", "1")
    assert seen["overrides"][0]["reason"] == "Угрожал ножом при детях; в ответах этого нет."


def test_after_a_change_the_unknowns_are_said_to_concern_the_computed_level(client, senim, psychologist):
    from domain import instruments
    ids = [item["id"] for item in instruments.get("odara")["items"]]
    answers = {item_id: "unknown" if number == 0 else "no" for number, item_id in enumerate(ids)}
    assessment_id = senim.assessments.record({"instrument": "odara", "answers": answers}, actor=psychologist).id
    sign_in(client, psychologist.username)
    before = text(client.get(f"/assessments/{assessment_id}"))
    assert "могут поднять уровень до" in before and "рассчитанный" not in before
    assert override(client, assessment_id, "3", "Со слов жертвы, угрозы были.").status_code == 302
    after = text(client.get(f"/assessments/{assessment_id}"))
    assert "могут поднять рассчитанный уровень до «Сумма баллов 1" in after


def test_a_psychologist_cannot_lower_a_level_and_keeps_what_was_typed(client, senim, psychologist):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"
    assessment_id = recorded_odara(senim, psychologist, yes=3)
    sign_in(client, psychologist.username)
    head = events(senim)
    refused = override(client, assessment_id, "1", "Жәбірленуші арызын қайтарып алды.")
    assert refused.status_code == 422
    body = text(refused)
    error = body.split('id="override-level-error"')[1].split("</p>")[0]
    assert "Деңгейді тек супервайзер төмендете алады." in error
    assert "Жәбірленуші арызын қайтарып алды.</textarea>" in body
    assert 'data-draft-restore="never"' in body
    assert events(senim) == head
    assert level_of(senim, assessment_id, psychologist) == "3"


def test_a_supervisor_lowers_a_level(client, senim, psychologist, supervisor):
    assessment_id = recorded_odara(senim, psychologist, yes=3)
    sign_in(client, supervisor[0].username)
    page = text(client.get(f"/assessments/{assessment_id}"))
    assert OFFERED.findall(page) == [level for level in ODARA_LEVELS if level != "3"]
    assert "Понизить уровень может только супервайзер." not in page
    lowered = override(client, assessment_id, "1", "Два пункта записаны по ошибке: это был другой эпизод.")
    assert lowered.status_code == 302, text(lowered)
    assert level_of(senim, assessment_id, supervisor[0]) == "1"
    page = text(client.get(lowered.headers["Location"]))
    assert "Два пункта записаны по ошибке" in page and supervisor[0].username in page


def test_another_psychologist_gets_no_form_and_a_403(client, senim, psychologist, colleague):
    assessment_id = recorded_odara(senim, psychologist)
    sign_in(client, colleague.username)
    page = client.get(f"/assessments/{assessment_id}")
    assert page.status_code == 403 and "override-reason" not in text(page)
    head = events(senim)
    refused = post(client, f"/assessments/{assessment_id}/override",
                   {"override-level": "2", "override-reason": "Моё мнение."})
    assert refused.status_code == 403 and refused.content_type.startswith("text/html")
    assert events(senim) == head
    assert level_of(senim, assessment_id, psychologist) == "0"


def test_a_missing_reason_is_refused_next_to_it_with_the_level_kept(client, senim, psychologist):
    assessment_id = recorded_odara(senim, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    for reason, message in (("", "Заполните это поле."), ("  \n ", "Опишите причину словами.")):
        refused = override(client, assessment_id, "2", reason)
        assert refused.status_code == 422
        body = text(refused)
        assert message in body.split('id="override-reason-error"')[1].split("</p>")[0]
        assert re.search(r'value="2"\s+checked', body)  # the chosen level is kept
        assert 'href="#override-reason"' in body  # the error summary links to the field
    assert events(senim) == head


@pytest.mark.parametrize("level, message", [
    ("teleport", "Выберите один из предложенных вариантов."), ("", "Выберите новый уровень."),
    ("0", "Оценка уже на этом уровне."), ("\x00" * 3 + "x" * 5000, "Выберите один из предложенных вариантов."),
    (["2", "3"], None)], ids=["unknown", "missing", "current", "junk", "two-values"])
def test_a_bad_level_is_explained_next_to_it_never_a_crash(client, senim, psychologist, level, message):
    assessment_id = recorded_odara(senim, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    page = override(client, assessment_id, level, "Причина.")
    if message is None:  # two values: the first counts, as a browser never sends both
        assert page.status_code == 302
        assert level_of(senim, assessment_id, psychologist) == "2"
        return
    assert page.status_code == 422, text(page)[-2000:]
    assert message in text(page).split('id="override-level-error"')[1].split("</p>")[0]
    assert events(senim) == head


def test_an_override_without_a_csrf_token_is_refused(client, senim, psychologist):
    assessment_id = recorded_odara(senim, psychologist)
    sign_in(client, psychologist.username)
    head = events(senim)
    refused = client.post(f"/assessments/{assessment_id}/override",
                          data={"override-level": "2", "override-reason": "Без токена."})
    assert refused.status_code == 400
    assert events(senim) == head
    assert level_of(senim, assessment_id, psychologist) == "0"
    # The action's address opened as a page leads back to the assessment.
    assert client.get(f"/assessments/{assessment_id}/override").headers["Location"].endswith(
        f"/assessments/{assessment_id}")


JUNK = {"schedule-day": "\x00", "schedule-start": "9" * 5000, "schedule-duration": "-1", "schedule-format": ["a", "b"],
        "schedule-colleague": "' OR 1=1 --", "attendance-attended": "maybe", "complete-outcome": "\ud7ff" * 3,
        "consultation-channel": "fax", "consultation-day": "2026-02-30", "consultation-start": "24:00",
        "consultation-end": "-", "consultation-outcome": "x" * 300, "consultation-done": ["nope"],
        "release-reason": "", "decline-reason": "x" * 100_000, "cancel-reason": "\t",
        "session-day": "9999-99-99", "session-start": "", "session-attended": "perhaps", "drop_out-reason": "",
        "assessment": "../../etc/passwd", "referral": "not-a-uuid", "answer-prior_custody": "", "back": "week:nonsense",
        "monday-0-start": "25:00", "monday-0-end": "xx", "sunday-7-start": "10:00", "sunday-7-end": "09:00"}


@pytest.mark.parametrize("path", ["/referrals/{r}/claim", "/referrals/{r}/release", "/referrals/{r}/decline",
                                  "/referrals/{r}/cancel", "/referrals/{r}/schedule", "/referrals/{r}/attendance",
                                  "/referrals/{r}/complete", "/referrals/{r}/consultation", "/programme/enrol",
                                  "/programme/{p}/sessions", "/programme/{p}/complete", "/programme/{p}/drop-out",
                                  "/working-hours", "/assessments/new?instrument=odara&referral={r}",
                                  "/assessments/new?instrument=aggressor_status&case=junk",
                                  "/assessments/{p}/override"])
def test_junk_in_any_form_is_a_page_never_a_crash(client, senim, consultant, psychologist, path):
    referral_id = claimed(senim, consultant, psychologist)
    sign_in(client, psychologist.username)
    page = client.post(path.format(r=referral_id, p=uuid4()), data={**JUNK, "csrf_token": csrf_token(client, "/queue")})
    assert page.status_code < 500, text(page)[-2000:]
    assert page.content_type.startswith("text/html")


# Linking is not a key: refusals said in words, nothing written ------------------------------------

def eligible_assessment(senim, assessor) -> UUID:
    from domain import instruments
    given = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
    return senim.assessments.record({"instrument": "aggressor_status", "answers": {**given, "physical_violence": "yes"}},
                                    actor=assessor).id


def test_an_assessment_for_someone_elses_case_named_in_the_address_is_refused_in_words(client, senim, consultant,
                                                                                      psychologist):
    case = senim.cases.open({"summary": "Чужое дело."}, actor=consultant[0])
    sign_in(client, psychologist.username)
    url = f"/assessments/new?instrument=odara&case={case.id}"
    head = events(senim)
    refused = post(client, url, all_answers("odara"), token_from=url)
    assert refused.status_code == 403
    assert "Вы не работаете с этим делом, поэтому к нему ничего нельзя привязать." in text(refused)
    assert events(senim) == head


def test_enrolment_on_another_psychologists_assessment_is_refused_in_words(client, senim, psychologist, colleague):
    assessment = eligible_assessment(senim, colleague)
    sign_in(client, psychologist.username)
    head = events(senim)
    page = post(client, "/programme/enrol", {"assessment": str(assessment)}, token_from="/programme")
    assert page.status_code == 403
    assert "Эта запись вам недоступна, поэтому к ней ничего нельзя привязать." in text(page)
    assert events(senim) == head


def test_a_session_of_a_participation_someone_else_runs_is_refused_in_words(client, senim, psychologist, colleague):
    participation = senim.programme.enrol({"assessment_id": eligible_assessment(senim, colleague)}, actor=colleague).id
    sign_in(client, psychologist.username)
    url = f"/programme/{participation}"
    today = datetime.now(SERVICE_TIMEZONE) - timedelta(minutes=1)
    head = events(senim)
    page = post(client, url + "/sessions", {"session-day": today.date().isoformat(),
                                            "session-start": today.strftime("%H:%M"), "session-attended": "yes"},
                token_from=url)
    assert page.status_code == 403
    assert "Изменять это участие может только психолог, который его ведёт, или супервизор." in text(page)
    assert events(senim) == head
