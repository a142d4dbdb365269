"""Group programmes (programmes, groups, participants, sessions, attendance, certificates), trainings for
professionals, and their statistics (/api/v1/stats/groups)."""
from uuid import UUID

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate, validates

from domain.group import DEFINING_ROLES, GROUP_ROLES, LANGUAGES, Group, Programme
from domain.training import TRAINING_ROLES, Training
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, CodeList, Day, Moment, NonBlankText, StrictInteger, Text
from intake.api.idempotency import idempotent
from intake.api.reads import DateRangeQuery, await_projection, read_record
from intake.api.schemas import REASON_MAX, ActorOut, CreatedOut, ReadQuery
from intake.api.stats import group_by_field
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.queries import groups as queries
from intake.running import senim

blp = ApiBlueprint("groups", __name__, url_prefix="/api/v1",
                   description="Group programmes, their sessions, attendance and certificates; trainings for "
                               "professionals; their statistics.")

PROGRAMME_EXAMPLE = {"names": {"kk": "«Күшті ата-ана – күшті бала»", "ru": "«Сильные родители – сильные дети»",
                               "en": "Strong parents – strong children"},
                     "kind": "parent_course", "sessions": 10, "hours": 20, "min_hours": 16}


# Shapes ------------------------------------------------------------------------------------------

class NamesIn(Schema):
    kk = NonBlankText(max_length=200, required=True)
    ru = NonBlankText(max_length=200, required=True)
    en = NonBlankText(max_length=200, required=True)


class ProgrammeIn(Schema):
    names = fields.Nested(NamesIn, required=True)
    kind = Code("programme_kinds", required=True)
    sessions = StrictInteger(required=True, validate=validate.Range(1, 100))
    hours = fields.Float(required=True, validate=validate.Range(0.25, 1000))
    min_hours = fields.Float(allow_none=True, validate=validate.Range(0.25, 1000), metadata={
        "description": "Completed with at least this many hours attended (either rule suffices)."})
    min_sessions = StrictInteger(allow_none=True, validate=validate.Range(1, 100), metadata={
        "description": "Completed with at least this many sessions attended."})


class ProgrammeOut(Schema):
    id = fields.UUID()
    key = fields.String(allow_none=True, metadata={"description": "The code of a programme shipped with Senim."})
    version = fields.Integer()
    names = fields.Dict()
    kind = fields.String()
    sessions = fields.Integer()
    hours = fields.Float()
    min_hours = fields.Float(allow_none=True)
    min_sessions = fields.Integer(allow_none=True)


class ProgrammeListOut(Schema):
    programmes = fields.List(fields.Nested(ProgrammeOut))


class TimetableEntryIn(Schema):
    starts_at = Moment(required=True)
    minutes = StrictInteger(required=True, validate=validate.Range(15, 480))


class GroupIn(Schema):
    programme = fields.String(required=True, validate=validate.Length(max=64), metadata={
        "description": "A programme's id, or the code of a shipped one: strong_parents, correctional."})
    facilitators = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=4),
                               metadata={"description": "User ids of the facilitators (usually a pair)."})
    timetable = fields.List(fields.Nested(TimetableEntryIn), required=True, validate=validate.Length(min=1, max=100))
    capacity = StrictInteger(required=True, validate=validate.Range(1, 500))
    place = Text(max_length=500, allow_none=True)
    online_link = Text(max_length=500, allow_none=True)
    region = Code("regions", allow_none=True)
    settlement = Code("settlement_types", allow_none=True)


class ParticipantIn(Schema):
    case_id = fields.UUID(allow_none=True, metadata={"description": "With person_id: a person of a case you see."})
    person_id = fields.UUID(allow_none=True)
    name = Text(max_length=200, allow_none=True, metadata={
        "description": "A participant recorded for the group only: the name, sealed and erasable."})
    sex = Code("genders", allow_none=True)
    age = StrictInteger(allow_none=True, validate=validate.Range(0, 120))
    social_statuses = CodeList("social_statuses", load_default=list)
    region = Code("regions", allow_none=True)
    settlement = Code("settlement_types", allow_none=True)
    language = fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "The certificate's language: kk, ru or en (default ru)."})


