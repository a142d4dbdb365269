"""Casework over months on a case: the agreement the family was taken on under, each person's safe
contact, the safety plans of the persons at risk, and the follow-ups after closure (closing with a
coded reason and per-child outcomes is POST /api/v1/cases/{id}/closure)."""
from uuid import UUID

from marshmallow import Schema, fields, validate

from domain.actor import CASEWORK_ROLES
from domain.case import ANSWERS, NOTE_MAX, ORGANISATION_MAX, SAFE_ANSWER_MAX, SAFE_TIMES_MAX, TERM_MONTHS
from domain.safety_plan import MOST_OWN_STEPS, OWN_STEP_MAX
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, CodeList, Day, Moment, NonBlankText, StrictInteger, Text
from intake.api.idempotency import idempotent
from intake.api.reads import read_record
from intake.api.schemas import REASON_MAX, ActorOut
from intake.api.writes import POSITION_HEADER
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.cases import PartWritten

blp = ApiBlueprint("case_work", __name__, url_prefix="/api/v1/cases",
                   description="Casework over months: the agreement, safe contact, safety plans and follow-ups of a case.")

CASE_ID = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
PERSON_ID = "6f1c2a8e-4c1b-4f7e-9a53-2f0c1d3e4b5a"
WHO = {"user_id": "0d9f3c5e-8a4b-4c2d-b1e6-7f8a9b0c1d2e", "username": "aigerim", "role": "consultant"}


# Shapes ------------------------------------------------------------------------------------------

class AgreementIn(Schema):
    service = Code("services", required=True, metadata={"description": "The service that takes the family on."})
    source = Code("case_sources", required=True, metadata={"description": "Who referred the family."})
    organisation = Text(max_length=ORGANISATION_MAX, allow_none=True, load_default=None, metadata={
        "description": "The referring organisation's name (sealed for the case)."})
    region = Code("regions", allow_none=True, load_default=None)
    agreement_on = Day(required=True, metadata={"description": "The day the agreement was made; not in the future."})
    term_months = StrictInteger(required=True, validate=validate.Range(min=TERM_MONTHS[0], max=TERM_MONTHS[1]),
                                metadata={"description": "How long the agreement runs, typically 12 to 36 months."})


class AgreementStateOut(Schema):
    service = fields.String()
    source = fields.String()
    organisation = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    agreement_on = fields.String()
    term_months = fields.Integer()
    ends_on = fields.String(metadata={"description": "agreement_on plus term_months."})
    extension = fields.Boolean(metadata={"description": "true: recorded while an earlier agreement stood."})
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class AgreementOut(Schema):
    case_id = fields.UUID()
    agreement = fields.Nested(AgreementStateOut, allow_none=True, metadata={
        "description": "The agreement that counts (the latest); null: the case was not taken on."})
    agreements = fields.List(fields.Nested(AgreementStateOut), metadata={"description": "Every one, oldest first."})


class SafeContactIn(Schema):
    channels = CodeList("channels", required=True, metadata={
        "description": "The channels on which the person may be contacted safely (an empty list: none)."})
    times = Text(max_length=SAFE_TIMES_MAX, allow_none=True, load_default=None, metadata={
        "description": "When it is safe to call or write (sealed for the person)."})
    leave_message = fields.String(validate=validate.OneOf(ANSWERS), load_default="unknown", metadata={
        "description": "Whether a message may be left: yes, no or unknown."})
    if_someone_else_answers = Text(max_length=SAFE_ANSWER_MAX, allow_none=True, load_default=None, metadata={
        "description": "What to say if someone else answers (sealed for the person)."})


class SafeContactOut(Schema):
    person_id = fields.UUID()
    label = fields.String()
    role = fields.String()
    hidden = fields.Boolean(metadata={
        "description": "true: a victim's or child's safe contact, withheld from psychologists."})
    set = fields.Boolean(metadata={"description": "false: nothing recorded yet."})
    channels = fields.List(fields.String())
    times = fields.String(allow_none=True)
    leave_message = fields.String(allow_none=True)
    if_someone_else_answers = fields.String(allow_none=True)
    at = fields.DateTime(format="iso", allow_none=True)
    actor = fields.Nested(ActorOut, allow_none=True)


class PlanContentIn(Schema):
    steps = CodeList("safety_steps", load_default=list, metadata={
        "description": "Structured steps: codes of GET /api/v1/reference → safety_steps."})
    own_steps = fields.List(NonBlankText(max_length=OWN_STEP_MAX), validate=validate.Length(max=MOST_OWN_STEPS),
                            load_default=list, metadata={"description": "Steps in the person's own words (sealed)."})
    agreed_on = Day(required=True, metadata={"description": "When the person agreed the plan; not in the future."})
    review_on = Day(required=True, metadata={"description": "When to look at the plan again."})
    occurred_at = Moment(load_default=None, metadata={"description": "When it was agreed (default: now)."})


class PlanStartIn(PlanContentIn):
    person_id = fields.UUID(required=True, metadata={"description": "The person at risk, of this case."})


