"""The psychologist's pages: the referral queue, a referral and its actions, my week, working hours,
assessments (aggressor status, ODARA) and the correctional programme.

Pages call the application services as the signed-in member of staff, so the API's permission rules
apply unchanged. A refused form comes back with every message next to its field, in the page's
language, with everything typed kept (status 422); a lost race says who won (status 409). Pages that
read a projection wait until it holds the user's own latest write (read-your-writes).
"""
from datetime import date, datetime, time, timedelta
from uuid import UUID

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime, format_time, format_timedelta, gettext as _

from domain import instruments, reference
from domain.actor import same_person
from domain.clock import SERVICE_TIMEZONE, as_aware, local, utc_now
from domain.errors import Conflict, DomainError, Invalid
from domain.programme import OUTCOMES as PROGRAMME_OUTCOMES, STATUSES as PROGRAMME_STATUSES
from domain.referral import ALLOWED_FROM, CLAIMER_ROLES, FINAL_STATUSES, OUTCOMES, STATUSES
from domain.schedule import WEEKDAYS, WeeklySchedule
from intake.services.referrals import PSYCHOLOGISTS_TARGET
from intake.web.forms import Form
from intake.web.i18n import label, language
from intake.web.psychologist_forms import (
    DURATIONS, AttendanceForm, ConsultationForm, EnrolForm, LinkForm, OutcomeForm, ProgrammeOutcomeForm,
    ReasonForm, ScheduleForm, SessionForm, WeekForm, local_moment, parse_date, parse_time,
)
from intake.web.psychologist_messages import say, say_all
from intake.web.session import current_actor, page
from projections.appointments import appointments_of
from projections.programme_stats import participations
from projections.referral_queue import claimed_referrals, open_referrals

bp = Blueprint("web_psychologist", __name__)

PSYCHOLOGIST_ROLES = ("psychologist", "supervisor")
READER_ROLES = ("consultant", "psychologist", "supervisor")
QUEUE, APPOINTMENTS, PROGRAMME = "referral_queue", "appointments", "programme_stats"
POSITION_KEY, CLEAR_KEY = "psychologist_position", "psychologist_clear_drafts"
ASSESSED_INSTRUMENTS = ("aggressor_status", "odara")  # offered from a referral; any instrument works by URL
LIST_LIMIT = 300
LOADED_ROWS = 100  # rows of a list shown with details read from their records


def senim():
    return current_app.extensions["senim"]


# Read-your-writes ------------------------------------------------------------------------------

def remember(position: int) -> None:
    """The user's latest write: every page that reads a projection waits until it holds it."""
    session[POSITION_KEY] = max(int(session.get(POSITION_KEY) or 0), int(position))


def caught_up(name: str, asked: int | None = None, *, latest: bool = False) -> bool:
    """Waits (a few seconds at most) until the projection holds the user's latest write, or with
    `latest` every event written so far (a queue others claim from must be fresh); False if not."""
    services = senim()
    head = services.store.head()
    position = head if latest else min(max(int(session.get(POSITION_KEY) or 0), asked or 0), head)
    if not position:
        return True
    return services.projections.wait_for(name, position, services.settings.read_your_writes_timeout)


def position_arg(name: str = "after") -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def clear_drafts(*names: str) -> None:
    session[CLEAR_KEY] = ",".join(filter(None, [session.get(CLEAR_KEY, ""), *names]))


@bp.context_processor
def helpers():
    def drafts_to_clear() -> str:
        return session.pop(CLEAR_KEY, "")
    return {
        "when": when, "referral_status": referral_status, "referral_outcome": referral_outcome,
        "programme_status": programme_status, "programme_outcome": programme_outcome,
        "drafts_to_clear": drafts_to_clear, "person": person, "clock": clock,
        "day_text": lambda day, pattern="medium": format_date(day, pattern),
    }


# Words and times -------------------------------------------------------------------------------

def when(moment, style: str = "short") -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(as_aware(moment), style)


def clock(moment) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_time(as_aware(moment), "short")


def _code_label(codes, code: str | None) -> str:
    for entry in codes:
        if entry.code == code:
            return entry.label(language())
    return code or ""


