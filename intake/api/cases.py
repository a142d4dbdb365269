"""Case files: open one (from a contact, with persons), add persons and notes, assign, close and
reopen with reasons; the list of cases one may see; a supervisor's audit history, now or as of a moment."""
from functools import partial
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.actor import CASEWORK_ROLES, Actor
from domain.case import ANSWERS, NOTE_MAX, PERSON_ROLES, PERSONAL_LIMITS, STATUSES, Case
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, Moment, NonBlankText, Text
from intake.api.idempotency import idempotent
from intake.api.reads import await_projection, read_record
from intake.api.schemas import REASON_MAX, SUMMARY_MAX, ActorOut, CreatedOut, ReadQuery
from intake.api.writes import POSITION_HEADER, written
from intake.auth import current_actor, requires
from intake.queries.history import case_entries, wanted_types
from intake.running import senim
from intake.services.cases import TIMELINE, PartWritten, persons_for

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases",
                   description="Case files: persons, notes, owner, closure; the audit history of a case.")

MOST_PERSONS = 50
LONGEST_LIST = 1000


# Shapes ------------------------------------------------------------------------------------------

def role_field(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(PERSON_ROLES),
                         metadata={"description": f"One of {', '.join(PERSON_ROLES)}."}, **kwargs)


class PersonIn(Schema):
    role = role_field(required=True)
    name = Text(max_length=PERSONAL_LIMITS["name"], allow_none=True)
    phone = Text(max_length=PERSONAL_LIMITS["phone"], allow_none=True)
    address = Text(max_length=PERSONAL_LIMITS["address"], allow_none=True,
                   metadata={"description": "Where the person lives or stays."})


class CaseIn(Schema):
    contact_id = fields.UUID(allow_none=True, metadata={
        "description": "The contact that opens the case: it joins the case in the same commit."})
    summary = Text(max_length=SUMMARY_MAX, allow_none=True)
    persons = fields.List(fields.Nested(PersonIn), validate=validate.Length(max=MOST_PERSONS), load_default=list,
                          metadata={"description": "Each gets a random person_id and a label such as Victim 1."})


class PersonChangesIn(Schema):
    """Only the fields that change; null clears a personal field."""

    role = role_field()
    name = Text(max_length=PERSONAL_LIMITS["name"], allow_none=True)
    phone = Text(max_length=PERSONAL_LIMITS["phone"], allow_none=True)
    address = Text(max_length=PERSONAL_LIMITS["address"], allow_none=True)
    reason = Text(max_length=REASON_MAX, allow_none=True, metadata={"description": "Why, for the history."})

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not {"role", "name", "phone", "address"} & set(data):
            raise ValidationError("Name at least one of role, name, phone, address.", "_schema")


class NoteIn(Schema):
    text = NonBlankText(max_length=NOTE_MAX, required=True)


class OwnerIn(Schema):
    user_id = fields.UUID(required=True, metadata={"description": "A consultant, psychologist or supervisor."})


class WorkerIn(Schema):
    user_id = fields.UUID(required=True, metadata={"description": "A consultant, psychologist or supervisor."})
    reason = NonBlankText(max_length=REASON_MAX, required=True, metadata={
        "description": "Why this person joins the case; kept in the case's history."})


class WorkerOut(Schema):
    user_id = fields.String()
    username = fields.String()
    role = fields.String()
    added_at = fields.DateTime(format="iso")
    added_by = fields.Nested(ActorOut)


class CaseReasonIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class ChildOutcomeIn(Schema):
    person_id = fields.UUID(required=True, metadata={"description": "A child person of the case."})
    removal_prevented = fields.String(validate=validate.OneOf(ANSWERS), load_default="unknown")
    returned_home = fields.String(validate=validate.OneOf(ANSWERS), load_default="unknown")
    wellbeing_improved = fields.String(validate=validate.OneOf(ANSWERS), load_default="unknown")


