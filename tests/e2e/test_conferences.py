"""A case conference in a real browser, in Russian: a psychologist schedules a multi-agency meeting from the
navigation, records the decisions on a case and an action for the police, marks it done, prints the
police's copy of the minutes, and finds the meeting on the case page; every page passes axe and fits a
390 px wide phone without sideways scrolling."""
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in

POLICE = "Отдел полиции Алмалинского района"
VICTIM = "Айгүл Сейткали"


def psychologist_with_a_case(site) -> tuple[str, str]:
    """A psychologist (Russian pages) who owns a case with a named victim: (username, case id)."""
    senim = bootstrap(Settings(database_url=site.database_url, testing=True))
    try:
        written = senim.staff.add_user(username=f"psych-conf-{uuid.uuid4().hex[:5]}", role="psychologist",
                                       password=PASSWORD, actor=ADMIN)
        senim.staff.choose_language(written.id, "ru", actor=ADMIN)
        actor = senim.staff.get(written.id).as_actor()
        case = senim.cases.open({"summary": "Семья в кризисе", "persons": [{"role": "aggressor"}]}, actor=actor).id
        return actor.username, str(case)
    finally:
        senim.close()


def fits_a_phone(page, what: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_multi_agency_meeting_from_the_schedule_to_the_polices_copy(site, new_page):
    username, case = psychologist_with_a_case(site)
    page = new_page("ru")
    sign_in(page, site, username)
    page.get_by_role("link", name="Совещания по делам").click()
    expect(page.get_by_role("heading", name="Совещания по делам", level=1)).to_be_visible()
    check_accessibility(page, "the list of case conferences")
    fits_a_phone(page, "the list of case conferences")

    page.get_by_label("Межведомственное совещание").check()
    page.get_by_label("Дата совещания").fill(datetime.now(SERVICE_TIMEZONE).date().isoformat())
    page.get_by_label("Участвующие ведомства").fill(POLICE)
    page.get_by_label("Дела в повестке").select_option(case)
    page.get_by_role("button", name="Назначить совещание").click()
    expect(page.get_by_text("Совещание назначено.")).to_be_visible()

    page.locator("#discussion-case").select_option(case)
    page.get_by_label("Решения", exact=True).fill("Пересмотреть план безопасности вместе с полицией.")
    page.get_by_label(POLICE).check()
    page.get_by_role("button", name="Записать решения").click()
    expect(page.get_by_text("Решения записаны.")).to_be_visible()

    page.locator("#action-case").select_option(case)
    page.get_by_label("Что сделать").fill("Профилактическая беседа с агрессором.")
    page.get_by_label("Исполнитель").select_option(label=POLICE)
    page.get_by_label("Срок").fill((datetime.now(SERVICE_TIMEZONE).date() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Согласовать поручение").click()
    expect(page.get_by_text("Поручение согласовано.")).to_be_visible()
    check_accessibility(page, "the meeting page")
    fits_a_phone(page, "the meeting page")
    screenshot(page, f"conference-meeting-{site.store}")

    page.get_by_role("button", name="Отметить выполненным").click()
    expect(page.get_by_text("Поручение отмечено выполненным.")).to_be_visible()

    page.get_by_role("link", name=POLICE).click()
    expect(page.get_by_role("heading", name=f"Выписка из протокола для: {POLICE}")).to_be_visible()
    expect(page.get_by_text("Профилактическая беседа с агрессором.")).to_be_visible()
    assert VICTIM not in page.content() and "Семья в кризисе" not in page.content()
    check_accessibility(page, "the police's copy of the minutes")
    fits_a_phone(page, "the police's copy of the minutes")
    screenshot(page, f"conference-minutes-{site.store}")

    page.goto(f"{site.url}/casework/cases/{case}")
    expect(page.get_by_role("heading", name="Совещания по делам")).to_be_visible()
    expect(page.get_by_role("link", name="Межведомственное совещание")).to_be_visible()
