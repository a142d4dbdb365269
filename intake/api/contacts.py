"""Contacts: record, read, complete, amend with a reason, and the full history."""
from uuid import UUID

from domain import reference
from domain.actor import CASEWORK_ROLES
from domain.contact import CALLER_PERSONAL_LIMITS, Contact
from intake.api.blueprint import ApiBlueprint
from intake.api.idempotency import idempotent
from intake.api.reads import read_record, record_history
from intake.api.schemas import AmendmentIn, CompletionIn, ContactIn, ContactOut, CreatedOut, HistoryOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim

blp = ApiBlueprint("contacts", __name__, url_prefix="/api/v1/contacts",
                description="Calls, messages, chats, in-person and online consultations.")


def contact_view(contact: Contact) -> dict:
    fields = contact.fields
    started, ended = fields["started_at"], fields["ended_at"]
    erased = senim().contacts.is_erased(contact)
    return {
        **fields,
        # Erased: the caller's personal fields are shown as null, not left out.
        "caller": {**fields["caller"], **({key: None for key in CALLER_PERSONAL_LIMITS} if erased else {})},
        "id": contact.id,
        "status": "completed" if contact.is_completed else "open",
        "duration_seconds": int((ended - started).total_seconds()) if ended else None,
        "non_data": bool(reference.get("contact_types", fields["contact_type"]).attributes.get("non_data")),
        "recorded_by": contact.recorded_by,
        "recorded_at": contact.created_on,
        "amendments": contact.amendment_count,
        "version": contact.version,
        "erased": erased,
    }


@blp.route("", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ContactIn())
@blp.response(201, CreatedOut)
@idempotent()
def record_contact(fields):
    """Record a contact. Answers 201 with its id; X-Senim-Position names the event written."""
    return written(senim().contacts.record(fields, actor=current_actor()), 201)


@blp.route("/<uuid:contact_id>", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ContactOut)
def get_contact(query, contact_id: UUID):
    """The contact as it stands now, after every amendment."""
    return contact_view(read_record("contact", contact_id, senim().contacts.get))


@blp.route("/<uuid:contact_id>/completion", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(CompletionIn())
@blp.response(200, CreatedOut)
def complete_contact(body, contact_id: UUID):
    """End the contact (default: now), which fixes its duration. A second completion is 409."""
    return written(senim().contacts.complete(contact_id, ended_at=body.get("ended_at"), actor=current_actor()))


@blp.route("/<uuid:contact_id>/amendments", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(AmendmentIn())
@blp.response(201, CreatedOut)
@idempotent()
def amend_contact(body, contact_id: UUID):
    """Correct a contact: a new event with the changes and a reason; nothing is overwritten."""
    return written(senim().contacts.amend(contact_id, changes=body["changes"], reason=body["reason"],
                                          actor=current_actor()), 201)


@blp.route("/<uuid:contact_id>/history", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, HistoryOut)
def contact_history(query, contact_id: UUID):
    """Every event of the contact, oldest first, with its type, time, actor and data."""
    return record_history("contact", contact_id, senim().contacts.history)
