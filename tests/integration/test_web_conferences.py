"""The case conference pages through Flask's test client, in Russian: the list and scheduling, the meeting
page (agenda, decisions, actions, marking done), refusals said in the page's words, the agency's copy, the
case page's conferences section, and who may open what."""
import re
from datetime import timedelta
from uuid import UUID

import pytest

from domain.clock import local, utc_now
from tests.helpers.web import csrf_token, pages_in, sign_in

russian = pages_in("ru")
POLICE, SCHOOL = "Отдел полиции", "Школа № 5"
VICTIM = "Айгүл Сейткали"


def today():
    return local(utc_now()).date()


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, token_from: str = "/casework/conferences"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


@pytest.fixture
def family(senim, consultant, psychologist):
    """A case with a named victim, worked on by the consultant (its owner) and the psychologist."""
    case = senim.cases.open({"summary": "Семья в кризисе", "persons": [{"role": "victim", "name": VICTIM}]},
                            actor=consultant[0]).id
    senim.cases.add_worker(case, user_id=UUID(psychologist[0].user_id), reason="терапия", actor=consultant[0])
    return case


def test_a_psychologist_schedules_a_meeting_records_decisions_and_actions_and_marks_one_done(
        client, senim, psychologist, supervisor, family):
    assert sign_in(client, psychologist[0].username).status_code == 302
    listing = client.get("/casework/conferences")
    assert listing.status_code == 200 and "Совещания по делам" in text(listing)
    assert 'href="/casework/conferences"' in text(listing)  # in the navigation
    scheduled = post(client, "/casework/conferences", {
        "kind": "multi_agency", "held_on": today().isoformat(), "attendees": [supervisor[0].user_id],
        "agencies": f"{POLICE}\n{SCHOOL}\n", "cases": family, "previous": ""})
    assert scheduled.status_code == 302, text(scheduled)
    meeting = scheduled.headers["Location"]
    page = client.get(meeting)
    body = text(page)
    assert "Совещание назначено." in body and "Межведомственное совещание" in body and POLICE in body
    assert str(family)[:8] in body
    conference_id = meeting.rsplit("/", 1)[-1]
    recorded = post(client, f"{meeting}/discussions", {
        "discussion-case": str(family), "discussion-decisions": "Пересмотреть план безопасности",
        "discussion-agencies": POLICE}, token_from=meeting)
    assert recorded.status_code == 302, text(recorded)
    agreed = post(client, f"{meeting}/actions", {
        "action-case": str(family), "action-text": "Навестить семью", "action-owner": f"agency:{POLICE}",
        "action-due_on": (today() + timedelta(days=7)).isoformat()}, token_from=meeting)
    assert agreed.status_code == 302, text(agreed)
    body = text(client.get(meeting))
    assert "Пересмотреть план безопасности" in body and "Навестить семью" in body and "Поручение согласовано." in body
    (action_id,) = re.findall(rf"/casework/conferences/{conference_id}/actions/([0-9a-f-]{{36}})/done", body)
    done = post(client, f"{meeting}/actions/{action_id}/done", {}, token_from=meeting)
    assert done.status_code == 302
    assert "Поручение отмечено выполненным." in text(client.get(meeting))
    again = post(client, f"{meeting}/actions/{action_id}/done", {}, token_from=meeting)
    assert again.status_code == 409 and "Поручение уже отмечено выполненным." in text(again)
    # The case page shows the meeting.
    case_page = text(client.get(f"/casework/cases/{family}"))
    assert "Совещания по делам" in case_page and f"/casework/conferences/{conference_id}" in case_page


def test_refusals_come_back_in_russian_next_to_their_fields(client, psychologist, family):
    assert sign_in(client, psychologist[0].username).status_code == 302
    too_far = post(client, "/casework/conferences", {
        "kind": "supervision", "held_on": (today() + timedelta(days=800)).isoformat(), "previous": ""})
    assert too_far.status_code == 422
    assert re.search(r'id="held_on-error">Совещание назначается не более чем на год вперёд.', text(too_far))
    no_case = post(client, "/casework/conferences", {
        "kind": "supervision", "held_on": today().isoformat(), "previous": "", "cases": "not-a-case"})
    assert no_case.status_code == 422 and 'id="cases-error">Это не номер записи' in text(no_case), text(no_case)


def test_a_consultant_sees_the_list_but_may_not_schedule(client, consultant):
    assert sign_in(client, consultant[0].username).status_code == 302
    page = client.get("/casework/conferences")
    assert page.status_code == 200 and "Назначить совещание" not in text(page)
    refused = client.post("/casework/conferences", data={"kind": "supervision", "held_on": today().isoformat(),
                                                          "csrf_token": csrf_token(client, "/casework/conferences")})
    assert refused.status_code == 403


