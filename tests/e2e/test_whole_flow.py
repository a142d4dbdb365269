"""The whole path of one call, in a real browser, in Kazakh and in Russian: a consultant logs a
dangerous call with a case file and a referral to the family service; a psychologist claims it from
the queue, books the appointment and records the consultation; a supervisor finds the call and the
referral in the case history and in the statistics."""
import re
from collections import Counter
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from domain.referral import Referral
from domain.schedule import Availability
from tests.e2e.conftest import check_accessibility, screenshot, sign_in
from tests.e2e.test_psychologist import ALL_DAY, staff

TEXT = {
    "kk": {"saved": "Өтініш сақталды", "booked": "Кездесу белгіленді.", "came": "Белгіленді: адам келді.",
           "recorded": "Кеңес тіркелді, жолдама жабылды."},
    "ru": {"saved": "Обращение сохранено", "booked": "Встреча назначена.", "came": "Отмечено: человек пришёл.",
           "recorded": "Консультация записана, направление закрыто."},
}
# What this module has written on each site so far: the dashboard must count exactly that.
WRITTEN: dict[str, Counter] = {}


def consultant_logs_the_call(site, new_page, language: str) -> dict:
    page = new_page(language)
    sign_in(page, site, site.user("consultant", language))
    page.check("input[name=caller_role][value=victim]")
    page.fill("#caller_phone", "+7 705 000 11 22")
    expect(page.locator("#caller-history")).not_to_be_empty()  # the repeat-caller answer, before the layout moves on
    page.check("input[name=categories][value=physical_assault]")
    page.fill("#summary", "Муж избил, угрожает ножом; с ней двое детей.")
    page.check("input[name=risk][value=immediate_danger]")
    page.check("input[name=risk][value=children_at_risk]")
    expect(page.locator("#danger-panel")).to_be_visible()
    expect(page.locator("#danger-panel .emergency-numbers")).to_contain_text("112")
    page.check("input[name=consent_services][value=yes]")
    page.check("input[name=consent_reporting][value=yes]")
    page.check("#open_case")
    page.check("#make_referral")
    page.check("input[name=referral_target][value=family_service]")
    page.check("input[name=referral_urgency][value=urgent]")
    page.fill("#referral_reason", "Нужна консультация психолога для неё и детей.")
    with page.expect_navigation():
        page.click("#save-end")
    expect(page.locator("h1")).to_have_text(TEXT[language]["saved"])
    screenshot(page, f"flow-consultant-saved-{language}-{site.store}")
    found = {name: re.search(rf"{name}=([0-9a-f-]{{36}})", page.url) for name in ("case", "referral")}
    assert all(found.values()), page.url
    return {name: match.group(1) for name, match in found.items()}


def psychologist_takes_it_up(site, new_page, language: str, referral_id: str) -> str:
    psychologist = staff(site, "psychologist", language)
    page = new_page(language)
    sign_in(page, site, psychologist.username)
    claim = page.locator(f'form[action="/referrals/{referral_id}/claim"] button')
    for _ in range(20):  # the queue is a projection: on PostgreSQL the worker may take a moment
        if claim.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    check_accessibility(page, f"queue in the whole flow ({language})")
    with page.expect_navigation():
        claim.click()

    page.goto(f"{site.url}/referrals/{referral_id}")
    day = (datetime.now(SERVICE_TIMEZONE) + timedelta(days=7)).date().isoformat()
    page.fill("#schedule-day", day)
    page.fill("#schedule-start", "10:00")
    page.check('input[name="schedule-format"][value="in_person"]')
    with page.expect_navigation():
        page.click("#schedule-heading ~ .schedule-layout button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(TEXT[language]["booked"])

    # A week later: the appointment has begun (moved into the past here, as the calendar would).
    with site.services() as senim:
        referral = senim.store.load(UUID(referral_id), Referral)
        now = datetime.now(SERVICE_TIMEZONE)
        referral.schedule(at=now - timedelta(minutes=5), format="in_person", actor=psychologist,
                          duration=timedelta(minutes=1), now=now - timedelta(days=1),
                          availability={psychologist.username: Availability(ALL_DAY)})
        senim.store.commit(referral)
    came = page.locator(f'li.appointment:has(a[href="/referrals/{referral_id}"]) form.attendance button[value=yes]')
    for _ in range(30):
        page.goto(f"{site.url}/week?week={now.date().isoformat()}")
        if came.count():
            break
        page.wait_for_timeout(500)
    with page.expect_navigation():
        came.click()
    expect(page.locator(".flash-success")).to_contain_text(TEXT[language]["came"])

    page.goto(f"{site.url}/referrals/{referral_id}")
    page.check("#consultation-done-psychological_support")
    page.fill("#consultation-summary", "Составили план безопасности, договорились о группе поддержки.")
    page.select_option("#consultation-outcome", "consultation_held")
    with page.expect_navigation():
        page.click("#consultation-heading ~ form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(TEXT[language]["recorded"])
    screenshot(page, f"flow-psychologist-referral-{language}-{site.store}")
    return psychologist.username


def supervisor_finds_both(site, new_page, language: str, ids: dict, psychologist: str) -> None:
    page = new_page(language)
    sign_in(page, site, site.user("supervisor", language))
    page.goto(f"{site.url}/cases")
    case_link = page.locator(f"a[href='/cases/{ids['case']}']")
    for _ in range(20):
        if case_link.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    with page.expect_navigation():
        case_link.click()
    events = page.locator("table.events")
    for _ in range(20):  # the referral's last steps may still be on their way to the case timeline
        if psychologist in events.inner_text() and events.locator("tr.kind-referral").count() >= 4:
            break
        page.wait_for_timeout(500)
        page.reload()
    assert events.locator("tr.kind-contact").count() >= 1, "the call is in the case history"
    assert events.locator("tr.kind-referral").count() >= 4, "made, claimed, scheduled, attended, completed"
    assert site.user("consultant", language) in events.inner_text()
    assert psychologist in events.inner_text()
    check_accessibility(page, f"case history in the whole flow ({language})")
    screenshot(page, f"flow-supervisor-case-{language}-{site.store}")

    expected = WRITTEN[site.store]
    figures = {}
    for _ in range(30):
        page.goto(f"{site.url}/supervision")
        figures = {total: int(page.locator(f"dd.figure[data-total={total}]").get_attribute("data-count"))
                   for total in ("contacts", "referrals")}
        if figures == dict(expected):
            break
        page.wait_for_timeout(500)
    assert figures == dict(expected)
    check_accessibility(page, f"dashboard in the whole flow ({language})")
    screenshot(page, f"flow-supervisor-dashboard-{language}-{site.store}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_call_travels_from_the_trust_line_to_the_family_service_and_into_the_report(site, new_page, language):
    ids = consultant_logs_the_call(site, new_page, language)
    psychologist = psychologist_takes_it_up(site, new_page, language, ids["referral"])
    # The call, and the consultation the psychologist recorded; one referral.
    WRITTEN.setdefault(site.store, Counter()).update({"contacts": 2, "referrals": 1})
    supervisor_finds_both(site, new_page, language, ids, psychologist)