def referral_status(code: str) -> str:
    return _code_label(STATUSES, code)


def referral_outcome(code: str) -> str:
    return _code_label(OUTCOMES, code)


def programme_status(code: str) -> str:
    return _code_label(PROGRAMME_STATUSES, code)


def programme_outcome(code: str) -> str:
    return _code_label(PROGRAMME_OUTCOMES, code)


def person(recorded: dict | None) -> str:
    """A member of staff as the pages name them: the username, or "you"."""
    if not recorded:
        return ""
    actor = current_actor()
    if same_person(recorded, actor):
        return _("you (%(name)s)", name=recorded.get("username", ""))
    return recorded.get("username", "")


def read(kind: str, record_id) -> None:
    senim().access.record(current_actor(), kind, record_id, remote_addr=request.remote_addr)


def put_errors(form, errors: dict[str, list[str]], fields: dict[str, str]) -> list[str]:
    """Domain errors onto the form's fields (translated); what no field shows is returned."""
    left = []
    for key, messages in say_all(errors).items():
        name = fields.get(key, key)
        if name in form and name != "csrf_token":
            form[name].errors = list(form[name].errors or []) + messages
        else:
            left += messages
    return left


# The queue ---------------------------------------------------------------------------------------

def queue_target() -> str:
    actor = current_actor()
    asked = request.values.get("target") or PSYCHOLOGISTS_TARGET
    if actor.has_role("supervisor") and asked in reference.codes("referral_targets"):
        return asked
    return PSYCHOLOGISTS_TARGET


def queue_item(row: dict, now: datetime) -> dict:
    made_at = datetime.fromisoformat(row["made_at"])
    deadline = datetime.fromisoformat(row["deadline"])
    left = deadline - now
    return {
        "id": row["referral_id"], "urgency": row["urgency"], "source": row["source"],
        "subject_role": row["subject_role"], "made_at": made_at, "deadline": deadline,
        "waiting": format_timedelta(max(now - made_at, timedelta(0)), threshold=1.5),
        "left": format_timedelta(abs(left), threshold=1.5), "overdue": left < timedelta(0),
        "escalated": bool(row["escalated"]),
    }


def in_progress(ids: list[str]) -> list:
    """The claimed referrals the user works on (a supervisor: everyone's), loaded from the store."""
    actor = current_actor()
    found = []
    for referral_id in ids:
        try:
            referral = senim().referrals.get(UUID(referral_id), actor=actor)
        except (DomainError, ValueError):
            continue
        if referral.status in FINAL_STATUSES:
            continue
        if actor.has_role("supervisor") or same_person(referral.claimant, actor):
            found.append(referral)
    return found


def render_queue(*, problem: str | None = None, status: int = 200):
    services = senim()
    target = queue_target()
    up_to_date = caught_up(QUEUE, latest=True)
    with services.views.transaction(write=False) as tx:
        rows = open_referrals(tx, target=target, deadlines=services.referrals.deadlines)
        claimed_ids = claimed_referrals(tx, target=target, limit=LIST_LIMIT)
    now = utc_now()
    claimed_id = request.args.get("claimed", "")[:40] if not problem else ""
    # Just claimed: shown as the user's even if the projection was slow to hear of it.
    items = [queue_item(row, now) for row in rows if row["referral_id"] != claimed_id]
    mine = in_progress(list(dict.fromkeys(([claimed_id] if claimed_id else []) + claimed_ids)))
    return render_template(
        "web/psychologist/queue.html", items=items, target=target, mine=mine, now=now,
        problem=problem, up_to_date=up_to_date, claimed=claimed_id, form=Form(formdata=None),
        targets=reference.CODE_LISTS["referral_targets"],
    ), status


@bp.route("/queue")
@page(*PSYCHOLOGIST_ROLES)
def queue():
    return render_queue()


