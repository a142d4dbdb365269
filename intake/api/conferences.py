"""Case conferences: supervision, intervision and multi-agency meetings; the cases on their agenda,
decisions and actions per case, actions marked done; a series' open actions carried to its next meeting;
an agency's copy of the minutes."""
from uuid import UUID

from marshmallow import Schema, fields, validate

from domain.actor import CASEWORK_ROLES
from domain.conference import (
    ACTION_MAX,
    AGENCY_MAX,
    DECISIONS_MAX,
    KINDS,
    MOST_AGENCIES,
    MOST_ATTENDEES,
    MOST_CASES,
    OWNER_KINDS,
    SCHEDULING_ROLES,
)
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Day, Moment, NonBlankText
from intake.api.idempotency import idempotent
from intake.api.reads import await_projection, read_record
from intake.api.schemas import ActorOut, CreatedOut, ReadQuery
from intake.api.writes import POSITION_HEADER, written
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.conferences import CONFERENCES, LIST_LIMIT

blp = ApiBlueprint("conferences", __name__, url_prefix="/api/v1/conferences",
                   description="Case conferences: agendas, decisions and actions, carried over a series; "
                               "an agency's copy of the minutes.")

CASE_ID = "3f0c9a52-7d1e-4b8a-9a55-2c1f0e6b7d10"
USER_ID = "8b1d6a0e-52c4-4e0f-9d3b-6f2a1c7e9a41"
CONFERENCE_ID = "c2a7e3d1-9f64-4b5a-8e21-7d0c4f3b2a19"
ACTION_ID = "5e9b2c7a-1d34-4f6e-a8b0-3c2d1e0f9a87"
AGENCY = "Отдел полиции Алмалинского района"


# Shapes ------------------------------------------------------------------------------------------

class ConferenceIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": f"One of {', '.join(KINDS)} (reference list conference_kinds)."})
    held_on = Day(required=True, metadata={"description": "The day of the meeting (at most a year ahead)."})
    attendees = fields.List(fields.UUID(), validate=validate.Length(max=MOST_ATTENDEES), load_default=list,
                            metadata={"description": "User ids of the staff attending."})
    agencies = fields.List(NonBlankText(max_length=AGENCY_MAX), validate=validate.Length(max=MOST_AGENCIES),
                           load_default=list, metadata={"description": "Partner agencies attending, by name."})
    case_ids = fields.List(fields.UUID(), validate=validate.Length(max=MOST_CASES), load_default=list,
                           metadata={"description": "Cases on the agenda; each one you work on."})
    previous_id = fields.UUID(allow_none=True, load_default=None, metadata={
        "description": "The previous meeting of the series this one continues: its open actions are carried "
                       "over to this one (ActionAgreed with carried_from), and their cases join the agenda."})


class AgendaCaseIn(Schema):
    case_id = fields.UUID(required=True)


class DiscussionIn(Schema):
    case_id = fields.UUID(required=True, metadata={"description": "A case on the agenda (else 409)."})
    decisions = NonBlankText(max_length=DECISIONS_MAX, required=True, metadata={
        "description": "What the meeting decided on the case; sealed for the case and its persons."})
    agencies = fields.List(NonBlankText(max_length=AGENCY_MAX), validate=validate.Length(max=MOST_AGENCIES),
                           load_default=list, metadata={
                               "description": "Agencies of the meeting the decisions are addressed to: their "
                                              "copies of the minutes hold them; no other agency's does."})


class ActionOwnerIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(OWNER_KINDS),
                         metadata={"description": "staff or agency"})
    user_id = fields.UUID(allow_none=True, metadata={"description": "kind staff: the member of staff."})
    agency = NonBlankText(max_length=AGENCY_MAX, allow_none=True, metadata={"description": "kind agency: its name."})


class ActionIn(Schema):
    case_id = fields.UUID(required=True, metadata={"description": "A case on the agenda (else 409)."})
    text = NonBlankText(max_length=ACTION_MAX, required=True, metadata={"description": "What is to be done."})
    owner = fields.Nested(ActionOwnerIn, required=True)
    due_on = Day(required=True, metadata={"description": "On or after the meeting's day."})


class DoneIn(Schema):
    occurred_at = Moment(allow_none=True, load_default=None, metadata={
        "description": "When it was done (not in the future, not before the meeting); default now."})


class MinutesQuery(ReadQuery):
    agency = NonBlankText(max_length=AGENCY_MAX, required=True, metadata={
        "description": "An agency that attended the meeting or owns one of its actions."})


class ActionCreatedOut(CreatedOut):
    action_id = fields.UUID()


class ActionOwnerOut(Schema):
    kind = fields.String()
    user_id = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)


class ActionOut(Schema):
    action_id = fields.UUID()
    case_id = fields.UUID()
    text = fields.String(allow_none=True, metadata={"description": "null once a person of the case is erased."})
    owner = fields.Nested(ActionOwnerOut)
    due_on = fields.String()
    state = fields.String(metadata={"description": "open, done, or carried (over to the next meeting)"})
    carried_from = fields.UUID(allow_none=True)
    carried_to = fields.UUID(allow_none=True, metadata={"description": "The meeting it was carried over to."})
    done_on = fields.String(allow_none=True)
    agreed_at = Moment()
    agreed_by = fields.Nested(ActorOut)


