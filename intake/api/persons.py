"""Erasure of a person's personal data (crypto-shredding), and the record that it happened."""
from uuid import UUID

from marshmallow import Schema, fields

from intake.api.blueprint import ApiBlueprint
from intake.api.fields import NonBlankText
from intake.api.idempotency import idempotent
from intake.api.schemas import REASON_MAX, ActorOut, CreatedOut, HistoryEventOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.queries.history import history_of
from intake.running import senim

blp = ApiBlueprint("persons", __name__, url_prefix="/api/v1/persons",
                   description="Data subjects known by a pseudonymous id: erasure of their personal data.")


class ErasureIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True, metadata={
        "description": "Why (say, the person's request under the data-protection law); stored readable, so "
                       "never who the person is."})


class ErasureOut(Schema):
    id = fields.UUID()
    subject_id = fields.UUID()
    kind = fields.String(metadata={"description": "person or case"})
    reason = fields.String()
    at = fields.DateTime(format="iso")
    performed_by = fields.Nested(ActorOut)
    events = fields.List(fields.Nested(HistoryEventOut))


@blp.route("/<uuid:person_id>/erasure", methods=["POST"])
@requires("supervisor")
@blp.arguments(ErasureIn())
@blp.response(201, CreatedOut)
@idempotent()
def erase_person(body, person_id: UUID):
    """Erase a person's personal data: name, phone, address and the summaries sealed with their key,
    in every event, for good. The erasure is recorded (actor, reason) before the key is destroyed;
    events, statistics and journals keep everything else. 404 for an unknown person; a second
    erasure of the same person is 409."""
    return written(senim().erasure.erase_subject(person_id, body["reason"], current_actor(), kind="person"), 201)


@blp.route("/<uuid:person_id>/erasure", methods=["GET"])
@requires("supervisor")
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ErasureOut)
def get_erasure(query, person_id: UUID):
    """The erasure of a person: when, by whom, why; 404 when they were not erased."""
    record = senim().erasure.get(person_id)
    return {"id": record.id, "subject_id": record.subject_id, "kind": record.kind, "reason": record.reason,
            "at": record.at, "performed_by": record.performed_by,
            "events": history_of(senim().erasure.history(person_id))}
