"""Questionnaire responses, and the feedback links through which people answer without an account.

A response records the answers to one version of one questionnaire (domain/questionnaires): the
closed answers as they were given, the free texts apart (personal data, sealed with the response's
own key so that erasing the response's subject erases them: domain/personal.py), and a test's
score computed when it was recorded, so replay never re-scores. It is written by a member of staff
(a paper form typed in, an answer taken on the phone) or by "public", through a feedback link.

What a response evaluates is a reference `about` = {kind, id}:
- `contact`, `referral`: a record of ours (the service checks it exists and the writer may see it);
- `group_participation`, `training`: ids of records other parts of Senim will keep (groups and
  trainings are not built yet): taken as opaque short codes for now;
- `none` (or no `about`): anonymous.
A test's response names its `phase` (pre or post) and may name a `participant`: a short code (the
number on the paper form, a participation id), never a name. Pre and post are paired by it.

A feedback link is single-use or expiring (always expiring; single-use by default). Its token is
random and carries nothing about the person; the link's id is derived from the token (one-way), so
the public page finds the link without a read model, and the id shown to staff does not give the
token away. Each answer through a link is an event of the link too, committed with the response:
a second answer through a single-use link, or two at the same moment, is a conflict.

State of a link (any answer outside `open` is a Conflict naming the state):

    command   allowed from  to
    create    -             open
    answer    open          open (expiring) or used (single-use)
    (time)    open          expired, once expires_at is past
"""
import re
import secrets
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import questionnaires
from domain.actor import CASEWORK_ROLES, Actor
from domain.clock import ALLOWED_CLOCK_SKEW, EARLIEST_PLAUSIBLE, as_aware, utc_now
from domain.errors import Conflict, Forbidden, Invalid, Reason

ABOUT_KINDS = ("contact", "referral", "group_participation", "training", "none")
RECORD_KINDS = ("contact", "referral")  # checked by the service: exists, and the writer sees it
PHASES = ("pre", "post")
LANGUAGES = ("kk", "ru", "en")
# A participant or an opaque reference: a short code, never a name (no spaces, Latin letters and digits).
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
PUBLIC_ACTOR = {"user_id": None, "username": "public", "role": "public"}
LINK_ROLES = ("consultant", "psychologist", "supervisor")
LINK_HOURS_DEFAULT = 14 * 24
LINK_HOURS_MAX = 90 * 24
LINK_STATES = ("open", "used", "expired")
TOKEN_BYTES = 24
_LINK_NAMESPACE = uuid5(NAMESPACE_URL, "https://senim.kz/feedback-links")


def link_id_for(token: str) -> UUID:
    """The id of the link a token opens: derived one way, so the id never gives the token away."""
    return uuid5(_LINK_NAMESPACE, token)


def _now(now: datetime | None) -> datetime:
    return as_aware(now or utc_now())


def checked_about(about, errors: dict[str, list[Reason]]) -> tuple[str, str | None]:
    """(kind, id as text) of what a response or link evaluates; problems added to `errors`."""
    if about is None:
        return "none", None
    if not isinstance(about, dict) or about.get("kind") not in ABOUT_KINDS:
        errors.setdefault("about.kind", []).append(Reason("questionnaire.about_kind", kinds=ABOUT_KINDS))
        return "none", None
    kind, identifier = about["kind"], about.get("id")
    if kind == "none":
        if identifier is not None:
            errors.setdefault("about.id", []).append(Reason("questionnaire.about_id_for_none"))
        return "none", None
    if identifier is None or identifier == "":
        errors.setdefault("about.id", []).append(Reason("field.required"))
        return kind, None
    if kind in RECORD_KINDS:
        try:
            return kind, str(identifier if isinstance(identifier, UUID) else UUID(str(identifier)))
        except ValueError:
            errors.setdefault("about.id", []).append(Reason("id.invalid"))
            return kind, None
    if not isinstance(identifier, str) or not CODE_PATTERN.match(identifier):
        errors.setdefault("about.id", []).append(Reason("questionnaire.code_format"))
        return kind, None
    return kind, identifier


