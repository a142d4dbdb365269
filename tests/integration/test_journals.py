"""Registration journals: numbering, filters, who sees which rows, CSV and XLSX in Kazakh and Russian."""
import csv
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from tests.integration.test_contacts_api import a_call

YESTERDAY = datetime.now(timezone.utc) - timedelta(days=1)


def record(client, headers, **overrides) -> tuple[str, str]:
    body = a_call(**{"started_at": YESTERDAY.isoformat(), **overrides})
    response = client.post("/api/v1/contacts", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["id"], response.headers["X-Senim-Position"]


def journal(client, headers, service="helpline", **query):
    response = client.get(f"/api/v1/journals/{service}", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response


def test_each_service_numbers_its_own_journal(client, consultant, supervisor):
    record(client, consultant[1], service="helpline")
    record(client, consultant[1], service="family_service", channel="in_person")
    _, position = record(client, consultant[1], service="helpline")
    helpline = journal(client, supervisor[1], min_position=position).json["rows"]
    family = journal(client, supervisor[1], "family_service", min_position=position).json["rows"]
    assert [row["registration_number"] for row in helpline] == [1, 2]
    assert [row["registration_number"] for row in family] == [1]


def test_an_amendment_updates_the_row_but_keeps_its_number(client, consultant, supervisor):
    contact_id, _ = record(client, consultant[1])
    record(client, consultant[1])
    amended = client.post(f"/api/v1/contacts/{contact_id}/amendments", headers=consultant[1],
                          json={"changes": {"channel": "telegram", "outcome": ["referral_made"]}, "reason": "typo"})
    rows = journal(client, supervisor[1], min_position=amended.headers["X-Senim-Position"]).json["rows"]
    first = next(row for row in rows if row["contact_id"] == contact_id)
    assert (first["registration_number"], first["channel"], first["outcome"]) == (1, "telegram", ["referral_made"])


def test_filters_by_date_and_channel(client, consultant, supervisor):
    record(client, consultant[1], channel="whatsapp")
    _, position = record(client, consultant[1], channel="phone",
                         started_at=(YESTERDAY - timedelta(days=10)).isoformat())
    day = (YESTERDAY + timedelta(hours=5)).date().isoformat()  # the local date (UTC+5)
    only_whatsapp = journal(client, supervisor[1], channel="whatsapp", min_position=position).json["rows"]
    assert [row["channel"] for row in only_whatsapp] == ["whatsapp"]
    recent = journal(client, supervisor[1], **{"from": day, "to": day}).json["rows"]
    assert len(recent) == 1


def test_a_consultant_sees_only_the_rows_they_recorded(client, make_user, supervisor):
    _, first = make_user("consultant")
    _, second = make_user("consultant")
    record(client, first)
    _, position = record(client, second)
    assert len(journal(client, first, min_position=position).json["rows"]) == 1
    assert len(journal(client, supervisor[1], min_position=position).json["rows"]) == 2


def test_csv_export_has_kazakh_headings_and_labels(client, consultant, supervisor):
    _, position = record(client, consultant[1], categories=["physical_assault"])
    response = journal(client, supervisor[1], format="csv", lang="kk", min_position=position)
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Тіркеу нөмірі"
    assert rows[1][0] == "1"
    assert "Телефон" in rows[1][3] or "телефон" in rows[1][3].lower()


def test_xlsx_export_has_russian_headings(client, consultant, supervisor):
    _, position = record(client, consultant[1])
    response = journal(client, supervisor[1], format="xlsx", lang="ru", min_position=position)
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(1, 1).value == "Регистрационный номер"
    assert sheet.cell(2, 1).value == 1
    assert sheet.max_row == 2


def test_an_unknown_service_is_404_and_a_reversed_range_422(client, supervisor):
    assert client.get("/api/v1/journals/bakery", headers=supervisor[1]).status_code == 404
    reversed_range = client.get("/api/v1/journals/helpline?from=2026-05-01&to=2026-04-01", headers=supervisor[1])
    assert reversed_range.status_code == 422
    assert "to" in reversed_range.json["errors"]
