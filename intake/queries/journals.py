"""Registration journals: the rows of a service's journal, one member of staff's own contacts, and
the CSV and XLSX files of a journal with Kazakh, Russian or English headings."""
import csv
import io
from dataclasses import dataclass
from datetime import date

from domain import reference
from projections.journal import journal_rows

PROJECTION = "journals"
HEADINGS = {
    "registration_number": ("Тіркеу нөмірі", "Регистрационный номер", "Registration number"),
    "date": ("Күні", "Дата", "Date"),
    "time": ("Уақыты", "Время", "Time"),
    "channel": ("Байланыс арнасы", "Канал обращения", "Channel"),
    "contact_type": ("Өтініш түрі", "Тип обращения", "Contact type"),
    "consultant": ("Кеңесші", "Консультант", "Consultant"),
    "caller_role": ("Өтініш берушінің рөлі", "Роль обратившегося", "Caller role"),
    "categories": ("Өтініш санаттары", "Категории обращения", "Categories"),
    "risk": ("Қауіп белгілері", "Признаки риска", "Risk flags"),
    "outcome": ("Нәтижесі", "Результат", "Outcome"),
    "duration_minutes": ("Ұзақтығы, мин", "Длительность, мин", "Duration, min"),
}
CODE_LISTS = {"channel": "channels", "contact_type": "contact_types", "caller_role": "caller_roles",
              "categories": "categories", "risk": "risk_flags", "outcome": "outcomes"}
TITLE = {"kk": "Өтініштерді тіркеу журналы", "ru": "Журнал регистрации обращений", "en": "Registration journal"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def journal(running, *, service: str, date_from: date, date_to: date, channel: str | None = None,
            consultant_id: str | None = None) -> list[dict]:
    """The journal's rows (row_view) in registration order; with consultant_id only that person's contacts."""
    with running.views.transaction(write=False) as tx:
        return [row_view(row) for row in journal_rows(
            tx, service=service, date_from=date_from, date_to=date_to, channel=channel, consultant_id=consultant_id)]


def row_view(row: dict) -> dict:
    split = lambda text: text.split(",") if text else []  # noqa: E731
    return {
        "registration_number": row["registration_number"], "year": row["year"], "contact_id": row["contact_id"],
        "date": row["local_date"], "time": row["local_time"], "channel": row["channel"],
        "contact_type": row["contact_type"], "consultant": row["consultant"], "caller_role": row["caller_role"],
        "categories": split(row["categories"]), "risk": split(row["risk"]), "outcome": split(row["outcome"]),
        "duration_seconds": row["duration_seconds"],
    }


def headings(lang: str) -> dict[str, str]:
    """Each column's heading in one language (English for a language the journal is not kept in)."""
    index = reference.LANGUAGES.index(lang) if lang in reference.LANGUAGES else reference.LANGUAGES.index("en")
    return {column: names[index] for column, names in HEADINGS.items()}


def table(rows: list[dict], lang: str) -> tuple[list[str], list[list]]:
    """Headings and cells in one language: codes become their labels."""
    def label(column: str, value):
        if column not in CODE_LISTS:
            return value
        codes = value if isinstance(value, list) else [value]
        return "; ".join(reference.get(CODE_LISTS[column], code).label(lang) for code in codes if code)

    cells = []
    for row in rows:
        minutes = round(row["duration_seconds"] / 60, 1) if row["duration_seconds"] is not None else None
        values = {**row, "duration_minutes": minutes}
        cells.append([label(column, values[column]) for column in HEADINGS])
    return list(headings(lang).values()), cells


def as_csv(headings_row, cells) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings_row)
    writer.writerows([["" if v is None else v for v in row] for row in cells])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM tells Excel the file is UTF-8


def as_xlsx(title: str, headings_row, cells) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(headings_row)
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ExportFile:
    """A journal as a download: its bytes, content type and file name."""
    body: bytes
    content_type: str
    filename: str


def export(rows: list[dict], *, service: str, date_from, date_to, file_format: str, lang: str) -> ExportFile:
    """Journal rows (row_view) as a CSV or XLSX file in one language: the API's and the web's export alike."""
    headings_row, cells = table(rows, lang)
    name = f"journal-{service}-{date_from}-{date_to}"
    if file_format == "csv":
        return ExportFile(as_csv(headings_row, cells), "text/csv; charset=utf-8", name + ".csv")
    return ExportFile(as_xlsx(TITLE[lang], headings_row, cells), XLSX_TYPE, name + ".xlsx")


# One member of staff's own contacts ("My contacts"), newest first -----------------------------------

OWN_COLUMNS = ("contact_id", "service", "year", "registration_number", "recorded_at", "started_at", "ended_at",
               "channel", "contact_type", "caller_role", "categories", "risk", "outcome", "duration_seconds")


def own_contacts(running, user_id: str, filters: dict, *, page_number: int, page_size: int) -> tuple[list[dict], int]:
    """This person's contacts from the journal projection, newest first: one page of them and the total.
    filters: date_from, date_to (dates), service, channel (codes), status (open or completed)."""
    where, params = ["consultant_id = %s"], [user_id]
    if filters.get("date_from"):
        where.append("local_date >= %s")
        params.append(filters["date_from"].isoformat())
    if filters.get("date_to"):
        where.append("local_date <= %s")
        params.append(filters["date_to"].isoformat())
    for name in ("service", "channel"):
        if filters.get(name):
            where.append(f"{name} = %s")
            params.append(filters[name])
    if filters.get("status") == "open":
        where.append("ended_at IS NULL")
    elif filters.get("status") == "completed":
        where.append("ended_at IS NOT NULL")
    condition = " AND ".join(where)
    with running.views.transaction(write=False) as tx:
        total = tx.scalar(f"SELECT COUNT(*) FROM journal_rows WHERE {condition}", params, 0)
        rows = tx.execute(f"SELECT {', '.join(OWN_COLUMNS)} FROM journal_rows WHERE {condition} "
                          "ORDER BY recorded_at DESC, contact_id LIMIT %s OFFSET %s",
                          [*params, page_size, (page_number - 1) * page_size]).fetchall()
    return [dict(zip(OWN_COLUMNS, row)) for row in rows], int(total)


def registration_number(running, contact_id) -> str | None:
    """"12/2026": the contact's number in its service's journal of that year, once the journal has it."""
    with running.views.transaction(write=False) as tx:
        found = tx.execute("SELECT registration_number, year FROM journal_rows WHERE contact_id = %s",
                           (str(contact_id),)).fetchone()
    return f"{found[0]}/{found[1]}" if found else None
