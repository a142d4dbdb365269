"""A referral's page and its actions: release, decline, cancel, schedule, attendance, complete, consultation."""
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain import instruments, reference
from domain.actor import CASEWORK_ROLES, same_person
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, DomainError, Invalid
from domain.referral import ALLOWED_FROM, CLAIMER_ROLES, OUTCOMES
from domain.schedule import WeeklySchedule
from intake.running import senim
from intake.services.referrals import PSYCHOLOGISTS_TARGET
from intake.services.referred import referred
from intake.web.event_text import person_label, referral_step_details, referral_step_name
from intake.web.i18n import label, language
from intake.web.psychologist import bp, carry_out, instrument_title, read, remember, shifts_text
from intake.web.psychologist_forms import (
    DURATIONS,
    AttendanceForm,
    ConsultationForm,
    OutcomeForm,
    ReasonForm,
    ScheduleForm,
    local_moment,
    parse_date,
)
from intake.web.refusals import say
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name


def fitting_instruments(subject_role: str) -> list[str]:
    """The questionnaires for a person in this role (victim risk for a victim, aggressor status and
    ODARA for an aggressor): the only ones a referral's page offers."""
    return [code for code in instruments.REGISTRY.codes() if subject_role in instruments.get(code)["subject_roles"]]


# A referral --------------------------------------------------------------------------------------

def history_rows(referral_id: UUID) -> list[dict]:
    """Every event of the referral as a row: what happened, when, who, and why (reasons, times)."""
    rows = []
    for event in senim().store.events_of(referral_id):
        data = vars(event)
        rows.append({"kind": type(event).__name__, "at": data.get("at") or event.timestamp, "actor": data.get("actor"),
                     "details": referral_step_details(event, data)})
    return rows


def event_name(kind: str) -> str:
    return referral_step_name(kind)


def allowed_actions(referral, actor) -> set[str]:
    """What the page offers: the state machine's next steps that this member of staff may take."""
    status = referral.status
    responsible = actor.has_role("supervisor") or same_person(referral.claimant, actor)
    psychologist = actor.has_role(*CLAIMER_ROLES)
    found = set()
    if status == "open" and psychologist:
        found |= {"claim", "decline"}
    if responsible and psychologist:
        for action in ("release", "schedule", "complete"):
            if status in ALLOWED_FROM[action]:
                found.add(action)
        if status == "claimed":
            found.add("decline")
        if status == "scheduled":
            found.add("attendance")
        if status == "attended":
            found.add("consultation")
    if status in ALLOWED_FROM["cancel"] and (actor.has_role("supervisor") or same_person(referral.made_by, actor)
                                             or same_person(referral.claimant, actor)):
        found.add("cancel")
    return found


def colleagues(referral) -> list[tuple[str, str]]:
    """The other active psychologists, for a pair colleague: (username, display name)."""
    people = []
    for user in senim().staff.list_users():
        if user.active and user.role == "psychologist" and not same_person(referral.claimant, user.as_actor()):
            hours = "" if user.working_hours else " — " + _("no working hours on record")
            people.append((user.username, staff_name(user) + hours))
    return sorted(people)


def schedule_of(recorded: dict | None) -> WeeklySchedule | None:
    if not recorded or not recorded.get("user_id"):
        return None
    try:
        return senim().staff.get(UUID(recorded["user_id"])).schedule
    except (DomainError, ValueError):
        return None


def schedule_rows(schedule: WeeklySchedule | None) -> list[tuple[str, str]]:
    """(weekday, hours) for a table of working hours in the page's language."""
    from babel.dates import get_day_names
    names = get_day_names("wide", locale=language())
    if schedule is None:
        return []
    return [(names[day].capitalize(), shifts_text(schedule, day)) for day in range(7)]


def referral_forms(referral, given: dict | None = None) -> dict:
    """Every action's form, fresh and pre-filled, except the one sent back with its errors."""
    given = given or {}
    appointment = referral.appointment or {}
    starts = local(appointment["starts_at"]) if appointment.get("starts_at") else None
    ends = local(appointment["ends_at"]) if appointment.get("ends_at") else None
    fresh = {
        "release": lambda: ReasonForm(prefix="release", formdata=None),
        "decline": lambda: ReasonForm(prefix="decline", formdata=None),
        "cancel": lambda: ReasonForm(prefix="cancel", formdata=None),
        "schedule": lambda: ScheduleForm(prefix="schedule", formdata=None, **moving(referral)),
        "attendance": lambda: AttendanceForm(prefix="attendance", formdata=None),
        "complete": lambda: OutcomeForm(prefix="complete", formdata=None),
        "consultation": lambda: ConsultationForm(
            prefix="consultation", formdata=None,
            channel="video" if appointment.get("format") == "online" else "in_person",
            day=starts.date().isoformat() if starts else "", start=starts.strftime("%H:%M") if starts else "",
            end=ends.strftime("%H:%M") if ends else "", outcome=""),
    }
    forms = {name: given.get(name) or make() for name, make in fresh.items()}
    choose(forms, referral)
    return forms


