"""Questionnaires: the published definitions, responses recorded by staff, feedback links (with their QR
code) for people without an account, the analysis per questionnaire and period (JSON, XLSX, PDF), and
the statistics of responses. The public form itself is a web page, /feedback/<token> (intake/web/feedback.py).
"""
from uuid import UUID

from flask import Response, url_for
from marshmallow import Schema, fields, validate

from domain import questionnaires
from domain.actor import CASEWORK_ROLES, STAFF_ROLES
from domain.questionnaire import ABOUT_KINDS, LINK_HOURS_DEFAULT, LINK_HOURS_MAX, PHASES, FeedbackLink
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Moment, StrictBoolean, StrictInteger, Text
from intake.api.idempotency import idempotent
from intake.api.reads import DateRangeQuery, await_projection, read_record
from intake.api.schemas import ActorOut, CreatedOut, ReadQuery
from intake.api.stats import StatsOut, group_by_field
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.queries import questionnaire_exports, questionnaires as reads, statistics
from intake.running import senim

blp = ApiBlueprint("questionnaires", __name__, url_prefix="/api/v1",
                   description="Questionnaires: feedback, pre/post tests, course evaluations; public feedback "
                               "links; the analysis.")

MOST_ANSWERS = 200
LINK_ROLES = ("consultant", "psychologist", "supervisor")
FEEDBACK_EXAMPLE = {"satisfied": 5, "listened": 5, "helped": "yes", "what_helped": ["support", "safety_plan"],
                    "own_language": "yes", "recommend": "yes", "comment": "Рахмет, көп көмектестіңіз."}
ID_EXAMPLE = "0f8fad5b-d9cb-469f-a165-70867728950e"
BINARY = {"type": "string", "format": "binary"}  # a file: the OpenAPI document names its content type


# Shapes ------------------------------------------------------------------------------------------

class QuestionnaireOut(Schema):
    code = fields.String()
    kind = fields.String(metadata={"description": "consultation_feedback, pre_post_test or course_evaluation."})
    title = fields.Dict(metadata={"description": "kk, ru and en"})
    current_version = fields.String()
    versions = fields.List(fields.Dict(), metadata={
        "description": "Each published version: items (id, type, kk/ru/en, options, min/max, correct), fingerprint."})


class AboutIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ABOUT_KINDS))
    id = Text(max_length=64, allow_none=True, metadata={
        "description": "contact, referral: its id (it must be one you may see). group_participation, training: "
                       "an opaque code for now (Latin letters, digits, . _ : -). none: null."})


class ResponseIn(Schema):
    questionnaire = Text(max_length=100, required=True, metadata={"description": "See GET /api/v1/questionnaires."})
    version = Text(max_length=50, allow_none=True, metadata={"description": "Defaults to the current version."})
    answers = fields.Dict(keys=fields.String(), required=True, validate=validate.Length(max=MOST_ANSWERS),
                          metadata={"description": "{item_id: answer}: a scale's whole number, an option code, a "
                                                   "list of option codes, yes/no/unknown, a number, or free text."})
    about = fields.Nested(AboutIn, allow_none=True, metadata={"description": "What the response evaluates."})
    phase = fields.String(allow_none=True, validate=validate.OneOf(PHASES),
                          metadata={"description": "A test's phase: pre or post (required for tests)."})
    participant = Text(max_length=64, allow_none=True, metadata={
        "description": "A short code pairing a participant's pre- and post-test (never a name)."})
    language = fields.String(allow_none=True, validate=validate.OneOf(("kk", "ru", "en")))
    answered_at = Moment(allow_none=True, metadata={"description": "When the form was filled in (default: now)."})


class ResultOut(Schema):
    score = fields.Integer()
    max_score = fields.Integer()
    percent = fields.Float()


class ResponseWrittenOut(CreatedOut):
    result = fields.Nested(ResultOut, allow_none=True, metadata={"description": "A test's score; null otherwise."})


class ResponseOut(Schema):
    id = fields.UUID()
    questionnaire = fields.String()
    version = fields.String()
    fingerprint = fields.String()
    kind = fields.String()
    answers = fields.Dict(metadata={"description": "The closed answers."})
    texts = fields.Dict(allow_none=True, metadata={
        "description": "The free answers (personal data, sealed with the response's own key): null once erased."})
    result = fields.Nested(ResultOut, allow_none=True)
    about = fields.Dict()
    phase = fields.String(allow_none=True)
    participant = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    link_id = fields.UUID(allow_none=True)
    answered_at = Moment()
    recorded_at = Moment()
    recorded_by = fields.Nested(ActorOut)