class ParticipantWrittenOut(CreatedOut):
    participant_id = fields.UUID()


class GroupSessionIn(Schema):
    held_on = Day(required=True)
    topic = NonBlankText(max_length=500, required=True)
    facilitators_present = fields.List(fields.UUID(), allow_none=True, validate=validate.Length(max=4), metadata={
        "description": "User ids of the facilitators present (default: all)."})
    hours = fields.Float(allow_none=True, validate=validate.Range(0.25, 8),
                         metadata={"description": "How long it lasted (default: as planned)."})


class GroupAttendanceIn(Schema):
    attendance = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "{participant_id: hours attended (0 absent; true: the whole session)}."})

    @validates("attendance")
    def hours_are_numbers(self, value, **kwargs):
        if len(value) > 500:
            raise ValidationError("At most 500 participants at once.")
        for hours in value.values():
            if not (hours is None or isinstance(hours, (bool, int, float))):
                raise ValidationError("Give hours as numbers, or true/false.")


class GroupAttendanceOut(CreatedOut):
    completed = fields.List(fields.UUID(), metadata={"description": "Participants who completed with this record."})


class GroupDropOutIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class GroupSessionOut(Schema):
    number = fields.Integer()
    starts_at = fields.String()
    minutes = fields.Integer()
    held = fields.Boolean()
    held_on = fields.String(allow_none=True)
    topic = fields.String(allow_none=True)
    hours = fields.Float(allow_none=True)
    facilitators = fields.List(fields.Nested(ActorOut))


class ParticipantOut(Schema):
    participant_id = fields.UUID()
    case_id = fields.UUID(allow_none=True)
    person_id = fields.UUID(allow_none=True)
    name = fields.String(allow_none=True, metadata={"description": "Of a participant of the group only; null once erased."})
    sex = fields.String(allow_none=True)
    age = fields.Integer(allow_none=True)
    social_statuses = fields.List(fields.String())
    region = fields.String(allow_none=True)
    settlement = fields.String(allow_none=True)
    language = fields.String()
    status = fields.String()
    hours = fields.Float()
    sessions = fields.Integer()
    attendance = fields.Dict(metadata={"description": "{session number: hours}"})
    drop_out_reason = fields.String(allow_none=True)


class GroupOut(Schema):
    id = fields.UUID()
    programme_id = fields.UUID()
    programme = fields.Nested(ProgrammeOut)
    facilitators = fields.List(fields.Nested(ActorOut))
    place = fields.String(allow_none=True)
    online_link = fields.String(allow_none=True)
    capacity = fields.Integer()
    region = fields.String(allow_none=True)
    settlement = fields.String(allow_none=True)
    status = fields.String()
    sessions = fields.List(fields.Nested(GroupSessionOut))
    participants = fields.List(fields.Nested(ParticipantOut))
    version = fields.Integer()


class GroupListOut(Schema):
    groups = fields.List(fields.Dict())


class TrainingIn(Schema):
    kind = Code("training_kinds", required=True)
    audience = Code("training_audiences", required=True)
    held_on = Day(required=True)
    trainers = fields.List(NonBlankText(max_length=200), required=True, validate=validate.Length(min=1, max=10))
    topic = NonBlankText(max_length=500, required=True)
    regions = CodeList("regions", load_default=list, metadata={"description": "The regions the training covered."})
    hours = fields.Float(allow_none=True, validate=validate.Range(0.25, 200))


class TrainingParticipantIn(Schema):
    name = NonBlankText(max_length=200, required=True)
    organisation = NonBlankText(max_length=200, required=True)
    position = Text(max_length=200, allow_none=True)
    region = Code("regions", allow_none=True)


class TrainingOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    audience = fields.String()
    held_on = fields.String()
    trainers = fields.List(fields.String(allow_none=True), allow_none=True)
    topic = fields.String(allow_none=True)
    regions = fields.List(fields.String())
    hours = fields.Float(allow_none=True)
    participants = fields.List(fields.Dict())
    version = fields.Integer()


class TrainingListOut(Schema):
    trainings = fields.List(fields.Dict())


def programme_view(programme: Programme) -> dict:
    return {"id": programme.id, **programme.definition}


def group_view(group: Group) -> dict:
    sessions = []
    for entry in group.timetable:
        held = group.sessions.get(entry["number"])
        sessions.append({**entry, "held": held is not None, "held_on": held and held["held_on"],
                         "topic": held and held["topic"], "hours": held and held["hours"],
                         "facilitators": held["facilitators"] if held else []})
    participants = []
    for person in group.participants.values():
        hours, attended = group.hours_of(person["participant_id"])
        participants.append({**person, "hours": hours, "sessions": attended,
                             "attendance": {str(number): value for number, value in person["attendance"].items()}})
    return {"id": group.id, "programme_id": group.programme_id,
            "programme": {"id": group.programme_id, **group.programme}, "facilitators": group.facilitators,
            "place": group.place, "online_link": group.online_link, "capacity": group.capacity,
            "region": group.region, "settlement": group.settlement, "status": group.status, "sessions": sessions,
            "participants": participants, "version": group.version}


def training_view(training: Training) -> dict:
    return {"id": training.id, "kind": training.kind, "audience": training.audience, "held_on": training.held_on,
            "trainers": training.trainers, "topic": training.topic, "regions": training.regions,
            "hours": training.hours, "version": training.version,
            "participants": [{**person, "participant_id": str(person["participant_id"]),
                              "added_at": person["added_at"].isoformat()} for person in training.participants.values()]}


# Programmes --------------------------------------------------------------------------------------

@blp.route("/programmes", methods=["GET"])
@requires(*GROUP_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ProgrammeListOut)
def list_programmes(query):
    """Every programme: the shipped ones (strong_parents, correctional) and those defined here, current versions."""
    return {"programmes": [programme_view(p) for p in senim().groups.programmes(actor=current_actor())]}


@blp.route("/programmes", methods=["POST"])
@requires(*DEFINING_ROLES)
@blp.arguments(ProgrammeIn(), example=PROGRAMME_EXAMPLE)
@blp.response(201, CreatedOut)
@idempotent()
def define_programme(body):
    """Define a programme: its name in kk/ru/en, kind, planned sessions and hours, and the completion rule."""
    return written(senim().groups.define_programme(body, actor=current_actor()), 201)


@blp.route("/programmes/<string:programme_id>", methods=["GET"])
@requires(*GROUP_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ProgrammeOut)
def get_programme(query, programme_id: str):
    """A programme by id, or a shipped one by its code."""
    return programme_view(senim().groups.programme(programme_id, actor=current_actor()))


@blp.route("/programmes/<string:programme_id>/versions", methods=["POST"])
@requires(*DEFINING_ROLES)
@blp.arguments(ProgrammeIn(), example=PROGRAMME_EXAMPLE)
@blp.response(201, CreatedOut)
def revise_programme(body, programme_id: str):
    """A new version of the definition; groups planned earlier keep the version they were planned with."""
    return written(senim().groups.revise_programme(programme_id, body, actor=current_actor()), 201)


# Groups ------------------------------------------------------------------------------------------

@blp.route("/groups", methods=["GET"])
@requires(*GROUP_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, GroupListOut)
def list_groups(query):
    """The groups you facilitate or planned (a supervisor: every group), the open ones first."""
    await_projection("group_stats", query["min_position"])
    return {"groups": senim().groups.listed(actor=current_actor())}


