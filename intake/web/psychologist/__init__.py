"""The psychologist's pages: the referral queue, a referral and its actions, my week, working hours,
assessments (aggressor status, ODARA) and the correctional programme.

Pages call the application services as the signed-in member of staff, so the API's permission rules
apply unchanged. A refused form comes back with every message next to its field, in the page's
language, with everything typed kept (status 422); a lost race says who won (status 409). Pages that
read a projection wait until it holds the user's own latest write (read-your-writes).

This module holds the blueprint and what the areas share; each area's pages are in their own module
(queue, referrals, week, assessments, programme), which intake/web/__init__.py imports so their
routes register; they import this module, never the other way round.
"""
from collections.abc import Callable
from datetime import date, datetime, time

from flask import Blueprint, flash, redirect, request, session
from flask_babel import format_date, format_datetime, format_time, gettext as _

from domain import instruments
from domain.actor import same_person
from domain.clock import SERVICE_TIMEZONE, as_aware
from domain.errors import Conflict, Forbidden, Invalid
from domain.programme import OUTCOMES as PROGRAMME_OUTCOMES, STATUSES as PROGRAMME_STATUSES
from domain.referral import OUTCOMES, STATUSES
from domain.schedule import WeeklySchedule
from intake.running import senim
from intake.services.referred import referred
from intake.web.event_text import person_label
from intake.web.i18n import label, language
from intake.web.own_writes import remember
from intake.web.refusals import say, say_all
from intake.web.session import current_actor
from intake.web.staff_names import staff_name

bp = Blueprint("web_psychologist", __name__)

PSYCHOLOGIST_ROLES = ("psychologist", "supervisor")
QUEUE, APPOINTMENTS, PROGRAMME = "referral_queue", "appointments", "programme_stats"
CLEAR_KEY = "psychologist_clear_drafts"
LIST_LIMIT = 300


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
    """A member of staff as the pages name them: their display name (else login), or "you"."""
    if not recorded:
        return ""
    actor = current_actor()
    if same_person(recorded, actor):
        return _("you (%(name)s)", name=staff_name(recorded))
    return staff_name(recorded)


def referred_name(referral) -> str:
    """Who a referral is about, in words the reader may see: the case's label and the name when the
    role may see it ("Aggressor 1 · Bauyrzhan …"), the caller's role and name, or the role alone."""
    found = referred(senim().store, senim().cases, referral, current_actor())
    for one in sorted(found.persons, key=lambda one: one.source != "case"):
        words = [person_label(one.label) if one.label else label("caller_roles", one.role)]
        if one.details.get("name"):
            words.append(one.details["name"])
        return " · ".join(words)
    return label("caller_roles", referral.subject_role)


def read(kind: str, record_id) -> None:
    senim().access.record(current_actor(), kind, record_id, remote_addr=request.remote_addr)


def put_errors(form, refused: Invalid, fields: dict[str, str]) -> list[str]:
    """A refusal's messages onto the form's fields (in the page's language); what no field shows is returned."""
    left = []
    for key, messages in say_all(refused).items():
        name = fields.get(key, key)
        if name in form and name != "csrf_token":
            form[name].errors = list(form[name].errors or []) + messages
        else:
            left += messages
    return left


def carry_out(form, run, *, fields: dict[str, str], success: str, draft: str | None,
              to: Callable[[object], str], again: Callable[[str | None, int], object]):
    """A page's action: the form checked, `run(form)` (a service, as the signed-in member of staff),
    then a flash and a redirect to `to(written)`, the form's draft cleared; a refused form comes back
    through `again(problem, status)` with every message next to its field (422; a lost race 409)."""
    problem, status = None, 422
    if form.validate_on_submit():
        try:
            written = run(form)
        except Invalid as invalid:
            problem = " ".join(put_errors(form, invalid, fields)) or None
        except Conflict as conflict:
            problem, status = say(conflict), 409
        except Forbidden as refused:  # e.g. a participation someone else runs: said on the page, not a bare 403
            problem, status = say(refused), 403
        else:
            remember(written.position)
            if draft:
                clear_drafts(draft)
            flash(success, "success")
            return redirect(to(written))
    return again(problem, status)


# Working hours and questionnaires in words -----------------------------------------------------

def shifts_text(schedule: WeeklySchedule | None, day: int) -> str:
    if schedule is None:
        return ""
    stretches = schedule.days[day]
    if not stretches:
        return _("day off")
    return ", ".join(f"{_clock(shift.start)}–{_clock(shift.end)}" for shift in stretches)


def _clock(moment: time) -> str:
    return format_time(datetime.combine(date(2000, 1, 3), moment, tzinfo=SERVICE_TIMEZONE), "short")


def instrument_title(code: str) -> str:
    try:
        title = instruments.get(code)["title"]
    except Invalid:
        return code
    return title.get(language(), title["en"])