class LinkIn(Schema):
    questionnaire = Text(max_length=100, required=True, metadata={
        "description": "A feedback questionnaire (kind consultation_feedback or course_evaluation)."})
    single_use = StrictBoolean(load_default=True, metadata={
        "description": "true (default): the link takes one answer; false: any number until it expires."})
    expires_in_hours = StrictInteger(load_default=LINK_HOURS_DEFAULT,
                                     validate=validate.Range(min=1, max=LINK_HOURS_MAX),
                                     metadata={"description": f"Default {LINK_HOURS_DEFAULT} (14 days)."})
    about = fields.Nested(AboutIn, allow_none=True)
    language = fields.String(allow_none=True, validate=validate.OneOf(("kk", "ru", "en")),
                             metadata={"description": "The page's first language; the person may switch."})


class LinkOut(Schema):
    id = fields.UUID()
    questionnaire = fields.String()
    state = fields.String(metadata={"description": "open, used or expired."})
    single_use = fields.Boolean()
    expires_at = Moment()
    answers = fields.Integer(metadata={"description": "How many answers came through it."})
    about = fields.Dict()
    language = fields.String(allow_none=True)
    url = fields.String(metadata={"description": "The public page; the token in it is the only key."})
    qr_png = fields.String(metadata={"description": "Its QR code as PNG."})
    qr_svg = fields.String(metadata={"description": "Its QR code as SVG."})
    created_at = Moment()
    created_by = fields.Nested(ActorOut)


class LinkWrittenOut(CreatedOut):
    token = fields.String()
    url = fields.String()
    expires_at = Moment()
    qr_png = fields.String()
    qr_svg = fields.String()


class AnalysisQuery(DateRangeQuery):
    lang = fields.String(load_default="ru", validate=validate.OneOf(("kk", "ru", "en")),
                         metadata={"description": "Language of the XLSX/PDF export."})


class AnalysisOut(Schema):
    questionnaire = fields.String()
    kind = fields.String()
    title = fields.Dict()
    version = fields.String()
    date_from = fields.String(data_key="from")
    date_to = fields.String(data_key="to")
    responses = fields.Integer()
    by_source = fields.Dict()
    by_phase = fields.Dict()
    with_free_text = fields.Integer()
    headline = fields.Dict(allow_none=True, metadata={
        "description": "The first scale item's share of top answers: \"98% rated the course 5 of 5\"."})
    items = fields.List(fields.Dict(), metadata={
        "description": "Per closed item: answered, distribution [{answer, count, percent}], mean, top_answer, "
                       "top_count, top_percent."})
    test = fields.Dict(allow_none=True, metadata={
        "description": "Tests: mean score pre and post, the change paired by participant (pairs, mean_pre, "
                       "mean_post, change_percent: \"competence improved by 15%\"), and each scale item paired."})
    text_items = fields.List(fields.Dict())
    free_texts = fields.List(fields.Dict(), metadata={
        "description": "The free answers, for reading (supervisors only): response_id, answered_at, item, text."})


class QuestionnaireStatsQuery(DateRangeQuery):
    group_by = group_by_field(reads.DIMENSIONS, at_most=3)
    questionnaire = fields.String(load_default=None, validate=validate.OneOf(questionnaires.REGISTRY.codes()))
    kind = fields.String(load_default=None, validate=validate.OneOf(questionnaires.KINDS))


# Helpers ----------------------------------------------------------------------------------------

def public_url(token: str) -> str:
    return url_for("web_feedback_public.public_form", token=token, _external=True)


def qr_urls(link_id) -> dict:
    return {"qr_png": url_for("questionnaires.link_qr_png", link_id=link_id),
            "qr_svg": url_for("questionnaires.link_qr_svg", link_id=link_id)}


def link_view(link: FeedbackLink) -> dict:
    return {"id": link.id, "questionnaire": link.questionnaire, "state": link.state(), "single_use": link.single_use,
            "expires_at": link.expires_at, "answers": len(link.responses),
            "about": {"kind": link.about_kind, "id": link.about_id}, "language": link.language,
            "url": public_url(link.token), **qr_urls(link.id), "created_at": link.created_at,
            "created_by": link.created_by}


def qr_image(token: str, kind: str) -> Response:
    body, content_type = reads.qr_code(public_url(token), kind)
    return Response(body, content_type=content_type)


