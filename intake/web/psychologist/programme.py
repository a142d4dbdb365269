"""The correctional programme: enrolment, a participation, its sessions, completion and drop-out."""
from datetime import date
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.clock import local, utc_now
from domain.errors import DomainError, Forbidden, Invalid
from domain.programme import OUTCOMES as PROGRAMME_OUTCOMES
from intake.running import senim
from intake.web.i18n import language
from intake.web.own_writes import caught_up
from intake.web.psychologist import (
    LIST_LIMIT,
    PROGRAMME,
    PSYCHOLOGIST_ROLES,
    bp,
    carry_out,
    position_arg,
    put_errors,
    read,
    remember,
)
from intake.web.psychologist_forms import EnrolForm, ProgrammeOutcomeForm, ReasonForm, SessionForm, local_moment
from intake.web.refusals import say
from intake.web.session import current_actor, page
from projections.programme_stats import participations

LOADED_ROWS = 100  # rows of a list shown with details read from their records


# The correctional programme ----------------------------------------------------------------------

@bp.route("/programme")
@page(*PSYCHOLOGIST_ROLES)
def programme():
    return render_programme()


def render_programme(*, form: EnrolForm | None = None, problem: str | None = None, status: int = 200):
    up_to_date = caught_up(PROGRAMME, asked=position_arg())
    with senim().views.transaction(write=False) as tx:
        rows = participations(tx, limit=LIST_LIMIT)
    for index, row in enumerate(rows):
        row["enrolled"] = date.fromisoformat(row["day"])
        row["participation"] = participation_or_none(row["participation_id"]) if index < LOADED_ROWS else None
    form = form or EnrolForm(formdata=None, assessment=request.args.get("assessment", "")[:64],
                             referral=request.args.get("referral", "")[:64])
    return render_template("web/psychologist/programme.html", rows=rows, form=form, problem=problem,
                           up_to_date=up_to_date), status


def participation_or_none(participation_id: str):
    try:
        return senim().programme.get(UUID(participation_id), actor=current_actor())
    except (DomainError, ValueError):
        return None


@bp.route("/programme/enrol", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def enrol():
    form = EnrolForm()
    problem = None
    if form.validate_on_submit():
        try:
            assessment_id = UUID(form.assessment.data.strip())
        except ValueError:
            form.assessment.errors = [_("This is not a valid record number.")]
        else:
            referral = (form.referral.data or "").strip()
            fields = {"assessment_id": assessment_id}
            try:
                if referral:
                    fields["referral_id"] = UUID(referral)
                written = senim().programme.enrol(fields, actor=current_actor())
            except ValueError:
                problem = _("This is not a valid record number.")
            except Invalid as invalid:
                problem = " ".join(put_errors(form, invalid, {"assessment_id": "assessment"})) or None
            except Forbidden as refused:  # someone else's assessment or referral
                return render_programme(form=form, problem=say(refused), status=403)
            else:
                remember(written.position)
                flash(_("The person is enrolled in the correctional programme."), "success")
                return redirect(url_for(".participation", participation_id=written.id))
    return render_programme(form=form, problem=problem, status=422)


def participation_forms(given: dict | None = None) -> dict:
    given = given or {}
    now = local(utc_now())
    forms = {
        "session": given.get("session") or SessionForm(prefix="session", formdata=None, day=now.date().isoformat(),
                                                      start=now.strftime("%H:%M")),
        "complete": given.get("complete") or ProgrammeOutcomeForm(prefix="complete", formdata=None),
        "drop_out": given.get("drop_out") or ReasonForm(prefix="drop_out", formdata=None),
    }
    forms["session"].attended.choices = [("yes", _("Came")), ("no", _("Did not come"))]
    forms["complete"].outcome.choices = [("", _("Choose the outcome"))] + [
        (code.code, code.label(language())) for code in PROGRAMME_OUTCOMES]
    return forms


def render_participation(participation_id: UUID, *, forms: dict | None = None, problem: str | None = None,
                         status: int = 200, failed: str | None = None):
    found = senim().programme.get(participation_id, actor=current_actor())
    read("programme", participation_id)
    return render_template("web/psychologist/participation.html", participation=found,
                           forms=participation_forms(forms), problem=problem, failed=failed), status


@bp.route("/programme/<uuid:participation_id>")
@page(*PSYCHOLOGIST_ROLES)
def participation(participation_id: UUID):
    return render_participation(participation_id)


def posted_form(name: str, form_class):
    """The form of one action as posted, with the choices the page offers."""
    return participation_forms({name: form_class(prefix=name)})[name]


def act_on_participation(participation_id: UUID, name: str, form, run, *, fields: dict[str, str] | None = None,
                         success: str):
    return carry_out(
        form, run, fields=fields or {}, success=success, draft=f"programme-{participation_id}-{name}",
        to=lambda written: url_for(".participation", participation_id=participation_id),
        again=lambda problem, status: render_participation(participation_id, forms={name: form}, problem=problem,
                                                           status=status, failed=name))


@bp.route("/programme/<uuid:participation_id>/<any(sessions, complete, \"drop-out\"):action>")
@page(*PSYCHOLOGIST_ROLES)
def participation_action_page(participation_id: UUID, action: str):
    return redirect(url_for(".participation", participation_id=participation_id))


@bp.route("/programme/enrol")
@page(*PSYCHOLOGIST_ROLES)
def enrol_page():
    return redirect(url_for(".programme"))


@bp.route("/programme/<uuid:participation_id>/sessions", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def programme_session(participation_id: UUID):
    return act_on_participation(
        participation_id, "session", posted_form("session", SessionForm), lambda form: senim().programme.record_session(
            participation_id, at=local_moment(form.day.data, form.start.data), attended=form.attended.data == "yes",
            note=(form.note.data or "").strip() or None, actor=current_actor()),
        fields={"at": "start"}, success=_("The session is recorded."))


@bp.route("/programme/<uuid:participation_id>/complete", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def programme_complete(participation_id: UUID):
    form = posted_form("complete", ProgrammeOutcomeForm)
    return act_on_participation(participation_id, "complete", form, lambda form: senim().programme.complete(
        participation_id, outcome=form.outcome.data, actor=current_actor()), success=_("The programme is completed."))


@bp.route("/programme/<uuid:participation_id>/drop-out", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def programme_drop_out(participation_id: UUID):
    return act_on_participation(
        participation_id, "drop_out", ReasonForm(prefix="drop_out"), lambda form: senim().programme.drop_out(
            participation_id, reason=form.reason.data, actor=current_actor()), success=_("The drop-out is recorded."))
