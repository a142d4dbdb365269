"""Supervisors' questionnaire pages: every questionnaire with its headline figure for a period, and one
questionnaire's analysis (per item the distribution, mean and share of top answers; a test's change
paired by participant; the free texts for reading), downloadable as XLSX or PDF.

Routes live on the supervisors' blueprint (intake/web/supervisor_blueprint.py). The figures come from
the same query as GET /api/v1/questionnaires/{code}/analysis (intake/queries/questionnaires.py), so a
page and the API agree; "98% rated the course 5 of 5" is on the list itself, one click from the menu.
"""
from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import lazy_gettext as _l

from domain import questionnaires
from intake.queries import questionnaire_exports, questionnaires as reads
from intake.running import senim
from intake.web.i18n import language
from intake.web.own_writes import caught_up
from intake.web.session import current_actor, page
from intake.web.supervisor import RangeForm, period_text, today
from intake.web.supervisor_blueprint import bp

KIND_NAMES = {"consultation_feedback": _l("Feedback after a consultation"),
              "pre_post_test": _l("Test before and after a course"),
              "course_evaluation": _l("Course evaluation")}
ANSWER_NAMES = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Don't know")}


def _range() -> tuple[RangeForm, date, date]:
    """The period asked for (both days included), or this year up to today."""
    end = today()
    start = end.replace(month=1, day=1)
    if "date_from" in request.args:
        form = RangeForm(request.args)
        if form.validate():
            return form, form.date_from.data, form.date_to.data
        return form, start, end
    return RangeForm(formdata=None, date_from=start, date_to=end), start, end


def answer_name(spec: dict, item_id: str, answer) -> str:
    item = next((item for item in spec["items"] if item["id"] == item_id), None)
    if item is not None and item["type"] in ("single", "multiple"):
        for option in item["options"]:
            if option["code"] == answer:
                return option[language()]
    return str(ANSWER_NAMES.get(answer, answer))


def _fresh() -> bool:
    senim().questionnaires.refresh()
    return caught_up(reads.PROJECTION, seconds=0, latest=True)


@bp.route("/questionnaires")
@page("supervisor")
def questionnaire_list():
    """Every questionnaire with its responses and headline figure for the period."""
    form, date_from, date_to = _range()
    up_to_date = _fresh()
    rows = []
    for spec in questionnaires.all_questionnaires():
        found = reads.analysis(senim(), spec["code"], date_from=date_from, date_to=date_to)
        rows.append({"code": spec["code"], "title": spec["title"][language()], "kind": str(KIND_NAMES[spec["kind"]]),
                     "found": found})
    return render_template("web/supervisor/questionnaires.html", form=form, rows=rows, up_to_date=up_to_date,
                           period=period_text(date_from, date_to), range_args=_range_args(date_from, date_to))


def _range_args(date_from: date, date_to: date) -> dict:
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}


def _analysis(code: str, date_from: date, date_to: date):
    if code not in questionnaires.REGISTRY.codes():
        abort(404)
    spec = questionnaires.get(code)
    found = reads.analysis(senim(), code, date_from=date_from, date_to=date_to)
    texts = senim().questionnaires.free_texts(found.pop("response_ids_with_text"), actor=current_actor())
    return spec, found, texts


@bp.route("/questionnaires/<string:code>")
@page("supervisor")
def questionnaire_analysis(code: str):
    """One questionnaire's analysis over the period."""
    form, date_from, date_to = _range()
    up_to_date = _fresh()
    spec, found, texts = _analysis(code, date_from, date_to)
    wording = {item["id"]: item[language()] for item in spec["items"]}
    return render_template("web/supervisor/questionnaire.html", form=form, spec=spec, found=found, texts=texts,
                           wording=wording, lang=language(), answer_name=answer_name, up_to_date=up_to_date,
                           kind_name=str(KIND_NAMES[spec["kind"]]), period=period_text(date_from, date_to),
                           range_args=_range_args(date_from, date_to))


@bp.route("/questionnaires/<string:code>.<any(xlsx, pdf):file_format>")
@page("supervisor")
def questionnaire_download(code: str, file_format: str):
    """The analysis as XLSX or PDF, in the page's language."""
    _, date_from, date_to = _range()
    _fresh()
    spec, found, texts = _analysis(code, date_from, date_to)
    file = questionnaire_exports.export(spec, found, texts, file_format=file_format, lang=language())
    return Response(file.body, content_type=file.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})
