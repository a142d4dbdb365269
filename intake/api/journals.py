"""Registration journals of each service, as JSON, CSV or XLSX with Kazakh, Russian or English headings."""
import csv
import io

from flask import Response, current_app
from intake.api.blueprint import ApiBlueprint
from marshmallow import Schema, fields, validate

from domain import reference
from domain.errors import NotFound
from intake.api.fields import Code
from intake.api.reads import DateRangeQuery, await_projection, record_read
from intake.auth import current_actor, requires
from projections.journal import journal_rows

blp = ApiBlueprint("journals", __name__, url_prefix="/api/v1/journals",
                description="Registration journals (журнал регистрации обращений).")

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


class JournalQuery(DateRangeQuery):
    channel = Code("channels", load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))
    lang = fields.String(load_default="ru", validate=validate.OneOf(reference.LANGUAGES),
                         metadata={"description": "Language of CSV/XLSX headings and labels."})


class JournalRow(Schema):
    registration_number = fields.Integer()
    year = fields.Integer()
    contact_id = fields.String()
    date = fields.String()
    time = fields.String()
    channel = fields.String()
    contact_type = fields.String()
    consultant = fields.String()
    caller_role = fields.String()
    categories = fields.List(fields.String())
    risk = fields.List(fields.String())
    outcome = fields.List(fields.String())
    duration_seconds = fields.Integer(allow_none=True)


class JournalOut(Schema):
    service = fields.String()
    rows = fields.List(fields.Nested(JournalRow))


def row_view(row: dict) -> dict:
    split = lambda text: text.split(",") if text else []  # noqa: E731
    return {
        "registration_number": row["registration_number"], "year": row["year"], "contact_id": row["contact_id"],
        "date": row["local_date"], "time": row["local_time"], "channel": row["channel"],
        "contact_type": row["contact_type"], "consultant": row["consultant"], "caller_role": row["caller_role"],
        "categories": split(row["categories"]), "risk": split(row["risk"]), "outcome": split(row["outcome"]),
        "duration_seconds": row["duration_seconds"],
    }


def table(rows: list[dict], lang: str) -> tuple[list[str], list[list]]:
    """Headings and cells in one language: codes become their labels."""
    index = reference.LANGUAGES.index(lang)

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
    return [names[index] for names in HEADINGS.values()], cells


def as_csv(headings, cells) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows([["" if v is None else v for v in row] for row in cells])
    return ("\ufeff" + out.getvalue()).encode()  # the BOM tells Excel the file is UTF-8


def as_xlsx(title: str, headings, cells) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(headings)
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@blp.route("/<string:service>", methods=["GET"])
@requires("consultant", "psychologist", "supervisor")
@blp.arguments(JournalQuery(), location="query")
@blp.response(200, JournalOut)
def get_journal(query, service: str):
    """The journal of one service; supervisors see every row, other staff the contacts they recorded."""
    if service not in reference.codes("services"):
        raise NotFound("journal.service_unknown", service=service, services=reference.codes("services"))
    await_projection("journals", query["min_position"])
    actor = current_actor()
    with current_app.extensions["senim"].views.transaction(write=False) as tx:
        rows = [row_view(row) for row in journal_rows(
            tx, service=service, date_from=query["date_from"], date_to=query["date_to"], channel=query["channel"],
            consultant_id=None if actor.role == "supervisor" else actor.user_id)]
    record_read("journal", service)  # one entry per journal read or export: it lists many contacts
    if query["format"] == "json":
        return {"service": service, "rows": rows}
    return export(rows, service=service, date_from=query["date_from"], date_to=query["date_to"],
                  file_format=query["format"], lang=query["lang"])


def export(rows: list[dict], *, service: str, date_from, date_to, file_format: str, lang: str) -> Response:
    """Journal rows (row_view) as a CSV or XLSX download in one language; the web UI's export too."""
    headings, cells = table(rows, lang)
    name = f"journal-{service}-{date_from}-{date_to}"
    if file_format == "csv":
        body, mimetype, name = as_csv(headings, cells), "text/csv; charset=utf-8", name + ".csv"
    else:
        body = as_xlsx(TITLE[lang], headings, cells)
        mimetype, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx"
    return Response(body, content_type=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
