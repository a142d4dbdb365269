"""The access log for supervisors: who read which record, when and from where, and who was refused.

Before reading the access_log projection the endpoint writes this process's buffered reads and
waits for the projection to reach the event store's head, so a read done a moment ago here is
listed, and so is every batch other processes wrote; reads still in another process's buffer
show up within its flush interval (about a second). Reading the access log is
itself noted, as kind `audit` with the record id asked about (else the user id, else `all`).
"""
import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.access import KINDS, OUTCOMES
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Moment
from intake.api.reads import await_projection, record_read
from intake.api.schemas import ActorOut, ReadQuery
from intake.auth import requires
from intake.queries import access_log as access_log_reads
from intake.queries.access_log import CURSOR, PROJECTION, end_of, start_of
from intake.running import senim

blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit",
                   description="Supervisors' audit: who read which record, when and from where.")

MOST_ENTRIES = 1000
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


@blp.route("/access", methods=["GET"])
@requires("supervisor")
@blp.arguments(AccessQuery(), location="query")
@blp.response(200, AccessLogOut)
def access_log(query):
    """Who read which record (or was refused it: outcome), when and from where: newest first, a page at a
    time (supervisors)."""
    running = senim()
    flushed, unwritten = access_log_reads.write_buffered_reads(running)  # this server's reads, written before looking
    record_id = str(query["record_id"]) if query["record_id"] else None
    user_id = str(query["user_id"]) if query["user_id"] else None
    record_read("audit", record_id or user_id or "all")
    reflected = access_log_reads.reflected_position(running, query["min_position"], flushed)
    await_projection(PROJECTION, reflected or None)
    entries = access_log_reads.entries(
        running, record_id=record_id, user_id=user_id, kind=query["kind"], outcome=query["outcome"],
        date_from=query["date_from"], date_to=query["date_to"], cursor=query["cursor"], limit=query["limit"])
    last = entries[-1] if len(entries) == query["limit"] else None
    return {"entries": entries, "position": reflected, "pending": unwritten,
            "next_cursor": access_log_reads.cursor_of(last) if last else None}
