"""The correctional programme for aggressors: enrol a person (only when their aggressor_status
assessment makes them eligible), record sessions attended or missed, complete it or record a drop-out."""
from uuid import UUID

from marshmallow import Schema, fields

from domain.programme import NOTE_MAX, OUTCOME_CODES, PROGRAMME_ROLES, ProgrammeParticipation
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Moment, NonBlankText, StrictBoolean, Text
from intake.api.idempotency import idempotent
from intake.api.reads import read_record
from intake.api.schemas import REASON_MAX, ActorOut, CreatedOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim

blp = ApiBlueprint("programme", __name__, url_prefix="/api/v1",
                   description="The correctional programme for aggressors: enrolment, sessions, completion.")


# Shapes ------------------------------------------------------------------------------------------

class EnrolmentIn(Schema):
    assessment_id = fields.UUID(required=True, metadata={
        "description": "The person's latest aggressor_status assessment; its result must say programme_eligible."})
    referral_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)


class SessionIn(Schema):
    at = Moment(required=True, metadata={"description": "When the session took place."})
    attended = StrictBoolean(required=True)
    note = Text(max_length=NOTE_MAX, allow_none=True)


class ProgrammeOutcomeIn(Schema):
    outcome = fields.String(required=True, metadata={"description": f"One of {', '.join(OUTCOME_CODES)}."})


class DropOutIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class SessionOut(Schema):
    number = fields.Integer()
    at = Moment()
    attended = fields.Boolean()
    note = fields.String(allow_none=True)
    recorded_at = Moment()
    recorded_by = fields.Nested(ActorOut)


class ParticipationOut(Schema):
    id = fields.UUID()
    assessment_id = fields.UUID()
    referral_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    status = fields.String()
    enrolled_at = Moment()
    enrolled_by = fields.Nested(ActorOut)
    sessions = fields.List(fields.Nested(SessionOut))
    attended = fields.Integer()
    missed = fields.Integer()
    outcome = fields.String(allow_none=True)
    drop_out_reason = fields.String(allow_none=True)
    ended_at = Moment(allow_none=True)
    version = fields.Integer()


class SessionWrittenOut(CreatedOut):
    number = fields.Integer()


def participation_view(participation: ProgrammeParticipation) -> dict:
    return {
        "id": participation.id, "assessment_id": participation.assessment_id,
        "referral_id": participation.referral_id, "case_id": participation.case_id,
        "status": participation.status, "enrolled_at": participation.enrolled_at,
        "enrolled_by": participation.enrolled_by, "sessions": participation.sessions,
        "attended": participation.attended, "missed": participation.missed, "outcome": participation.outcome,
        "drop_out_reason": participation.drop_out_reason, "ended_at": participation.ended_at,
        "version": participation.version,
    }


# Endpoints ---------------------------------------------------------------------------------------

@blp.route("/programme", methods=["POST"])
@requires(*PROGRAMME_ROLES)
@blp.arguments(EnrolmentIn())
@blp.response(201, CreatedOut)
@idempotent()
def enrol(fields_in):
    """Enrol a person. Refused (422 on assessment_id) unless the named aggressor_status assessment makes
    them eligible: a contraindication suggests a referral to health services; an unknown one is undecided."""
    return written(senim().programme.enrol(fields_in, actor=current_actor()), 201)


@blp.route("/programme/<uuid:participation_id>", methods=["GET"])
@requires(*PROGRAMME_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ParticipationOut)
def get_participation(query, participation_id: UUID):
    """The participation: its status, every session, and how many were attended or missed."""
    return participation_view(read_record("programme", participation_id, senim().programme.get))


@blp.route("/programme/<uuid:participation_id>/sessions", methods=["POST"])
@requires(*PROGRAMME_ROLES)
@blp.arguments(SessionIn())
@blp.response(201, SessionWrittenOut)
@idempotent(answer_from_commit=False)
def record_session(body, participation_id: UUID):
    """Record the next session, attended or missed. After completion or a drop-out: 409."""
    result = senim().programme.record_session(participation_id, at=body["at"], attended=body["attended"],
                                              note=body.get("note"), actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "number": result.number}, status, headers


@blp.route("/programme/<uuid:participation_id>/complete", methods=["POST"])
@requires(*PROGRAMME_ROLES)
@blp.arguments(ProgrammeOutcomeIn())
@blp.response(200, CreatedOut)
def complete(body, participation_id: UUID):
    """End the participation with its outcome; needs at least one attended session (else 409)."""
    return written(senim().programme.complete(participation_id, outcome=body["outcome"], actor=current_actor()))


@blp.route("/programme/<uuid:participation_id>/drop-out", methods=["POST"])
@requires(*PROGRAMME_ROLES)
@blp.arguments(DropOutIn())
@blp.response(200, CreatedOut)
def drop_out(body, participation_id: UUID):
    """The person left the programme, with the reason; this ends it."""
    return written(senim().programme.drop_out(participation_id, reason=body["reason"], actor=current_actor()))