class PlanReviseIn(PlanContentIn):
    reason = NonBlankText(max_length=REASON_MAX, required=True, metadata={"description": "Why it changes (sealed)."})


class PlanVersionOut(Schema):
    version = fields.Integer()
    steps = fields.List(fields.String())
    own_steps = fields.List(fields.String(), allow_none=True)
    agreed_on = fields.String()
    review_on = fields.String()
    agreed_by = fields.Nested(ActorOut)
    occurred_at = fields.DateTime(format="iso")
    at = fields.DateTime(format="iso")
    reason = fields.String(allow_none=True)


class SafetyPlanOut(Schema):
    id = fields.UUID()
    case_id = fields.UUID()
    person_id = fields.UUID()
    label = fields.String()
    role = fields.String()
    steps = fields.List(fields.String())
    own_steps = fields.List(fields.String())
    agreed_on = fields.String()
    review_on = fields.String()
    contact_id = fields.UUID(allow_none=True, metadata={
        "description": "The contact whose danger-panel steps started the plan."})
    agreed_by = fields.Nested(ActorOut)
    versions = fields.List(fields.Nested(PlanVersionOut), metadata={"description": "Every version, oldest first."})
    version = fields.Integer()


class PlansOut(Schema):
    plans = fields.List(fields.Nested(SafetyPlanOut), metadata={
        "description": "The plans you may see (a psychologist: none of a victim or a child)."})


class FollowUpIn(Schema):
    due_months = StrictInteger(required=True, metadata={
        "description": "Which check this is: months after the closure, one of the schedule (SENIM_FOLLOW_UP_MONTHS)."})
    finding = Code("follow_up_findings", required=True)
    note = Text(max_length=NOTE_MAX, allow_none=True, load_default=None, metadata={"description": "Sealed."})
    occurred_at = Moment(load_default=None, metadata={
        "description": "When the check took place (default: now); not before the closure, not in the future."})


class FollowUpOut(Schema):
    follow_up_id = fields.UUID()
    due_months = fields.Integer()
    finding = fields.String()
    note = fields.String(allow_none=True)
    occurred_at = fields.DateTime(format="iso")
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)
    closed_at = fields.DateTime(format="iso", allow_none=True, metadata={"description": "The closure it follows."})


class DueOut(Schema):
    due_months = fields.Integer()
    due_on = fields.String()
    findings = fields.List(fields.Nested(FollowUpOut))


class ChildOutcomeOut(Schema):
    person_id = fields.UUID()
    removal_prevented = fields.String()
    returned_home = fields.String()
    wellbeing_improved = fields.String()


class ClosureOut(Schema):
    reason = fields.String(allow_none=True)
    reason_code = fields.String(allow_none=True, metadata={"description": "null: closed with words only."})
    child_outcomes = fields.List(fields.Nested(ChildOutcomeOut), allow_none=True)
    occurred_at = fields.DateTime(format="iso")
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class FollowUpsOut(Schema):
    case_id = fields.UUID()
    status = fields.String()
    closure = fields.Nested(ClosureOut, allow_none=True, metadata={"description": "The latest closure."})
    months = fields.List(fields.Integer(), metadata={"description": "The schedule: months after the closure."})
    schedule = fields.List(fields.Nested(DueOut), metadata={
        "description": "The checks due after the latest closure, each with its findings."})
    follow_ups = fields.List(fields.Nested(FollowUpOut), metadata={
        "description": "Every follow-up ever recorded, after any closure, oldest first."})


class PartOut(Schema):
    id = fields.UUID(allow_none=True, metadata={"description": "The person's or the follow-up's id."})
    case_id = fields.UUID()
    position = fields.Integer()


def part_written(result: PartWritten, status: int = 200):
    body = {"id": result.part_id, "case_id": result.id, "position": result.position}
    return body, status, {POSITION_HEADER: str(result.position)}


# Routes ------------------------------------------------------------------------------------------

@blp.route("/<uuid:case_id>/agreement", methods=["PUT"])
@requires(*CASEWORK_ROLES)
@blp.arguments(AgreementIn(), example={
    "service": "family_service", "source": "guardianship", "organisation": "Алматы қаласының қорғаншылық органы",
    "region": "almaty", "agreement_on": "2025-03-01", "term_months": 24})
@blp.response(200, PartOut, example={"id": None, "case_id": CASE_ID, "position": 1042})
def take_on(body, case_id: UUID):
    """Take the family on under an agreement: Case.TakenOn. Again while the case is open: an extension
    (the latest agreement counts). A closed case: 409 (state closed)."""
    return part_written(senim().casework.take_on(case_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/agreement", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.response(200, AgreementOut, example={"case_id": CASE_ID, "agreement": {
    "service": "family_service", "source": "guardianship", "organisation": "Алматы қаласының қорғаншылық органы",
    "region": "almaty", "agreement_on": "2025-03-01", "term_months": 24, "ends_on": "2027-03-01",
    "extension": False, "at": "2025-03-01T09:30:00+00:00", "actor": WHO}, "agreements": []})
