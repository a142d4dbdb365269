"""Working hours (режим работы) of psychologists, booking a referral's appointment within them,
recording attendance, and a psychologist's own appointments for a week view."""
import re
from datetime import date, datetime, time, timedelta
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.clock import SERVICE_TIMEZONE
from domain.errors import Forbidden, Invalid, Reason
from domain.referral import CLAIMER_ROLES
from domain.schedule import LONGEST_APPOINTMENT, WEEKDAYS, WeeklySchedule
from domain.staff import User
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, Day, Moment, StrictBoolean, StrictInteger, Text
from intake.api.idempotency import idempotent
from intake.api.reads import await_projection, today
from intake.api.schemas import CreatedOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.appointments import PROJECTION, AppointmentService
from projections.appointments import appointments_of

blp = ApiBlueprint("appointments", __name__, url_prefix="/api/v1",
                   description="Working hours of psychologists, appointments of referrals, attendance.")

HOURS_ROLES = ("admin", "supervisor", "psychologist")
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LONGEST_VIEW_DAYS = 92


def appointments() -> AppointmentService:
    return senim().appointments


# Working hours -----------------------------------------------------------------------------------

class ShiftOut(Schema):
    start = fields.String(metadata={"description": "HH:MM, local time (Asia/Almaty)."})
    end = fields.String(metadata={"description": "HH:MM, exclusive."})


class WorkingHoursIn(Schema):
    schedule = fields.Raw(required=True, metadata={
        "description": "Per weekday (monday … sunday) a list of shifts {start, end} in HH:MM local time; "
                       "days left out are days off. Example: {\"monday\": [{\"start\": \"09:00\", "
                       "\"end\": \"13:00\"}, {\"start\": \"14:00\", \"end\": \"18:00\"}]}."})


class WorkingHoursOut(Schema):
    user_id = fields.UUID()
    username = fields.String()
    set = fields.Boolean(metadata={"description": "False until working hours were ever set."})
    schedule = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(ShiftOut)))


def schedule_from_json(data) -> WeeklySchedule:
    """{"monday": [{"start": "09:00", "end": "13:00"}]} to a WeeklySchedule; errors name schedule.<day>.<n>."""
    if not isinstance(data, dict):
        raise Invalid("schedule", "hours.not_object")
    errors: dict[str, list[Reason]] = {}
    pairs: dict[str, list[list[str]]] = {}
    for day, shifts in data.items():
        if not isinstance(day, str) or day.strip().lower() not in WEEKDAYS:
            errors[f"schedule.{day}"] = [Reason("schedule.weekday_unknown", day=day, weekdays=WEEKDAYS)]
            continue
        if not isinstance(shifts, list):
            errors[f"schedule.{day}"] = [Reason("hours.day_not_list")]
            continue
        pairs[day] = []
        for index, shift in enumerate(shifts):
            field = f"schedule.{day.strip().lower()}.{index}"
            if not isinstance(shift, dict) or set(shift) != {"start", "end"}:
                errors[field] = [Reason("hours.shift_not_object")]
                continue
            bad = [key for key in ("start", "end") if not isinstance(shift[key], str) or not HH_MM.match(shift[key])]
            if bad:
                errors[field] = [Reason("hours.not_a_time", value=shift[key]) for key in bad]
                continue
            pairs[day].append([shift["start"], shift["end"]])
    if errors:
        raise Invalid.many(errors)
    return WeeklySchedule.of(pairs)


def working_hours_view(user: User) -> dict:
    hours = user.working_hours or {}
    return {"user_id": user.id, "username": user.username, "set": user.working_hours is not None,
            "schedule": {day: [{"start": start, "end": end} for start, end in hours.get(day, [])]
                         for day in WEEKDAYS}}


@blp.route("/users/<uuid:user_id>/working-hours", methods=["GET"])
@requires(*HOURS_ROLES)
@blp.response(200, WorkingHoursOut)
def get_working_hours(user_id: UUID):
    """A member of staff's weekly working hours; every weekday is listed, [] for a day off."""
    return working_hours_view(senim().staff.get(user_id))


@blp.route("/users/<uuid:user_id>/working-hours", methods=["PUT"])
@requires(*HOURS_ROLES)
@blp.arguments(WorkingHoursIn())
@blp.response(200, CreatedOut)
def set_working_hours(body, user_id: UUID):
    """Replace the weekly working hours (admins, supervisors, or the psychologist themself).
    Shifts lie within one day; a bad shift is 422 naming it, e.g. schedule.monday.1."""
    schedule = schedule_from_json(body["schedule"])
    return written(senim().staff.set_working_hours(user_id, schedule=schedule, actor=current_actor()))


