"""Referrals: make one (behind the consent gate), read it with its status history, move it along its
state machine (claim, release, decline, complete, cancel), and the queue of each target service."""
from datetime import datetime
from uuid import UUID

from marshmallow import Schema, fields

from domain.clock import utc_now
from domain.errors import Forbidden
from domain.referral import CLAIMER_ROLES, OUTCOME_CODES, Referral
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, NonBlankText, StrictBoolean, Text
from intake.api.idempotency import idempotent
from intake.api.reads import await_projection, read_record
from intake.api.schemas import REASON_MAX, ActorOut, CreatedOut, ReadQuery
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.referrals import PSYCHOLOGISTS_TARGET, REFERRAL_ROLES
from projections.referral_queue import open_referrals

blp = ApiBlueprint("referrals", __name__, url_prefix="/api/v1",
                   description="Referrals to services, from the consent gate to the outcome; the queue.")


# Shapes ------------------------------------------------------------------------------------------

class ReferralConsentIn(Schema):
    services = StrictBoolean(required=True, metadata={"description": "The person agreed to be referred."})
    override_reason = Text(max_length=REASON_MAX, allow_none=True,
                           metadata={"description": "A supervisor's reason to refer without consent."})


class ReferralBasicsIn(Schema):
    """What every referral says, made alone or with a call: from where, to whom, why, how urgently, consent."""

    source = Code("referral_sources", required=True)
    target = Code("referral_targets", required=True)
    reason = NonBlankText(max_length=REASON_MAX, required=True)
    urgency = Code("urgencies", required=True)
    # Left out, the domain's consent gate names consent.services.
    consent = fields.Nested(ReferralConsentIn, load_default=dict)


class ReferralIn(ReferralBasicsIn):
    contact_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    subject_role = Code("caller_roles", allow_none=True,
                        metadata={"description": "Whom the referral is for: victim, aggressor, …"})


class ReasonIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class OutcomeIn(Schema):
    outcome = fields.String(required=True, metadata={"description": f"One of {', '.join(OUTCOME_CODES)}."})


class StatusChangeOut(Schema):
    status = fields.String()
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class ReferralOut(Schema):
    id = fields.UUID()
    source = fields.String()
    target = fields.String()
    reason = fields.String()
    urgency = fields.String()
    subject_role = fields.String()
    consent = fields.Dict()
    contact_id = fields.UUID(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    status = fields.String()
    made_at = fields.DateTime(format="iso")
    made_by = fields.Nested(ActorOut)
    claimant = fields.Nested(ActorOut, allow_none=True)
    claim_deadline = fields.DateTime(format="iso")
    appointment = fields.Dict(allow_none=True)
    outcome = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)
    escalations = fields.List(fields.Dict())
    history = fields.List(fields.Nested(StatusChangeOut))
    version = fields.Integer()


class QueueQuery(ReadQuery):
    target = Code("referral_targets", required=True)


class WaitingReferralOut(Schema):
    """A referral as the queue holds it; the escalations list shows the same fields."""

    id = fields.String()
    target = fields.String()
    source = fields.String()
    subject_role = fields.String()
    urgency = fields.String()
    made_at = fields.String()
    deadline = fields.String()


class QueueItemOut(WaitingReferralOut):
    seconds_left = fields.Integer(metadata={"description": "Before the claim deadline; negative when overdue."})
    overdue = fields.Boolean()
    escalated = fields.Boolean()


class QueueOut(Schema):
    target = fields.String()
    referrals = fields.List(fields.Nested(QueueItemOut))


def referral_view(referral: Referral) -> dict:
    return {
        "id": referral.id, "source": referral.source, "target": referral.target, "reason": referral.reason,
        "urgency": referral.urgency, "subject_role": referral.subject_role, "consent": referral.consent,
        "contact_id": referral.contact_id, "case_id": referral.case_id, "status": referral.status,
        "made_at": referral.made_at, "made_by": referral.made_by, "claimant": referral.claimant,
        "claim_deadline": senim().referrals.claim_deadline(referral), "appointment": referral.appointment,
        "outcome": referral.outcome, "end_reason": referral.end_reason, "escalations": referral.escalations,
        "history": referral.history, "version": referral.version,
    }


