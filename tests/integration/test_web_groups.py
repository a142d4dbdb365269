"""The group pages through Flask's test client, in Russian (and one in Kazakh): planning a parent course,
enrolling, the session register, certificates, refusals in the page's words, the supervisor's programmes and
trainings, and who may open what."""
from datetime import timedelta

from domain.clock import local, utc_now
from tests.helpers.web import csrf_token, pages_in, sign_in

russian = pages_in("ru")


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, token_from: str = "/groups/"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def first_day() -> str:
    return (local(utc_now()).date() - timedelta(weeks=10)).isoformat()


def plan(client, facilitators, **data):
    return post(client, "/groups/", {"programme": "", "facilitators": facilitators, "first_day": first_day(),
                                     "first_time": "10:00", "sessions": "10", "minutes": "120", "capacity": "12",
                                     "place": "Комната 2", "region": "almaty", **data})


def test_a_facilitator_plans_a_course_enrols_keeps_the_register_and_prints_a_certificate(client, senim, psychologist):
    programme = str(senim.groups.programme("strong_parents", actor=psychologist[0]).id)
    assert sign_in(client, psychologist[0].username).status_code == 302
    listing = client.get("/groups/")
    assert listing.status_code == 200 and "Мои группы" in text(listing) and 'href="/groups/"' in text(listing)
    planned = plan(client, [psychologist[0].user_id], programme=programme)
    assert planned.status_code == 302, text(planned)
    group = planned.headers["Location"]
    page = text(client.get(group))
    assert "Группа запланирована." in page and "«Сильные родители – сильные дети»" in page
    enrolled = post(client, f"{group}/participants", {"name": "Сауле Ахметова", "sex": "female", "age": "34",
                                                      "social_statuses": ["public_sector", "ngo_members"],
                                                      "region": "almaty", "settlement": "urban", "language": "ru"},
                    token_from=group)
    assert enrolled.status_code == 302, text(enrolled)
    assert "Сауле Ахметова" in text(client.get(group))
    for number in range(1, 9):
        register = client.get(f"{group}/sessions/{number}")
        assert register.status_code == 200 and "Нажмите 1" in text(register)
        saved = post(client, f"{group}/sessions/{number}", {"held_on": first_day(), "topic": f"Тема {number}",
                                                            **_all_present(senim, group, psychologist)},
                     token_from=f"{group}/sessions/{number}")
        assert saved.status_code == 302, text(saved)
    page = text(client.get(group))
    assert "Сертификат (PDF)" in page
    participant = next(iter(senim.groups.get(_id(group), actor=psychologist[0]).participants))
    pdf = client.get(f"{group}/participants/{participant}/certificate")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def _id(location: str):
    from uuid import UUID
    return UUID(location.rstrip("/").rsplit("/", 1)[-1])


def _all_present(senim, group, psychologist) -> dict:
    found = senim.groups.get(_id(group), actor=psychologist[0])
    return {f"p-{pid}": "present" for pid in found.participants}


def test_refusals_are_said_in_the_pages_words(client, senim, psychologist):
    programme = str(senim.groups.programme("strong_parents", actor=psychologist[0]).id)
    assert sign_in(client, psychologist[0].username).status_code == 302
    refused = plan(client, [psychologist[0].user_id], programme=programme, place="", online_link="")
    assert refused.status_code == 422 and "Укажите место или ссылку для онлайн-занятий." in text(refused)
    group = plan(client, [psychologist[0].user_id], programme=programme, capacity="1").headers["Location"]
    for name in ("Первый", "Второй"):
        answer = post(client, f"{group}/participants", {"name": name, "language": "ru"}, token_from=group)
    assert answer.status_code == 409 and "В группе нет мест" in text(answer)
    blank = post(client, f"{group}/participants", {"name": "", "language": "ru"}, token_from=group)
    assert blank.status_code == 422


