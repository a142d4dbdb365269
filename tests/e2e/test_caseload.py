"""Caseloads in a real browser, in Russian and Kazakh: a psychologist's own caseload (overdue first, each
row a link to the case page), the supervisor's list across workers with its filters used by keyboard,
the page at 390 px wide without sideways scrolling, and axe-core on each."""
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from domain.clock import local, utc_now
from intake.bootstrap import bootstrap
from intake.config import Settings
from intake.queries.caseload import add_months
from tests.e2e.conftest import check_accessibility, screenshot, sign_in
from tests.helpers.casework_events import CaseworkWriter

TODAY = local(utc_now()).date()
WORDS = {"ru": {"mine": "Мои случаи", "all": "Случаи всех специалистов", "overdue": "Просрочено"},
         "kk": {"mine": "Менің істерім", "all": "Барлық маманның істері", "overdue": "Мерзімі өткен"}}


@pytest.fixture(scope="module")
def caseload_world(site):
    """Two cases of one psychologist (one overdue for review, one with nothing due soon) and one of another."""
    psychologist = site.user("psychologist", "ru")
    other = site.user("psychologist", "kk")
    redis_url = os.environ.get("SENIM_TEST_REDIS_URL") if site.store == "postgres" else None
    senim = bootstrap(Settings(database_url=site.database_url, redis_url=redis_url, testing=True))
    try:
        writer = CaseworkWriter(senim)
        first = senim.staff.get_by_username(psychologist).as_actor()
        second = senim.staff.get_by_username(other).as_actor()
        overdue, _ = writer.open_case(add_months(TODAY, -8), first, children=2)
        later, _ = writer.open_case(TODAY - timedelta(days=3), first, service="helpline")
        elsewhere, _ = writer.open_case(TODAY - timedelta(days=10), second)
        writer.flush()
    finally:
        senim.close()
    return {"psychologist": psychologist, "other": other, "overdue": str(overdue), "later": str(later),
            "elsewhere": str(elsewhere)}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_psychologist_reads_their_caseload_overdue_first(site, caseload_world, new_page, language):
    page = new_page(language)
    sign_in(page, site, caseload_world["psychologist"] if language == "ru" else caseload_world["other"])
    page.goto(site.url + "/casework/")
    expect(page.locator("h1")).to_have_text(WORDS[language]["mine"])
    rows = page.locator("table.caseload tbody tr[data-case]")
    if language == "ru":
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_have_attribute("data-case", caseload_world["overdue"])
        expect(rows.nth(0)).to_contain_text(WORDS[language]["overdue"])
        expect(rows.nth(0).locator("a")).to_have_attribute("href", f"/casework/cases/{caseload_world['overdue']}")
    else:
        expect(rows).to_have_count(1)
        expect(rows.nth(0)).to_have_attribute("data-case", caseload_world["elsewhere"])
    check_accessibility(page, f"my caseload ({language})")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"caseload-mine-{language}-{site.store}")


def test_a_supervisor_filters_every_workers_caseload_by_keyboard(site, caseload_world, new_page):
    page = new_page("ru")
    sign_in(page, site, site.user("supervisor", "ru"))
    page.goto(site.url + "/casework/all")
    expect(page.locator("h1")).to_have_text(WORDS["ru"]["all"])
    rows = page.locator("table.caseload tbody tr[data-case]")
    expect(rows.first).to_be_visible()
    page.select_option("#service", "helpline")
    page.focus("#due")
    page.keyboard.press("Tab")  # to the Show button
    expect(page.locator("form.filters button[type=submit]")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-case", caseload_world["later"])
    check_accessibility(page, "every worker's caseload")
    screenshot(page, f"caseload-all-{site.store}")
