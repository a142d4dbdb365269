"""A supervisor audits a case in a real browser, in Kazakh and in Russian: finds the case's events in
its history, filters them by type, picks an earlier moment and sees the case as it stood then, and
opens the access log of a contact to see who read it."""
import time
import uuid
from datetime import timedelta

import pytest
import requests

from domain import instruments
from domain.clock import local, utc_now
from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in

WORDS = {
    "kk": {"cases": "Істер", "closed": "Іс жабылды", "opened": "Іс ашылды", "recorded": "Өтініш тіркелді",
           "referral": "Жолдама жасалды", "assessment": "Бағалау жүргізілді", "in_progress": "Жұмыста",
           "closed_status": "Жабық", "not_yet": "Ол сәтте іс әлі ашылмаған еді.", "access_log": "Қол жеткізу журналы",
           "contact": "өтініш", "show": "Көрсету", "who_opened": "Кім ашқан", "as_of": "жағдайы бойынша",
           "everything": "Барлығы, қазіргі күйі", "consultant": "кеңесші"},
    "ru": {"cases": "Дела", "closed": "Дело закрыто", "opened": "Дело открыто",
           "recorded": "Обращение зарегистрировано",
           "referral": "Направление создано", "assessment": "Оценка проведена", "in_progress": "В работе",
           "closed_status": "Закрыто", "not_yet": "На тот момент дело ещё не было открыто.",
           "access_log": "Журнал доступа", "contact": "обращение", "show": "Показать", "who_opened": "Кто открывал",
           "as_of": "по состоянию на", "everything": "Всё, на текущий момент", "consultant": "консультант"},
}


@pytest.fixture(scope="module")
def audited(site):
    """A case opened from a contact, with persons, a referral and an assessment; a few seconds later
    a note and its closure. The consultant then reads the contact through the API (a read to audit)."""
    with site.services() as senim:
        written = senim.staff.add_user(username=f"consu-{uuid.uuid4().hex[:4]}", role="consultant",
                                       password=PASSWORD, actor=ADMIN)
        consultant = senim.staff.get(written.id).as_actor()
        token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
        supervisor = senim.staff.get(senim.staff.user_id_of(site.user("supervisor", "ru"))).as_actor()
        contact = senim.contacts.record({
            "service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": utc_now() - timedelta(minutes=20), "caller": {"role": "victim"},
            "summary": "Муж угрожает."}, actor=consultant)
        case = senim.cases.open({"contact_id": contact.id, "summary": "Угрозы дома",
                                 "persons": [{"role": "victim", "name": "Айгүл С.", "phone": "+7 701 234 5678"},
                                             {"role": "aggressor", "name": "Болат С."}]}, actor=consultant)
        senim.referrals.make({"source": "helpline", "target": "family_service", "urgency": "routine",
                              "reason": "Агрессор просит помощи.", "consent": {"services": True},
                              "subject_role": "aggressor", "case_id": case.id}, actor=consultant)
        answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
        senim.assessments.record({"instrument": "victim_risk", "answers": answers, "case_id": case.id},
                                 actor=consultant)
        opened_at = utc_now()
        time.sleep(2.1)  # the picker chooses seconds: the closure lies clearly after this moment
        senim.cases.add_note(case.id, text="Перезвонила, в безопасности.", actor=consultant)
        senim.cases.close(case.id, reason="Передано в службу семьи", actor=supervisor)
    read = requests.get(f"{site.url}/api/v1/contacts/{contact.id}", headers={"Authorization": f"Bearer {token}"},
                        timeout=10)
    assert read.status_code == 200
    return {"case": str(case.id), "contact": str(contact.id), "consultant": consultant.username,
            "opened_at": opened_at}