def claim_refusal(referral_id: UUID, conflict: Conflict) -> str:
    """Why a claim lost, in words: who holds the referral now, or what became of it."""
    try:
        referral = senim().referrals.get(referral_id, actor=current_actor())
    except DomainError:
        return say(conflict.detail)
    if referral.status in FINAL_STATUSES:
        return _("This referral is no longer waiting: its status is now “%(status)s”.",
                 status=referral_status(referral.status))
    if referral.claimant:
        return _("Someone else claimed this referral first: %(name)s. The queue below is up to date.",
                 name=referral.claimant.get("username", ""))
    return say(conflict.detail)


@bp.route("/referrals/<uuid:referral_id>/claim", methods=["POST"])
@page(*CLAIMER_ROLES)
def claim(referral_id: UUID):
    from_referral = request.form.get("back") == "referral"
    try:
        written = senim().referrals.claim(referral_id, actor=current_actor())
    except Conflict as conflict:
        problem = claim_refusal(referral_id, conflict)
        if from_referral:
            return render_referral(referral_id, problem=problem, status=409)
        return render_queue(problem=problem, status=409)
    remember(written.position)
    if from_referral:
        flash(_("You claimed this referral. Schedule an appointment below."), "success")
        return redirect(url_for(".referral", referral_id=referral_id))
    return redirect(url_for(".queue", after=written.position, claimed=str(referral_id), target=queue_target()))


# A referral --------------------------------------------------------------------------------------

def history_rows(referral_id: UUID) -> list[dict]:
    """Every event of the referral as a row: what happened, when, who, and why (reasons, times)."""
    rows = []
    for event in senim().store.events_of(referral_id):
        kind = type(event).__name__
        data = vars(event)
        row = {"kind": kind, "at": data.get("at") or event.timestamp, "actor": data.get("actor"), "details": []}
        if kind in ("Released", "Declined", "Cancelled"):
            row["details"].append((_("Reason"), data.get("reason")))
        if kind == "AppointmentScheduled":
            starts = data["starts_at"]
            ends = as_aware(starts) + timedelta(minutes=data["duration_minutes"])
            row["details"] += [
                (_("Appointment"), f"{when(starts)}–{format_time(ends, 'short')}"),
                (_("Format"), label("consultation_formats", data.get("format"))),
                (_("Psychologists"), ", ".join(p.get("username", "") for p in data.get("psychologists") or [])),
            ]
        if kind == "Completed":
            row["details"].append((_("Outcome"), referral_outcome(data.get("outcome"))))
        if kind == "Escalated":
            row["details"].append((_("Claim deadline"), when(data.get("due_at"))))
        if kind == "Made":
            row["details"].append((_("Reason for the referral"), data.get("reason")))
        rows.append(row)
    return rows


def event_name(kind: str) -> str:
    names = {
        "Made": _("Referral made"), "Claimed": _("Claimed"), "Released": _("Given back to the queue"),
        "Declined": _("Declined by the service"), "AppointmentScheduled": _("Appointment scheduled"),
        "AppointmentAttended": _("The person came"), "AppointmentMissed": _("The person did not come"),
        "Completed": _("Completed"), "Cancelled": _("Cancelled"),
        "Escalated": _("Claim deadline missed: escalated"),
    }
    return names.get(kind, kind)


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
    """The other active psychologists, for a pair colleague: (username, shown name)."""
    people = []
    for user in senim().staff.list_users():
        if user.active and user.role == "psychologist" and not same_person(referral.claimant, user.as_actor()):
            hours = "" if user.working_hours else " — " + _("no working hours on record")
            people.append((user.username, user.username + hours))
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


def shifts_text(schedule: WeeklySchedule | None, day: int) -> str:
    if schedule is None:
        return ""
    stretches = schedule.days[day]
    if not stretches:
        return _("day off")
    return ", ".join(f"{_clock(shift.start)}–{_clock(shift.end)}" for shift in stretches)


def _clock(moment: time) -> str:
    return format_time(datetime.combine(date(2000, 1, 3), moment, tzinfo=SERVICE_TIMEZONE), "short")


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
    return render_template(
        "web/psychologist/referral.html", referral=referral, history=history_rows(referral_id),
        event_name=event_name, actions=allowed_actions(referral, actor), forms=referral_forms(referral, forms),
        problem=problem, failed=failed, begun=begun, deadline=senim().referrals.claim_deadline(referral),
        hours=schedule_rows(schedule_of(referral.claimant)), claimant_hours_set=bool(schedule_of(referral.claimant)),
        outcomes_need_attendance=[code.label(language()) for code in OUTCOMES if code.attributes["needs_attendance"]],
        done_options=reference_options("outcomes"), done=request.form.getlist("consultation-done"),
        reporting=request.form.get("consultation-reporting") == "yes", instruments=ASSESSED_INSTRUMENTS,
        instrument_title=instrument_title,
    ), status


