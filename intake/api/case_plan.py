"""The development plan of a case and its reviews, and the case's needs assessments over time.

Whoever may see the case may read and write its plan (its workers and supervisors; admins read no
case content). A plan is revised, never overwritten: GET with ?as_of= shows it as it stood then.
Needs assessments are recorded through POST /api/v1/assessments with instrument family_needs and
the case_id; GET /needs is their trend."""
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.actor import CASEWORK_ROLES
from domain.plan import (
    CLOSED_GOAL,
    DECISIONS_MAX,
    FAMILY_PROGRESS,
    GOAL_PROGRESS,
    ORGANISATION_MAX,
    RESPONSIBLE_KINDS,
    TEXT_MAX,
)
from intake.api.blueprint import ApiBlueprint
from intake.api.cases import PartCreatedOut, part_written
from intake.api.fields import Day, Moment, NonBlankText, Text
from intake.api.idempotency import idempotent
from intake.api.reads import read_record
from intake.api.schemas import REASON_MAX, ActorOut, ReadQuery
from intake.auth import current_actor, requires
from intake.running import senim

blp = ApiBlueprint("case_plan", __name__, url_prefix="/api/v1/cases",
                   description="The development plan of a case (goals, activities), its reviews and the "
                               "family's needs over time.")

MOST_PROGRESS = 100
OCCURRED = {"description": "When it happened (ISO 8601, not in the future); default: now."}

STAFF_EXAMPLE = {"kind": "staff", "user_id": "3f0c7a2e-8b1d-4c5e-9a6f-1d2e3f4a5b6c"}
PARTNER_EXAMPLE = {"kind": "partner", "organisation": "Школа-гимназия № 12"}
GOAL_EXAMPLE = {"text": "Ребёнок ежедневно посещает школу", "due_on": "2026-06-01",
                "person_id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "responsible": PARTNER_EXAMPLE}
REVIEW_EXAMPLE = {
    "occurred_at": "2026-05-20T11:00:00+05:00",
    "progress": [{"goal_id": "7c6b5a49-3827-4165-9f8e-7d6c5b4a3921", "progress": "progressing",
                  "note": "Пропусков меньше, но бывают"}],
    "family_progress": "improved", "decisions": "Продолжить занятия с психологом; подключить соцработника.",
    "next_review_on": "2026-11-20"}
NEXT_REVIEW_EXAMPLE = {"due_on": "2026-11-20", "months": 6, "overdue": False}
REVIEW_OUT_EXAMPLE = {
    "review_id": "2d3e4f50-6172-4839-94a5-b6c7d8e9f0a1", "held_on": "2026-05-20T06:00:00+00:00",
    "progress": [{"goal_id": "7c6b5a49-3827-4165-9f8e-7d6c5b4a3921", "progress": "progressing",
                  "note": "Пропусков меньше, но бывают"}],
    "family_progress": "improved", "decisions": "Продолжить занятия с психологом.", "next_review_on": "2026-11-20",
    "at": "2026-05-20T09:12:00+00:00", "actor": {"user_id": "3f0c7a2e-8b1d-4c5e-9a6f-1d2e3f4a5b6c",
                                                 "username": "aigerim", "role": "psychologist"}}
PLAN_EXAMPLE = {
    "case_id": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "as_of": None, "started_at": "2026-01-12T05:30:00+00:00",
    "goals": [{
        "goal_id": "7c6b5a49-3827-4165-9f8e-7d6c5b4a3921", "person_id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
        "text": "Ребёнок ежедневно посещает школу", "due_on": "2026-09-01", "responsible": PARTNER_EXAMPLE,
        "status": "open", "reason": None, "set_on": "2026-01-12T05:30:00+00:00", "closed_on": None, "overdue": False,
        "changes": [{"before": {"due_on": "2026-06-01"}, "after": {"due_on": "2026-09-01"}, "reason": "Каникулы",
                     "at": "2026-03-02T04:00:00+00:00", "actor": REVIEW_OUT_EXAMPLE["actor"]}],
        "activities": [{"activity_id": "5f4e3d2c-1b0a-4987-8654-3210fedcba98",
                        "goal_id": "7c6b5a49-3827-4165-9f8e-7d6c5b4a3921", "text": "Встреча с классным руководителем",
                        "due_on": "2026-02-15", "responsible": {"kind": "staff", **REVIEW_OUT_EXAMPLE["actor"]},
                        "status": "done", "reason": None, "added_on": "2026-01-12T05:31:00+00:00",
                        "done_on": "2026-02-14T10:00:00+00:00", "dropped_on": None, "overdue": False}]}],
    "reviews": [REVIEW_OUT_EXAMPLE], "next_review": NEXT_REVIEW_EXAMPLE, "escalations": []}
NEEDS_EXAMPLE = {"case_id": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809", "assessments": [{
    "assessment_id": "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", "assessed_at": "2026-01-12T05:00:00+00:00",
    "version": "1", "sides": {"child_development": {"score": 2, "max_score": 5, "unknown_count": 0},
                              "parent_capacity": {"score": 1, "max_score": 5, "unknown_count": 1},
                              "family_environment": {"score": 3, "max_score": 5, "unknown_count": 0}},
    "care_loss_risk": {"score": 2, "max_score": 7, "level": "medium", "complete": True,
                       "highest_possible_level": "medium"},
    "computed_level": "medium", "level": "medium", "complete": True, "unknown_count": 1,
    "assessed_by": REVIEW_OUT_EXAMPLE["actor"]}]}
