"""My week (the appointments of a week) and the psychologist's working hours."""
from datetime import date, datetime, time, timedelta
from uuid import UUID

from flask import render_template, request, url_for
from flask_babel import gettext as _

from domain.clock import SERVICE_TIMEZONE, local, utc_now
from domain.errors import DomainError
from intake.running import senim
from intake.web.forms import Form
from intake.web.hours import hours_page
from intake.web.own_writes import caught_up
from intake.web.psychologist import APPOINTMENTS, PSYCHOLOGIST_ROLES, bp, position_arg, shifts_text
from intake.web.psychologist_forms import WeekForm, parse_date
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name
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
                "partners": [staff_name(name) for name in names if name != actor.username],
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



@bp.route("/working-hours", methods=["GET", "POST"])
@page(*PSYCHOLOGIST_ROLES)
def hours():
    user = senim().staff.get(UUID(current_actor().user_id))
    return hours_page(user, template="web/psychologist/hours.html", saved=_("Your working hours are saved."),
                      back=url_for(".hours"))
