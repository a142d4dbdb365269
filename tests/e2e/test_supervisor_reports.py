"""A supervisor's reporting in a real browser, in Kazakh and in Russian: the statistics dashboard with
its charts and tables, another date range, the registration journal with its CSV and XLSX files,
and the monthly report on screen and as printed."""
import csv
import io
import os
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from domain import instruments
from domain.clock import SERVICE_TIMEZONE, local, utc_now
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in

# What each language's page says (checked against the translations, not the English source).
WORDS = {
    "kk": {"statistics": "Статистика", "journal_heading": "Тіркеу нөмірі", "phone": "Телефон қоңырауы",
           "report": "Ай сайынғы есеп", "victim": "Зардап шеккен адам"},
    "ru": {"statistics": "Статистика", "journal_heading": "Регистрационный номер", "phone": "Телефонный звонок",
           "report": "Ежемесячный отчёт", "victim": "Пострадавший (пострадавшая)"},
}


def last_month_day(today: date) -> datetime:
    """Noon on the 15th of last month, local time: safely inside last month."""
    day = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
    return datetime.combine(day, time(12, 0), tzinfo=SERVICE_TIMEZONE)


def call(started_at: datetime, **overrides) -> dict:
    fields = {
        "service": "helpline", "channel": "phone", "started_at": started_at, "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 34, "region": "almaty"},
        "categories": ["physical_assault"], "outcome": ["safety_planning"],
        "consent": {"services": True, "reporting": True},
    }
    fields.update(overrides)
    return fields