CREATED_EXAMPLE = {"id": "7c6b5a49-3827-4165-9f8e-7d6c5b4a3921", "case_id": "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809",
                   "position": 4211}


# Shapes ------------------------------------------------------------------------------------------

class PlanResponsibleIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(RESPONSIBLE_KINDS), metadata={
        "description": "staff (a member of staff of the service, by user_id) or partner (an organisation, by name)."})
    user_id = fields.UUID(allow_none=True, metadata={"description": "kind staff: the member of staff."})
    organisation = Text(max_length=ORGANISATION_MAX, allow_none=True, metadata={
        "description": "kind partner: the organisation's name (sealed for the case)."})


class PlanResponsibleOut(Schema):
    kind = fields.String()
    user_id = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)


class PlanGoalIn(Schema):
    text = NonBlankText(max_length=TEXT_MAX, required=True, metadata={"description": "What is to be achieved."})
    due_on = Day(required=True, metadata={"description": "By when (YYYY-MM-DD)."})
    responsible = fields.Nested(PlanResponsibleIn, required=True)
    person_id = fields.UUID(allow_none=True, metadata={
        "description": "The person of the case the goal is for; null or absent: the whole family."})
    occurred_at = Moment(allow_none=True, metadata=OCCURRED)


class PlanGoalChangesIn(Schema):
    """Only what changes, and why."""

    text = NonBlankText(max_length=TEXT_MAX)
    due_on = Day()
    responsible = fields.Nested(PlanResponsibleIn)
    reason = NonBlankText(max_length=REASON_MAX, required=True, metadata={"description": "Why; kept in the history."})

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not {"text", "due_on", "responsible"} & set(data):
            raise ValidationError("Name at least one of text, due_on, responsible.", "_schema")


class PlanGoalCloseIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(CLOSED_GOAL), metadata={
        "description": "achieved, or dropped (with a reason)."})
    reason = Text(max_length=REASON_MAX, allow_none=True)
    occurred_at = Moment(allow_none=True, metadata=OCCURRED)


class PlanActivityIn(Schema):
    text = NonBlankText(max_length=TEXT_MAX, required=True)
    due_on = Day(required=True)
    responsible = fields.Nested(PlanResponsibleIn, required=True)
    occurred_at = Moment(allow_none=True, metadata=OCCURRED)