@bp.route("/referrals/<uuid:referral_id>")
@page(*READER_ROLES)
def referral(referral_id: UUID):
    return render_referral(referral_id)


def act(referral_id: UUID, name: str, form, run, *, fields: dict[str, str] | None = None,
        success: str, draft: bool = True):
    """A referral action: checked, run, then back to the referral (or its errors, with what was typed)."""
    problem, status = None, 422
    if form.validate_on_submit():
        try:
            written = run(form)
        except Invalid as invalid:
            left = put_errors(form, invalid.errors, fields or {})
            problem = " ".join(left) or None
        except Conflict as conflict:
            problem, status = say(conflict.detail), 409
        else:
            remember(written.position)
            if draft:
                clear_drafts(f"referral-{referral_id}-{name}")
            flash(success, "success")
            return redirect(url_for(".referral", referral_id=referral_id, after=written.position))
    return render_referral(referral_id, forms={name: form}, problem=problem, status=status, failed=name)


@bp.route("/referrals/<uuid:referral_id>/<any(claim, release, decline, cancel, schedule, attendance, complete, "
          "consultation):action>")
@page(*READER_ROLES)
def referral_action_page(referral_id: UUID, action: str):
    """An action's address opened as a page (e.g. after changing the language on a refused form)."""
    return redirect(url_for(".referral", referral_id=referral_id))


@bp.route("/referrals/<uuid:referral_id>/release", methods=["POST"])
@page(*CLAIMER_ROLES)
def release(referral_id: UUID):
    return act(referral_id, "release", ReasonForm(prefix="release"), lambda form: senim().referrals.release(
        referral_id, reason=form.reason.data, actor=current_actor()),
        success=_("The referral is back in the queue."))


@bp.route("/referrals/<uuid:referral_id>/decline", methods=["POST"])
@page(*CLAIMER_ROLES)
def decline(referral_id: UUID):
    return act(referral_id, "decline", ReasonForm(prefix="decline"), lambda form: senim().referrals.decline(
        referral_id, reason=form.reason.data, actor=current_actor()),
        success=_("The referral was declined; the referrer sees the reason."))


@bp.route("/referrals/<uuid:referral_id>/cancel", methods=["POST"])
@page(*READER_ROLES)
def cancel(referral_id: UUID):
    return act(referral_id, "cancel", ReasonForm(prefix="cancel"), lambda form: senim().referrals.cancel(
        referral_id, reason=form.reason.data, actor=current_actor()),
        success=_("The referral was cancelled."))


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
        problem = say(refused.detail if isinstance(refused, Conflict) else next(iter(refused.errors.values()))[0])
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
            raise Conflict(f"Cannot record the consultation of a referral that is {referral.status}.",
                           state=referral.status)
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


# My week ---------------------------------------------------------------------------------------

def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SERVICE_TIMEZONE)