# Endpoints ---------------------------------------------------------------------------------------

@blp.route("/questionnaires", methods=["GET"])
@requires(*STAFF_ROLES)
@blp.response(200, QuestionnaireOut(many=True), example=[{
    "code": "course_evaluation", "kind": "course_evaluation",
    "title": {"kk": "Курсты бағалау парағы", "ru": "Анкета оценки курса", "en": "Course evaluation"},
    "current_version": "1", "versions": [{"version": "1", "published": "2026-12-01", "fingerprint": "sha256:…",
                                          "items": [{"id": "overall", "type": "scale", "min": 1, "max": 5,
                                                     "kk": "…", "ru": "…", "en": "How do you rate the course overall?"}]}]}])
def list_questionnaires():
    """Every questionnaire with every published version: kind, items in kk/ru/en with their type and what they
    allow, a test's right answers."""
    return questionnaires.all_questionnaires()


@blp.route("/questionnaire-responses", methods=["POST"])
@requires(*CASEWORK_ROLES)
@blp.arguments(ResponseIn(), example={
    "questionnaire": "parent_course_test", "phase": "pre", "participant": "G3-07",
    "about": {"kind": "group_participation", "id": "G3-07"},
    "answers": {"punishment_works": "no", "tantrum": "calm_name", "praise": "yes",
                "violence_signs": ["fear", "injuries", "withdrawn"], "screen_time": "one_hour", "help_line": "yes",
                "stress": 4, "children": 2}})
@blp.response(201, ResponseWrittenOut, example={"id": ID_EXAMPLE, "position": 1042,
                                                "result": {"score": 6, "max_score": 6, "percent": 100.0}})
@idempotent(answer_from_commit=False)
def record_response(body):
    """Record a filled-in questionnaire (a paper form typed in, answers taken on the phone). Tests are scored by
    the server. A bad answer is 422 naming `answers.<item>`; naming a contact or referral you may not see, 403."""
    result = senim().questionnaires.record(body, actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "result": result.result}, status, headers


@blp.route("/questionnaire-responses/<uuid:response_id>", methods=["GET"])
@requires("supervisor")
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, ResponseOut)
def get_response(query, response_id: UUID):
    """One response with its free texts (supervisors only; the read is noted in the access log)."""
    response = read_record("questionnaire_response", response_id, senim().questionnaires.get)
    return {"id": response.id, "questionnaire": response.questionnaire, "version": response.questionnaire_version,
            "fingerprint": response.fingerprint, "kind": response.kind, "answers": response.answers,
            "texts": response.texts, "result": response.result,
            "about": {"kind": response.about_kind, "id": response.about_id}, "phase": response.phase,
            "participant": response.participant, "language": response.language, "link_id": response.link_id,
            "answered_at": response.answered_at, "recorded_at": response.recorded_at,
            "recorded_by": response.recorded_by}


@blp.route("/feedback-links", methods=["POST"])
@requires(*LINK_ROLES)
@blp.arguments(LinkIn(), example={"questionnaire": "consultation_feedback", "single_use": True,
                                  "expires_in_hours": 72, "language": "kk",
                                  "about": {"kind": "contact", "id": ID_EXAMPLE}})
@blp.response(201, LinkWrittenOut, example={
    "id": ID_EXAMPLE, "position": 1043, "token": "q7Xv3c…", "url": "https://senim.example/feedback/q7Xv3c…",
    "expires_at": "2026-12-06T12:00:00+00:00", "qr_png": f"/api/v1/feedback-links/{ID_EXAMPLE}/qr.png",
    "qr_svg": f"/api/v1/feedback-links/{ID_EXAMPLE}/qr.svg"})
@idempotent(answer_from_commit=False)
def create_link(body):
    """Hand out a link to a feedback questionnaire: single-use by default, always expiring. The token is random
    and carries no personal data; the person answers at `url` without an account."""
    result = senim().questionnaires.create_link(body, actor=current_actor())
    answer, status, headers = written(result, 201)
    return {**answer, "token": result.token, "url": public_url(result.token), "expires_at": result.expires_at,
            **qr_urls(result.id)}, status, headers


@blp.route("/feedback-links/<uuid:link_id>", methods=["GET"])
@requires(*LINK_ROLES)
@blp.arguments(ReadQuery(), location="query")
@blp.response(200, LinkOut)
def get_link(query, link_id: UUID):
    """The link's state (open, used, expired), its address and QR codes: for the one who made it, or a supervisor."""
    return link_view(senim().questionnaires.get_link(link_id, actor=current_actor()))