def test_a_psychologist_reads_programmes_but_defines_none(client, psychologist):
    assert sign_in(client, psychologist[0].username).status_code == 302
    page = client.get("/groups/programmes")
    assert page.status_code == 200 and "Определить программу" not in text(page)
    assert post(client, "/groups/programmes", {"name_kk": "x"}, token_from="/groups/programmes").status_code == 403


def test_another_psychologist_may_not_open_a_group(client, senim, psychologist, make_user):
    programme = senim.groups.programme("strong_parents", actor=psychologist[0])
    start = local(utc_now()) - timedelta(weeks=2)
    group = senim.groups.plan({"programme": str(programme.id), "facilitators": [psychologist[0].user_id],
                               "timetable": [{"starts_at": start, "minutes": 60}], "capacity": 5, "place": "x"},
                              actor=psychologist[0]).id
    other = make_user("psychologist")[0]
    assert sign_in(client, other.username).status_code == 302
    assert client.get(f"/groups/{group}").status_code == 403


def test_a_consultant_has_no_group_pages(client, consultant):
    assert sign_in(client, consultant[0].username).status_code == 302
    assert client.get("/groups/").status_code == 403 and client.get("/groups/trainings").status_code == 403


def test_the_supervisor_sees_programmes_and_records_a_training(client, supervisor):
    assert sign_in(client, supervisor[0].username).status_code == 302
    programmes = client.get("/groups/programmes")
    assert programmes.status_code == 200 and "не менее 16 часов" in text(programmes)
    defined = post(client, "/groups/programmes", {
        "name_kk": "Қолдау тобы", "name_ru": "Группа поддержки", "name_en": "Support group", "kind": "support_group",
        "sessions": "8", "hours": "12", "min_hours": "", "min_sessions": "6"}, token_from="/groups/programmes")
    assert defined.status_code == 302, text(defined)
    assert "Группа поддержки" in text(client.get("/groups/programmes"))
    no_rule = post(client, "/groups/programmes", {
        "name_kk": "Топ", "name_ru": "Группа", "name_en": "Group", "kind": "other", "sessions": "8", "hours": "12",
        "min_hours": "", "min_sessions": ""}, token_from="/groups/programmes")
    assert no_rule.status_code == 422 and "Укажите условие завершения" in text(no_rule)
    day = (local(utc_now()).date() - timedelta(days=2)).isoformat()
    recorded = post(client, "/groups/trainings", {"kind": "webinar", "audience": "juvenile_police", "held_on": day,
                                                  "trainers": "Динара Ахметова\n", "topic": "Насилие в семье",
                                                  "regions": ["almaty", "abai"]}, token_from="/groups/trainings")
    assert recorded.status_code == 302, text(recorded)
    training = recorded.headers["Location"]
    added = post(client, f"{training}/participants", {"name": "Ержан Касымов", "organisation": "ДП г. Алматы",
                                                      "position": "инспектор", "region": "almaty"}, token_from=training)
    assert added.status_code == 302, text(added)
    page = text(client.get(training))
    assert "Ержан Касымов" in page and "Инспекторы полиции по делам несовершеннолетних" in page
    listing = text(client.get("/groups/trainings"))
    assert "Вебинар" in listing


def test_the_register_reads_in_kazakh(client, senim, psychologist):
    programme = senim.groups.programme("strong_parents", actor=psychologist[0])
    start = local(utc_now()).replace(hour=10, minute=0) - timedelta(weeks=2)
    group = senim.groups.plan({"programme": str(programme.id), "facilitators": [psychologist[0].user_id],
                               "timetable": [{"starts_at": start, "minutes": 120}], "capacity": 5, "place": "x"},
                              actor=psychologist[0]).id
    senim.groups.enrol(group, {"name": "Айгерим", "language": "kk"}, actor=psychologist[0])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"
    assert sign_in(client, psychologist[0].username).status_code == 302
    page = text(client.get(f"/groups/{group}/sessions/1"))
    assert "Сабаққа қатысу журналы" in page and "Айгерим" in page and "Келді" in page