def agreement(case_id: UUID):
    """The agreement that counts, and every one recorded."""
    return read_record("case", case_id, senim().casework.agreement)


@blp.route("/<uuid:case_id>/persons/<uuid:person_id>/safe-contact", methods=["PUT"])
@requires(*CASEWORK_ROLES)
@blp.arguments(SafeContactIn(), example={
    "channels": ["whatsapp"], "times": "weekdays 10:00-12:00, when he is at work", "leave_message": "no",
    "if_someone_else_answers": "Say you are calling from the clinic about an appointment."})
@blp.response(200, PartOut, example={"id": PERSON_ID, "case_id": CASE_ID, "position": 1043})
def set_safe_contact(body, case_id: UUID, person_id: UUID):
    """Record how the person may be contacted safely: Case.SafeContactSet (times and what to say are sealed
    for the person). A psychologist may not write a victim's or child's: 403."""
    return part_written(senim().casework.set_safe_contact(case_id, person_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/persons/<uuid:person_id>/safe-contact", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.response(200, SafeContactOut, example={
    "person_id": PERSON_ID, "label": "Victim 1", "role": "victim", "hidden": False, "set": True,
    "channels": ["whatsapp"], "times": "weekdays 10:00-12:00", "leave_message": "no",
    "if_someone_else_answers": "Say you are calling from the clinic.", "at": "2025-03-01T09:40:00+00:00",
    "actor": WHO})
def safe_contact(case_id: UUID, person_id: UUID):
    """How the person may be contacted safely, before anyone contacts them; `hidden` for a psychologist
    asking about a victim or a child."""
    return read_record("case", case_id, lambda record_id, actor: senim().casework.safe_contact(
        record_id, person_id, actor=actor))


@blp.route("/<uuid:case_id>/safety-plans", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanStartIn(), example={
    "person_id": PERSON_ID, "steps": ["safe_place", "code_word", "bag_ready"],
    "own_steps": ["Keep the spare key at the neighbour's"], "agreed_on": "2025-03-01", "review_on": "2025-04-01"})
@blp.response(201, PartOut, example={"id": PERSON_ID, "case_id": CASE_ID, "position": 1044})
@idempotent(answer_from_commit=False)
def start_safety_plan(body, case_id: UUID):
    """Start the safety plan of a person at risk: SafetyPlan.Started. One plan per person per case: a second
    start is 409 (revise it). A psychologist may not write a victim's or child's: 403."""
    return part_written(senim().casework.start_safety_plan(case_id, body, actor=current_actor()), 201)


@blp.route("/<uuid:case_id>/safety-plans", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.response(200, PlansOut)
def safety_plans(case_id: UUID):
    """The case's safety plans you may see, as they stand, each with every version."""
    return {"plans": read_record("case", case_id, senim().casework.safety_plans)}


@blp.route("/<uuid:case_id>/safety-plans/<uuid:person_id>", methods=["PUT"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanReviseIn(), example={
    "steps": ["safe_place", "code_word", "bag_ready", "children_plan"], "own_steps": [],
    "agreed_on": "2025-04-01", "review_on": "2025-06-01", "reason": "The children now know the plan."})
@blp.response(200, PartOut, example={"id": PERSON_ID, "case_id": CASE_ID, "position": 1090})
def revise_safety_plan(body, case_id: UUID, person_id: UUID):
    """Revise a person's safety plan with a reason: SafetyPlan.Revised; earlier versions stay. None yet: 404."""
    return part_written(senim().casework.revise_safety_plan(case_id, person_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/safety-plans/<uuid:person_id>", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.response(200, SafetyPlanOut)
def safety_plan(case_id: UUID, person_id: UUID):
    """One person's safety plan with every version (a psychologist asking for a victim's or child's: 403)."""
    return read_record("case", case_id, lambda record_id, actor: senim().casework.safety_plan(
        record_id, person_id, actor=actor))


@blp.route("/<uuid:case_id>/follow-ups", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(FollowUpIn(), example={"due_months": 3, "finding": "doing_well",
                                      "note": "The children go to school; no new incidents."})
@blp.response(201, PartOut, example={"id": "3e0c9d4a-1f2b-4c5d-8e6f-7a8b9c0d1e2f", "case_id": CASE_ID,
                                     "position": 2001})
@idempotent(answer_from_commit=False)
def record_follow_up(body, case_id: UUID):
    """Record a follow-up check after the closure: Case.FollowUpRecorded. The case is not closed: 409
    (its state named); due_months not in the schedule: 422."""
    return part_written(senim().casework.record_follow_up(case_id, body, actor=current_actor()), 201)


@blp.route("/<uuid:case_id>/follow-ups", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.response(200, FollowUpsOut)
def follow_ups(case_id: UUID):
    """The follow-up schedule after the latest closure (due dates and findings), and every follow-up."""
    return read_record("case", case_id, senim().casework.follow_ups)