class PlanActivityDoneIn(Schema):
    occurred_at = Moment(allow_none=True, metadata=OCCURRED)


class PlanActivityDropIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)
    occurred_at = Moment(allow_none=True, metadata=OCCURRED)


class PlanProgressIn(Schema):
    goal_id = fields.UUID(required=True)
    progress = fields.String(required=True, validate=validate.OneOf(GOAL_PROGRESS), metadata={
        "description": "A code of GET /api/v1/reference → goal_progress."})
    note = Text(max_length=TEXT_MAX, allow_none=True)


class PlanReviewIn(Schema):
    progress = fields.List(fields.Nested(PlanProgressIn), load_default=list, validate=validate.Length(max=MOST_PROGRESS),
                           metadata={"description": "Progress per goal, each goal at most once."})
    family_progress = fields.String(required=True, validate=validate.OneOf(FAMILY_PROGRESS), metadata={
        "description": "A code of GET /api/v1/reference → family_progress."})
    decisions = NonBlankText(max_length=DECISIONS_MAX, required=True)
    next_review_on = Day(required=True, metadata={
        "description": "After the review, and at most the service's review months (SENIM_REVIEW_MONTHS) after it."})
    occurred_at = Moment(allow_none=True, metadata={"description": "When the review was held; default: now."})


class PlanGoalChangeOut(Schema):
    before = fields.Dict()
    after = fields.Dict()
    reason = fields.String()
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class PlanActivityOut(Schema):
    activity_id = fields.UUID()
    goal_id = fields.UUID()
    text = fields.String(allow_none=True)
    due_on = fields.String()
    responsible = fields.Nested(PlanResponsibleOut)
    status = fields.String(metadata={"description": "planned, done or dropped"})
    reason = fields.String(allow_none=True, metadata={"description": "Why it was dropped."})
    added_on = fields.DateTime(format="iso")
    done_on = fields.DateTime(format="iso", allow_none=True)
    dropped_on = fields.DateTime(format="iso", allow_none=True)
    overdue = fields.Boolean(metadata={"description": "Planned and past its due date (never with as_of)."})


class PlanGoalOut(Schema):
    goal_id = fields.UUID()
    person_id = fields.UUID(allow_none=True)
    text = fields.String(allow_none=True)
    due_on = fields.String()
    responsible = fields.Nested(PlanResponsibleOut)
    status = fields.String(metadata={"description": "open, achieved or dropped"})
    reason = fields.String(allow_none=True)
    set_on = fields.DateTime(format="iso")
    closed_on = fields.DateTime(format="iso", allow_none=True)
    changes = fields.List(fields.Nested(PlanGoalChangeOut), metadata={"description": "Every revision, oldest first."})
    activities = fields.List(fields.Nested(PlanActivityOut))
    overdue = fields.Boolean()


class PlanProgressOut(Schema):
    goal_id = fields.UUID()
    progress = fields.String()
    note = fields.String(allow_none=True)


class PlanReviewOut(Schema):
    review_id = fields.UUID()
    held_on = fields.DateTime(format="iso")
    progress = fields.List(fields.Nested(PlanProgressOut))
    family_progress = fields.String()
    decisions = fields.String(allow_none=True)
    next_review_on = fields.String()
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class PlanNextReviewOut(Schema):
    due_on = fields.String(metadata={"description": "The first review: the agreement (or the opening) plus the "
                                                    "service's review months; then the last review's next_review_on."})
    months = fields.Integer()
    overdue = fields.Boolean()


class PlanEscalationOut(Schema):
    item = fields.String(metadata={"description": "review or activity"})
    item_id = fields.UUID(allow_none=True)
    due_on = fields.String()
    at = fields.DateTime(format="iso")


