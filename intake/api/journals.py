"""Registration journals of each service, as JSON, CSV or XLSX with Kazakh, Russian or English headings."""
from flask import Response
from marshmallow import Schema, fields, validate

from domain import reference
from domain.errors import NotFound
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code
from intake.api.reads import DateRangeQuery, await_projection, record_read
from intake.auth import current_actor, requires
from intake.queries import journals
from intake.running import senim

blp = ApiBlueprint("journals", __name__, url_prefix="/api/v1/journals",
                description="Registration journals (журнал регистрации обращений).")


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


@blp.route("/<string:service>", methods=["GET"])
@requires("consultant", "psychologist", "supervisor")
@blp.arguments(JournalQuery(), location="query")
@blp.response(200, JournalOut)
def get_journal(query, service: str):
    """The journal of one service; supervisors see every row, other staff the contacts they recorded."""
    if service not in reference.codes("services"):
        raise NotFound("journal.service_unknown", service=service, services=reference.codes("services"))
    await_projection(journals.PROJECTION, query["min_position"])
    actor = current_actor()
    rows = journals.journal(senim(), service=service, date_from=query["date_from"], date_to=query["date_to"],
                            channel=query["channel"],
                            consultant_id=None if actor.role == "supervisor" else actor.user_id)
    record_read("journal", service)  # one entry per journal read or export: it lists many contacts
    if query["format"] == "json":
        return {"service": service, "rows": rows}
    return download(journals.export(rows, service=service, date_from=query["date_from"], date_to=query["date_to"],
                                    file_format=query["format"], lang=query["lang"]))


def download(file: journals.ExportFile) -> Response:
    return Response(file.body, content_type=file.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})
