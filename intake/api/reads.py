"""Reads of projections: wait for the reader's own writes (?min_position=N), or answer 503.

The waiting itself is intake/queries/freshness.py, shared with the web pages."""
from datetime import date

from marshmallow import ValidationError, validates_schema

from domain.clock import local, utc_now
from intake.api.fields import Day
from intake.api.schemas import ReadQuery
from intake.problems import problem
from intake.queries import freshness
from intake.queries.freshness import ProjectionNotReady
from intake.queries.history import history_of
from intake.running import senim

LONGEST_RANGE_DAYS = 366 * 10


def await_projection(name: str, min_position: int | None) -> None:
    """?min_position=N of an API read: the one read-your-writes wait, on this request's application."""
    freshness.await_projection(senim(), name, min_position)


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


def read_record(kind: str, record_id, read):
    """One record (or its events) read as the current actor may see it, the read noted in the access log."""
    from intake.auth import current_actor
    found = read(record_id, actor=current_actor())
    record_read(kind, record_id)
    return found


def record_history(kind: str, record_id, read) -> dict:
    """A record's history as the API answers it: its id and every event, oldest first."""
    return {"id": record_id, "events": history_of(read_record(kind, record_id, read))}


def record_read(kind: str, record_id) -> None:
    """Notes in the access log that the current actor read this record (contact, case, referral, assessment)."""
    from flask import request

    from intake.auth import current_actor
    senim().access.record(current_actor(), kind, record_id, remote_addr=request.remote_addr)