class CloseIn(Schema):
    """The old body (reason only) still closes a case, not coded; a coded closure may leave the words out,
    except for `other`."""

    reason = Text(max_length=REASON_MAX, allow_none=True, load_default=None, metadata={
        "description": "Why, in words: required without reason_code, and for reason_code other."})
    reason_code = Code("case_closure_reasons", allow_none=True, load_default=None)
    child_outcomes = fields.List(fields.Nested(ChildOutcomeIn), allow_none=True, load_default=None,
                                 validate=validate.Length(max=MOST_PERSONS), metadata={
        "description": "Per child person of the case: yes, no or unknown for each outcome; a child left out "
                       "counts as unknown (with reason_code, every child of the case gets an entry)."})
    occurred_at = Moment(load_default=None, metadata={"description": "When it was closed (default: now)."})


class ReopenIn(CaseReasonIn):
    from_follow_up = fields.UUID(allow_none=True, load_default=None, metadata={
        "description": "The follow-up after the latest closure that found the family needs help again."})


class PartCreatedOut(Schema):
    id = fields.UUID(metadata={"description": "The person's or the note's id."})
    case_id = fields.UUID()
    position = fields.Integer()


class PersonOut(Schema):
    person_id = fields.UUID()
    role = fields.String()
    label = fields.String(metadata={"description": "Victim 1, Aggressor 1, Child 2, …"})
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    redacted = fields.Boolean(metadata={"description": "true: name, phone and address are withheld from you."})
    added_at = fields.DateTime(format="iso")
    added_by = fields.Nested(ActorOut)


class NoteOut(Schema):
    note_id = fields.UUID()
    text = fields.String()
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class CaseStatusChangeOut(Schema):
    status = fields.String()
    reason = fields.String(allow_none=True)
    reason_code = fields.String(allow_none=True, metadata={"description": "A closure's coded reason (null: not coded)."})
    occurred_at = fields.DateTime(format="iso", allow_none=True, metadata={"description": "When a closure happened."})
    from_follow_up = fields.UUID(allow_none=True, metadata={"description": "A reopening's follow-up."})
    at = fields.DateTime(format="iso")
    actor = fields.Nested(ActorOut)


class MembersOut(Schema):
    contacts = fields.List(fields.UUID())
    referrals = fields.List(fields.UUID())
    assessments = fields.List(fields.UUID())


class CaseStateOut(Schema):
    status = fields.String(metadata={"description": "open, closed or reopened"})
    summary = fields.String(allow_none=True)
    contact_id = fields.UUID(allow_none=True)
    owner = fields.Nested(ActorOut)
    opened_at = fields.DateTime(format="iso")
    opened_by = fields.Nested(ActorOut)
    persons = fields.List(fields.Nested(PersonOut))
    notes = fields.List(fields.Nested(NoteOut))
    history = fields.List(fields.Nested(CaseStatusChangeOut), metadata={"description": "Status changes with reasons."})
    workers = fields.List(fields.Nested(WorkerOut), metadata={
        "description": "Members of staff added to the case by its owner or a supervisor."})
    version = fields.Integer()


class CaseOut(CaseStateOut):
    id = fields.UUID()
    members = fields.Nested(MembersOut)


class CaseListQuery(ReadQuery):
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None)
    owner = Text(max_length=100, load_default=None,
                 metadata={"description": "The owner's user id or username, or `me`."})
    limit = fields.Integer(validate=validate.Range(min=1, max=LONGEST_LIST), load_default=100)
    offset = fields.Integer(validate=validate.Range(min=0, max=10_000_000), load_default=0)


class OwnerOut(Schema):
    user_id = fields.String(allow_none=True)
    username = fields.String(allow_none=True)


class CaseListItemOut(Schema):
    id = fields.String()
    status = fields.String()
    owner = fields.Nested(OwnerOut)
    opened_at = fields.String()
    closed_at = fields.String(allow_none=True)
    updated_at = fields.String()
    contacts = fields.Integer()
    referrals = fields.Integer()
    assessments = fields.Integer()


class CaseListOut(Schema):
    cases = fields.List(fields.Nested(CaseListItemOut))