@pytest.fixture(scope="module")
def recorded(site):
    """Contacts, referrals and an assessment, recorded through the application services: this month
    (a minute ago) and on the 15th of last month. Returns what the pages should show."""
    redis_url = None
    if site.store == "postgres":  # the worker hears of these writes as of the server's own
        redis_url = os.environ.get("SENIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    senim = bootstrap(Settings(database_url=site.database_url, redis_url=redis_url, testing=True))
    try:
        staff = {}
        for role in ("consultant", "psychologist"):
            written = senim.staff.add_user(username=f"{role[:5]}-{uuid.uuid4().hex[:4]}", role=role,
                                           password=PASSWORD, actor=ADMIN)
            staff[role] = senim.staff.get(written.id).as_actor()
        consultant = staff["consultant"]
        now = utc_now() - timedelta(minutes=1)
        earlier = last_month_day(local(now).date())
        this_month = [
            call(now), call(now), call(now, channel="whatsapp", caller={"role": "aggressor", "gender": "male"},
                                       categories=["psychological_abuse"]),
            call(now, service="family_service", channel="in_person"),
            call(now, service="family_service", channel="video", caller={"role": "aggressor", "gender": "male"}),
        ]
        last_month = [call(earlier), call(earlier, channel="web_chat", caller={"role": "relative"})]
        for fields in this_month + last_month:
            senim.contacts.record(fields, actor=consultant)
        for source, when in (("helpline", earlier), ("helpline", earlier), ("police", earlier),
                             ("crisis_centre", None)):
            senim.referrals.make({"source": source, "target": "family_service", "reason": "Домашнее насилие",
                                  "urgency": "urgent", "consent": {"services": True}, "subject_role": "aggressor",
                                  **({"now": when} if when else {})}, actor=consultant)
        answers = {item["id"]: "yes" if n < 11 else "no"
                   for n, item in enumerate(instruments.get("victim_risk")["items"])}
        senim.assessments.record({"instrument": "victim_risk", "answers": answers}, actor=staff["psychologist"])
        # Last month's urgent referrals are long overdue: escalate them now, as the periodic job
        # would, so the dashboard's key figure and the escalations page do not race that job.
        senim.projections.catch_up("referral_queue")
        senim.escalation.escalate_overdue(utc_now())  # those the site's own sweep has not flagged yet
        senim.projections.catch_up("referral_queue")
    finally:
        senim.close()
    return {"this_month": 5, "helpline_this_month": 3, "phone_this_month": 2, "last_month": 2,
            "last_month_day": earlier.date(), "referrals_last_month": 3, "aggressors_from_helpline": 2,
            "escalated": 3}


def figures(page, prefix: str) -> dict[str, int]:
    """The raw counts of a page's tables: {"<chart>:<code>": n}."""
    cells = page.eval_on_selector_all(
        f'[data-cell^="{prefix}"]', "cells => cells.map(c => [c.dataset.cell, Number(c.dataset.count)])")
    return dict(cells)


def total(page, name: str) -> int:
    return int(page.get_attribute(f'[data-total="{name}"]', "data-count"))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_supervisor_reads_the_statistics_journals_and_monthly_report(site, new_page, recorded, language,
                                                                        tmp_path):
    words = WORDS[language]
    page = new_page(language)
    sign_in(page, site, site.user("supervisor", language))

    # The dashboard: the current month so far, every chart with its table.
    page.goto(site.url + "/supervision")
    assert page.locator("h1").inner_text() == words["statistics"]
    assert total(page, "contacts") == recorded["this_month"]
    by_channel = figures(page, "by-channel:")
    assert by_channel == {"by-channel:phone": 2, "by-channel:whatsapp": 1, "by-channel:in_person": 1,
                          "by-channel:video": 1}
    assert figures(page, "by-caller-role:")["by-caller-role:victim"] == 3
    assert total(page, "referrals") == 1 and total(page, "assessments") == 1
    assert figures(page, "risk-victim_risk:")["risk-victim_risk:medium"] == 1
    phone_row = page.locator("#by-channel tbody tr", has_text=words["phone"])
    assert phone_row.locator("td").first.inner_text() == "2"
    chart = page.locator("#by-channel svg[role=img]")
    assert words["phone"] in chart.locator("title").first.text_content()
    assert chart.get_attribute("aria-label")
    assert page.locator("#by-day svg rect.bar").count() == local(utc_now()).day
    assert sum(figures(page, "by-day:").values()) == recorded["this_month"]
    check_accessibility(page, f"statistics dashboard ({language})")
    screenshot(page, f"supervisor-dashboard-{language}-{site.store}")

    # The escalations behind the key figure: last month's urgent referrals, long past their claim deadline.
    escalated = total(page, "escalated")
    assert escalated == recorded["escalated"]
    with page.expect_navigation():
        page.locator("a[href='/supervision/escalations']").first.click()
    assert page.locator("tr[data-referral]").count() == escalated
    check_accessibility(page, f"escalations ({language})")
    screenshot(page, f"supervisor-escalations-{language}-{site.store}")
    page.go_back()

    # Another date range: the day of last month's contacts, and only the helpline.
    day = recorded["last_month_day"].isoformat()
    page.fill("#date_from", day)
    page.fill("#date_to", day)
    page.select_option("#service", "helpline")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert f"date_from={day}" in page.url
    assert total(page, "contacts") == recorded["last_month"]
    assert figures(page, "by-channel:") == {"by-channel:phone": 1, "by-channel:web_chat": 1}
    assert total(page, "referrals") == recorded["referrals_last_month"]

    # A range that is reversed is explained next to the field, not answered with figures.
    page.fill("#date_from", day)
    page.fill("#date_to", (recorded["last_month_day"] - timedelta(days=3)).isoformat())
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#date_to-error").is_visible()
    assert page.locator("[data-total=contacts]").count() == 0
    check_accessibility(page, f"statistics dashboard with an error ({language})")

    # The journal of the helpline, this month, with its two files.
    with page.expect_navigation():
        page.click("header nav a[href='/journals']")
    rows = page.locator("table.journal tbody tr")
    assert rows.count() == recorded["helpline_this_month"]
    assert page.locator("table.journal thead th").first.inner_text() == words["journal_heading"]
    assert words["phone"] in rows.first.inner_text()
    check_accessibility(page, f"journals ({language})")
    screenshot(page, f"supervisor-journals-{language}-{site.store}")

    with page.expect_download() as download:
        page.click("a[href*='/journals/export.csv']")
    text = (tmp_path / "journal.csv")
    download.value.save_as(text)
    lines = list(csv.reader(io.StringIO(text.read_text(encoding="utf-8-sig"))))
    assert lines[0][0] == words["journal_heading"]
    assert len(lines) == 1 + recorded["helpline_this_month"]
    assert sum(words["phone"] in ";".join(line) for line in lines[1:]) == recorded["phone_this_month"]

    with page.expect_download() as download:
        page.click("a[href*='/journals/export.xlsx']")
    book = tmp_path / "journal.xlsx"
    download.value.save_as(book)
    sheet = load_workbook(book).active
    assert sheet.cell(1, 1).value == words["journal_heading"]
    assert sheet.max_row == 1 + recorded["helpline_this_month"]
    assert [sheet.cell(row, 1).value for row in range(2, sheet.max_row + 1)] == \
        sorted(sheet.cell(row, 1).value for row in range(2, sheet.max_row + 1))

    # The monthly report (under "More" in the menu): last month by default, on screen and as printed.
    page.click("header nav details summary")
    with page.expect_navigation():
        page.click(f"header nav a:has-text('{words['report']}')")
    assert words["report"] in page.locator("h1").inner_text()
    assert total(page, "contacts") == recorded["last_month"]
    assert figures(page, "aggressors-family-service-by-source:") == {
        "aggressors-family-service-by-source:helpline": 2, "aggressors-family-service-by-source:police": 1}
    assert figures(page, "contacts-service-channel:")["contacts-service-channel:phone|helpline"] == 1
    assert words["victim"] in page.locator("[data-chart=contacts-caller-role]").inner_text()
    check_accessibility(page, f"monthly report ({language})")
    screenshot(page, f"supervisor-report-{language}-{site.store}")

    page.evaluate("window.print = () => { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.locator("form.filters").is_hidden()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert page.evaluate("getComputedStyle(document.querySelectorAll('.report-section')[1]).breakBefore") == "page"
    screenshot(page, f"supervisor-report-print-{language}-{site.store}")
    page.emulate_media(media="screen")


def test_other_roles_get_the_refusal_page(site, new_page):
    page = new_page("ru")
    sign_in(page, site, site.user("consultant", "ru"))
    for path in ("/supervision", "/journals", "/reports/monthly", "/journals/export.csv"):
        response = page.goto(site.url + path)
        assert response.status == 403, path
    assert page.locator("h1").inner_text() == "У вас нет доступа к этой странице"
    check_accessibility(page, "refusal page")