def moving(referral) -> dict:
    """The schedule form's first values: the current appointment's when it is moved, else the usual."""
    appointment = referral.appointment or {}
    values = {"duration": "60", "format": appointment.get("format", "in_person"), "colleague": ""}
    if referral.status == "scheduled" and appointment:
        starts, ends = local(appointment["starts_at"]), local(appointment["ends_at"])
        minutes = int((ends - starts).total_seconds() // 60)
        others = [p.get("username", "") for p in appointment.get("psychologists", [])[1:]]
        values.update(day=starts.date().isoformat(), start=starts.strftime("%H:%M"),
                      duration=str(minutes) if minutes in DURATIONS else "60", colleague=others[0] if others else "")
    return values


def choose(forms: dict, referral) -> None:
    """The choices of the select and radio fields, in the page's language."""
    schedule = forms["schedule"]
    schedule.duration.choices = [(str(minutes), _("%(minutes)s minutes", minutes=minutes)) for minutes in DURATIONS]
    schedule.format.choices = reference_options("consultation_formats")
    schedule.colleague.choices = [("", _("No pair colleague"))] + colleagues(referral)
    attended = referral.attended_count > 0
    outcomes = [(code.code, code.label(language())) for code in OUTCOMES
                if attended or not code.attributes["needs_attendance"]]
    forms["complete"].outcome.choices = [("", _("Choose the outcome"))] + outcomes
    consultation = forms["consultation"]
    consultation.channel.choices = [(code, label("channels", code)) for code in ("in_person", "video")]
    consultation.outcome.choices = [("", _("Keep the referral open (a follow-up will be scheduled)"))] + [
        (code.code, code.label(language())) for code in OUTCOMES]


def reference_options(list_name: str) -> list[tuple[str, str]]:
    return [(entry.code, entry.label(language())) for entry in reference.CODE_LISTS[list_name]]


def render_referral(referral_id: UUID, *, forms: dict | None = None, problem: str | None = None,
                    status: int = 200, failed: str | None = None):
    actor = current_actor()
    referral = senim().referrals.get(referral_id, actor=actor)
    read("referral", referral_id)
    appointment = referral.appointment
    begun = bool(appointment) and as_aware(appointment["starts_at"]) <= utc_now()
    who = referred(senim().store, senim().cases, referral, actor)
    if any(person.source == "caller" and person.details for person in who.persons):
        read("contact", referral.contact_id)  # the caller's details were shown: the access log says so
    return render_template(
        "web/psychologist/referral.html", referral=referral, history=history_rows(referral_id),
        event_name=event_name, actions=allowed_actions(referral, actor), forms=referral_forms(referral, forms),
        problem=problem, failed=failed, begun=begun, deadline=senim().referrals.claim_deadline(referral),
        hours=schedule_rows(schedule_of(referral.claimant)), claimant_hours_set=bool(schedule_of(referral.claimant)),
        outcomes_need_attendance=[code.label(language()) for code in OUTCOMES if code.attributes["needs_attendance"]],
        done_options=reference_options("outcomes"), done=request.form.getlist("consultation-done"),
        reporting=request.form.get("consultation-reporting") == "yes", instruments=fitting_instruments(referral.subject_role),
        instrument_title=instrument_title, who=who, person_label=person_label,
    ), status


@bp.route("/referrals/<uuid:referral_id>")
@page(*CASEWORK_ROLES)
def referral(referral_id: UUID):
    return render_referral(referral_id)


def act(referral_id: UUID, name: str, form, run, *, fields: dict[str, str] | None = None,
        success: str, draft: bool = True):
    """A referral action: checked, run, then back to the referral (or its errors, with what was typed)."""
    return carry_out(
        form, run, fields=fields or {}, success=success, draft=f"referral-{referral_id}-{name}" if draft else None,
        to=lambda written: url_for(".referral", referral_id=referral_id, after=written.position),
        again=lambda problem, status: render_referral(referral_id, forms={name: form}, problem=problem,
                                                      status=status, failed=name))


def act_with_reason(referral_id: UUID, name: str, *, success: str):
    """An action that takes only a reason (release, decline, cancel): the referral service's command of that name."""
    command = getattr(senim().referrals, name)
    return act(referral_id, name, ReasonForm(prefix=name), lambda form: command(
        referral_id, reason=form.reason.data, actor=current_actor()), success=success)


@bp.route("/referrals/<uuid:referral_id>/<any(claim, release, decline, cancel, schedule, attendance, complete, "
          "consultation):action>")
@page(*CASEWORK_ROLES)
def referral_action_page(referral_id: UUID, action: str):
    """An action's address opened as a page (e.g. after changing the language on a refused form)."""
    return redirect(url_for(".referral", referral_id=referral_id))


@bp.route("/referrals/<uuid:referral_id>/release", methods=["POST"])
@page(*CLAIMER_ROLES)
def release(referral_id: UUID):
    return act_with_reason(referral_id, "release", success=_("The referral is back in the queue."))


@bp.route("/referrals/<uuid:referral_id>/decline", methods=["POST"])
@page(*CLAIMER_ROLES)
def decline(referral_id: UUID):
    return act_with_reason(referral_id, "decline",
                           success=_("The referral was declined; the referrer sees the reason."))


@bp.route("/referrals/<uuid:referral_id>/cancel", methods=["POST"])
@page(*CASEWORK_ROLES)
def cancel(referral_id: UUID):
    return act_with_reason(referral_id, "cancel", success=_("The referral was cancelled."))


@bp.route("/referrals/<uuid:referral_id>/schedule", methods=["POST"])
@page(*CLAIMER_ROLES)
def schedule(referral_id: UUID):
    referral = senim().referrals.get(referral_id, actor=current_actor())
    form = ScheduleForm(prefix="schedule")
    choose({**referral_forms(referral), "schedule": form}, referral)

    def run(form):
        return senim().appointments.schedule(
            referral_id, at=local_moment(form.day.data, form.start.data), format=form.format.data,
            colleague=form.colleague.data or None, duration_minutes=int(form.duration.data), actor=current_actor())

    return act(referral_id, "schedule", form, run, fields={"at": "start", "duration": "duration"},
               success=_("The appointment is booked. It is in your week."))


@bp.route("/referrals/<uuid:referral_id>/attendance", methods=["POST"])
@page(*CLAIMER_ROLES)
def attendance(referral_id: UUID):
    form = AttendanceForm(prefix="attendance")
    answer = form.attended.data
    back_to_week = request.form.get("back", "").startswith("week")
    if answer not in ("yes", "no"):
        form.attended.errors = [_("Say whether the person came.")]
        problem = form.attended.errors[0]
        if back_to_week:
            flash(problem, "error")
            return redirect(week_url())
        return render_referral(referral_id, problem=problem, status=422, failed="attendance")
    try:
        written = senim().appointments.record_attendance(referral_id, attended=answer == "yes", actor=current_actor())
    except (Conflict, Invalid) as refused:
        problem = say(refused)  # an Invalid says its first field's first refusal
        if back_to_week:
            flash(problem, "error")
            return redirect(week_url())
        return render_referral(referral_id, problem=problem, status=409 if isinstance(refused, Conflict) else 422,
                               failed="attendance")
    remember(written.position)
    flash(_("Recorded: the person came.") if answer == "yes" else _("Recorded: the person did not come."), "success")
    if back_to_week:
        return redirect(week_url(after=written.position))
    return redirect(url_for(".referral", referral_id=referral_id, after=written.position))


def week_url(**extra) -> str:
    back = request.form.get("back", "")
    day = parse_date(back.partition(":")[2])
    return url_for(".week", **({"week": day.isoformat()} if day else {}), **extra)


@bp.route("/referrals/<uuid:referral_id>/complete", methods=["POST"])
@page(*CLAIMER_ROLES)
def complete(referral_id: UUID):
    referral = senim().referrals.get(referral_id, actor=current_actor())
    form = OutcomeForm(prefix="complete")
    choose({**referral_forms(referral), "complete": form}, referral)
    return act(referral_id, "complete", form, lambda form: senim().referrals.complete(
        referral_id, outcome=form.outcome.data, actor=current_actor()),
        success=_("The referral is completed."), draft=False)


@bp.route("/referrals/<uuid:referral_id>/consultation", methods=["POST"])
@page(*CLAIMER_ROLES)
def consultation(referral_id: UUID):
    """The consultation as a contact of the family service (so the statistics count it), and, when an
    outcome is chosen, the referral completed with it."""
    actor = current_actor()
    referral = senim().referrals.get(referral_id, actor=actor)
    form = ConsultationForm(prefix="consultation")
    choose({**referral_forms(referral), "consultation": form}, referral)
    done = [code for code in request.form.getlist("consultation-done") if code in reference.codes("outcomes")]
    reporting = request.form.get("consultation-reporting") == "yes"

    def run(form):
        if referral.status != "attended":
            raise Conflict("referral.wrong_state", state=referral.status, action="record_consultation",
                           status=referral.status)
        started = local_moment(form.day.data, form.start.data)
        ended = local_moment(form.day.data, form.end.data)
        subject = referral.subject_role if referral.subject_role in reference.codes("caller_roles") else "unknown"
        fields = {
            "service": PSYCHOLOGISTS_TARGET, "channel": form.channel.data, "started_at": started,
            "ended_at": ended, "contact_type": "counselling", "caller": {"role": subject},
            "summary": (form.summary.data or "").strip() or None, "outcome": done,
            "consent": {"services": True, **({"reporting": True} if reporting else {})},
            "case_id": referral.case_id,
        }
        written = senim().contacts.record(fields, actor=actor)
        remember(written.position)
        if form.outcome.data:
            try:
                written = senim().referrals.complete(referral_id, outcome=form.outcome.data, actor=actor)
            except DomainError:
                flash(_("The consultation was recorded, but the referral could not be completed: "
                        "choose its outcome again below."), "warning")
                raise
        return written

    return act(referral_id, "consultation", form, run,
               fields={"started_at": "start", "ended_at": "end", "channel": "channel", "summary": "summary"},
               success=_("The consultation is recorded.") if not form.outcome.data
               else _("The consultation is recorded and the referral completed."))