class PlanOut(Schema):
    case_id = fields.UUID()
    as_of = fields.DateTime(format="iso", allow_none=True)
    started_at = fields.DateTime(format="iso", allow_none=True, metadata={"description": "null: no plan yet."})
    goals = fields.List(fields.Nested(PlanGoalOut))
    reviews = fields.List(fields.Nested(PlanReviewOut))
    next_review = fields.Nested(PlanNextReviewOut)
    escalations = fields.List(fields.Nested(PlanEscalationOut))


class PlanReviewsOut(Schema):
    case_id = fields.UUID()
    reviews = fields.List(fields.Nested(PlanReviewOut))
    next_review = fields.Nested(PlanNextReviewOut)


class PlanQuery(ReadQuery):
    as_of = Moment(load_default=None, metadata={"description": "The plan as it stood then (its events recorded by then)."})


class PlanSideOut(Schema):
    score = fields.Integer(metadata={"description": "Needs present (answered yes)."})
    max_score = fields.Integer()
    unknown_count = fields.Integer()


class PlanRiskOut(Schema):
    score = fields.Integer()
    max_score = fields.Integer()
    level = fields.String(metadata={"description": "low, medium or high"})
    complete = fields.Boolean()
    highest_possible_level = fields.String()


class PlanNeedsEntryOut(Schema):
    assessment_id = fields.UUID()
    assessed_at = fields.DateTime(format="iso")
    version = fields.String()
    sides = fields.Dict(keys=fields.String(), values=fields.Nested(PlanSideOut), metadata={
        "description": "child_development, parent_capacity, family_environment"})
    care_loss_risk = fields.Nested(PlanRiskOut)
    computed_level = fields.String()
    level = fields.String(metadata={"description": "The care-loss level now, after any override."})
    complete = fields.Boolean(allow_none=True)
    unknown_count = fields.Integer(allow_none=True)
    assessed_by = fields.Nested(ActorOut)


class PlanNeedsOut(Schema):
    case_id = fields.UUID()
    assessments = fields.List(fields.Nested(PlanNeedsEntryOut), metadata={"description": "Oldest first."})


# Routes ------------------------------------------------------------------------------------------

def _state(case_id: UUID, as_of=None):
    return read_record("case", case_id, lambda record_id, actor: senim().plans.get(record_id, actor=actor, as_of=as_of))


@blp.route("/<uuid:case_id>/plan", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanQuery(), location="query")
@blp.response(200, PlanOut, example=PLAN_EXAMPLE)
def get_plan(query, case_id: UUID):
    """The case's development plan: goals (with every revision) and their activities, reviews, the next
    review's date; with as_of, the plan as it stood then."""
    return _state(case_id, query["as_of"]).view()


