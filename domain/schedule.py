"""Working hours (режим работы) of a psychologist and the checks an appointment must pass.

Times of a weekly schedule are local wall-clock times in the service's time zone, the way the
family service writes them on its door ("Mon–Fri 09:00–13:00, 14:00–18:00"). A shift lies
within one day: the family service has no overnight shifts, so "22:00–02:00" is refused.
Shifts that touch (09:00–13:00 and 13:00–17:00) form one stretch an appointment may span.
Deadlines counted in working days live here too: they follow the same office calendar.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.clock import as_aware, local, utc_now
from domain.errors import Invalid, Reason

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_APPOINTMENT = timedelta(minutes=60)
# Longer than this is a typo in the duration, not a session (a programme group runs about 3 hours).
LONGEST_APPOINTMENT = timedelta(hours=4)
# Further ahead than this is a typo in the year, not a plan.
FURTHEST_AHEAD = timedelta(days=366)


@dataclass(frozen=True, order=True)
class Shift:
    """One stretch of working time on a weekday, start inclusive, end exclusive."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def as_list(self) -> list[str]:
        return [f"{self.start:%H:%M}", f"{self.end:%H:%M}"]


class _Unreadable(ValueError):
    """A value of plain data that is not what it stands for; carries the refusal."""

    def __init__(self, reason: Reason):
        super().__init__(reason)
        self.reason = reason


def _parse_time(value) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise _Unreadable(Reason("schedule.not_a_time", value=value)) from None


def _weekday_index(key) -> int:
    if isinstance(key, int) and 0 <= key < 7:
        return key
    if isinstance(key, str) and key.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(key.strip().lower())
    raise _Unreadable(Reason("schedule.weekday_unknown", day=key, weekdays=WEEKDAYS))


def _day_problems(shifts: tuple[Shift, ...]) -> dict[int, Reason]:
    """Per shift index: why the shift is unusable (start not before end, overlapping another)."""
    problems: dict[int, Reason] = {}
    for index, shift in enumerate(shifts):
        if shift.start >= shift.end:
            problems[index] = Reason("schedule.start_after_end", start=shift.start, end=shift.end)
            continue
        for other_index, other in enumerate(shifts[:index]):
            if other.start < other.end and shift.start < other.end and other.start < shift.end:
                problems[index] = Reason("schedule.overlap", start=other.start, end=other.end,
                                         number=other_index + 1)
                break
    return problems


