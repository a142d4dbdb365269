"""Caseloads and case statistics: what falls due on each worker's cases, and how many families were
supported, closed and with what outcomes (intake/queries/caseload.py, the casework projection)."""
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate

from domain.errors import Forbidden
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code
from intake.api.reads import DateRangeQuery, await_projection, today
from intake.api.schemas import ReadQuery
from intake.api.stats import group_by_field
from intake.auth import current_actor, requires
from intake.queries import caseload as reads
from intake.queries.statistics import reading
from intake.running import senim

blp = ApiBlueprint("caseload", __name__, url_prefix="/api/v1",
                   description="Caseloads: what falls due on the cases each worker works; case statistics.")


def worker_value(value: str) -> str:
    if value == "me":
        return value
    try:
        return str(UUID(value))
    except ValueError:
        raise ValidationError("Give a member of staff's user id, or 'me'.") from None


class CaseloadQuery(ReadQuery):
    worker = fields.String(load_default=None, validate=lambda value: bool(worker_value(value)), metadata={
        "description": "Supervisors: this worker's caseload (a user id, or `me`); without it, every worker's. "
                       "Anyone else always gets their own caseload."})
    service = Code("services", load_default=None)
    due = fields.String(load_default=None, validate=validate.OneOf(reads.DUE_STATES), metadata={
        "description": f"overdue: something is past due; soon: something falls due within {reads.DUE_SOON_DAYS} "
                       "days; none: nothing due soon."})


class Responsible(Schema):
    kind = fields.String(metadata={"description": "staff, partner (a partner organisation) or agency"})
    user_id = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)


class DueItem(Schema):
    id = fields.String()
    due_on = fields.String(allow_none=True, metadata={"description": "YYYY-MM-DD"})
    overdue = fields.Boolean()
    escalated = fields.Boolean(metadata={"description": "The sweep escalated it to the supervisors."})
    responsible = fields.Nested(Responsible)


class FollowUpDue(Schema):
    due_months = fields.Integer(metadata={"description": "Months after the closure."})
    due_on = fields.String()
    overdue = fields.Boolean()


class CaseloadRow(Schema):
    case_id = fields.String()
    status = fields.String(metadata={"description": "open, reopened, or closed (while a follow-up is still due)"})
    service = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    opened_on = fields.String()
    agreement_on = fields.String(allow_none=True)
    closed_on = fields.String(allow_none=True)
    care_loss_level = fields.String(allow_none=True, metadata={
        "description": "The care-loss risk level of the latest family_needs assessment (low, medium, high)."})
    owner = fields.Nested(Responsible)
    workers = fields.List(fields.Nested(Responsible))
    next_review_on = fields.String(allow_none=True)
    review_overdue = fields.Boolean()
    activities = fields.List(fields.Nested(DueItem), metadata={"description": "Open activities of the plan."})
    actions = fields.List(fields.Nested(DueItem), metadata={"description": "Open actions agreed at conferences."})
    follow_ups = fields.List(fields.Nested(FollowUpDue), metadata={"description": "Follow-ups not yet recorded."})
    overdue_items = fields.Integer()
    next_due_on = fields.String(allow_none=True)
    due = fields.String(metadata={"description": "overdue, soon or none"})


class CaseloadOut(Schema):
    today = fields.String(metadata={"description": "The service's local day the due states are judged on."})
    cases = fields.List(fields.Nested(CaseloadRow))


CASELOAD_EXAMPLE = {"today": "2026-05-04", "cases": [{
    "case_id": "3f1c2d9e-8a7b-4c61-9d0e-2b5a6c7d8e9f", "status": "open", "service": "family_service",
    "source": "guardianship", "region": "almaty_city", "opened_on": "2025-10-02", "agreement_on": "2025-10-02",
    "closed_on": None, "care_loss_level": "medium",
    "owner": {"kind": "staff", "user_id": "9b2e…", "username": "aigerim", "role": "psychologist"}, "workers": [],
    "next_review_on": "2026-04-02", "review_overdue": True,
    "activities": [{"id": "c7d1…", "due_on": "2026-05-10", "overdue": False, "escalated": False,
                    "responsible": {"kind": "staff", "user_id": "9b2e…", "username": "aigerim", "role": "psychologist"}}],
    "actions": [], "follow_ups": [], "overdue_items": 1, "next_due_on": "2026-04-02", "due": "overdue"}]}