# Referrals ---------------------------------------------------------------------------------------

@blp.route("/referrals", methods=["POST"])
@requires(*REFERRAL_ROLES)
@blp.arguments(ReferralIn())
@blp.response(201, CreatedOut)
@idempotent()
def make_referral(fields):
    """Refer a person on. Without consent.services the referral is refused (422), unless a supervisor
    gives consent.override_reason."""
    return written(senim().referrals.make(fields, actor=current_actor()), 201)


@blp.route("/referrals/<uuid:referral_id>", methods=["GET"])
@requires(*REFERRAL_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ReferralOut)
def get_referral(query, referral_id: UUID):
    """The referral as it stands, with every status it has been in (who and when)."""
    return referral_view(read_record("referral", referral_id, senim().referrals.get))


@blp.route("/referrals/<uuid:referral_id>/claim", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.response(200, CreatedOut)
def claim_referral(referral_id: UUID):
    """Take the referral from the queue. Claimed by someone else already: 409 with the state."""
    return written(senim().referrals.claim(referral_id, actor=current_actor()))


@blp.route("/referrals/<uuid:referral_id>/release", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.arguments(ReasonIn())
@blp.response(200, CreatedOut)
def release_referral(body, referral_id: UUID):
    """Give a claimed referral back to the queue, with a reason."""
    return written(senim().referrals.release(referral_id, reason=body["reason"], actor=current_actor()))


@blp.route("/referrals/<uuid:referral_id>/decline", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.arguments(ReasonIn())
@blp.response(200, CreatedOut)
def decline_referral(body, referral_id: UUID):
    """The target service refuses the referral, with a reason; this ends it."""
    return written(senim().referrals.decline(referral_id, reason=body["reason"], actor=current_actor()))


@blp.route("/referrals/<uuid:referral_id>/complete", methods=["POST"])
@requires(*CLAIMER_ROLES)
@blp.arguments(OutcomeIn())
@blp.response(200, CreatedOut)
def complete_referral(body, referral_id: UUID):
    """End the referral with its outcome (a consultation held needs an attended appointment)."""
    return written(senim().referrals.complete(referral_id, outcome=body["outcome"], actor=current_actor()))


@blp.route("/referrals/<uuid:referral_id>/cancel", methods=["POST"])
@requires(*REFERRAL_ROLES)
@blp.arguments(ReasonIn())
@blp.response(200, CreatedOut)
def cancel_referral(body, referral_id: UUID):
    """Withdraw the referral (its maker, its claimant or a supervisor), with a reason."""
    return written(senim().referrals.cancel(referral_id, reason=body["reason"], actor=current_actor()))


# The queue ---------------------------------------------------------------------------------------

def queue_item(row: dict, now: datetime) -> dict:
    seconds_left = int((datetime.fromisoformat(row["deadline"]) - now).total_seconds())
    return {"id": row["referral_id"], "target": row["target"], "source": row["source"],
            "subject_role": row["subject_role"], "urgency": row["urgency"], "made_at": row["made_at"],
            "deadline": row["deadline"], "seconds_left": seconds_left, "overdue": seconds_left < 0,
            "escalated": bool(row["escalated"])}


@blp.route("/referral-queue", methods=["GET"])
@requires(*CLAIMER_ROLES)
@blp.arguments(QueueQuery(), location="query")
@blp.response(200, QueueOut)
def referral_queue(query):
    """Open referrals to one service: most urgent (emergency, urgent, routine), then oldest, first;
    each with the time left before its claim deadline, computed now with the configured deadlines."""
    actor = current_actor()
    if not actor.has_role("supervisor") and query["target"] != PSYCHOLOGISTS_TARGET:
        raise Forbidden("referral.queue_forbidden", target=PSYCHOLOGISTS_TARGET)
    await_projection("referral_queue", query["min_position"])
    with senim().views.transaction(write=False) as tx:
        rows = open_referrals(tx, target=query["target"], deadlines=senim().referrals.deadlines)
    now = utc_now()
    return {"target": query["target"], "referrals": [queue_item(row, now) for row in rows]}
