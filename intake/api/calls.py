"""Calls: a contact with its victim risk checklist, a new case file and a referral in one request,
the use case the consultant's page runs (intake/services/calls.py)."""
from marshmallow import Schema, fields, validate

from domain.actor import CASEWORK_ROLES
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, Text
from intake.api.idempotency import idempotent
from intake.api.referrals import ReferralBasicsIn
from intake.api.schemas import SUMMARY_MAX, ContactIn
from intake.api.writes import POSITION_HEADER
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.calls import PARTS, Call, CallRecorded

blp = ApiBlueprint("calls", __name__, url_prefix="/api/v1/calls",
                   description="A call recorded with its checklist, case file and referral in one request.")

MOST_ANSWERS = 200


class ChecklistIn(Schema):
    answers = fields.Dict(keys=fields.String(), required=True, validate=validate.Length(max=MOST_ANSWERS),
                          metadata={"description": "{item_id: yes | no | unknown} for every item of victim_risk "
                                                   "(see GET /api/v1/instruments)."})


class CallCaseIn(Schema):
    summary = Text(max_length=SUMMARY_MAX, allow_none=True)


class CallReferralIn(ReferralBasicsIn):
    subject_role = Code("caller_roles", allow_none=True, metadata={
        "description": "Whom the referral is for; defaults to the caller's role."})


class CallIn(Schema):
    contact = fields.Nested(ContactIn, required=True, metadata={
        "description": "The contact, as POST /api/v1/contacts takes it; its case_id joins an existing case."})
    checklist = fields.Nested(ChecklistIn, allow_none=True, load_default=None, metadata={
        "description": "The victim risk checklist (victim_risk) of the caller, recorded with the contact."})
    case = fields.Nested(CallCaseIn, allow_none=True, load_default=None, metadata={
        "description": "Open a case file from the contact, the caller as its first person (not when the contact "
                       "names a case); the checklist and the referral join it."})
    referral = fields.Nested(CallReferralIn, allow_none=True, load_default=None, metadata={
        "description": "A referral made from the contact (and the case)."})


class CallOut(Schema):
    id = fields.UUID(metadata={"description": "The contact's id."})
    contact_id = fields.UUID()
    case_id = fields.UUID(allow_none=True, metadata={"description": "The case file opened with the call."})
    assessment_id = fields.UUID(allow_none=True)
    referral_id = fields.UUID(allow_none=True)
    position = fields.Integer(metadata={"description": "Event-store position of the newest event written."})
    not_saved = fields.List(fields.String(validate=validate.OneOf(PARTS)), metadata={
        "description": "Parts asked for that could not be saved after the contact was (the database went away, "
                       "or a rule only the write could check): send them again through their own endpoints."})


@blp.route("", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(CallIn())
@blp.response(201, CallOut)
@idempotent(answer_from_commit=False)
def record_call(body):
    """Record a call: the contact and, when given, its victim risk checklist, a new case file and a referral.
    Every part is checked before anything is written, so a refusal (422, or 403 for a case you may not see)
    writes nothing. The contact is written first, then the case file, the checklist and the referral; a part
    that fails after the contact was saved is listed in not_saved, and the rest stand."""
    call = Call(contact=body["contact"], checklist=(body["checklist"] or {}).get("answers"),
                referral=body["referral"], case=body["case"])
    recorded = senim().calls.record(call, actor=current_actor())
    return call_view(recorded), 201, {POSITION_HEADER: str(recorded.position)}


def call_view(recorded: CallRecorded) -> dict:
    return {"id": recorded.contact_id, "contact_id": recorded.contact_id, "case_id": recorded.case_id,
            "assessment_id": recorded.assessment_id, "referral_id": recorded.referral_id,
            "position": recorded.position, "not_saved": list(recorded.not_saved)}
