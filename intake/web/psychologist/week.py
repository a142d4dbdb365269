"""My week (the appointments of a week) and the psychologist's working hours."""
from datetime import date, datetime, time, timedelta
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain.clock import SERVICE_TIMEZONE, local, utc_now
from domain.errors import DomainError, Invalid
from domain.schedule import WEEKDAYS, WeeklySchedule
from intake.running import senim
from intake.web.forms import Form
from intake.web.i18n import language
from intake.web.own_writes import caught_up
from intake.web.psychologist import APPOINTMENTS, PSYCHOLOGIST_ROLES, bp, position_arg, remember, shifts_text
from intake.web.psychologist_forms import WeekForm, parse_date, parse_time
from intake.web.refusals import say_all
from intake.web.session import current_actor, page
from projections.appointments import appointments_of

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
    up_to_date = caught_up(APPOINTMENTS, asked=position_arg())
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


def rows_of(refused: Invalid, filled: dict) -> dict[str, list[str]]:
    """The domain names a shift by its place among the filled ones; the page, by its row."""
    mapped: dict[str, list[str]] = {}
    for key, messages in say_all(refused).items():
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
                errors = rows_of(invalid, filled)
            else:
                remember(written.position)
                flash(_("Your working hours are saved."), "success")
                return redirect(url_for(".hours"))
        saved, status = typed, 422
    elif request.method == "POST":
        status = 400
    return render_template("web/psychologist/hours.html", rows=hours_rows(saved), errors=errors, form=form,
                           is_set=user.working_hours is not None), status
