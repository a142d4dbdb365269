"""Supervisors' reporting pages through the Flask test client, on SQLite and on PostgreSQL: every figure
of the dashboard and of the monthly report equals what the statistics API answers for the same range,
the journal's files match the journal API, bad input is a readable page (never a 500, nothing written),
and only supervisors get in."""
import csv
import io
import re
from datetime import date, datetime, time, timedelta
from uuid import UUID

import pytest
from openpyxl import load_workbook

from domain import instruments
from domain.clock import SERVICE_TIMEZONE, local, utc_now
from intake.web import supervisor as supervisor_pages
from projections.assessment_stats import count_assessments
from tests.helpers.web import sign_in
from tests.integration.test_contacts_api import a_call

CELL = re.compile(r'data-cell="([^"]*)" data-count="(\d+)"')
TOTAL = re.compile(r'data-total="([^"]*)" data-count="(\d+)"')
TODAY = local(utc_now()).date()
NOW = utc_now() - timedelta(minutes=2)


def moment(days_ago: int, hour: int) -> str:
    """A local moment `days_ago` days before today at `hour`, never in the future."""
    day = TODAY - timedelta(days=days_ago)
    at = datetime.combine(day, time(hour, 15), tzinfo=SERVICE_TIMEZONE)
    return min(at, NOW.astimezone(SERVICE_TIMEZONE)).isoformat()


CONTACTS = [
    {"started_at": moment(0, 9)},
    {"started_at": moment(0, 23), "channel": "whatsapp", "categories": ["psychological_abuse"]},
    {"started_at": moment(1, 14), "caller": {"role": "aggressor", "gender": "male", "age": 40, "region": "astana"},
     "consent": {"services": True, "reporting": False}},
    {"started_at": moment(3, 2), "service": "family_service", "channel": "in_person",
     "caller": {"role": "victim", "gender": "female", "age": 19}, "categories": []},
    {"started_at": moment(4, 18), "service": "family_service", "channel": "video",
     "caller": {"role": "aggressor", "gender": "male"}, "consent": {}},
    {"started_at": moment(9, 11), "channel": "web_chat", "caller": {"role": "relative", "region": "turkistan"},
     "categories": ["child_abuse", "economic_violence", "stalking"]},
    {"started_at": moment(40, 10), "caller": {"role": "victim", "gender": "female", "age": 61}},
]


def whole_month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@pytest.fixture
def recorded(client, senim, consultant, psychologist, supervisor):
    """Contacts, referrals in several states, assessments (one overridden) and programme participations."""
    for overrides in CONTACTS:
        created = client.post("/api/v1/contacts", json=a_call(**overrides), headers=consultant[1])
        assert created.status_code == 201, created.json
    referrals = []
    made_referrals = (("helpline", "family_service", "aggressor"), ("helpline", "family_service", "aggressor"),
                      ("police", "family_service", "aggressor"), ("crisis_centre", "family_service", "victim"),
                      ("helpline", "legal_aid", "victim"))
    for source, target, role in made_referrals:
        made = client.post("/api/v1/referrals", headers=consultant[1], json={
            "source": source, "target": target, "subject_role": role, "urgency": "urgent",
            "reason": "Просит помощи.", "consent": {"services": True}})
        assert made.status_code == 201, made.json
        referrals.append(made.json["id"])
    assert client.post(f"/api/v1/referrals/{referrals[0]}/claim", headers=psychologist[1]).status_code == 200
    assert client.post(f"/api/v1/referrals/{referrals[1]}/cancel", json={"reason": "Дубликат."},
                       headers=consultant[1]).status_code == 200

    def assess(instrument, yes=0, **given):
        items = instruments.get(instrument)["items"]
        answers = {item["id"]: given.get(item["id"], "yes" if n < yes else "no") for n, item in enumerate(items)}
        created = client.post("/api/v1/assessments", json={"instrument": instrument, "answers": answers},
                              headers=psychologist[1])
        assert created.status_code == 201, created.json
        return created.json["id"]

    assess("victim_risk", yes=3)
    raised = assess("victim_risk", yes=11)
    assess("victim_risk", yes=15)
    overridden = client.post(f"/api/v1/assessments/{raised}/override", headers=psychologist[1],
                             json={"level": "high", "reason": "Угрозы убийством после суда."})
    assert overridden.status_code in (200, 201), overridden.json
    eligible = [assess("aggressor_status", physical_violence="yes") for _ in range(2)]
    for assessment_id in eligible:
        enrolled = client.post("/api/v1/programme", json={"assessment_id": assessment_id}, headers=psychologist[1])
        assert enrolled.status_code == 201, enrolled.json
        last = client.post(f"/api/v1/programme/{enrolled.json['id']}/sessions", headers=psychologist[1],
                           json={"at": utc_now().isoformat(), "attended": True})
        assert last.status_code == 201, last.json
    last = client.post(f"/api/v1/programme/{enrolled.json['id']}/drop-out", json={"reason": "Перестал приходить."},
                       headers=psychologist[1])
    position = int(last.headers["X-Senim-Position"])
    for name in ("contact_stats", "referral_stats", "assessment_stats", "programme_stats", "journals"):
        assert senim.projections.wait_for(name, position, 10)
    assert sign_in(client, supervisor[0].username).status_code == 302
    return position


