"""The correctional programme: enrolment, a participation, its sessions, completion and drop-out."""
from datetime import date
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _

from domain.actor import same_person
from domain.clock import local, utc_now
from domain.errors import DomainError, Forbidden, Invalid, NotFound
from domain.programme import OUTCOMES as PROGRAMME_OUTCOMES
from domain.referral import FINAL_STATUSES
from intake.running import senim
from intake.services.referrals import PSYCHOLOGISTS_TARGET
from intake.web.i18n import language
from intake.web.own_writes import caught_up
from intake.web.psychologist import (
    LIST_LIMIT,
    PROGRAMME,
    PSYCHOLOGIST_ROLES,
    QUEUE,
    bp,
    carry_out,
    position_arg,
    put_errors,
    read,
    referred_name,
    remember,
)
from intake.web.psychologist_forms import EnrolForm, ProgrammeOutcomeForm, ReasonForm, SessionForm, local_moment
from intake.web.refusals import say
from intake.web.session import current_actor, page
from projections.programme_stats import participations
from projections.referral_queue import claimed_referrals

INSTRUMENT_SUBJECT = "aggressor"  # the programme is for aggressors (domain/programme.py)

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
        row["who"] = participant(row["participation"]) if row["participation"] else ""
    form = form or EnrolForm(formdata=None, person=request.args.get("referral", "")[:64])
    form.person.choices = [("", _("Choose the person"))] + [(str(referral.id), text) for referral, text in candidates()]
    return render_template("web/psychologist/programme.html", rows=rows, form=form, problem=problem,
                           up_to_date=up_to_date), status


def candidates() -> list[tuple]:
    """The aggressors of the referrals this psychologist holds (a supervisor: everyone's), by name or
    label, with the day the referral was made: whom she may enrol."""
    actor = current_actor()
    caught_up(QUEUE, latest=True)
    with senim().views.transaction(write=False) as tx:
        ids = claimed_referrals(tx, target=PSYCHOLOGISTS_TARGET, limit=LIST_LIMIT)
    found = []
    for referral_id in ids:
        try:
            referral = senim().referrals.get(UUID(referral_id), actor=actor)
        except (DomainError, ValueError):
            continue
        if referral.subject_role != INSTRUMENT_SUBJECT or referral.status in FINAL_STATUSES:
            continue
        if actor.has_role("supervisor") or same_person(referral.claimant, actor):
            found.append((referral, f"{referred_name(referral)} · {day_text(referral.made_at)}"))
    return found


def participant(participation) -> str:
    """Who takes part in the programme, in words the reader may see."""
    if participation.referral_id:
        try:
            return referred_name(senim().referrals.get(participation.referral_id, actor=current_actor()))
        except DomainError:
            pass
    return _("an aggressor")


def day_text(moment) -> str:
    return format_date(local(moment).date(), "medium")


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
            fields = enrolment_of(form)
            written = senim().programme.enrol(fields, actor=current_actor()) if fields else None
        except ValueError:
            problem = _("This is not a valid record number.")
        except Invalid as invalid:
            problem = " ".join(put_errors(form, invalid, {"assessment_id": "person", "referral_id": "person"})) or None
        except (Forbidden, NotFound) as refused:  # someone else's assessment or referral, or none such
            return render_programme(form=form, problem=say(refused), status=403 if isinstance(refused, Forbidden) else 422)
        else:
            if written is not None:
                remember(written.position)
                flash(_("The person is enrolled in the correctional programme."), "success")
                return redirect(url_for(".participation", participation_id=written.id))
    return render_programme(form=form, problem=problem, status=422)


def enrolment_of(form: EnrolForm) -> dict:
    """The enrolment's fields: the assessment sent from its result page, or the latest aggressor-status
    assessment of the chosen person's case; {} with the reason on the form when there is none."""
    assessment, referral_id = (form.assessment.data or "").strip(), (form.referral.data or "").strip()
    if assessment:
        return {"assessment_id": UUID(assessment), **({"referral_id": UUID(referral_id)} if referral_id else {})}
    chosen = (form.person.data or "").strip()
    if not chosen:
        form.person.errors = [_("Choose the person to enrol.")]
        return {}
    referral = senim().referrals.get(UUID(chosen), actor=current_actor())
    latest = senim().programme.latest_assessment_of(referral.case_id) if referral.case_id else None
    if latest is None:
        form.person.errors = [_("No aggressor-status assessment of this person is on record yet: record one from "
                                "the referral's page, then enrol from its result.")]
        return {}
    return {"assessment_id": latest, "referral_id": referral.id, "case_id": referral.case_id}


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
