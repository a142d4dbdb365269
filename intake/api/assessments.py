"""Risk instruments and assessments: the published instruments, scoring answers on the server,
overriding a level with a reason, and the full history."""
from uuid import UUID

from marshmallow import Schema, fields, validate

from domain import instruments
from domain.actor import CASEWORK_ROLES, STAFF_ROLES
from domain.assessment import Assessment
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import NonBlankText, Text
from intake.api.idempotency import idempotent
from intake.api.reads import read_record, record_history
from intake.api.schemas import REASON_MAX, ActorOut, CreatedOut, HistoryOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim

# More answers than any instrument has items is junk; refuse it before naming each key.
MOST_ANSWERS = 200

blp = ApiBlueprint("assessments", __name__, url_prefix="/api/v1",
                   description="Versioned risk instruments and the assessments scored by them.")


# -- shapes ------------------------------------------------------------------------------------------

class InstrumentOut(Schema):
    code = fields.String()
    title = fields.Dict(metadata={"description": "kk, ru and en"})
    subject_roles = fields.List(fields.String())
    needs_case = fields.Boolean(metadata={"description": "true: an assessment by it names its case (family_needs)."})
    current_version = fields.String()
    versions = fields.List(fields.Dict(), metadata={
        "description": "Each published version: items (id, kk/ru/en, answers, contraindication), "
                       "scoring rule and levels, fingerprint."})


class AssessmentIn(Schema):
    instrument = Text(max_length=100, required=True, metadata={"description": "See GET /api/v1/instruments."})
    version = Text(max_length=50, allow_none=True, metadata={"description": "Defaults to the current version."})
    answers = fields.Dict(keys=fields.String(), required=True, validate=validate.Length(max=MOST_ANSWERS),
                          metadata={"description": "{item_id: yes | no | unknown} for every item."})
    contact_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True, metadata={"description": "Required for family_needs (needs_case)."})
    subject_role = Text(max_length=50, allow_none=True,
                        metadata={"description": "Whom the instrument assesses; defaults to the instrument's."})


class AssessedOut(CreatedOut):
    instrument = fields.String()
    version = fields.String()
    score = fields.Integer()
    max_score = fields.Integer()
    level = fields.String()
    recidivism_rate = fields.Float(metadata={"description": "odara: the rate of the score's bin."})
    bin = fields.Dict()
    unknown_count = fields.Integer()
    complete = fields.Boolean(metadata={"description": "false when unknown answers could change the level."})
    highest_possible_level = fields.String()
    programme_eligible = fields.Boolean(allow_none=True, metadata={
        "description": "aggressor_status: false when a contraindication is yes; null when one is unknown."})
    contraindications = fields.List(fields.String())
    unknown_contraindications = fields.List(fields.String())
    suggested_referral = fields.String(allow_none=True)
    escalation = fields.Boolean(metadata={
        "description": "victim_risk in a case: true when the case holds enough incidents in the window."})
    incidents_in_window = fields.Integer()
    sides = fields.Dict(metadata={
        "description": "family_needs: per side (child_development, parent_capacity, family_environment) its "
                       "score (needs present), max_score and unknown_count."})
    care_loss_risk = fields.Dict(metadata={
        "description": "family_needs: the risk of the child losing parental care: score, max_score, level "
                       "(low, medium, high), complete, highest_possible_level. `level` is this level."})


class OverrideIn(Schema):
    level = Text(max_length=50, required=True)
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class OverriddenOut(CreatedOut):
    level = fields.String()
    previous_level = fields.String()


class OverrideOut(Schema):
    level = fields.String()
    previous_level = fields.String()
    reason = fields.String()
    by = fields.Nested(ActorOut)
    at = fields.DateTime(format="iso")


class AssessmentOut(Schema):
    id = fields.UUID()
    instrument = fields.String()
    version = fields.String()
    fingerprint = fields.String()
    subject_role = fields.String()
    contact_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    answers = fields.Dict(keys=fields.String(), values=fields.String())
    result = fields.Dict(metadata={"description": "As computed by the server when recorded."})
    computed_level = fields.String()
    level = fields.String(metadata={"description": "The current level, after any override."})
    overrides = fields.List(fields.Nested(OverrideOut))
    assessed_by = fields.Nested(ActorOut)
    assessed_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")
    record_version = fields.Integer()


def assessment_view(assessment: Assessment, overrides: list[dict]) -> dict:
    return {
        "id": assessment.id,
        "instrument": assessment.instrument,
        "version": assessment.instrument_version,
        "fingerprint": assessment.fingerprint,
        "subject_role": assessment.subject_role,
        "contact_id": assessment.contact_id,
        "case_id": assessment.case_id,
        "answers": assessment.answers,
        "result": assessment.result,
        "computed_level": assessment.computed_level,
        "level": assessment.level,
        "overrides": overrides,
        "assessed_by": assessment.assessed_by,
        "assessed_at": assessment.created_on,
        "updated_at": assessment.modified_on,
        "record_version": assessment.version,
    }


# -- endpoints ---------------------------------------------------------------------------------------

@blp.route("/instruments", methods=["GET"])
@requires(*STAFF_ROLES)
@blp.response(200, InstrumentOut(many=True))
def list_instruments():
    """Every instrument with every published version: items in kk/ru/en, allowed answers, scoring rule."""
    return instruments.all_instruments()


@blp.route("/assessments", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(AssessmentIn())
@blp.response(201, AssessedOut)
@idempotent(answer_from_commit=False)
def record_assessment(fields_in):
    """Record an assessment. The server scores the answers; X-Senim-Position names the event written."""
    result = senim().assessments.record(fields_in, actor=current_actor())
    body, status, headers = written(result, 201)
    return {**result.result, **body}, status, headers


@blp.route("/assessments/<uuid:assessment_id>", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, AssessmentOut)
def get_assessment(query, assessment_id: UUID):
    """The assessment: answers, the computed result, the current level and every override."""
    service = senim().assessments
    assessment = read_record("assessment", assessment_id, service.get)
    return assessment_view(assessment, service.overrides(assessment))


@blp.route("/assessments/<uuid:assessment_id>/override", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(OverrideIn())
@blp.response(201, OverriddenOut)
@idempotent(answer_from_commit=False)
def override_level(body, assessment_id: UUID):
    """Professional judgement: the assessor may raise the level with a reason; lowering takes a supervisor."""
    result = senim().assessments.override(assessment_id, level=body["level"], reason=body["reason"],
                                          actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "level": result.level, "previous_level": result.previous_level}, status, headers


@blp.route("/assessments/<uuid:assessment_id>/history", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, HistoryOut)
def assessment_history(query, assessment_id: UUID):
    """Every event of the assessment, oldest first, with its type, time, actor and data."""
    return record_history("assessment", assessment_id, senim().assessments.history)
