"""Every page of every role on a phone (390×844): nothing scrolls sideways (issue 15, item 14), and the
referral queue refreshes by itself, keeping the focus (item 11). Screenshots land in tests/e2e/artifacts/."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from domain.schedule import WEEKDAYS, WeeklySchedule
from tests.e2e.conftest import ADMIN, PASSWORD, screenshot, sign_in

PHONE = {"width": 390, "height": 844}
HOURS = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})
# How far a page scrolls sideways: 0 when it fits the screen.
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
# For the failure message: the deepest elements whose hiding makes the page fit.
CULPRITS = """() => {
  const over = () => document.documentElement.scrollWidth - window.innerWidth;
  const found = [];
  const look = (element) => {
    for (const child of element.children) {
      const before = child.style.display;
      child.style.display = 'none';
      const fits = over() <= 0;
      child.style.display = before;
      if (fits) { if (!look(child)) found.push(`${child.tagName}.${child.className}: ${(child.textContent || '').trim().slice(0, 50)}`); return true; }
    }
    return false;
  };
  look(document.body);
  return found;
}"""


def member(senim, role: str, language: str, name: str | None = None):
    written = senim.staff.add_user(username=f"{role[:5]}-{uuid.uuid4().hex[:6]}", role=role, password=PASSWORD,
                                   actor=ADMIN)
    senim.staff.choose_language(written.id, language, actor=ADMIN)
    if role == "psychologist":
        senim.staff.set_working_hours(written.id, schedule=HOURS, actor=ADMIN)
    if name:
        senim.staff.set_display_names(written.id, names={"kk": name, "ru": name}, actor=ADMIN)
    return senim.staff.get(written.id).as_actor()


def a_call(role: str, name: str, **extra) -> dict:
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": datetime.now(timezone.utc) - timedelta(minutes=30),
            "ended_at": datetime.now(timezone.utc) - timedelta(minutes=5),
            "caller": {"role": role, "name": name, "phone": "+7 701 555 12 34", "language": "kk", "region": "almaty",
                       "address": "Алматы, микрорайон Жетысу-2, дом 45, квартира 118, подъезд 3"},
            "consent": {"services": True}, **extra}


def a_world(site, language: str) -> dict:
    """Staff of every role (long display names, as real ones are) and the records their pages show."""
    with site.services() as senim:
        people = {
            "consultant": member(senim, "consultant", language, "Айгерим Серикқызы Нурланова-Ахметова"),
            "psychologist": member(senim, "psychologist", language, "Гульнара Маратқызы Жумабаева"),
            "supervisor": member(senim, "supervisor", language, "Салтанат Ержанқызы Бекмуханбетова"),
            "admin": member(senim, "admin", language, "Дана Абайқызы Смагулова"),
        }
        consultant, psychologist = people["consultant"], people["psychologist"]
        contact = senim.contacts.record(a_call("aggressor", "Бауыржан Серикович Тестов-Длиннофамильный"),
                                        actor=consultant).id
        case = senim.cases.open({"contact_id": str(contact), "summary": "Жена звонила: угрозы, просит помочь мужу."},
                                actor=consultant).id
        senim.cases.add_person(case, {"role": "aggressor", "name": "Бауыржан Серикович Тестов-Длиннофамильный",
                                      "phone": "+7 701 555 12 34"}, actor=consultant)
        referral = senim.referrals.make(
            {"source": "helpline", "target": "family_service", "urgency": "urgent", "subject_role": "aggressor",
             "reason": "Жена звонила на линию: угрозы, просит помочь мужу; согласен на консультацию.",
             "consent": {"services": True}, "contact_id": str(contact), "case_id": str(case)}, actor=consultant).id
        senim.referrals.claim(referral, actor=psychologist)
        victim_contact = senim.contacts.record(a_call("victim", "Сауле Тестова", risk=["threats_to_kill", "strangulation",
                                                                                          "children_at_risk"]),
                                               actor=consultant).id
        waiting = senim.referrals.make(
            {"source": "helpline", "target": "family_service", "urgency": "emergency", "subject_role": "victim",
             "reason": "Угрозы убийством.", "consent": {"services": True}, "contact_id": str(victim_contact)},
            actor=consultant).id
        from domain import instruments
        answers = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
        answers["physical_violence"] = "yes"
        assessment = senim.assessments.record({"instrument": "aggressor_status", "answers": answers,
                                               "case_id": str(case)}, actor=psychologist).id
        participation = senim.programme.enrol({"assessment_id": assessment, "referral_id": referral,
                                               "case_id": case}, actor=psychologist).id
    return {"people": people, "contact": contact, "case": case, "referral": referral, "waiting": waiting,
            "assessment": assessment, "participation": participation}


def pages_of(role: str, world: dict) -> list[str]:
    """The pages a role opens besides those its menu links to."""
    people = world["people"]
    psychologist = people["psychologist"].user_id
    return {
        "consultant": [f"/contacts/{world['contact']}", f"/referrals/{world['referral']}",
                       f"/casework/cases/{world['case']}"],
        "psychologist": [f"/referrals/{world['referral']}", f"/referrals/{world['waiting']}",
                         f"/assessments/new?instrument=aggressor_status&referral={world['referral']}",
                         f"/assessments/{world['assessment']}", f"/programme/{world['participation']}",
                         f"/casework/cases/{world['case']}", "/assessments/new"],
        "supervisor": [f"/cases/{world['case']}", f"/referrals/{world['referral']}", "/supervision/escalations",
                       f"/admin/users/{psychologist}", f"/admin/users/{psychologist}/hours",
                       f"/casework/cases/{world['case']}", f"/programme/{world['participation']}"],
        "admin": ["/admin/users/new", f"/admin/users/{psychologist}", f"/admin/users/{psychologist}/hours"],
    }[role]


@pytest.fixture(scope="module")
def worlds(site):
    return {language: a_world(site, language) for language in ("kk", "ru")}


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("role", ["consultant", "psychologist", "supervisor", "admin"])
def test_no_page_of_the_role_scrolls_sideways_on_a_phone(site, browser, worlds, role, language):
    world = worlds[language]
    # Not is_mobile: a mobile browser zooms out to fit a page that is too wide, so innerWidth would grow
    # with the page and hide the very overflow this looks for.
    context = browser.new_context(locale=language, viewport=PHONE, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, site, world["people"][role].username)
        menu = page.eval_on_selector_all("header nav a", "links => links.map(link => link.getAttribute('href'))")
        assert menu, "the menu has no links"
        wide = {}
        for path in dict.fromkeys([*menu, *pages_of(role, world)]):
            page.goto(site.url + path)
            expect(page.locator("main h1").first).to_be_visible()
            overflow = page.evaluate(SIDEWAYS)
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-").replace("&", "-")[:60]
            screenshot(page, f"phone-{role}-{language}-{site.store}-{name or 'home'}")
            if overflow > 0:
                wide[path] = (overflow, page.evaluate(CULPRITS))
        assert not wide, f"pages wider than the phone (px too wide, widest elements): {wide}"
    finally:
        context.close()


def test_the_queue_refreshes_by_itself_and_keeps_the_focus(site, new_page, worlds):
    world = worlds["ru"]
    page = new_page("ru")
    page.clock.install()
    sign_in(page, site, world["people"]["psychologist"].username)
    page.goto(site.url + "/queue")
    claim = page.locator(f"#claim-{world['waiting']}")
    expect(claim).to_be_visible()
    expect(page.locator("table.queue")).to_contain_text("Угрозы убийством")  # the contact's danger signs
    claim.focus()
    with site.services() as senim:
        new = senim.referrals.make(
            {"source": "police", "target": "family_service", "urgency": "routine", "subject_role": "aggressor",
             "reason": "Полиция: защитное предписание.", "consent": {"services": True}},
            actor=world["people"]["consultant"]).id
    expect(page.locator(f"#claim-{new}")).to_have_count(0)
    page.clock.fast_forward("00:31")
    expect(page.locator(f"#claim-{new}")).to_be_visible(timeout=20_000)
    assert page.evaluate("() => document.activeElement.id") == f"claim-{world['waiting']}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_supervisors_menu_fits_one_line_on_a_laptop(site, new_page, worlds, language):
    page = new_page(language)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, site, worlds[language]["people"]["supervisor"].username)
    tops = page.eval_on_selector_all("header nav > ul > li", "items => items.map(item => item.getBoundingClientRect().top)")
    assert len(tops) >= 5 and max(tops) - min(tops) < 5, tops
    page.click("header nav details summary")  # the rest of the pages, one click (or Enter) away
    expect(page.locator('header nav details a[href="/admin/users"]')).to_be_visible()
    screenshot(page, f"supervisor-menu-{language}-{site.store}")