def test_an_agencys_printable_copy_holds_only_its_own(client, senim, psychologist, family):
    conference = senim.conferences.schedule({"kind": "multi_agency", "held_on": today(), "agencies": [POLICE, SCHOOL],
                                             "case_ids": [family]}, actor=psychologist[0]).id
    senim.conferences.discuss(conference, case_id=family, decisions="Внутреннее решение", actor=psychologist[0])
    senim.conferences.discuss(conference, case_id=family, decisions="Полиции: патруль", agencies=[POLICE],
                              actor=psychologist[0])
    senim.conferences.agree_action(conference, case_id=family, text="Отчёт школы", due_on=today(),
                                   owner={"kind": "agency", "agency": SCHOOL}, actor=psychologist[0])
    senim.conferences.agree_action(conference, case_id=family, text="Патруль у дома", due_on=today(),
                                   owner={"kind": "agency", "agency": POLICE}, actor=psychologist[0])
    assert sign_in(client, psychologist[0].username).status_code == 302
    page = client.get(f"/casework/conferences/{conference}/minutes", query_string={"agency": POLICE})
    body = text(page)
    assert page.status_code == 200 and "Выписка из протокола для: Отдел полиции" in body
    assert "Полиции: патруль" in body and "Патруль у дома" in body
    for secret in ("Внутреннее решение", "Отчёт школы", VICTIM, "Семья в кризисе", psychologist[0].username):
        assert secret not in body.split("</header>", 1)[1], secret
    unknown = client.get(f"/casework/conferences/{conference}/minutes", query_string={"agency": "Прокуратура"})
    assert unknown.status_code == 422 and "Это ведомство не участвует в совещании." in text(unknown)


def test_a_case_discussed_again_within_a_year_is_flagged_on_the_case_page(client, senim, supervisor, consultant,
                                                                          family):
    for days_ago in (100, 0):
        conference = senim.conferences.schedule({"kind": "supervision", "held_on": today() - timedelta(days=days_ago),
                                                 "case_ids": [family]}, actor=supervisor[0]).id
        senim.conferences.discuss(conference, case_id=family, decisions="Обсудили", actor=supervisor[0])
    assert sign_in(client, consultant[0].username).status_code == 302
    assert "Повторное обсуждение в течение 12 месяцев" in text(client.get(f"/casework/cases/{family}"))
    assert "Повторное обсуждение в течение 12 месяцев" in text(client.get(f"/casework/conferences/{conference}"))


def test_someone_who_neither_attends_nor_works_on_its_cases_cannot_open_a_meeting(client, senim, make_user,
                                                                                  supervisor, family):
    conference = senim.conferences.schedule({"kind": "supervision", "held_on": today(), "case_ids": [family]},
                                            actor=supervisor[0]).id
    outsider = make_user("psychologist")[0]
    assert sign_in(client, outsider.username).status_code == 302
    assert client.get(f"/casework/conferences/{conference}").status_code == 403
    assert str(conference) not in text(client.get("/casework/conferences"))


def test_cases_are_chosen_from_ones_own_never_typed(client, senim, psychologist, consultant, family):
    """Scheduling and the agenda offer the cases the member of staff works on; no one pastes a case's id."""
    other = senim.cases.open({"summary": "Чужое дело"}, actor=consultant[0]).id  # the psychologist is not on it
    assert sign_in(client, psychologist[0].username).status_code == 302
    listing = text(client.get("/casework/conferences"))
    assert f'value="{family}"' in listing and f'value="{other}"' not in listing
    scheduled = post(client, "/casework/conferences", {"kind": "supervision", "held_on": today().isoformat(),
                                                        "previous": ""})
    assert scheduled.status_code == 302, text(scheduled)
    meeting = scheduled.headers["Location"]
    agenda = re.search(r'<select id="agenda-case".*?</select>', text(client.get(meeting)), re.DOTALL).group(0)
    assert f'value="{family}"' in agenda and f'value="{other}"' not in agenda
    added = post(client, f"{meeting}/cases", {"agenda-case": str(family)}, token_from=meeting)
    assert added.status_code == 302, text(added)
    page = text(client.get(meeting))
    assert "Дело внесено в повестку." in page
    assert f'value="{family}"' not in re.search(r'<select id="agenda-case".*?</select>', page, re.DOTALL).group(0)