# Scheduling and attendance -----------------------------------------------------------------------

class ScheduleIn(Schema):
    at = Moment(required=True, metadata={"description": "When the appointment starts (ISO 8601)."})
    format = Code("consultation_formats", required=True)
    colleague = Text(max_length=63, allow_none=True,
                     metadata={"description": "Username of the pair colleague, if two psychologists work together."})
    duration_minutes = StrictInteger(
        allow_none=True, validate=validate.Range(min=1, max=int(LONGEST_APPOINTMENT.total_seconds() // 60)),
        metadata={"description": "Default 60."})


class AttendanceIn(Schema):
    attended = StrictBoolean(required=True)


@blp.route("/referrals/<uuid:referral_id>/schedule", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.arguments(ScheduleIn())
@blp.response(200, CreatedOut)
@idempotent(status=200)
def schedule_appointment(body, referral_id: UUID):
    """Book (or move) the referral's appointment. Outside a psychologist's working hours, overlapping
    another of their appointments, or in the past: 422 on `at` saying why. Another's referral: 403."""
    return written(appointments().schedule(
        referral_id, at=body["at"], format=body["format"], colleague=body.get("colleague"),
        duration_minutes=body.get("duration_minutes"), actor=current_actor()))


@blp.route("/referrals/<uuid:referral_id>/attendance", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.arguments(AttendanceIn())
@blp.response(200, CreatedOut)
def record_attendance(body, referral_id: UUID):
    """Whether the person came to the scheduled appointment (once it has begun)."""
    return written(appointments().record_attendance(referral_id, attended=body["attended"], actor=current_actor()))


# A psychologist's appointments -------------------------------------------------------------------

class AppointmentsQuery(ReadQuery):
    date_from = Day(data_key="from", load_default=None,
                    metadata={"description": "First day (local); default: Monday of this week."})
    date_to = Day(data_key="to", load_default=None,
                  metadata={"description": "Last day, included; default: six days after 'from'."})
    psychologist = fields.String(load_default="me", metadata={"description": "`me` or a user id."})

    @validates_schema
    def range_is_sane(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("'to' is before 'from'.", "to")
        if start and end and (end - start).days >= LONGEST_VIEW_DAYS:
            raise ValidationError(f"Ask for at most {LONGEST_VIEW_DAYS} days at a time.", "to")


class AppointmentOut(Schema):
    appointment_id = fields.String()
    referral_id = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    format = fields.String()
    status = fields.String(metadata={"description": "scheduled, attended, missed or cancelled"})
    psychologists = fields.List(fields.String(), metadata={"description": "Usernames: the pair, if any."})


class AppointmentsOut(Schema):
    psychologist = fields.String()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    appointments = fields.List(fields.Nested(AppointmentOut))


def _person(asked: str) -> str:
    actor = current_actor()
    if asked == "me":
        if not actor.user_id:
            raise Invalid("psychologist", "appointments.me_without_id")
        return actor.user_id
    try:
        user_id = str(UUID(asked))
    except ValueError:
        raise Invalid("psychologist", "appointments.person_invalid") from None
    if user_id != actor.user_id and not actor.has_role("supervisor"):
        raise Forbidden("appointments.others_forbidden")
    return user_id


@blp.route("/appointments", methods=["GET"])
@requires(*CLAIMER_ROLES)
@blp.arguments(AppointmentsQuery(), location="query")
@blp.response(200, AppointmentsOut)
def list_appointments(query):
    """A psychologist's appointments starting between `from` and `to` (local days, both included),
    earliest first, whatever their status; for a week view."""
    user_id = _person(query["psychologist"])
    start = query["date_from"] or (query["date_to"] - timedelta(days=6) if query["date_to"] else None)
    if start is None:
        now = today()
        start = now - timedelta(days=now.weekday())
    end = query["date_to"] or start + timedelta(days=6)
    if end < start:
        raise Invalid("to", "range.to_before_from")
    await_projection(PROJECTION, query["min_position"])
    with senim().views.transaction(write=False) as tx:
        rows = appointments_of(tx, user_id=user_id, start=_local_midnight(start),
                               end=_local_midnight(end + timedelta(days=1)))
    return {"psychologist": user_id, "date_from": start, "date_to": end, "appointments": [
        {**{key: row[key] for key in ("appointment_id", "referral_id", "starts_at", "ends_at", "format", "status")},
         "psychologists": row["psychologists"].split(",")} for row in rows]}


def _local_midnight(day: date):
    return datetime.combine(day, time(0), tzinfo=SERVICE_TIMEZONE)
