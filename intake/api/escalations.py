"""Escalations: the open referrals whose claim deadline passed and the periodic job escalated.

Read from the referral_queue projection (its escalated flag); most overdue first. The deadline
is computed at read time with the configured deadlines (Settings.claim_deadlines). A referral
leaves this list when someone claims it or it ends; its Escalated event stays in its history.
"""
from datetime import datetime

from marshmallow import Schema, fields

from domain.clock import utc_now
from intake.api.blueprint import ApiBlueprint
from intake.api.reads import await_projection, today
from intake.api.referrals import WaitingReferralOut
from intake.api.schemas import ReadQuery
from intake.auth import requires
from intake.queries import caseload, statistics
from intake.running import senim

blp = ApiBlueprint("escalations", __name__, url_prefix="/api/v1",
                   description="Referrals escalated for missing their claim deadline.")


class EscalationOut(WaitingReferralOut):
    seconds_overdue = fields.Integer(metadata={"description": "How long ago the claim deadline passed."})


class CaseworkEscalationOut(Schema):
    case_id = fields.String()
    item = fields.String(metadata={"description": "review or activity"})
    item_id = fields.String(allow_none=True, metadata={"description": "The activity's id (null for a review)."})
    due_on = fields.String(metadata={"description": "YYYY-MM-DD"})
    days_overdue = fields.Integer()
    service = fields.String(allow_none=True)
    responsible = fields.Dict(metadata={"description": "{kind: staff, user_id, username, role} or {kind: partner}"})


class EscalationsOut(Schema):
    escalations = fields.List(fields.Nested(EscalationOut))
    casework = fields.List(fields.Nested(CaseworkEscalationOut), metadata={
        "description": "Reviews and plan activities of cases the sweep escalated as overdue, still not done; "
                       "the most overdue first."})


@blp.route("/escalations", methods=["GET"])
@requires("supervisor")
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, EscalationsOut)
def escalations(query):
    """Escalated referrals still waiting in a queue, most overdue first (supervisors); and the casework items
    (overdue reviews and activities) the sweep escalated that are still not done."""
    await_projection("referral_queue", query["min_position"])
    await_projection(caseload.PROJECTION, query["min_position"])
    running = senim()
    with statistics.reading(running) as tx:
        rows = statistics.escalations(tx, running.referrals.deadlines)
        casework = caseload.escalated_items(tx, today())
    now = utc_now()
    return {"escalations": [
        {"id": row["referral_id"], "target": row["target"], "source": row["source"],
         "subject_role": row["subject_role"], "urgency": row["urgency"], "made_at": row["made_at"],
         "deadline": row["deadline"],
         "seconds_overdue": int((now - datetime.fromisoformat(row["deadline"])).total_seconds())}
        for row in rows], "casework": casework}