class CaseHistoryQuery(ReadQuery):
    as_of = Moment(load_default=None, metadata={"description": "Only what had happened by then; the case as it stood."})
    type = Text(max_length=500, load_default=None, metadata={
        "description": "Comma-separated event types (Case.Closed), kinds (case, contact, referral, assessment) "
                       "or event names (Amended)."})
    person = fields.UUID(load_default=None, metadata={"description": "Only events naming this person_id."})


class CaseHistoryEventOut(Schema):
    type = fields.String(metadata={"description": "Case.Opened, Contact.Recorded, Referral.Claimed, …"})
    at = fields.DateTime(format="iso")
    kind = fields.String(metadata={"description": "case, contact, referral or assessment"})
    aggregate_id = fields.UUID()
    version = fields.Integer()
    actor = fields.Nested(ActorOut, allow_none=True)
    data = fields.Dict()


class CaseHistoryOut(Schema):
    id = fields.UUID()
    as_of = fields.DateTime(format="iso", allow_none=True)
    case = fields.Nested(CaseStateOut, allow_none=True, metadata={
        "description": "The case as it stood at as_of (now, without it); null if not opened yet."})
    events = fields.List(fields.Nested(CaseHistoryEventOut))


# Views -------------------------------------------------------------------------------------------

def case_state(case: Case, actor: Actor) -> dict:
    return {
        "status": case.status, "summary": case.summary, "contact_id": case.contact_id, "owner": case.owner,
        "opened_at": case.opened_at, "opened_by": case.opened_by, "persons": persons_for(actor, case),
        "notes": case.notes, "history": case.history, "version": case.version,
        "workers": list(getattr(case, "workers", {}).values()),
    }


def case_view(case: Case, actor: Actor) -> dict:
    members = senim().cases.members(case.id)
    return {"id": case.id, **case_state(case, actor),
            "members": {f"{kind}s": members.get(kind, []) for kind in ("contact", "referral", "assessment")}}


def part_written(result: PartWritten, status: int = 201):
    body = {"id": result.part_id, "case_id": result.id, "position": result.position}
    return body, status, {POSITION_HEADER: str(result.position)}


# Routes ------------------------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(CaseIn())
@blp.response(201, CreatedOut)
@idempotent()
def open_case(fields):
    """Open a case, optionally from a contact (which joins the case in the same commit) and with persons."""
    return written(senim().cases.open(fields, actor=current_actor()), 201)