@blp.route("/caseload", methods=["GET"])
@requires("consultant", "psychologist", "supervisor")
@blp.arguments(CaseloadQuery(), location="query")
@blp.response(200, CaseloadOut, example=CASELOAD_EXAMPLE)
def caseload(query):
    """The caller's caseload: the cases they work (as owner or added to the case, or holding an open activity or
    action of it), each with its next review, open activities and actions and open follow-ups; overdue first.
    Supervisors may ask for any worker's (`worker=`) or everyone's (no `worker`)."""
    actor = current_actor()
    worker = query["worker"]
    if actor.has_role("supervisor"):
        worker_id = actor.user_id if worker == "me" else worker_value(worker) if worker else None
    else:
        if worker not in (None, "me", actor.user_id and str(actor.user_id)):
            raise Forbidden("role.forbidden", role=actor.role, roles=("supervisor",))
        worker_id = actor.user_id
    await_projection(reads.PROJECTION, query["min_position"])
    running, day = senim(), today()
    with reading(running) as tx:
        rows = reads.caseload(tx, schedule=reads.schedule_of(running.settings), today=day,
                              worker_id=str(worker_id) if worker_id else None, service=query["service"],
                              due=query["due"])
    return {"today": day.isoformat(), "cases": rows}


class CaseStatsQuery(DateRangeQuery):
    group_by = group_by_field(reads.DIMENSIONS, at_most=3)


class CaseStatsOut(Schema):
    total = fields.Integer(metadata={"description": "Cases active (open on at least one day) in the range."})
    figures = fields.Dict(metadata={"description": (
        "opened, active, closed, closed_by_reason {reason code (not_coded for closures without one): n}, "
        "self_sufficient and its share of those closed, reviews_done, reviews_overdue (at the end of the range, or "
        "today), children_supported (children of the cases active in the range), and the children of the cases "
        "closed in the range whose removal_prevented, returned_home, wellbeing_improved is yes, each with its "
        "share of the children supported (null when there is none).")})
    rows = fields.List(fields.Dict(), metadata={"description": (
        "One object per group: the dimensions, `count` (cases active) and the same figures. With `month`, "
        "each figure counts in the month of its own day: opened, closed, held; active cases and their children "
        "in every month they were open.")})


STATS_EXAMPLE = {
    "total": 512,
    "figures": {"opened": 143, "active": 512, "closed": 369, "closed_by_reason": {"self_sufficient": 297,
                                                                                  "moved_away": 40, "other": 32},
                "self_sufficient": 297, "self_sufficient_share": 0.8049, "reviews_done": 610, "reviews_overdue": 4,
                "children_supported": 2810, "removal_prevented": 560, "removal_prevented_share": 0.1993,
                "returned_home": 3, "returned_home_share": 0.0011, "wellbeing_improved": 2521,
                "wellbeing_improved_share": 0.8972},
    "rows": [],
}


@blp.route("/stats/cases", methods=["GET"])
@requires("supervisor")
@blp.arguments(CaseStatsQuery(), location="query")
@blp.response(200, CaseStatsOut, example=STATS_EXAMPLE)
def case_stats(query):
    """Cases over a date range (local days): opened, active, closed by reason, reviews held and overdue, and
    the children supported with their outcomes at closure; grouped by up to three of service, source, month,
    worker (the case's owner) and region."""
    await_projection(reads.PROJECTION, query["min_position"])
    running = senim()
    with reading(running) as tx:
        return reads.case_figures(tx, schedule=reads.schedule_of(running.settings), today=today(),
                                  date_from=query["date_from"], date_to=query["date_to"], group_by=query["group_by"])