@bp.route("/week")
@page(*PSYCHOLOGIST_ROLES)
def week():
    actor = current_actor()
    today = local(utc_now()).date()
    asked = request.args.get("week")
    notice = None
    day = parse_date(asked) if asked else today
    if day is None:
        notice = _("“%(value)s” is not a date; here is the current week.", value=asked[:40])
        day = today
    monday = monday_of(day)
    up_to_date = caught_up(APPOINTMENTS, position_arg())
    with senim().views.transaction(write=False) as tx:
        rows = appointments_of(tx, user_id=actor.user_id, start=midnight(monday),
                               end=midnight(monday + timedelta(days=7)))
    now = utc_now()
    user = senim().staff.get(UUID(actor.user_id))
    schedule = user.schedule
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        items = []
        for row in rows:
            starts = local(datetime.fromisoformat(row["starts_at"]))
            if starts.date() != current:
                continue
            names = row["psychologists"].split(",")
            items.append({
                **row, "starts": starts, "ends": local(datetime.fromisoformat(row["ends_at"])),
                "referral": referral_or_none(row["referral_id"]),
                "partners": [name for name in names if name != actor.username],
                "mine": bool(names) and names[0] == actor.username,
                "begun": starts <= now,
            })
        days.append({"date": current, "items": items, "hours": shifts_text(schedule, offset),
                     "today": current == today})
    form = WeekForm(formdata=None, week=monday.isoformat())
    return render_template(
        "web/psychologist/week.html", days=days, monday=monday, sunday=monday + timedelta(days=6),
        previous=(monday - timedelta(days=7)).isoformat(), next=(monday + timedelta(days=7)).isoformat(),
        this_week=monday_of(today) == monday, notice=notice, up_to_date=up_to_date, form=form,
        hours_set=schedule is not None, count=sum(len(d["items"]) for d in days),
        csrf_form=Form(formdata=None),
    )


def referral_or_none(referral_id: str):
    """A referral for a line of a list (its urgency and whom it is for), or None if it cannot be read."""
    try:
        return senim().referrals.get(UUID(referral_id), actor=current_actor())
    except (DomainError, ValueError):
        return None


# Working hours -----------------------------------------------------------------------------------

SHIFTS_SHOWN = 2
MOST_SHIFTS = 8


def hours_rows(saved: dict | None) -> list[dict]:
    """A row per weekday with its shifts as text pairs, at least SHIFTS_SHOWN per day."""
    from babel.dates import get_day_names
    names = get_day_names("wide", locale=language())
    rows = []
    width = max([SHIFTS_SHOWN, *(len(pairs) for pairs in (saved or {}).values())])
    for index, day in enumerate(WEEKDAYS):
        shifts = [list(pair) for pair in (saved or {}).get(day, [])]
        while len(shifts) < width:
            shifts.append(["", ""])
        rows.append({"day": day, "name": names[index].capitalize(), "shifts": shifts})
    return rows


def hours_from_form() -> tuple[dict, dict, dict[str, list[str]]]:
    """The shifts as typed ({day: [[start, end], …]}, blank rows kept so errors match the rows shown),
    the filled ones for the domain with the row each came from, and what is wrong, by field."""
    typed: dict[str, list[list[str]]] = {}
    filled: dict[str, list[tuple[int, str, str]]] = {}
    errors: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        posted = {index: (request.form.get(f"{day}-{index}-start"), request.form.get(f"{day}-{index}-end"))
                  for index in range(MOST_SHIFTS)}
        rows = [index for index, (start, end) in posted.items() if start is not None or end is not None]
        typed[day], filled[day] = [], []
        for index in range(max(rows) + 1 if rows else 0):
            start, end = ((text or "").strip()[:8] for text in posted[index])
            typed[day].append([start, end])
            if not start and not end:
                continue
            key = f"schedule.{day}.{index}"
            if not start or not end:
                errors[key] = [_("Give both the start and the end, or neither.")]
            elif parse_time(start) is None or parse_time(end) is None:
                errors[key] = [_("Give the time as HH:MM.")]
            else:
                filled[day].append((index, parse_time(start).strftime("%H:%M"), parse_time(end).strftime("%H:%M")))
    return typed, filled, errors


def rows_of(errors: dict[str, list[str]], filled: dict) -> dict[str, list[str]]:
    """The domain names a shift by its place among the filled ones; the page, by its row."""
    mapped: dict[str, list[str]] = {}
    for key, messages in say_all(errors).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1] in filled and parts[2].isdigit() and int(parts[2]) < len(filled[parts[1]]):
            key = f"schedule.{parts[1]}.{filled[parts[1]][int(parts[2])][0]}"
        mapped.setdefault(key, []).extend(messages)
    return mapped


