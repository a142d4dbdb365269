"""Reads of projections: wait for the reader's own writes (?min_position=N), or answer 503."""
from datetime import date

from flask import current_app
from marshmallow import ValidationError, validates_schema

from domain.clock import local, utc_now
from domain.errors import Invalid
from intake.api.fields import Day
from intake.api.schemas import ReadQuery
from intake.problems import problem

LONGEST_RANGE_DAYS = 366 * 10


class ProjectionNotReady(Exception):
    def __init__(self, name: str, min_position: int, position: int):
        super().__init__(name)
        self.name, self.min_position, self.position = name, min_position, position


def await_projection(name: str, min_position: int | None) -> None:
    """Blocks (a few seconds at most) until projection `name` has processed min_position."""
    senim = current_app.extensions["senim"]
    if min_position and min_position > senim.store.head():
        # No write ever answered with this position: waiting would not help, so it is the request's fault.
        raise Invalid("min_position", "read.position_unwritten", position=min_position)
    if not senim.projections.wait_for(name, min_position, senim.settings.read_your_writes_timeout):
        raise ProjectionNotReady(name, min_position, senim.projections.position(name))


def not_ready_problem(error: ProjectionNotReady):
    detail = (f"The {error.name} projection is still catching up (at {error.position}, asked for "
              f"{error.min_position}); try again in a moment.")
    return problem(503, detail, kind="projection-behind", headers={"Retry-After": "1"},
                   projection=error.name, position=error.position, min_position=error.min_position)


def today() -> date:
    return local(utc_now()).date()


class DateRangeQuery(ReadQuery):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, both days included; by default this year up to today."""

    date_from = Day(data_key="from", load_default=None)
    date_to = Day(data_key="to", load_default=None)

    @validates_schema
    def range_is_sane(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError("'to' is before 'from'.", "to")
        if start and end and (end - start).days > LONGEST_RANGE_DAYS:
            raise ValidationError("Ask for at most ten years at a time.", "to")

    def load(self, *args, **kwargs):
        data = super().load(*args, **kwargs)
        data["date_to"] = data["date_to"] or today()
        data["date_from"] = data["date_from"] or data["date_to"].replace(month=1, day=1)
        if data["date_from"] > data["date_to"]:
            raise ValidationError({"from": ["'from' is after 'to'."]})
        return data


def record_read(kind: str, record_id) -> None:
    """Notes in the access log that the current actor read this record (contact, case, referral, assessment)."""
    from flask import current_app, request

    from intake.auth import current_actor
    current_app.extensions["senim"].access.record(current_actor(), kind, record_id, remote_addr=request.remote_addr)