class QuestionnaireResponse(Aggregate):
    """One filled-in questionnaire; recorded once, never changed (erasure only makes its texts unreadable)."""

    @classmethod
    def submit(
        cls, *, questionnaire: str, answers, actor: Actor | None, version: str | None = None,
        about: dict | None = None, phase: str | None = None, participant: str | None = None,
        language: str | None = None, answered_at: datetime | None = None, link_id: UUID | None = None,
        now: datetime | None = None,
    ) -> "QuestionnaireResponse":
        """actor None: a person without an account, through the feedback link `link_id`."""
        if actor is not None and not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("questionnaire.write_forbidden")
        spec = questionnaires.get(questionnaire, version)  # Invalid on `questionnaire` or `version`
        errors = questionnaires.answer_errors(questionnaire, answers, spec["version"])
        about_kind, about_id = checked_about(about, errors)
        is_test = spec["kind"] == "pre_post_test"
        if is_test and phase not in PHASES:
            errors["phase"] = [Reason("questionnaire.phase_required", phases=PHASES)]
        elif not is_test and phase is not None:
            errors["phase"] = [Reason("questionnaire.phase_only_for_tests")]
        if participant is not None and (not isinstance(participant, str) or not CODE_PATTERN.match(participant)):
            errors["participant"] = [Reason("questionnaire.code_format")]
        if language is not None and language not in LANGUAGES:
            errors["language"] = [Reason("code.unknown", code=str(language)[:40])]
        now = _now(now)
        answered_at = as_aware(answered_at) if isinstance(answered_at, datetime) else now
        if answered_at > now + ALLOWED_CLOCK_SKEW:
            errors["answered_at"] = [Reason("questionnaire.answered_in_future")]
        elif answered_at < EARLIEST_PLAUSIBLE:
            errors["answered_at"] = [Reason("questionnaire.answered_too_early")]
        if errors:
            raise Invalid.many(errors)
        closed, texts = questionnaires.split_answers(questionnaire, answers, spec["version"])
        return cls(
            questionnaire=questionnaire, questionnaire_version=spec["version"], fingerprint=spec["fingerprint"],
            kind=spec["kind"], answers=closed, texts=texts, text_items=sorted(texts),
            result=questionnaires.score(questionnaire, closed, spec["version"]),
            about_kind=about_kind, about_id=about_id, phase=phase, participant=participant,
            language=language, link_id=link_id, answered_at=answered_at, at=now,
            actor=PUBLIC_ACTOR if actor is None else actor.as_dict(), sealed_for=[],
        )

    @event("Submitted")
    def __init__(
        self, *, questionnaire: str, questionnaire_version: str, fingerprint: str, kind: str, answers: dict,
        texts: dict | None, text_items: list, result: dict | None, about_kind: str, about_id: str | None, phase: str | None,
        participant: str | None, language: str | None, link_id: UUID | None, answered_at: datetime,
        at: datetime, actor: dict, sealed_for: list,
    ):
        self.questionnaire, self.questionnaire_version = questionnaire, questionnaire_version
        self.fingerprint, self.kind = fingerprint, kind
        self.answers = answers
        self.texts = texts  # None once the response's subject is erased
        self.text_items = text_items  # which items were answered in words: ids only, never sealed
        self.result = result
        self.about_kind, self.about_id = about_kind, about_id
        self.phase, self.participant, self.language = phase, participant, language
        self.link_id = link_id
        self.answered_at, self.recorded_at, self.recorded_by = answered_at, at, actor
        self.sealed_for = list(sealed_for)


class FeedbackLink(Aggregate):
    """A link (and its QR code) to one feedback questionnaire, answered without an account."""

    @classmethod
    def create(
        cls, *, questionnaire: str, actor: Actor, single_use: bool = True, hours: int | None = None,
        about: dict | None = None, language: str | None = None, now: datetime | None = None,
    ) -> "FeedbackLink":
        if not actor.has_role(*LINK_ROLES):
            raise Forbidden("feedback_link.forbidden")
        spec = questionnaires.get(questionnaire)  # Invalid on `questionnaire`
        errors: dict[str, list[Reason]] = {}
        if spec["kind"] not in questionnaires.FEEDBACK_KINDS:
            errors["questionnaire"] = [Reason("feedback_link.not_feedback", kinds=questionnaires.FEEDBACK_KINDS)]
        about_kind, about_id = checked_about(about, errors)
        hours = LINK_HOURS_DEFAULT if hours is None else hours
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= LINK_HOURS_MAX:
            errors["expires_in_hours"] = [Reason("feedback_link.hours", max=LINK_HOURS_MAX)]
        if not isinstance(single_use, bool):
            errors["single_use"] = [Reason("value.refused", text="true or false")]
        if language is not None and language not in LANGUAGES:
            errors["language"] = [Reason("code.unknown", code=str(language)[:40])]
        if errors:
            raise Invalid.many(errors)
        now = _now(now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        return cls(token=token, questionnaire=questionnaire, questionnaire_version=spec["version"],
                   single_use=single_use, expires_at=now + timedelta(hours=hours), about_kind=about_kind,
                   about_id=about_id, language=language, at=now, actor=actor.as_dict())

    @classmethod
    def create_id(cls, token: str, **_) -> UUID:
        return link_id_for(token)

    @event("Created")
    def __init__(self, *, token: str, questionnaire: str, questionnaire_version: str, single_use: bool,
                 expires_at: datetime, about_kind: str, about_id: str | None, language: str | None,
                 at: datetime, actor: dict):
        self.token, self.questionnaire, self.questionnaire_version = token, questionnaire, questionnaire_version
        self.single_use, self.expires_at = single_use, expires_at
        self.about_kind, self.about_id, self.language = about_kind, about_id, language
        self.created_at, self.created_by = at, actor
        self.responses: list[UUID] = []

    def state(self, now: datetime | None = None) -> str:
        if self.single_use and self.responses:
            return "used"
        if _now(now) >= self.expires_at:
            return "expired"
        return "open"

    def require_open(self, now: datetime | None = None) -> None:
        state = self.state(now)
        if state != "open":
            raise Conflict("feedback_link.used" if state == "used" else "feedback_link.expired", state=state)

    def answer(self, response: QuestionnaireResponse, now: datetime | None = None) -> None:
        """Notes an answer through the link; refused once it is used or expired."""
        self.require_open(now)
        if response.questionnaire != self.questionnaire:
            raise Invalid("questionnaire", "feedback_link.other_questionnaire")
        self._answered(response_id=response.id, at=_now(now), actor=PUBLIC_ACTOR)

    @event("Answered")
    def _answered(self, response_id: UUID, at: datetime, actor: dict) -> None:
        self.responses.append(response_id)
