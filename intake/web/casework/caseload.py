"""Caseload pages: a worker's own cases with what falls due on each (overdue first), and the supervisor's
list across workers, filterable by worker, service and due state. Rows link to the case page.

Both read the same query as GET /api/v1/caseload (intake/queries/caseload.py), so a page and the API agree.
"""
from datetime import date

from flask import render_template, request
from flask_babel import format_date, lazy_gettext as _l
from wtforms import SelectField, validators

from domain import reference
from domain.actor import CASEWORK_ROLES
from domain.clock import local, utc_now
from intake.queries import caseload as reads
from intake.running import senim
from intake.web.casework import bp
from intake.web.forms import Form
from intake.web.i18n import options
from intake.web.own_writes import behind as projections_behind
from intake.web.session import current_actor, page

DUE_NAMES = {"overdue": _l("Overdue"), "soon": _l("Due within two weeks"), "none": _l("Nothing due soon")}
STATUS_NAMES = {"open": _l("In work"), "reopened": _l("Reopened"), "closed": _l("Closed, follow-up due")}


class CaseloadFilters(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    worker = SelectField(_l("Caseload of"), choices=[], validate_choice=False, validators=[validators.Optional()])
    service = SelectField(_l("Service"), choices=[], validate_choice=False, validators=[
        validators.Optional(), validators.AnyOf(list(reference.codes("services")),
                                                message=_l("Choose one of the offered values."))])
    due = SelectField(_l("Due state"), choices=[], validate_choice=False, validators=[
        validators.Optional(), validators.AnyOf(reads.DUE_STATES, message=_l("Choose one of the offered values."))])


def today() -> date:
    return local(utc_now()).date()


def day_text(text: str | None) -> str:
    return format_date(date.fromisoformat(text), "medium") if text else "—"


def caseload_rows(*, worker_id: str | None, service: str | None = None, due: str | None = None) -> tuple[list, list]:
    behind = projections_behind(reads.PROJECTION)
    running = senim()
    with running.views.transaction(write=False) as tx:
        rows = reads.caseload(tx, schedule=reads.schedule_of(running.settings), today=today(), worker_id=worker_id,
                              service=service, due=due)
    return rows, behind


@bp.route("/")
@page(*CASEWORK_ROLES)
def my_caseload():
    """The signed-in worker's own cases."""
    actor = current_actor()
    rows, behind = caseload_rows(worker_id=str(actor.user_id))
    return render_template("web/casework/caseload.html", rows=rows, behind=behind, form=None, everyone=False,
                           due_names=DUE_NAMES, status_names=STATUS_NAMES, day_text=day_text)


@bp.route("/all")
@page("supervisor")
def all_caseloads():
    """Every worker's cases, by worker, service and due state."""
    form = CaseloadFilters(request.args)
    with senim().views.transaction(write=False) as tx:
        workers = reads.worker_ids(tx)
    form.worker.choices = [("", _l("Every worker"))] + [(row["user_id"], row["username"]) for row in workers]
    form.service.choices = [("", _l("All services"))] + options("services")
    form.due.choices = [("", _l("Any due state"))] + [(code, str(name)) for code, name in DUE_NAMES.items()]
    valid = form.validate()
    rows, behind = caseload_rows(worker_id=(form.worker.data or None) if valid else None,
                                 service=(form.service.data or None) if valid else None,
                                 due=(form.due.data or None) if valid else None)
    return render_template("web/casework/caseload.html", rows=rows, behind=behind, form=form, everyone=True,
                           due_names=DUE_NAMES, status_names=STATUS_NAMES, day_text=day_text), 200 if valid else 422