class DiscussionOut(Schema):
    decisions = fields.String(allow_none=True, metadata={"description": "null once a person of the case is erased."})
    agencies = fields.List(fields.String())
    at = Moment()
    actor = fields.Nested(ActorOut)


class AgendaCaseOut(Schema):
    case_id = fields.UUID()
    number = fields.String(metadata={"description": "The case's short number."})
    visible = fields.Boolean(metadata={"description": "false: you do not work on this case; nothing of it is shown."})
    added_at = Moment()
    added_by = fields.Nested(ActorOut)
    discussed_again = fields.Boolean(metadata={
        "description": "Another meeting discussed the case in the twelve months before this one."})
    discussed_before_on = fields.String(allow_none=True)
    discussions = fields.List(fields.Nested(DiscussionOut))
    actions = fields.List(fields.Nested(ActionOut))


class ConferenceOut(Schema):
    id = fields.UUID()
    series_id = fields.UUID()
    previous_id = fields.UUID(allow_none=True)
    kind = fields.String()
    held_on = fields.String()
    held = fields.Boolean(metadata={"description": "The meeting's day has come: decisions may be recorded."})
    attendees = fields.List(fields.Nested(ActorOut))
    agencies = fields.List(fields.String())
    scheduled_at = Moment()
    scheduled_by = fields.Nested(ActorOut)
    cases = fields.List(fields.Nested(AgendaCaseOut))
    version = fields.Integer()


class ConferenceListItemOut(Schema):
    id = fields.String(attribute="conference_id")
    series_id = fields.String()
    previous_id = fields.String(allow_none=True)
    kind = fields.String()
    held_on = fields.String()
    scheduled_by = fields.Method("scheduler")
    cases = fields.Integer()
    open_actions = fields.Integer()

    def scheduler(self, row) -> dict:
        return {"user_id": row["scheduled_by_user_id"], "username": row["scheduled_by_username"]}


class ConferenceListOut(Schema):
    conferences = fields.List(fields.Nested(ConferenceListItemOut))


class MinutesActionOut(Schema):
    action_id = fields.UUID()
    text = fields.String(allow_none=True)
    due_on = fields.String()
    state = fields.String()
    done_on = fields.String(allow_none=True)


class MinutesCaseOut(Schema):
    case_id = fields.UUID()
    number = fields.String()
    decisions = fields.List(fields.String(allow_none=True))
    actions = fields.List(fields.Nested(MinutesActionOut))


class MinutesOut(Schema):
    conference_id = fields.UUID()
    kind = fields.String()
    held_on = fields.String()
    agency = fields.String()
    agencies = fields.List(fields.String())
    cases = fields.List(fields.Nested(MinutesCaseOut))


def conference_written(result, status: int = 201):
    return written(result, status)


# Routes ------------------------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@requires(*SCHEDULING_ROLES)
@blp.arguments(ConferenceIn(), example={
    "kind": "multi_agency", "held_on": "2026-12-10", "attendees": [USER_ID], "agencies": [AGENCY],
    "case_ids": [CASE_ID], "previous_id": None})
@blp.response(201, CreatedOut, example={"id": CONFERENCE_ID, "position": 4711})
@idempotent()
def schedule(body):
    """Schedule a meeting (psychologists and supervisors). With previous_id it continues that meeting's
    series, and every action still open there is carried over to this one."""
    return conference_written(senim().conferences.schedule(body, actor=current_actor()))


@blp.route("", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ConferenceListOut, example={"conferences": [{
    "id": CONFERENCE_ID, "series_id": CONFERENCE_ID, "previous_id": None, "kind": "supervision",
    "held_on": "2026-12-10", "scheduled_by": {"user_id": USER_ID, "username": "aliya"}, "cases": 3,
    "open_actions": 2}]})
def list_conferences(query):
    """The meetings you may see, the latest first: a supervisor every one; others those they scheduled or
    attend, or whose agenda holds a case they work on. No free text."""
    await_projection(CONFERENCES, query["min_position"])
    return {"conferences": senim().conferences.list(actor=current_actor(), limit=LIST_LIMIT)}