def rows_text(page) -> str:
    return page.locator("table.events tbody").inner_text()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_supervisor_audits_a_case_its_past_and_who_read_its_contact(site, new_page, audited, language):
    words = WORDS[language]
    page = new_page(language)
    sign_in(page, site, site.user("supervisor", language))

    # The case list, from the navigation.
    with page.expect_navigation():
        page.locator("header nav").get_by_role("link", name=words["cases"], exact=True).click()
    case_link = page.locator(f"a[href='/cases/{audited['case']}']")
    # The list is a projection: on PostgreSQL the worker may take a while on a busy machine.
    deadline = time.monotonic() + 60
    while not case_link.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert words["closed_status"] in page.locator("tbody tr", has=case_link).inner_text()
    check_accessibility(page, f"cases ({language})")
    screenshot(page, f"supervisor-cases-{language}-{site.store}")

    # The history: every event of the case and of its records, in the page's language.
    with page.expect_navigation():
        case_link.click()
    events = rows_text(page)
    for what in ("recorded", "opened", "referral", "assessment", "closed"):
        assert words[what] in events, what
    assert audited["consultant"] in events
    check_accessibility(page, f"case history ({language})")
    screenshot(page, f"supervisor-case-{language}-{site.store}")

    # Filtered by type: only the closure.
    page.select_option("#type", "Case.Closed")
    with page.expect_navigation():
        page.click(f"form.audit-filters button:has-text('{words['show']}')")
    assert page.locator("table.events tbody tr").count() == 1
    assert words["closed"] in rows_text(page)

    # An earlier moment: after the case was opened, before it was closed.
    page.select_option("#type", "")
    page.fill("#as_of", local(audited["opened_at"] + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    with page.expect_navigation():
        page.click(f"form.audit-filters button:has-text('{words['show']}')")
    assert words["as_of"] in page.locator("#state-heading").inner_text()
    assert words["in_progress"] in page.locator(".case-state .facts").inner_text()
    events = rows_text(page)
    assert words["opened"] in events and words["closed"] not in events
    check_accessibility(page, f"case as of a moment ({language})")
    screenshot(page, f"supervisor-case-as-of-{language}-{site.store}")

    # Before it was opened, there was no case yet.
    page.fill("#as_of", local(audited["opened_at"] - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.click(f"form.audit-filters button:has-text('{words['show']}')")
    assert words["not_yet"] in page.locator(".case-state").inner_text()
    with page.expect_navigation():
        page.click(f"a:has-text('{words['everything']}')")
    assert words["closed"] in rows_text(page)

    # Who opened the contact: the consultant's read through the API, and this supervisor's own pages.
    row = page.locator("tbody tr", has_text=audited["contact"])
    with page.expect_navigation():
        row.locator(f"a:has-text('{words['who_opened']}')").click()
    assert page.locator("h1").inner_text() == words["access_log"]
    reads = page.locator("table.reads tbody").inner_text()
    assert f"{audited['consultant']} · {words['consultant']}" in reads and words["contact"] in reads
    assert "127.0.0.1" in reads
    check_accessibility(page, f"access log ({language})")
    screenshot(page, f"supervisor-access-log-{language}-{site.store}")

    # A record number typed into the form: the case's own reads, this supervisor's among them.
    page.fill("#record_id", audited["case"])
    with page.expect_navigation():
        page.click(f"form.audit-filters button:has-text('{words['show']}')")
    assert site.user("supervisor", language) in page.locator("table.reads tbody").inner_text()


def test_a_mistyped_moment_or_record_number_is_explained_next_to_the_field(site, new_page, audited):
    page = new_page("ru")
    sign_in(page, site, site.user("supervisor", "ru"))
    page.goto(f"{site.url}/audit/access?record_id=12345")
    assert "Введите или вставьте номер записи" in page.locator("#record_id-error").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check_accessibility(page, "access log with an error")
    page.goto(f"{site.url}/cases/{audited['case']}?as_of=вчера")
    assert "Введите дату и время" in page.locator("#as_of-error").inner_text()
    check_accessibility(page, "case history with an error")


def test_other_roles_may_not_open_the_audit_pages(site, new_page, audited):
    page = new_page("kk")
    sign_in(page, site, site.user("consultant", "kk"))
    for path in ("/cases", f"/cases/{audited['case']}", "/audit/access"):
        assert page.goto(site.url + path).status == 403