@bp.route("/working-hours", methods=["GET", "POST"])
@page(*PSYCHOLOGIST_ROLES)
def hours():
    actor = current_actor()
    user = senim().staff.get(UUID(actor.user_id))
    form = Form()
    errors: dict[str, list[str]] = {}
    status = 200
    saved = user.working_hours
    if request.method == "POST" and form.validate_on_submit():
        typed, filled, errors = hours_from_form()
        if not errors:
            shifts = {day: [[start, end] for _index, start, end in rows] for day, rows in filled.items() if rows}
            try:
                written = senim().staff.set_working_hours(user.id, schedule=WeeklySchedule.of(shifts), actor=actor)
            except Invalid as invalid:
                errors = rows_of(invalid.errors, filled)
            else:
                remember(written.position)
                flash(_("Your working hours are saved."), "success")
                return redirect(url_for(".hours"))
        saved, status = typed, 422
    elif request.method == "POST":
        status = 400
    return render_template("web/psychologist/hours.html", rows=hours_rows(saved), errors=errors, form=form,
                           is_set=user.working_hours is not None), status


# Assessments -------------------------------------------------------------------------------------

def instrument_title(code: str) -> str:
    try:
        title = instruments.get(code)["title"]
    except Invalid:
        return code
    return title.get(language(), title["en"])


def item_text(item: dict) -> str:
    return item.get(language(), item["en"])


GROUPS = ("violence", "risk", "readiness", "contraindication")


def group_title(group: str | None) -> str:
    return {
        "violence": _("Violence committed"), "risk": _("Signs of danger"),
        "readiness": _("Readiness to change (not scored)"),
        "contraindication": _("Contraindications for the correctional programme"),
    }.get(group or "", "")


def uuid_arg(name: str) -> UUID | None:
    value = request.values.get(name) or ""
    try:
        return UUID(value) if value else None
    except ValueError:
        abort(404)


def assessment_link() -> dict:
    """What the new assessment belongs to: a referral (its case and contact), a case, or a contact."""
    referral_id, case_id, contact_id = uuid_arg("referral"), uuid_arg("case"), uuid_arg("contact")
    link = {"referral": None, "case_id": case_id, "contact_id": contact_id}
    if referral_id:
        referral = senim().referrals.get(referral_id, actor=current_actor())
        link.update(referral=referral, case_id=case_id or referral.case_id, contact_id=contact_id or referral.contact_id)
    return link


def answer_sections(spec: dict) -> list[dict]:
    sections: list[dict] = []
    for item in spec["items"]:
        group = item.get("group")
        if not sections or sections[-1]["group"] != group:
            sections.append({"group": group, "title": group_title(group), "items": []})
        sections[-1]["items"].append(item)
    return sections


def answer_label(answer: str) -> str:
    return {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}.get(answer, answer)


@bp.route("/assessments/new", methods=["GET", "POST"])
@page(*READER_ROLES)
def new_assessment():
    code = request.values.get("instrument", "")
    if code not in instruments.REGISTRY.codes():
        status = 404 if code else 200
        return render_template("web/psychologist/instruments.html", asked=code[:40], instrument_title=instrument_title,
                               codes=instruments.REGISTRY.codes(), link_args=link_args()), status
    spec = instruments.get(code)
    link = assessment_link()
    form = LinkForm()
    answers = {item["id"]: request.form.get(f"answer-{item['id']}") for item in spec["items"]} \
        if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    problem, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            given = {key[len("answer-"):]: value for key, value in request.form.items() if key.startswith("answer-")}
            fields = {"instrument": code, "answers": given, "case_id": link["case_id"], "contact_id": link["contact_id"]}
            try:
                written = senim().assessments.record(fields, actor=current_actor())
            except Invalid as invalid:
                errors = say_all(invalid.errors)
                known = {f"answers.{item['id']}" for item in spec["items"]}
                problem = " ".join(message for key, messages in errors.items() if key not in known
                                   for message in messages) or None
            else:
                remember(written.position)
                clear_drafts(draft_name(code, link))
                flash(_("The assessment is recorded."), "success")
                referral = link["referral"]
                return redirect(url_for(".assessment", assessment_id=written.id,
                                        **({"referral": str(referral.id)} if referral else {})))
        else:
            problem = _("The form had expired. Send it once more.")
    return render_template(
        "web/psychologist/assessment_form.html", spec=spec, sections=answer_sections(spec), answers=answers,
        errors=errors, problem=problem, link=link, form=form, item_text=item_text, answer_label=answer_label,
        draft=draft_name(code, link), instrument_title=instrument_title, link_args=link_args(),
        missing=sum(1 for key in errors if key.startswith("answers.")),
        numbers={item["id"]: number for number, item in enumerate(spec["items"], 1)},
    ), status