@blp.route("", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(CaseListQuery(), location="query")
@blp.response(200, CaseListOut)
def list_cases(query):
    """The cases you may see (a supervisor: all), most recently touched first. No personal data."""
    await_projection(TIMELINE, query["min_position"])
    rows = senim().cases.list(actor=current_actor(), status=query["status"], owner=query["owner"],
                              limit=query["limit"], offset=query["offset"])
    return {"cases": [{
        "id": row["case_id"], "status": row["status"],
        "owner": {"user_id": row["owner_user_id"], "username": row["owner_username"]},
        "opened_at": row["opened_at"], "closed_at": row["closed_at"], "updated_at": row["updated_at"],
        "contacts": row["contacts"], "referrals": row["referrals"], "assessments": row["assessments"],
    } for row in rows]}


@blp.route("/<uuid:case_id>", methods=["GET"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, CaseOut)
def get_case(query, case_id: UUID):
    """The case as it stands: persons (a victim's or child's details withheld from psychologists), notes,
    owner, status history with reasons, and the ids of its contacts, referrals and assessments."""
    await_projection(TIMELINE, query["min_position"])
    return case_view(read_record("case", case_id, senim().cases.get), current_actor())


@blp.route("/<uuid:case_id>/persons", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PersonIn())
@blp.response(201, PartCreatedOut)
@idempotent(answer_from_commit=False)
def add_person(person, case_id: UUID):
    """Add a person (victim, aggressor, child, other); answers with their new random person id."""
    return part_written(senim().cases.add_person(case_id, person, actor=current_actor()))


@blp.route("/<uuid:case_id>/persons/<uuid:person_id>", methods=["PATCH", "POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(PersonChangesIn())
@blp.response(200, PartCreatedOut)
def change_person(body, case_id: UUID, person_id: UUID):
    """Change a person's role or details (null clears a detail); a new role gets a new label."""
    body = dict(body)
    reason = body.pop("reason", None)
    return part_written(senim().cases.change_person(case_id, person_id, changes=body, reason=reason,
                                                    actor=current_actor()), 200)


@blp.route("/<uuid:case_id>/notes", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(NoteIn())
@blp.response(201, PartCreatedOut)
@idempotent(answer_from_commit=False)
def add_note(body, case_id: UUID):
    """Add a note to the case."""
    return part_written(senim().cases.add_note(case_id, text=body["text"], actor=current_actor()))


@blp.route("/<uuid:case_id>/owner", methods=["POST"])
@requires("supervisor")
@blp.arguments(OwnerIn())
@blp.response(200, CreatedOut)
def assign_owner(body, case_id: UUID):
    """Give the case to another worker."""
    return written(senim().cases.assign_owner(case_id, user_id=body["user_id"], actor=current_actor()))


@blp.route("/<uuid:case_id>/workers", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(WorkerIn())
@blp.response(201, CreatedOut)
def add_worker(body, case_id: UUID):
    """Let a member of staff into the case (its owner or a supervisor), with a reason: a Case.WorkerAdded
    event. From then on they see the case as their role may (a psychologist never sees a victim's or
    child's name, phone or address). Naming a case in a contact, referral or assessment never does this:
    such a write is 403 unless the writer already sees the case."""
    return written(senim().cases.add_worker(case_id, user_id=body["user_id"], reason=body["reason"],
                                            actor=current_actor()), 201)


@blp.route("/<uuid:case_id>/closure", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(CloseIn(), example={
    "reason_code": "self_sufficient", "reason": "Goals of the plan reached; the family manages on its own.",
    "child_outcomes": [{"person_id": "6f1c2a8e-4c1b-4f7e-9a53-2f0c1d3e4b5a", "removal_prevented": "yes",
                        "returned_home": "unknown", "wellbeing_improved": "yes"}],
    "occurred_at": "2025-09-01T10:00:00+05:00"})
@blp.response(200, CreatedOut)
def close_case(body, case_id: UUID):
    """Close the case (its owner or a supervisor): with a reason in words, or a coded reason
    (case_closure_reasons; `other` needs words) and per-child outcomes. Already closed: 409.
    Follow-ups are then due after the closure (GET …/follow-ups)."""
    return written(senim().cases.close(case_id, actor=current_actor(), **body))


@blp.route("/<uuid:case_id>/reopening", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ReopenIn())
@blp.response(200, CreatedOut)
def reopen_case(body, case_id: UUID):
    """Reopen a closed case with a reason (its owner or a supervisor), optionally from a follow-up that found
    the family needs help again; its history is kept. Not closed: 409."""
    return written(senim().cases.reopen(case_id, reason=body["reason"], from_follow_up=body["from_follow_up"],
                                        actor=current_actor()))


@blp.route("/<uuid:case_id>/history", methods=["GET"])
@requires("supervisor")
@blp.arguments(CaseHistoryQuery(), location="query")
@blp.response(200, CaseHistoryOut)
def case_history(query, case_id: UUID):
    """Every event of the case and of its contacts, referrals and assessments, oldest first, each with
    its type, time, actor and data. With as_of: only what had happened by then, membership judged from
    the events themselves, and the case as it stood then."""
    await_projection(TIMELINE, query["min_position"])
    history = read_record("case", case_id, partial(senim().cases.history, as_of=query["as_of"]))
    return {
        "id": case_id, "as_of": query["as_of"],
        "case": case_state(history.case, current_actor()) if history.case is not None else None,
        "events": case_entries(history, wanted_types(query["type"]), query["person"]),
    }
