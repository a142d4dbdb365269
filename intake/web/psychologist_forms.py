"""The forms of the psychologist's pages, and reading what they hold into service arguments.

Dates, times and choices are plain text fields checked here with messages in the page's language
(WTForms' own messages would be English); the application services remain the judges of every rule.
"""
import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField, ValidationError, widgets
from wtforms.validators import InputRequired

from domain.clock import SERVICE_TIMEZONE
from domain.programme import NOTE_MAX
from domain.text import REASON_MAX
from intake.web.forms import Form, length, required

HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DURATIONS = (30, 45, 60, 90, 120, 180, 240)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def parse_date(text: str | None) -> date | None:
    """A YYYY-MM-DD date within the years the service can mean, else None."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def parse_time(text: str | None) -> time | None:
    text = (text or "").strip()
    if len(text) == 8 and text.endswith(":00"):  # some browsers send seconds
        text = text[:5]
    return time.fromisoformat(text) if HH_MM.match(text) else None


def local_moment(day_text: str, time_text: str) -> datetime | None:
    day, clock = parse_date(day_text), parse_time(time_text)
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=SERVICE_TIMEZONE)


def a_date(form, field):
    if field.data and parse_date(field.data) is None:
        raise ValidationError(_l("Give a date like 2026-11-23."))


def a_time(form, field):
    if field.data and parse_time(field.data) is None:
        raise ValidationError(_l("Give the time as HH:MM."))


def chosen(form, field):
    """The value is one of the field's own choices (WTForms would say so in English)."""
    if field.data not in [str(choice[0]) for choice in field.choices]:
        raise ValidationError(_l("Choose one of the offered options."))


def DateField(text, **kwargs):
    return StringField(text, widget=widgets.DateInput(), **kwargs)


def TimeField(text, **kwargs):
    return StringField(text, widget=widgets.TimeInput(), **kwargs)


def reason_field() -> TextAreaField:
    return TextAreaField(_l("Reason"), validators=[required(), length(REASON_MAX)])


class ReasonForm(Form):
    reason = reason_field()


class OverrideForm(Form):
    """An assessment's level changed by professional judgement; the domain decides which levels."""
    level = RadioField(_l("New level"), validate_choice=False,
                       validators=[InputRequired(message=_l("Choose the new level."))])
    reason = reason_field()


class ScheduleForm(Form):
    day = DateField(_l("Date"), validators=[required(), a_date])
    start = TimeField(_l("Start time"), validators=[required(), a_time])
    duration = SelectField(_l("Duration"), validate_choice=False, validators=[chosen])
    format = RadioField(_l("Format"), validate_choice=False, validators=[required(), chosen])
    colleague = SelectField(_l("Pair colleague"), validate_choice=False, validators=[chosen])


class AttendanceForm(Form):
    attended = HiddenField()


class OutcomeForm(Form):
    outcome = SelectField(_l("Outcome of the referral"), validate_choice=False, validators=[required(), chosen])


class ConsultationForm(Form):
    channel = RadioField(_l("How the consultation took place"), validate_choice=False, validators=[required(), chosen])
    day = DateField(_l("Date"), validators=[required(), a_date])
    start = TimeField(_l("Start time"), validators=[required(), a_time])
    end = TimeField(_l("End time"), validators=[required(), a_time])
    summary = TextAreaField(_l("Summary"), validators=[length(REASON_MAX)])
    outcome = SelectField(_l("Outcome of the referral"), validate_choice=False, validators=[chosen])


class SessionForm(Form):
    day = DateField(_l("Date"), validators=[required(), a_date])
    start = TimeField(_l("Time"), validators=[required(), a_time])
    attended = RadioField(_l("Did the person come?"), validate_choice=False, validators=[required(), chosen])
    note = TextAreaField(_l("Note"), validators=[length(NOTE_MAX)])


class ProgrammeOutcomeForm(Form):
    outcome = SelectField(_l("Outcome of the programme"), validate_choice=False, validators=[required(), chosen])


class EnrolForm(Form):
    """Who is enrolled: one of the psychologist's referrals (by name or label), whose case's latest
    aggressor-status assessment decides; or, from an assessment's result, that assessment."""
    person = SelectField(_l("Who is enrolled"), choices=[], validate_choice=False)
    assessment = HiddenField()
    referral = HiddenField()


class LinkForm(Form):
    """What an assessment is linked to; the answers are read from the request by item id."""
    referral = HiddenField()
    case = HiddenField()
    contact = HiddenField()


class WeekForm(Form):
    class Meta:
        csrf = False  # a GET form that only chooses what to show

    week = DateField(_l("Go to the week of"), validators=[a_date])
