"""The access log for supervisors: who read which record, when and from where, and who was refused.

Before reading the access_log projection the endpoint writes this process's buffered reads and
waits for the projection to reach the event store's head, so a read done a moment ago here is
listed, and so is every batch other processes wrote; reads still in another process's buffer
show up within its flush interval (about a second). Reading the access log is
itself noted, as kind `audit` with the record id asked about (else the user id, else `all`).
"""
import re
from datetime import date, datetime, time, timedelta, timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.access import KINDS, OUTCOMES
from domain.clock import SERVICE_TIMEZONE
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Moment
from intake.api.reads import await_projection, record_read
from intake.api.schemas import ActorOut, ReadQuery
from intake.auth import requires
from projections.access_log import access_rows
from intake.running import senim

blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit",
                   description="Supervisors' audit: who read which record, when and from where.")

PROJECTION = "access_log"
MOST_ENTRIES = 1000
CURSOR = re.compile(r"^(\d{1,18})-(\d{1,9})$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DayOrMoment(Moment):
    """A local day (YYYY-MM-DD, the whole day) or an ISO 8601 moment."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and DAY.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type="date") from None
        return super()._deserialize(value, attr, data, **kwargs)


def utc_text(moment: datetime) -> str:
    """As the projection stores `at`: fixed-width UTC text, so the text order is the time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def start_of(value) -> datetime:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=SERVICE_TIMEZONE)
    return value


def end_of(value) -> datetime:
    """The first moment after `value`: a day is included whole, a moment to the microsecond."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value + timedelta(days=1), time(0), tzinfo=SERVICE_TIMEZONE)
    return value + timedelta(microseconds=1)


class AccessQuery(ReadQuery):
    record_id = fields.UUID(load_default=None, metadata={"description": "Reads of this record."})
    user_id = fields.UUID(load_default=None, metadata={"description": "Reads by this member of staff."})
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS),
                         metadata={"description": f"One of {', '.join(KINDS)}."})
    outcome = fields.String(load_default=None, validate=validate.OneOf(OUTCOMES), metadata={
        "description": "allowed: reads let through; refused: attempts answered 403. Default: both."})
    date_from = DayOrMoment(data_key="from", load_default=None, metadata={
        "description": "From this local day (YYYY-MM-DD) or moment (ISO 8601), included."})
    date_to = DayOrMoment(data_key="to", load_default=None, metadata={
        "description": "To this local day (the whole day) or moment, included."})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MOST_ENTRIES),
                           metadata={"description": f"Entries per page, at most {MOST_ENTRIES}."})
    cursor = fields.String(load_default=None, validate=validate.Regexp(CURSOR, error="Not a cursor of this list."),
                           metadata={"description": "next_cursor of the previous page: the entries after it."})

    @validates_schema
    def range_is_sane(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        try:
            backwards = start is not None and end is not None and end_of(end) <= start_of(start)
        except (OverflowError, ValueError):
            backwards = False  # year 1 or 9999 at a day's edge: matches nothing, harmlessly
        if backwards:
            raise ValidationError("'to' is before 'from'.", "to")


class AccessEntryOut(Schema):
    position = fields.Integer(metadata={"description": "Event-store position of the batch holding the entry."})
    seq = fields.Integer(metadata={"description": "The entry's place in its batch."})
    kind = fields.String()
    record_id = fields.String()
    actor = fields.Nested(ActorOut)
    at = fields.String(metadata={"description": "When the record was read (UTC, ISO 8601)."})
    remote_addr = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "allowed, or refused: the attempt was answered 403.",
                                      "enum": list(OUTCOMES)})


class AccessLogOut(Schema):
    entries = fields.List(fields.Nested(AccessEntryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as ?cursor= for older entries."})
    position = fields.Integer(metadata={
        "description": "The list reflects every read written to the event store up to this position."})
    pending = fields.Integer(metadata={
        "description": "Reads this server had noted but not written when asked (the database was away)."})


def _bound(value, edge) -> str | None:
    if value is None:
        return None
    try:
        return utc_text(edge(value))
    except (OverflowError, ValueError):  # beyond year 9999: no read is that late (or that early)
        return None


def entry_view(row: dict) -> dict:
    return {"position": row["position"], "seq": row["seq"], "kind": row["kind"], "record_id": row["record_id"],
            "actor": {"user_id": row["user_id"], "username": row["username"], "role": row["role"]},
            "at": row["at"], "remote_addr": row["remote_addr"], "outcome": row["outcome"]}


@blp.route("/access", methods=["GET"])
@requires("supervisor")
@blp.arguments(AccessQuery(), location="query")
@blp.response(200, AccessLogOut)
def access_log(query):
    """Who read which record (or was refused it: outcome), when and from where: newest first, a page at a
    time (supervisors)."""
    running = senim()
    flushed = running.access.flush()  # this server's reads up to now, written before looking
    unwritten = running.access.pending  # non-zero: that write failed, the entries wait for the next try
    record_id = str(query["record_id"]) if query["record_id"] else None
    user_id = str(query["user_id"]) if query["user_id"] else None
    record_read("audit", record_id or user_id or "all")
    # Up to the head, not just this server's flush: batches other processes wrote are listed too.
    reflected = max(query["min_position"] or 0, flushed, running.store.head())
    await_projection(PROJECTION, reflected or None)
    before = tuple(int(part) for part in CURSOR.match(query["cursor"]).groups()) if query["cursor"] else None
    with running.views.transaction(write=False) as tx:
        rows = access_rows(tx, record_id=record_id, user_id=user_id, kind=query["kind"], outcome=query["outcome"],
                           at_from=_bound(query["date_from"], start_of), at_to=_bound(query["date_to"], end_of),
                           before=before, limit=query["limit"])
    last = rows[-1] if len(rows) == query["limit"] else None
    return {"entries": [entry_view(row) for row in rows], "position": reflected, "pending": unwritten,
            "next_cursor": f"{last['position']}-{last['seq']}" if last else None}