def link_args() -> dict:
    return {key: request.values[key][:64] for key in ("referral", "case", "contact") if request.values.get(key)}


def draft_name(code: str, link: dict) -> str:
    target = link["referral"].id if link["referral"] else link["case_id"] or link["contact_id"] or "new"
    return f"assessment-{code}-{target}"


@bp.route("/assessments/<uuid:assessment_id>")
@page(*READER_ROLES)
def assessment(assessment_id: UUID):
    service = senim().assessments
    found = service.get(assessment_id, actor=current_actor())
    read("assessment", assessment_id)
    spec = instruments.get(found.instrument, found.instrument_version)
    levels = {level["code"]: level.get(language(), level["en"]) for level in spec["scoring"]["levels"]}
    items = {item["id"]: item for item in spec["items"]}
    referral_id = uuid_arg("referral")
    enrol = EnrolForm(formdata=None, assessment=str(assessment_id), referral=str(referral_id or ""))
    return render_template(
        "web/psychologist/assessment.html", assessment=found, spec=spec, levels=levels, items=items,
        sections=answer_sections(spec), overrides=service.overrides(found), item_text=item_text,
        answer_label=answer_label, instrument_title=instrument_title, result=found.result,
        referral_id=referral_id, enrol=enrol, may_enrol=current_actor().has_role(*PSYCHOLOGIST_ROLES),
    )


# The correctional programme ----------------------------------------------------------------------

@bp.route("/programme")
@page(*PSYCHOLOGIST_ROLES)
def programme():
    return render_programme()


def render_programme(*, form: EnrolForm | None = None, problem: str | None = None, status: int = 200):
    up_to_date = caught_up(PROGRAMME, position_arg())
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
                problem = " ".join(put_errors(form, invalid.errors, {"assessment_id": "assessment"})) or None
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


def act_on_participation(participation_id: UUID, name: str, form, run, *, fields: dict[str, str], success: str):
    problem, status = None, 422
    if form.validate_on_submit():
        try:
            written = run(form)
        except Invalid as invalid:
            problem = " ".join(put_errors(form, invalid.errors, fields)) or None
        except Conflict as conflict:
            problem, status = say(conflict.detail), 409
        else:
            remember(written.position)
            clear_drafts(f"programme-{participation_id}-{name}")
            flash(success, "success")
            return redirect(url_for(".participation", participation_id=participation_id))
    return render_participation(participation_id, forms={name: form}, problem=problem, status=status, failed=name)


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
    form = participation_forms({"session": SessionForm(prefix="session")})["session"]
    return act_on_participation(
        participation_id, "session", form, lambda form: senim().programme.record_session(
            participation_id, at=local_moment(form.day.data, form.start.data), attended=form.attended.data == "yes",
            note=(form.note.data or "").strip() or None, actor=current_actor()),
        fields={"at": "start"}, success=_("The session is recorded."))


@bp.route("/programme/<uuid:participation_id>/complete", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def programme_complete(participation_id: UUID):
    form = participation_forms({"complete": ProgrammeOutcomeForm(prefix="complete")})["complete"]
    return act_on_participation(
        participation_id, "complete", form, lambda form: senim().programme.complete(
            participation_id, outcome=form.outcome.data, actor=current_actor()),
        fields={}, success=_("The programme is completed."))


@bp.route("/programme/<uuid:participation_id>/drop-out", methods=["POST"])
@page(*PSYCHOLOGIST_ROLES)
def programme_drop_out(participation_id: UUID):
    form = ReasonForm(prefix="drop_out")
    return act_on_participation(
        participation_id, "drop_out", form, lambda form: senim().programme.drop_out(
            participation_id, reason=form.reason.data, actor=current_actor()),
        fields={}, success=_("The drop-out is recorded."))