@dataclass(frozen=True)
class WeeklySchedule:
    """Seven tuples of shifts, Monday first. Every instance is valid: bad hours never get this far."""

    days: tuple[tuple[Shift, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise Invalid("schedule", "schedule.seven_days")
        errors = {
            f"schedule.{WEEKDAYS[day]}.{index}": [message]
            for day, shifts in enumerate(self.days)
            for index, message in _day_problems(tuple(shifts)).items()
        }
        if errors:
            raise Invalid.many(errors)
        object.__setattr__(self, "days", tuple(tuple(sorted(shifts)) for shifts in self.days))

    @classmethod
    def of(cls, hours: Mapping) -> "WeeklySchedule":
        """From plain data: {"monday": [["09:00", "13:00"], ...], ...}; days left out are days off."""
        days: list[list[Shift]] = [[] for _ in WEEKDAYS]
        errors: dict[str, list[Reason]] = {}
        for key, shifts in (hours or {}).items():
            try:
                day = _weekday_index(key)
            except _Unreadable as error:
                errors[f"schedule.{key}"] = [error.reason]
                continue
            if isinstance(shifts, (str, bytes)) or not isinstance(shifts, Iterable):
                errors[f"schedule.{WEEKDAYS[day]}"] = [Reason("schedule.day_not_list")]
                continue
            for index, pair in enumerate(shifts):
                field = f"schedule.{WEEKDAYS[day]}.{index}"
                pair = [] if isinstance(pair, (str, bytes)) or not isinstance(pair, Iterable) else list(pair)
                if len(pair) != 2:
                    errors[field] = [Reason("schedule.shift_not_pair")]
                    continue
                try:
                    days[day].append(Shift(_parse_time(pair[0]), _parse_time(pair[1])))
                except _Unreadable as error:
                    errors[field] = [error.reason]
        if errors:
            raise Invalid.many(errors)
        return cls(tuple(tuple(shifts) for shifts in days))

    def as_dict(self) -> dict[str, list[list[str]]]:
        """Plain JSON data, the inverse of `of`: fit for an event or a settings file."""
        return {WEEKDAYS[day]: [shift.as_list() for shift in shifts]
                for day, shifts in enumerate(self.days) if shifts}

    def stretches(self, weekday: int) -> list[tuple[time, time]]:
        """The day's shifts with touching ones joined, so 09–13 and 13–17 hold a 12:30 appointment."""
        joined: list[tuple[time, time]] = []
        for shift in self.days[weekday]:
            if joined and joined[-1][1] >= shift.start:
                joined[-1] = (joined[-1][0], max(joined[-1][1], shift.end))
            else:
                joined.append((shift.start, shift.end))
        return joined

    def covers(self, start: datetime, end: datetime) -> bool:
        start, end = local(start), local(end)
        if start.date() != end.date():
            return False
        return any(low <= start.time() and end.time() <= high for low, high in self.stretches(start.weekday()))

    def describe(self, weekday: int) -> str:
        shifts = self.days[weekday]
        return ", ".join(str(shift) for shift in shifts) if shifts else "a day off"


@dataclass(frozen=True)
class Availability:
    """What the application service looks up for one psychologist, so the aggregate stays pure."""

    schedule: WeeklySchedule
    appointments: tuple[tuple[datetime, datetime], ...] = ()


def appointment_problems(
    schedule: WeeklySchedule, at: datetime, duration: timedelta = DEFAULT_APPOINTMENT,
    existing_appointments: Iterable[tuple[datetime, datetime]] = (), *, now: datetime | None = None,
    who: str = "The psychologist",
) -> list[Reason]:
    """Every reason one psychologist (`who`, a username) cannot take an appointment at `at`.

    Moments are given in the service's local time: that is how the English says them."""
    at, now = as_aware(at), as_aware(now or utc_now())
    end = at + duration
    if at < now:
        return [Reason("appointment.in_past", at=local(at))]
    if at - now > FURTHEST_AHEAD:
        return [Reason("appointment.too_far_ahead", at=local(at))]
    problems = []
    if not schedule.covers(at, end):
        weekday = local(at).weekday()
        shifts = schedule.days[weekday]
        problems.append(Reason("appointment.outside_hours" if shifts else "appointment.day_off", name=who,
                               at=local(at), until=local(end), weekday=WEEKDAYS[weekday], shifts=shifts))
    for other_start, other_end in existing_appointments:
        other_start, other_end = as_aware(other_start), as_aware(other_end)
        if at < other_end and other_start < end:
            problems.append(Reason("appointment.clash", name=who, at=local(other_start), until=local(other_end)))
    return problems


def check_duration(duration: timedelta) -> timedelta:
    if not isinstance(duration, timedelta) or duration <= timedelta(0) or duration % timedelta(minutes=1):
        raise Invalid("duration", "appointment.duration_invalid")
    if duration > LONGEST_APPOINTMENT:
        raise Invalid("duration", "appointment.duration_too_long", hours=LONGEST_APPOINTMENT.seconds // 3600)
    return duration


# Working days: deadlines counted in days the service's offices are open. ---------------------

@dataclass(frozen=True)
class WorkingDays:
    """A span of working days: Saturdays, Sundays and the given holidays do not count."""

    days: int
    holidays: frozenset[date] = frozenset()

    def after(self, moment: datetime) -> datetime:
        """The same local time of day, `days` working days later (Friday 15:00 + 3 → Wednesday 15:00)."""
        current, left = local(moment), self.days
        while left > 0:
            current += timedelta(days=1)
            if current.weekday() < 5 and current.date() not in self.holidays:
                left -= 1
        return current


def add_period(moment: datetime, period: "timedelta | WorkingDays") -> datetime:
    """A deadline: working days count in the office's calendar, hours and minutes around the clock."""
    if isinstance(period, WorkingDays):
        return period.after(moment)
    return as_aware(moment) + period