@blp.route("/feedback-links/<uuid:link_id>/qr.png", methods=["GET"])
@requires(*LINK_ROLES)
@blp.response(200, BINARY, content_type="image/png", description="The QR code of the link's address, for print.")
def link_qr_png(link_id: UUID):
    """The link's QR code as a PNG image."""
    return qr_image(senim().questionnaires.get_link(link_id, actor=current_actor()).token, "png")


@blp.route("/feedback-links/<uuid:link_id>/qr.svg", methods=["GET"])
@requires(*LINK_ROLES)
@blp.response(200, BINARY, content_type="image/svg+xml", description="The QR code of the link's address, for print.")
def link_qr_svg(link_id: UUID):
    """The link's QR code as an SVG image."""
    return qr_image(senim().questionnaires.get_link(link_id, actor=current_actor()).token, "svg")


def _analysis(code: str, query: dict) -> tuple[dict, dict, list[dict]]:
    spec = questionnaires.get(code)
    await_projection(reads.PROJECTION, query["min_position"])
    service = senim().questionnaires
    service.refresh()
    found = reads.analysis(senim(), code, date_from=query["date_from"], date_to=query["date_to"])
    texts = service.free_texts(found.pop("response_ids_with_text"), actor=current_actor())
    return spec, found, texts


@blp.route("/questionnaires/<string:code>/analysis", methods=["GET"])
@requires("supervisor")
@blp.arguments(AnalysisQuery(), location="query")
@blp.response(200, AnalysisOut, example={
    "questionnaire": "course_evaluation", "kind": "course_evaluation", "from": "2019-01-01", "to": "2019-12-31",
    "responses": 108, "by_source": {"link": 40, "staff": 68},
    "headline": {"item": "overall", "top_answer": 5, "top_count": 106, "answered": 108, "top_percent": 98.1},
    "items": [{"id": "overall", "type": "scale", "answered": 108, "mean": 4.98, "top_answer": 5, "top_count": 106,
               "top_percent": 98.1, "distribution": [{"answer": 5, "count": 106, "percent": 98.1}]}],
    "test": None, "free_texts": []})
def analysis(query, code: str):
    """The analysis of one questionnaire over a period (the local day each form was answered): responses, per
    item the distribution, mean and share of top answers, the free texts for reading; tests: the change per
    participant (paired by participant code) and overall."""
    _, found, texts = _analysis(code, query)
    return {**found, "date_from": found["from"], "date_to": found["to"], "free_texts": texts}


def _download(code: str, query: dict, file_format: str) -> Response:
    spec, found, texts = _analysis(code, query)
    file = questionnaire_exports.export(spec, found, texts, file_format=file_format, lang=query["lang"])
    return Response(file.body, content_type=file.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


@blp.route("/questionnaires/<string:code>/analysis.xlsx", methods=["GET"])
@requires("supervisor")
@blp.arguments(AnalysisQuery(), location="query")
@blp.response(200, BINARY, content_type=questionnaire_exports.XLSX_TYPE, description="The analysis as a workbook.")
def analysis_xlsx(query, code: str):
    """The analysis as XLSX: a summary, the items, the participants' pairs (tests) and the free texts."""
    return _download(code, query, "xlsx")


@blp.route("/questionnaires/<string:code>/analysis.pdf", methods=["GET"])
@requires("supervisor")
@blp.arguments(AnalysisQuery(), location="query")
@blp.response(200, BINARY, content_type=questionnaire_exports.PDF_TYPE, description="The analysis as a PDF report.")
def analysis_pdf(query, code: str):
    """The analysis as a PDF report in the chosen language."""
    return _download(code, query, "pdf")


@blp.route("/stats/questionnaires", methods=["GET"])
@requires("supervisor")
@blp.arguments(QuestionnaireStatsQuery(), location="query")
@blp.response(200, StatsOut, example={"total": 33, "rows": [{"kind": "consultation_feedback", "count": 33}]})
def questionnaire_stats(query):
    """Questionnaire responses counted by up to three dimensions (questionnaire, kind, phase, month, language,
    about_kind, source: link or staff) over a date range (the local day each form was answered)."""
    await_projection(reads.PROJECTION, query["min_position"])
    with statistics.reading(senim()) as tx:
        return reads.count(tx, date_from=query["date_from"], date_to=query["date_to"], group_by=query["group_by"],
                           questionnaire=query["questionnaire"], kind=query["kind"])
