"""Repeat callers: has this number called before? The number travels in a POST body only, never in a URL."""
from marshmallow import Schema, fields

from domain.actor import CASEWORK_ROLES
from intake.api.blueprint import ApiBlueprint
from intake.api.reads import await_projection
from intake.api.schemas import PhoneText, ReadQuery
from intake.auth import current_actor, requires
from intake.running import senim

blp = ApiBlueprint("callers", __name__, url_prefix="/api/v1/callers",
                   description="Repeat callers, recognised by a keyed hash of their number.")


class LookupIn(Schema):
    phone = PhoneText(max_length=50, required=True, metadata={
        "description": "As typed: 8 701 123 45 67, +7 (701) 123-45-67 and 77011234567 are one number."})
    contact_id = fields.UUID(allow_none=True, metadata={
        "description": "The contact being recorded now, if it is already saved: left out of the count."})


class ReferralBrief(Schema):
    id = fields.String()
    target = fields.String()
    status = fields.String()
    urgency = fields.String()


class LookupOut(Schema):
    known = fields.Boolean(metadata={"description": "The number called before."})
    earlier_contacts = fields.Integer(metadata={"description": "How many earlier contacts came from it (all, "
                                                                "whoever recorded them)."})
    contacts = fields.List(fields.String(), metadata={
        "description": "The ids of those the caller of the API may read: their own; a supervisor's, all."})
    open_referrals = fields.List(fields.Nested(ReferralBrief), metadata={
        "description": "Referrals made from any of those contacts that have not ended, among those the caller "
                       "of the API may read."})
    open_referrals_total = fields.Integer(metadata={
        "description": "How many referrals made from those contacts have not ended (all, a count only)."})


@blp.route("/lookup", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.arguments(LookupIn())
@blp.response(200, LookupOut)
def lookup(query, body):
    """Look a phone number up. A read of the callers read model: accepts ?min_position=N. Contacts of a
    person whose data was erased are not found any more. For a psychologist the lookup covers only the
    contacts they recorded themselves: it tells them nothing about anyone else's calls (a victim's number
    the aggressor gave them answers as unknown)."""
    await_projection("callers", query.get("min_position"))
    running = senim()
    return running.callers.lookup(body["phone"], actor=current_actor(), current_contact=body.get("contact_id"))