@blp.route("/<uuid:case_id>/plan/goals", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanGoalIn(), example=GOAL_EXAMPLE)
@blp.response(201, PartCreatedOut, example=CREATED_EXAMPLE)
@idempotent(answer_from_commit=False)
def set_goal(body, case_id: UUID):
    """Set a goal for a person of the case (or the family): what, by when, who is responsible. The plan
    starts with its first goal. A closed case: 409 (state closed)."""
    return part_written(senim().plans.set_goal(case_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/plan/goals/<uuid:goal_id>", methods=["PATCH"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanGoalChangesIn(), example={"due_on": "2026-09-01", "reason": "Летние каникулы"})
@blp.response(200, PartCreatedOut, example=CREATED_EXAMPLE)
def change_goal(body, case_id: UUID, goal_id: UUID):
    """Revise a goal (text, due date, who is responsible) with a reason; what it was stays in its
    history. A closed goal: 409 (state achieved or dropped)."""
    body = dict(body)
    reason = body.pop("reason")
    return part_written(senim().plans.change_goal(case_id, goal_id, changes=body, reason=reason,
                                                  actor=current_actor()), 200)


@blp.route("/<uuid:case_id>/plan/goals/<uuid:goal_id>/close", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanGoalCloseIn(), example={"status": "dropped", "reason": "Семья переехала в другой район"})
@blp.response(200, PartCreatedOut, example=CREATED_EXAMPLE)
def close_goal(body, case_id: UUID, goal_id: UUID):
    """Close a goal as achieved, or drop it with a reason. Already closed: 409."""
    return part_written(senim().plans.close_goal(case_id, goal_id, status=body["status"], reason=body.get("reason"),
                                                 occurred_at=body.get("occurred_at"), actor=current_actor()), 200)


@blp.route("/<uuid:case_id>/plan/goals/<uuid:goal_id>/activities", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanActivityIn(), example={"text": "Встреча с классным руководителем", "due_on": "2026-02-15",
                                      "responsible": STAFF_EXAMPLE})
@blp.response(201, PartCreatedOut, example=CREATED_EXAMPLE)
@idempotent(answer_from_commit=False)
def add_activity(body, case_id: UUID, goal_id: UUID):
    """Add an activity under a goal, planned until done or dropped. Under a closed goal: 409 (state
    achieved or dropped)."""
    return part_written(senim().plans.add_activity(case_id, goal_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/plan/activities/<uuid:activity_id>/done", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanActivityDoneIn(), example={"occurred_at": "2026-02-14T15:00:00+05:00"})
@blp.response(200, PartCreatedOut, example=CREATED_EXAMPLE)
def complete_activity(body, case_id: UUID, activity_id: UUID):
    """Mark an activity done. Done already, or dropped: 409 (state done or dropped)."""
    return part_written(senim().plans.complete_activity(case_id, activity_id, occurred_at=body.get("occurred_at"),
                                                        actor=current_actor()), 200)


@blp.route("/<uuid:case_id>/plan/activities/<uuid:activity_id>/drop", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanActivityDropIn(), example={"reason": "Школа сама провела встречу"})
@blp.response(200, PartCreatedOut, example=CREATED_EXAMPLE)
def drop_activity(body, case_id: UUID, activity_id: UUID):
    """Drop a planned activity with a reason. Done or dropped already: 409."""
    return part_written(senim().plans.drop_activity(case_id, activity_id, reason=body["reason"],
                                                    occurred_at=body.get("occurred_at"), actor=current_actor()), 200)


@blp.route("/<uuid:case_id>/reviews", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, PlanReviewsOut, example={"case_id": PLAN_EXAMPLE["case_id"], "reviews": [REVIEW_OUT_EXAMPLE],
                                                "next_review": NEXT_REVIEW_EXAMPLE})
def list_reviews(query, case_id: UUID):
    """The case's reviews, oldest first, and when the next one is due (and whether it is overdue)."""
    view = _state(case_id).view()
    return {"case_id": case_id, "reviews": view["reviews"], "next_review": view["next_review"]}


@blp.route("/<uuid:case_id>/reviews", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PlanReviewIn(), example=REVIEW_EXAMPLE)
@blp.response(201, PartCreatedOut, example=CREATED_EXAMPLE)
@idempotent(answer_from_commit=False)
def record_review(body, case_id: UUID):
    """Record a review: progress per goal, the family's progress, decisions and the next review's date
    (at most the service's review months ahead). A closed case: 409 (state closed)."""
    return part_written(senim().plans.review(case_id, body, actor=current_actor()))


@blp.route("/<uuid:case_id>/needs", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, PlanNeedsOut, example=NEEDS_EXAMPLE)
def needs_trend(query, case_id: UUID):
    """The family's needs over time: each family_needs assessment of the case (recorded with POST
    /api/v1/assessments, instrument family_needs, case_id), its date, the three sides' scores and the
    care-loss risk with its level, oldest first. Answers and notes stay with each assessment."""
    trend = read_record("case", case_id, lambda record_id, actor: senim().plans.needs(record_id, actor=actor))
    return {"case_id": case_id, "assessments": trend}