@blp.route("/groups", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.arguments(GroupIn(), example={
    "programme": "strong_parents", "facilitators": ["6f1c…", "9a2d…"], "capacity": 12,
    "place": "Crisis centre, room 2", "region": "almaty", "settlement": "urban",
    "timetable": [{"starts_at": "2026-03-02T10:00:00+05:00", "minutes": 120}]})
@blp.response(201, CreatedOut)
@idempotent()
def plan_group(body):
    """Plan a group: its programme, facilitators, place or online link, capacity and the timetable; each session
    must lie within every facilitator's working hours (where they are on record), else 422 on that session."""
    return written(senim().groups.plan(body, actor=current_actor()), 201)


@blp.route("/groups/<uuid:group_id>", methods=["GET"])
@requires(*GROUP_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, GroupOut)
def get_group(query, group_id: UUID):
    """The group: its timetable and sessions held, participants with their hours and status."""
    return group_view(read_record("group", group_id, senim().groups.get))


@blp.route("/groups/<uuid:group_id>/participants", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.arguments(ParticipantIn(), example={"name": "Айгерим С.", "sex": "female", "age": 34,
                                         "social_statuses": ["public_sector"], "region": "almaty",
                                         "settlement": "urban", "language": "kk"})
@blp.response(201, ParticipantWrittenOut)
@idempotent(answer_from_commit=False)
def enrol(body, group_id: UUID):
    """Enrol a person of a case (case_id, person_id) or a participant for the group only (name). A full or
    finished group is 409 with the state named."""
    result = senim().groups.enrol(group_id, body, actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "participant_id": result.participant_id}, status, headers


@blp.route("/groups/<uuid:group_id>/participants/<uuid:participant_id>/drop-out", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.arguments(GroupDropOutIn())
@blp.response(200, CreatedOut)
def drop_out(body, group_id: UUID, participant_id: UUID):
    """The participant left, with the reason; the seat is free again."""
    return written(senim().groups.drop_out(group_id, participant_id, reason=body["reason"], actor=current_actor()))


@blp.route("/groups/<uuid:group_id>/sessions/<int:number>", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.arguments(GroupSessionIn(), example={"held_on": "2026-03-02", "topic": "Emotions and boundaries"})
@blp.response(201, CreatedOut)
def hold_session(body, group_id: UUID, number: int):
    """Record a planned session as held (day, topic, facilitators present). Held already: 409 state "held"."""
    return written(senim().groups.hold_session(group_id, number, body, actor=current_actor()), 201)


@blp.route("/groups/<uuid:group_id>/sessions/<int:number>/attendance", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.arguments(GroupAttendanceIn(), example={"attendance": {"0b5e…": 2, "7d1a…": 0, "c3f9…": True}})
@blp.response(200, GroupAttendanceOut)
def record_attendance(body, group_id: UUID, number: int):
    """Hours per participant for a session held (again: replaces those participants' hours). A session not
    held yet: 409 state "planned". Who meets the programme's rule completes, in the same commit."""
    result = senim().groups.record_attendance(group_id, number, body["attendance"], actor=current_actor())
    answer, status, headers = written(result)
    return {**answer, "completed": result.completed}, status, headers


@blp.route("/groups/<uuid:group_id>/finish", methods=["POST"])
@requires(*GROUP_ROLES)
@blp.response(200, CreatedOut)
def finish(group_id: UUID):
    """The group is over: no more enrolments or sessions."""
    return written(senim().groups.finish(group_id, actor=current_actor()))


@blp.route("/groups/<uuid:group_id>/participants/<uuid:participant_id>/certificate", methods=["GET"])
@requires(*GROUP_ROLES)
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def certificate(group_id: UUID, participant_id: UUID):
    """The certificate of participation (PDF, in the participant's language) of one who completed; else 409."""
    pdf = senim().groups.certificate(group_id, participant_id, actor=current_actor())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{str(participant_id)[:8]}.pdf"'})


# Trainings ---------------------------------------------------------------------------------------

@blp.route("/trainings", methods=["GET"])
@requires(*TRAINING_ROLES)
@blp.arguments(DateRangeQuery(), location="query")
@blp.response(200, TrainingListOut)
def list_trainings(query):
    """Trainings held in the range (this year by default), the latest first, with their participants counted."""
    await_projection("group_stats", query["min_position"])
    return {"trainings": senim().groups.trainings(actor=current_actor(), date_from=query["date_from"],
                                                  date_to=query["date_to"])}


@blp.route("/trainings", methods=["POST"])
@requires(*TRAINING_ROLES)
@blp.arguments(TrainingIn(), example={"kind": "webinar", "audience": "juvenile_police", "held_on": "2026-02-10",
                                      "trainers": ["Д. Ахметова"], "topic": "Recognising domestic violence",
                                      "regions": ["almaty", "karaganda"], "hours": 2})
@blp.response(201, CreatedOut)
@idempotent()
def record_training(body):
    """Record a webinar, training, supervision or monitoring visit."""
    return written(senim().groups.record_training(body, actor=current_actor()), 201)


@blp.route("/trainings/<uuid:training_id>", methods=["GET"])
@requires(*TRAINING_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, TrainingOut)
def get_training(query, training_id: UUID):
    """The training and its participants."""
    return training_view(read_record("training", training_id, senim().groups.training))


@blp.route("/trainings/<uuid:training_id>/participants", methods=["POST"])
@requires(*TRAINING_ROLES)
@blp.arguments(TrainingParticipantIn(), example={"name": "Ержан К.", "organisation": "ДП г. Алматы",
                                                 "position": "Inspector", "region": "almaty"})
@blp.response(201, ParticipantWrittenOut)
@idempotent(answer_from_commit=False)
def add_training_participant(body, training_id: UUID):
    """A participant: name and position sealed under their own key, organisation and region readable."""
    result = senim().groups.add_training_participant(training_id, body, actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "participant_id": result.participant_id}, status, headers


# Statistics --------------------------------------------------------------------------------------

class GroupStatsQuery(DateRangeQuery):
    group_by = group_by_field(queries.DIMENSIONS, at_most=3)
    age_bands = fields.String(load_default=None, metadata={
        "description": "The asker's age bands for the age_band dimension, e.g. 13-16,17-22,23-27,28-32,33-45,46-58,59-."})
    programme = fields.UUID(load_default=None, metadata={"description": "Only this programme's groups."})

    @validates("age_bands")
    def bands_are_readable(self, value, **kwargs):
        if value is not None:
            try:
                queries.parse_age_bands(value)
            except ValueError:
                raise ValidationError("Give bands as low-high or low-, ascending and not overlapping, "
                                      "e.g. 13-16,17-22,59-.") from None


class GroupStatsOut(Schema):
    total = fields.Integer(metadata={"description": "Participants: distinct persons."})
    rows = fields.List(fields.Dict(), metadata={"description": "Per group: the dimensions and distinct persons."})
    enrolments = fields.Integer()
    completed = fields.Integer()
    dropped_out = fields.Integer()
    hours = fields.Float(metadata={"description": "Hours attended, summed over the participants."})
    groups = fields.Integer()
    sessions_held = fields.Integer()
    session_hours = fields.Float()
    trainings = fields.Dict(metadata={"description": "Trainings held in the range: events, participants, regions, "
                                                     "and rows per kind and audience."})


@blp.route("/stats/groups", methods=["GET"])
@requires("supervisor")
@blp.arguments(GroupStatsQuery(), location="query")
@blp.response(200, GroupStatsOut)
def group_stats(query):
    """Group participants (distinct persons) of the groups that started in the range (their first planned
    session's local day), by programme, sex, social status (a person under each of theirs), age band, region,
    settlement and status; sessions held and hours; completions and drop-outs; trainings held in the range."""
    await_projection("group_stats", query["min_position"])
    return queries.group_counts(senim(), date_from=query["date_from"], date_to=query["date_to"],
                                group_by=query["group_by"], age_bands=query["age_bands"],
                                programme=query["programme"])