@blp.route("/<uuid:conference_id>", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ConferenceOut, example={
    "id": CONFERENCE_ID, "series_id": CONFERENCE_ID, "previous_id": None, "kind": "multi_agency",
    "held_on": "2026-12-10", "held": True, "attendees": [{"user_id": USER_ID, "username": "aliya", "role": "psychologist"}],
    "agencies": [AGENCY], "scheduled_at": "2026-12-01T09:00:00+00:00",
    "scheduled_by": {"user_id": USER_ID, "username": "aliya", "role": "psychologist"}, "version": 4,
    "cases": [{"case_id": CASE_ID, "number": CASE_ID[:8], "visible": True, "added_at": "2026-12-01T09:00:00+00:00",
               "added_by": {"user_id": USER_ID, "username": "aliya", "role": "psychologist"},
               "discussed_again": True, "discussed_before_on": "2026-06-15",
               "discussions": [{"decisions": "Протокол безопасности пересмотреть.", "agencies": [AGENCY],
                                "at": "2026-12-10T11:00:00+00:00",
                                "actor": {"user_id": USER_ID, "username": "aliya", "role": "psychologist"}}],
               "actions": [{"action_id": ACTION_ID, "case_id": CASE_ID, "text": "Проверить условия проживания.",
                            "owner": {"kind": "agency", "agency": AGENCY}, "due_on": "2027-01-15", "state": "open",
                            "carried_from": None, "carried_to": None, "done_on": None,
                            "agreed_at": "2026-12-10T11:05:00+00:00",
                            "agreed_by": {"user_id": USER_ID, "username": "aliya", "role": "psychologist"}}]}]})
def get_conference(query, conference_id: UUID):
    """The meeting: attendees, agencies, and per case on the agenda its decisions and actions (a case you do
    not work on: its number only), flagged when another meeting discussed it in the twelve months before."""
    await_projection(CONFERENCES, query["min_position"])
    return read_record("conference", conference_id, senim().conferences.view)


@blp.route("/<uuid:conference_id>/cases", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(AgendaCaseIn(), example={"case_id": CASE_ID})
@blp.response(201, CreatedOut, example={"id": CONFERENCE_ID, "position": 4712})
@idempotent()
def add_case(body, conference_id: UUID):
    """Put a case you work on on the agenda. Already there: 409 (state on_agenda)."""
    return conference_written(senim().conferences.add_case(conference_id, case_id=body["case_id"],
                                                           actor=current_actor()))


@blp.route("/<uuid:conference_id>/discussions", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(DiscussionIn(), example={"case_id": CASE_ID, "decisions": "Протокол безопасности пересмотреть.",
                                         "agencies": [AGENCY]})
@blp.response(201, CreatedOut, example={"id": CONFERENCE_ID, "position": 4713})
@idempotent()
def discuss(body, conference_id: UUID):
    """Record the decisions on a case of the agenda (added to earlier ones). Not on the agenda: 409 (state
    not_on_agenda); before the meeting's day: 409 (state scheduled)."""
    return conference_written(senim().conferences.discuss(
        conference_id, case_id=body["case_id"], decisions=body["decisions"], agencies=body["agencies"],
        actor=current_actor()))


@blp.route("/<uuid:conference_id>/actions", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ActionIn(), example={"case_id": CASE_ID, "text": "Проверить условия проживания.",
                                     "owner": {"kind": "agency", "agency": AGENCY}, "due_on": "2027-01-15"})
@blp.response(201, ActionCreatedOut, example={"id": CONFERENCE_ID, "position": 4714, "action_id": ACTION_ID})
@idempotent(answer_from_commit=False)
def agree_action(body, conference_id: UUID):
    """Agree an action on a case of the agenda: its owner (a member of staff or an agency by name) and due day.
    Not on the agenda: 409 (state not_on_agenda)."""
    owner = {key: value for key, value in body["owner"].items() if value is not None}
    result = senim().conferences.agree_action(conference_id, case_id=body["case_id"], text=body["text"],
                                              owner=owner, due_on=body["due_on"], actor=current_actor())
    return ({"id": result.id, "position": result.position, "action_id": result.action_id}, 201,
            {POSITION_HEADER: str(result.position)})


@blp.route("/<uuid:conference_id>/actions/<uuid:action_id>/done", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(DoneIn(), example={"occurred_at": "2027-01-10T15:30:00+05:00"})
@blp.response(200, CreatedOut, example={"id": CONFERENCE_ID, "position": 4715})
def action_done(body, conference_id: UUID, action_id: UUID):
    """Mark an action done. Done already: 409 (state done); carried over to the next meeting: 409 (state
    carried), mark it done there."""
    return written(senim().conferences.mark_done(conference_id, action_id, occurred_at=body["occurred_at"],
                                                 actor=current_actor()))


@blp.route("/<uuid:conference_id>/minutes", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(MinutesQuery(), location="query")
@blp.response(200, MinutesOut, example={
    "conference_id": CONFERENCE_ID, "kind": "multi_agency", "held_on": "2026-12-10", "agency": AGENCY,
    "agencies": [AGENCY], "cases": [{"case_id": CASE_ID, "number": CASE_ID[:8],
                                     "decisions": ["Протокол безопасности пересмотреть."],
                                     "actions": [{"action_id": ACTION_ID, "text": "Проверить условия проживания.",
                                                  "due_on": "2027-01-15", "state": "open", "done_on": None}]}]})
def minutes(query, conference_id: UUID):
    """The agency's copy of the minutes: the meeting's kind and day, the agencies present, and per case (by
    its number only) the decisions addressed to the agency and its own actions. No personal data of the
    persons, no other agency's actions, no staff member's actions, no decision not addressed to it."""
    return read_record("conference", conference_id, lambda record_id, actor: senim().conferences.minutes(
        record_id, agency=query["agency"], actor=actor))
