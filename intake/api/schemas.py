"""The API's request and response shapes; the OpenAPI document is generated from them."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain.contact import CALLER_PERSONAL_LIMITS
from domain.phone import phone_problem
from domain.text import REASON_MAX, SUMMARY_MAX
from intake.api.fields import Code, CodeList, Moment, NonBlankText, StrictBoolean, StrictInteger, Text


class ReadQuery(Schema):
    """Accepted by every read: wait until the data has caught up with a write you made."""

    class Meta:
        unknown = EXCLUDE

    # Query strings are text, so a plain (non-strict) integer: "12" is 12, "12.5" is refused.
    min_position = fields.Integer(validate=validate.Range(min=0), load_default=None,
                                  metadata={"description": "Wait until this event-store position is visible."})


class PhoneText(NonBlankText):
    """A phone number as typed: digits, spaces, +, - and parentheses; 5 to 20 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = phone_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


PERSONAL_NOTE = "Personal data: encrypted with the caller's own key, gone for good once the caller is erased."


def personal_text(key: str, **kwargs):
    kind = PhoneText if key == "phone" else NonBlankText
    return kind(max_length=CALLER_PERSONAL_LIMITS[key], metadata={"description": PERSONAL_NOTE}, **kwargs)


class CallerSchema(Schema):
    role = Code("caller_roles", required=True)
    gender = Code("genders")
    age = StrictInteger(validate=validate.Range(min=0, max=120))
    age_group = Code("age_groups")
    language = Code("languages")
    region = Code("regions")
    settlement = Code("settlement_types", metadata={"description": "urban or rural"})
    name = personal_text("name", allow_none=True)
    phone = personal_text("phone", allow_none=True)
    address = personal_text("address", allow_none=True)
    person_id = fields.UUID(dump_only=True, metadata={
        "description": "The caller's pseudonymous id, made at recording (POST /api/v1/persons/{id}/erasure)."})


class ConsentSchema(Schema):
    services = StrictBoolean(allow_none=True, metadata={"description": "Consents to be referred to services."})
    reporting = StrictBoolean(allow_none=True, metadata={"description": "Consents to be counted in reports."})


class ContactFields(Schema):
    service = Code("services", required=True)
    channel = Code("channels", required=True)
    started_at = Moment(required=True)
    ended_at = Moment(allow_none=True)
    contact_type = Code("contact_types", required=True)
    caller = fields.Nested(CallerSchema, required=True)
    categories = CodeList("categories")
    risk = CodeList("risk_flags", metadata={"description": "Risk flags; a list of codes or {code: true}."})
    summary = Text(max_length=SUMMARY_MAX, allow_none=True)
    outcome = CodeList("outcomes")
    consent = fields.Nested(ConsentSchema)
    case_id = fields.UUID(allow_none=True)
    safety_steps = CodeList("safety_steps", allow_none=True, metadata={
        "description": "Optional: the steps of a safety plan agreed during the contact (codes of GET /api/v1/reference "
                       "→ safety_steps). A case opened from the contact starts the caller's safety plan with them."})


class ContactIn(ContactFields):
    pass


class CallerChanges(CallerSchema):
    role = Code("caller_roles")
    gender = Code("genders", allow_none=True)
    age = StrictInteger(validate=validate.Range(min=0, max=120), allow_none=True)
    age_group = Code("age_groups", allow_none=True)
    language = Code("languages", allow_none=True)
    region = Code("regions", allow_none=True)
    settlement = Code("settlement_types", allow_none=True)
    name = personal_text("name", allow_none=True)
    phone = personal_text("phone", allow_none=True)
    address = personal_text("address", allow_none=True)


class ContactChanges(Schema):
    """Only the fields that change; nested objects change key by key (null clears a key)."""

    channel = Code("channels")
    started_at = Moment()
    ended_at = Moment(allow_none=True)
    contact_type = Code("contact_types")
    caller = fields.Nested(CallerChanges)
    categories = CodeList("categories")
    risk = CodeList("risk_flags")
    summary = Text(max_length=SUMMARY_MAX, allow_none=True)
    outcome = CodeList("outcomes")
    consent = fields.Nested(ConsentSchema)
    case_id = fields.UUID(allow_none=True)


class AmendmentIn(Schema):
    changes = fields.Nested(ContactChanges, required=True)
    reason = NonBlankText(max_length=REASON_MAX, required=True)

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not data.get("changes"):
            raise ValidationError("Name at least one field to change.", "changes")


class CompletionIn(Schema):
    ended_at = Moment(metadata={"description": "Defaults to now."})


class ActorOut(Schema):
    user_id = fields.String(allow_none=True)
    username = fields.String()
    role = fields.String()


class ContactOut(ContactFields):
    id = fields.UUID()
    status = fields.String(metadata={"description": "open or completed"})
    duration_seconds = fields.Integer(allow_none=True)
    non_data = fields.Boolean(metadata={"description": "A silent, hang-up, prank, wrong-number, abusive or repeat call."})
    recorded_by = fields.Nested(ActorOut)
    recorded_at = fields.DateTime(format="iso")
    amendments = fields.Integer()
    version = fields.Integer()
    erased = fields.Boolean(metadata={
        "description": "The caller's personal data was erased: name, phone, address and summary read as null."})


class CreatedOut(Schema):
    id = fields.UUID()
    position = fields.Integer()


class HistoryEventOut(Schema):
    type = fields.String()
    at = fields.DateTime(format="iso")
    version = fields.Integer()
    actor = fields.Nested(ActorOut)
    data = fields.Dict()


class HistoryOut(Schema):
    id = fields.UUID()
    events = fields.List(fields.Nested(HistoryEventOut))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String(metadata={"description": "Why, in English, for people; branch on `code`, not on this."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "A refused input: English messages by field (`caller.role`, `answers.fear`)."})
    code = fields.String(metadata={"description": (
        "A refusal of a rule: its stable dotted code (`referral.already_claimed`, `text.longer_than`). For a "
        "refused input, the first field's first code. Absent when the request itself could not be read "
        "(a malformed body, an unknown field) and for errors of the server.")})
    codes = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={"description": (
        "Beside `errors` when a rule refused the input: the codes by field, in the order of the messages "
        "(`{\"caller.name\": [\"caller.text_too_long\"]}`).")})
