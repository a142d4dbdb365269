"""The session register in a real browser, in Russian, on a 390 px wide phone: a facilitator opens their
group from the navigation, keeps the register of a session with one key per participant (1 present, 2 absent),
and sees the hours on the group page; the pages pass axe and do not scroll sideways."""
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in

PEOPLE = ("Сауле Ахметова", "Ержан Касымов", "Динара Омарова")


def facilitator_with_a_group(site) -> tuple[str, str]:
    """A psychologist (Russian pages) facilitating a parent course of three: (username, group id)."""
    senim = bootstrap(Settings(database_url=site.database_url, testing=True))
    try:
        written = senim.staff.add_user(username=f"psych-group-{uuid.uuid4().hex[:5]}", role="psychologist",
                                       password=PASSWORD, actor=ADMIN)
        senim.staff.choose_language(written.id, "ru", actor=ADMIN)
        actor = senim.staff.get(written.id).as_actor()
        start = datetime.now(SERVICE_TIMEZONE).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(weeks=3)
        group = senim.groups.plan({"programme": "strong_parents", "facilitators": [actor.user_id], "capacity": 12,
                                   "place": "Комната 2", "timetable": [{"starts_at": start + timedelta(weeks=n),
                                                                        "minutes": 120} for n in range(10)]},
                                  actor=actor).id
        for name in PEOPLE:
            senim.groups.enrol(group, {"name": name, "language": "ru"}, actor=actor)
        return actor.username, str(group)
    finally:
        senim.close()


def test_the_register_takes_one_key_per_participant_on_a_phone(site, new_page):
    username, group = facilitator_with_a_group(site)
    page = new_page("ru")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, site, username)
    page.get_by_role("link", name="Группы", exact=True).click()
    expect(page.get_by_role("heading", name="Мои группы", level=1)).to_be_visible()
    page.locator(f'a[href="/groups/{group}"]').click()
    expect(page.get_by_role("heading", name="«Сильные родители – сильные дети»")).to_be_visible()
    check_accessibility(page, "the group page")
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.locator(f'a[href="/groups/{group}/sessions/1"]').click()
    expect(page.get_by_role("heading", name="Журнал посещения занятия 1")).to_be_visible()
    page.get_by_label("Тема").fill("Эмоции и границы")
    page.get_by_role("group", name=PEOPLE[0]).get_by_label("Присутствовал(а)").focus()
    page.keyboard.press("1")
    expect(page.get_by_role("group", name=PEOPLE[1]).get_by_label("Присутствовал(а)")).to_be_focused()
    page.keyboard.press("2")
    expect(page.get_by_role("group", name=PEOPLE[2]).get_by_label("Присутствовал(а)")).to_be_focused()
    page.keyboard.press("1")
    expect(page.get_by_role("button", name="Сохранить журнал")).to_be_focused()
    expect(page.get_by_role("group", name=PEOPLE[1]).get_by_label("Отсутствовал(а)")).to_be_checked()
    check_accessibility(page, "the session register")
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    screenshot(page, f"group-register-{site.store}")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Журнал сохранён.")).to_be_visible()
    rows = page.get_by_role("table", name="Участники").get_by_role("row")
    expect(rows.filter(has_text=PEOPLE[0])).to_contain_text("2")
    expect(rows.filter(has_text=PEOPLE[1])).to_contain_text("0")
    screenshot(page, f"group-page-{site.store}")
