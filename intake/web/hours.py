"""Working hours as a form: a row per weekday with its shifts, checked here for the page's language and
then by the domain (WeeklySchedule); used by a psychologist for her own hours and by an admin or a
supervisor on a member of staff's page."""

from babel.dates import get_day_names
from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from domain.errors import Invalid
from domain.schedule import WEEKDAYS, WeeklySchedule
from intake.running import senim
from intake.web.forms import Form
from intake.web.i18n import language
from intake.web.own_writes import remember
from intake.web.psychologist_forms import parse_time
from intake.web.refusals import say_all
from intake.web.session import current_actor

SHIFTS_SHOWN = 2
MOST_SHIFTS = 8


def hours_rows(saved: dict | None) -> list[dict]:
    """A row per weekday with its shifts as text pairs, at least SHIFTS_SHOWN per day."""
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



def hours_page(user, *, template: str, saved: str, back: str, **context):
    """The hours form of `user` (GET), or its sending (POST): saved as the signed-in member of staff,
    then `saved` flashed and back to `back`; a refused form comes back with every error by its row."""
    form = Form()
    errors: dict[str, list[str]] = {}
    status = 200
    shown = user.working_hours
    if request.method == "POST" and form.validate_on_submit():
        typed, filled, errors = hours_from_form()
        if not errors:
            shifts = {day: [[start, end] for _index, start, end in rows] for day, rows in filled.items() if rows}
            try:
                written = senim().staff.set_working_hours(user.id, schedule=WeeklySchedule.of(shifts),
                                                          actor=current_actor())
            except Invalid as invalid:
                errors = rows_of(invalid, filled)
            else:
                remember(written.position)
                flash(saved, "success")
                return redirect(back)
        shown, status = typed, 422
    elif request.method == "POST":
        status = 400
    return render_template(template, rows=hours_rows(shown), errors=errors, form=form, user=user,
                           is_set=user.working_hours is not None, **context), status
