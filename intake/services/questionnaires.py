"""Questionnaires: responses recorded by staff, feedback links handed out to people without an account,
answers through those links, and the free texts for supervisors.

Who may do what:
- record a response (a paper form typed in, answers taken on the phone): consultants, psychologists
  and supervisors; naming a contact or referral it evaluates needs that the writer may see it
  (intake/services/links.py); a group participation or training is taken as an opaque code for now;
- read a response, its free texts and the analysis: supervisors only;
- hand out a feedback link: consultants, psychologists and supervisors; read it back (and its QR
  code): the one who made it, or a supervisor;
- answer through a link: anyone who has the token, while the link is open.

An answer through a link commits the response and the link's Answered event together: two answers
through one single-use link at the same moment cannot both be saved; the second is a conflict naming
the link's state.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain import questionnaires
from domain.actor import Actor, same_person
from domain.errors import Conflict, Forbidden, NotFound
from domain.questionnaire import RECORD_KINDS, FeedbackLink, QuestionnaireResponse, link_id_for
from intake.adapters.store import SenimStore
from intake.services import Written

if TYPE_CHECKING:
    from intake.services.links import LinkChecker

READERS = ("supervisor",)
ANALYSIS = "questionnaire_stats"


@dataclass(frozen=True)
class ResponseWritten(Written):
    """A recorded response: its id, the position, and a test's score (None for other kinds)."""
    result: dict | None = None


@dataclass(frozen=True)
class LinkWritten(Written):
    """A new feedback link: its id, the position, its token and when it expires."""
    token: str = ""
    expires_at: datetime | None = None


class QuestionnaireService:
    def __init__(self, store: SenimStore, projections=None, *, links: "LinkChecker"):
        self.store = store
        self.projections = projections  # the questionnaire_stats projection, caught up before an analysis
        self.links = links

    @staticmethod
    def definitions() -> list[dict]:
        return questionnaires.all_questionnaires()

    # Responses by staff ------------------------------------------------------------------------

    def record(self, fields: dict, *, actor: Actor) -> ResponseWritten:
        if not actor.has_role("consultant", "psychologist", "supervisor"):
            raise Forbidden("questionnaire.write_forbidden")
        about = fields.get("about")
        self._check_about(about, actor)
        response = QuestionnaireResponse.submit(
            questionnaire=fields.get("questionnaire") or "", version=fields.get("version"), answers=fields.get("answers"),
            about=about, phase=fields.get("phase"), participant=fields.get("participant"),
            language=fields.get("language"), answered_at=fields.get("answered_at"), actor=actor)
        return ResponseWritten(response.id, self.store.commit(response), result=response.result)

    def _check_about(self, about, actor: Actor) -> None:
        """A contact or referral named must exist and be one the writer may see (linking is not a key)."""
        if isinstance(about, dict) and about.get("kind") in RECORD_KINDS and about.get("id") is not None:
            self.links.check(about["kind"], about["id"], actor=actor, field="about.id")

    def get(self, response_id: UUID, *, actor: Actor) -> QuestionnaireResponse:
        if not actor.has_role(*READERS):
            raise Forbidden("questionnaire.read_forbidden")
        return self.store.load(response_id, QuestionnaireResponse, "questionnaire_response")

    def free_texts(self, response_ids: list[str], *, actor: Actor) -> list[dict]:
        """The free answers of these responses, oldest first: {response_id, answered_at, item, text}; an
        erased response's texts are gone (None) and left out."""
        if not actor.has_role(*READERS):
            raise Forbidden("questionnaire.read_forbidden")
        found = []
        for response_id in response_ids:
            try:
                response = self.store.load(UUID(str(response_id)), QuestionnaireResponse, "questionnaire_response")
            except NotFound:
                continue
            for item, text in (response.texts or {}).items():
                if text:
                    found.append({"response_id": str(response.id), "answered_at": response.answered_at,
                                  "item": item, "text": text})
        return found

    # Feedback links ----------------------------------------------------------------------------

    def create_link(self, fields: dict, *, actor: Actor) -> LinkWritten:
        about = fields.get("about")
        if not actor.has_role("consultant", "psychologist", "supervisor"):
            raise Forbidden("feedback_link.forbidden")
        self._check_about(about, actor)
        link = FeedbackLink.create(
            questionnaire=fields.get("questionnaire") or "", single_use=fields.get("single_use", True),
            hours=fields.get("expires_in_hours"), about=about, language=fields.get("language"), actor=actor)
        return LinkWritten(link.id, self.store.commit(link), token=link.token, expires_at=link.expires_at)

    def get_link(self, link_id: UUID, *, actor: Actor) -> FeedbackLink:
        link = self.store.load(link_id, FeedbackLink, "feedback_link")
        if not (actor.has_role(*READERS) or same_person(link.created_by, actor)):
            raise Forbidden("feedback_link.read_forbidden")
        return link

    def open_link(self, token: str) -> FeedbackLink:
        """The link a token opens, whatever its state (the page says which); NotFound for any other token."""
        if not isinstance(token, str) or not 10 <= len(token) <= 100:
            raise NotFound("record.not_found", what="feedback_link", id="-")
        link = self.store.load(link_id_for(token), FeedbackLink, "feedback_link")
        if link.token != token:  # cannot happen short of a hash collision; never answer for another token
            raise NotFound("record.not_found", what="feedback_link", id="-")
        return link

    def answer_link(self, token: str, answers, *, language: str | None = None) -> Written:
        """Records a person's answers through a link: Conflict (with the link's state) once it is used or expired."""
        for attempt in (1, 2):
            link = self.open_link(token)
            link.require_open()
            response = QuestionnaireResponse.submit(
                questionnaire=link.questionnaire, version=link.questionnaire_version, answers=answers,
                about={"kind": link.about_kind, "id": link.about_id}, language=language or link.language,
                link_id=link.id, actor=None)
            link.answer(response)
            try:
                return Written(response.id, self.store.commit(link, response))
            except Conflict:
                if attempt == 2:
                    raise
                fresh = self.open_link(token)
                fresh.require_open()  # used by the answer that won the race: 409 naming the state
        raise AssertionError("unreachable")

    def check_answers(self, questionnaire: str, answers, version: str | None = None) -> None:
        """Raises Invalid naming every bad answer (the public page checks before it asks for the link)."""
        questionnaires.check(questionnaire, answers, version)

    def refresh(self) -> None:
        if self.projections is not None:
            self.projections.catch_up(ANALYSIS)