def page_cells(html: str, chart: str) -> dict[str, int]:
    return {cell.split(":", 1)[1]: int(n) for cell, n in CELL.findall(html) if cell.startswith(chart + ":")}


def page_total(html: str, name: str) -> int:
    return int(dict(TOTAL.findall(html))[name])


def nonzero(cells: dict) -> dict:
    return {key: n for key, n in cells.items() if n}


def api(client, headers, kind: str, date_from: date, date_to: date, group_by=(), **params) -> dict:
    query = {"from": date_from.isoformat(), "to": date_to.isoformat(), "group_by": ",".join(group_by), **params}
    response = client.get(f"/api/v1/stats/{kind}", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def api_cells(result: dict, *dims, where=None) -> dict[str, int]:
    cells = {}
    for row in result["rows"]:
        if where and any(row[key] != value for key, value in where.items()):
            continue
        key = "|".join("" if row[d] is None else str(row[d]) for d in dims)
        cells[key] = cells.get(key, 0) + row["count"]
    return cells


def get_page(client, path: str, **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_every_dashboard_figure_equals_the_statistics_api(client, supervisor, recorded):
    headers = supervisor[1]
    start, end = TODAY - timedelta(days=20), TODAY
    html = get_page(client, "/supervision", date_from=start.isoformat(), date_to=end.isoformat())
    contacts = api(client, headers, "contacts", start, end)
    assert page_total(html, "contacts") == contacts["total"] == 6
    for chart, dimension in (("by-channel", "channel"), ("by-category", "category"), ("by-caller-role", "caller_role"),
                             ("by-region", "region"), ("by-hour", "hour"), ("by-weekday", "weekday")):
        expected = api_cells(api(client, headers, "contacts", start, end, [dimension]), dimension)
        assert nonzero(page_cells(html, chart)) == expected, chart
    by_day = page_cells(html, "by-day")
    assert len(by_day) == 21 and sum(by_day.values()) == contacts["total"]
    for day, count in by_day.items():
        assert count == api(client, headers, "contacts", date.fromisoformat(day), date.fromisoformat(day))["total"]
    referrals = api(client, headers, "referrals", start, end)
    assert page_total(html, "referrals") == referrals["total"] == 5
    for chart, dimension in (("referrals-by-source", "source"), ("referrals-by-status", "status")):
        assert page_cells(html, chart) == api_cells(api(client, headers, "referrals", start, end, [dimension]),
                                                    dimension), chart
    assert page_cells(html, "risk-victim_risk") == {"standard": 1, "medium": 0, "high": 2}
    assert page_cells(html, "risk-aggressor_status") == {"not_established": 0, "potential": 0, "confirmed": 2}
    assert page_total(html, "assessments") == 5


def test_the_dashboards_filters_match_the_api_with_the_same_filters(client, supervisor, recorded):
    headers = supervisor[1]
    start, end = TODAY - timedelta(days=70), TODAY  # over two months: charted month by month
    html = get_page(client, "/supervision", date_from=start.isoformat(), date_to=end.isoformat(),
                    service="helpline", channel="phone", consented_only="y")
    filters = {"service": "helpline", "consented_only": "true"}
    by_channel = api_cells(api(client, headers, "contacts", start, end, ["channel"], **filters), "channel")
    assert page_total(html, "contacts") == by_channel["phone"] == 2
    categories = api(client, headers, "contacts", start, end, ["channel", "category"], **filters)
    assert nonzero(page_cells(html, "by-category")) == api_cells(categories, "category", where={"channel": "phone"})
    months = api(client, headers, "contacts", start, end, ["channel", "month"], **filters)
    assert nonzero(page_cells(html, "by-month")) == api_cells(months, "month", where={"channel": "phone"})
    assert page_cells(html, "by-channel") == {"phone": 2}


def test_the_monthly_report_reproduces_the_statistics_api(client, supervisor, recorded):
    headers = supervisor[1]
    start, end = whole_month(TODAY)
    html = get_page(client, "/reports/monthly", month=TODAY.isoformat()[:7])

    def contacts(*group_by, **params):
        return api(client, headers, "contacts", start, end, group_by, **params)

    def referrals(*group_by):
        return api(client, headers, "referrals", start, end, group_by)

    assert page_total(html, "contacts") == contacts()["total"]
    assert nonzero(page_cells(html, "contacts-service-channel")) == api_cells(contacts("service", "channel"),
                                                                              "channel", "service")
    for chart, dimension in (("contacts-caller-role", "caller_role"), ("contacts-category", "category"),
                             ("contacts-region", "region")):
        assert page_cells(html, chart) == api_cells(contacts(dimension), dimension), chart
    victims = contacts("caller_role", "gender", "age_group")
    assert nonzero(page_cells(html, "victims-age-gender")) == api_cells(victims, "age_group", "gender",
                                                                        where={"caller_role": "victim"})
    family = contacts("channel", service="family_service")
    assert page_cells(html, "family-service-channel") == api_cells(family, "channel")
    assert page_cells(html, "family-service-format") == {
        "in_person": api_cells(family, "channel").get("in_person", 0),
        "remote": family["total"] - api_cells(family, "channel").get("in_person", 0)}
    assert page_total(html, "referrals") == referrals()["total"]
    assert page_cells(html, "referrals-by-source") == api_cells(referrals("source"), "source")
    assert page_cells(html, "aggressors-family-service-by-source") == api_cells(
        referrals("target", "subject_role", "source"), "source",
        where={"target": "family_service", "subject_role": "aggressor"}) == {"helpline": 2, "police": 1}
    assert nonzero(page_cells(html, "referrals-target-status")) == api_cells(referrals("target", "status"),
                                                                             "target", "status")
    programme = api(client, headers, "programme", start, end, ["status"])
    by_status = api_cells(programme, "status")
    assert page_cells(html, "programme") == {
        "total": programme["total"], "enrolled": by_status.get("enrolled", 0),
        "completed": by_status.get("completed", 0), "dropped_out": by_status.get("dropped_out", 0),
        "sessions_attended": programme["sessions_attended"], "sessions_missed": programme["sessions_missed"]}
    assert page_cells(html, "programme")["dropped_out"] == 1
    assert page_cells(html, "risk-victim_risk") == {"standard": 1, "medium": 0, "high": 2}
    assert sum(page_cells(html, "risk-odara").values()) == 0


def test_the_report_defaults_to_last_month_and_counts_only_it(client, supervisor, recorded):
    html = get_page(client, "/reports/monthly")
    last = (TODAY.replace(day=1) - timedelta(days=1))
    start, end = whole_month(last)
    assert page_total(html, "contacts") == api(client, supervisor[1], "contacts", start, end)["total"]
    assert f'value="{last.isoformat()[:7]}"' in html


def test_the_journal_page_and_its_files_are_the_journal_api_in_the_page_language(client, senim, supervisor, recorded,
                                                                                 monkeypatch):
    senim.staff.choose_language(UUID(supervisor[0].user_id), "kk", actor=supervisor[0])
    start, end = TODAY - timedelta(days=60), TODAY
    query = {"service": "helpline", "date_from": start.isoformat(), "date_to": end.isoformat()}
    expected = client.get("/api/v1/journals/helpline", headers=supervisor[1],
                          query_string={"from": start.isoformat(), "to": end.isoformat()}).json["rows"]
    assert len(expected) == 5
    html = get_page(client, "/journals", **query)
    assert "Тіркеу нөмірі" in html
    assert re.findall(r'data-contact="([^"]+)"', html) == [row["contact_id"] for row in expected]

    csv_file = client.get("/journals/export.csv", query_string=query)
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert "attachment" in csv_file.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert lines[0][0] == "Тіркеу нөмірі"
    assert [int(line[0]) for line in lines[1:]] == [row["registration_number"] for row in expected]
    from_api = client.get("/api/v1/journals/helpline", headers=supervisor[1], query_string={
        "from": start.isoformat(), "to": end.isoformat(), "format": "csv", "lang": "kk"})
    assert lines == list(csv.reader(io.StringIO(from_api.data.decode("utf-8-sig"))))

    sheet = load_workbook(io.BytesIO(client.get("/journals/export.xlsx", query_string=query).data)).active
    assert sheet.cell(1, 1).value == "Тіркеу нөмірі"
    assert sheet.max_row == 1 + len(expected)

    only_whatsapp = get_page(client, "/journals", **query, channel="whatsapp")
    assert len(re.findall(r"data-contact=", only_whatsapp)) == 1

    monkeypatch.setattr(supervisor_pages, "JOURNAL_PAGE_SIZE", 2)
    third = get_page(client, "/journals", **query, page=3)
    assert re.findall(r'data-contact="([^"]+)"', third) == [expected[4]["contact_id"]]
    beyond = get_page(client, "/journals", **query, page=99)  # past the end: the last page
    assert re.findall(r'data-contact="([^"]+)"', beyond) == [expected[4]["contact_id"]]
    assert re.findall(r'data-contact="([^"]+)"', get_page(client, "/journals", **query, page="x")) == \
        [row["contact_id"] for row in expected[:2]]


def test_a_journal_view_is_noted_in_the_access_log(client, senim, supervisor, recorded):
    get_page(client, "/journals", service="family_service")
    senim.access.flush()
    entries = client.get("/api/v1/audit/access", query_string={"kind": "journal"}, headers=supervisor[1]).json
    assert [(e["record_id"], e["actor"]["role"]) for e in entries["entries"]] == [("family_service", "supervisor")]


BAD_QUERIES = [
    ("/supervision", {"date_from": "2026-02-30"}, "date_from", "Введите дату"),
    ("/supervision", {"date_from": "yesterday"}, "date_from", "Введите дату"),
    ("/supervision", {"date_from": "2026-05-10", "date_to": "2026-05-01"}, "date_to", "Конец периода раньше"),
    ("/supervision", {"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_to", "не длиннее 366 дней"),
    ("/supervision", {"date_from": "0001-01-01"}, "date_from", "Выберите дату с"),
    ("/supervision", {"service": "bakery"}, "service", "Выберите одно из предложенных значений."),
    ("/supervision", {"channel": "<script>"}, "channel", "Выберите одно из предложенных значений."),
    ("/journals", {"service": "bakery"}, "service", "Выберите одно из предложенных значений."),
    ("/journals", {"date_to": "2026-99-99"}, "date_to", "Введите дату"),
    ("/journals/export.csv", {"date_from": "2026-05-10", "date_to": "2026-05-01"}, "date_to", "Конец периода"),
    ("/journals/export.xlsx", {"service": "x"}, "service", "Выберите одно из предложенных значений."),
    ("/reports/monthly", {"month": "2026-13"}, "month", "Выберите месяц, например"),
    ("/reports/monthly", {"month": "май"}, "month", "Выберите месяц, например"),
    ("/reports/monthly", {"month": "1999-12"}, "month", "Выберите месяц, например"),
    ("/reports/monthly", {"month": "2999-01"}, "month", "Этот месяц ещё не начался."),
]


@pytest.mark.parametrize("path, query, field, message", BAD_QUERIES)
def test_bad_input_is_a_readable_page_next_to_its_field_and_writes_nothing(client, senim, supervisor, path, query,
                                                                           field, message):
    assert sign_in(client, supervisor[0].username).status_code == 302
    head = senim.store.head()
    response = client.get(path, query_string=query)
    assert response.status_code == 422
    assert response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html and 'class="error-summary"' in html
    assert "data-cell=" not in html and "data-total=" not in html
    senim.access.flush()
    assert senim.store.head() == head  # nothing written, not even a read of the journal


@pytest.mark.parametrize("role", ["consultant", "psychologist", "admin"])
def test_only_supervisors_open_the_reporting_pages(client, make_user, role):
    actor, _ = make_user(role)
    assert sign_in(client, actor.username).status_code == 302
    for path in ("/supervision", "/supervision/escalations", "/journals", "/journals/export.csv",
                 "/journals/export.xlsx", "/reports/monthly"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.content_type.startswith("text/html")


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/supervision", "/journals", "/reports/monthly"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_escalations_page_lists_what_the_escalation_job_flagged(client, senim, consultant, supervisor):

    made = senim.referrals.make({"source": "helpline", "target": "family_service", "reason": "Просит помощи.",
                                 "urgency": "emergency", "consent": {"services": True}, "subject_role": "victim",
                                 "now": utc_now() - timedelta(days=3)}, actor=consultant[0])
    senim.projections.wait_for("referral_queue", made.position, 10)
    # The embedded runner's own sweep may have flagged it a moment earlier; either way it is flagged once.
    assert senim.escalation.escalate_overdue(utc_now()) in ([str(made.id)], [])
    assert sign_in(client, supervisor[0].username).status_code == 302
    html = get_page(client, "/supervision/escalations")
    assert f'data-referral="{made.id}"' in html
    start = TODAY - timedelta(days=5)
    assert page_total(get_page(client, "/supervision", date_from=start.isoformat()), "escalated") == 1


def test_the_dashboard_opens_on_the_current_month_so_far(client, supervisor):
    assert sign_in(client, supervisor[0].username).status_code == 302
    html = get_page(client, "/supervision")
    assert f'value="{TODAY.replace(day=1).isoformat()}"' in html and f'value="{TODAY.isoformat()}"' in html
    assert page_total(html, "contacts") == 0
    assert "Nothing was counted" not in html  # translated: the page speaks Russian by default
    assert "За этот период ничего не учтено." in html


def test_assessment_counts_follow_overrides(senim, recorded):
    with senim.views.transaction(write=False) as tx:
        counted = count_assessments(tx, date_from=TODAY, date_to=TODAY, group_by=["instrument", "level"])
    assert {(r["instrument"], r["level"]): r["count"] for r in counted["rows"]} == {
        ("victim_risk", "standard"): 1, ("victim_risk", "high"): 2, ("aggressor_status", "confirmed"): 2}
