"""The correctional programme for aggressors: enrolment behind the eligibility gate, sessions,
completion or drop-out; reading a participation back.

Who writes to a participation: supervisors, and the psychologists who run it: the one who enrolled
the person, and the one who claimed the referral it came from. Every psychologist may read it.
Enrolment names an assessment (and maybe a referral and a case): each must be one the enroller may
see (intake/services/links.py).

Every command runs get → call → save; a save that lost a race is tried once more on the fresh
participation, as for referrals.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from domain.actor import Actor, same_person
from domain.assessment import Assessment
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.programme import INSTRUMENT, PROGRAMME_ROLES, ProgrammeParticipation
from domain.referral import Referral
from intake.adapters.store import SenimStore
from intake.services import Written
from intake.services.subjects import subjects_concerned
from projections.case_index import latest_assessment

if TYPE_CHECKING:  # links.py imports the services for their visibility rules
    from intake.services.links import LinkChecker

CASE_INDEX = "case_index"
# What a command answers: Written, or a kind of it that says more.
W = TypeVar("W", bound=Written)


@dataclass(frozen=True)
class SessionWritten(Written):
    """A recorded session: the participation's id, the position, and the session's number."""
    number: int = 0


class ProgrammeService:
    def __init__(self, store: SenimStore, projections=None, *, links: "LinkChecker"):
        self.store = store
        self.projections = projections  # projections.runner.Projections: the case index
        self.links = links  # intake.services.links.LinkChecker: what an enrolment names must be visible

    def enrol(self, fields: dict, *, actor: Actor) -> Written:
        if not actor.has_role(*PROGRAMME_ROLES):
            raise Forbidden("programme.enrol_forbidden")
        named = self.links.check_fields(
            {key: fields.get(key) for key in ("assessment_id", "referral_id", "case_id")}, actor=actor)
        if "assessment_id" not in named:
            raise Invalid("assessment_id", "field.required")
        assessment = named["assessment_id"]
        self._check_latest(assessment)
        participation = ProgrammeParticipation.enrol(
            assessment=assessment, referral_id=fields.get("referral_id"), case_id=fields.get("case_id"),
            actor=actor, concerning=subjects_concerned(self.store, case_id=fields.get("case_id") or assessment.case_id))
        return Written(participation.id, self.store.commit(participation))

    def _check_latest(self, assessment: Assessment) -> None:
        """Only the latest aggressor_status assessment of a case decides eligibility: an older one
        may have been superseded by a finding of a contraindication."""
        if self.projections is None or assessment.case_id is None or assessment.instrument != INSTRUMENT:
            return
        self.projections.catch_up(CASE_INDEX)
        with self.projections.views.transaction(write=False) as tx:
            latest = latest_assessment(tx, assessment.case_id, INSTRUMENT)
        if latest is not None and latest != str(assessment.id):
            raise Invalid("assessment_id", "programme.newer_assessment", assessment_id=latest)

    def latest_assessment_of(self, case_id: UUID) -> UUID | None:
        """The case's latest aggressor-status assessment (the one enrolment goes by), or None."""
        if self.projections is None:
            return None
        self.projections.catch_up(CASE_INDEX)
        with self.projections.views.transaction(write=False) as tx:
            latest = latest_assessment(tx, case_id, INSTRUMENT)
        return UUID(latest) if latest else None

    def get(self, participation_id: UUID, *, actor: Actor) -> ProgrammeParticipation:
        if not actor.has_role(*PROGRAMME_ROLES):
            raise Forbidden("programme.read_forbidden")
        return self.store.load(participation_id, ProgrammeParticipation, "participation")

    def runs(self, participation: ProgrammeParticipation, actor: Actor) -> bool:
        """Supervisors, the psychologist who enrolled the person, the one who claimed their referral."""
        if actor.has_role("supervisor"):
            return True
        if not actor.has_role(*PROGRAMME_ROLES):
            return False
        if same_person(participation.enrolled_by, actor):
            return True
        if participation.referral_id is None:
            return False
        try:
            referral = self.store.load(participation.referral_id, Referral, "referral")
        except NotFound:
            return False
        return same_person(referral.claimant, actor)

    def record_session(self, participation_id: UUID, *, at, attended, note=None, actor: Actor) -> SessionWritten:
        return self._act(participation_id, actor, lambda p: p.record_session(
            held_at=at, attended=attended, note=note, actor=actor),
            answer=lambda p, position: SessionWritten(p.id, position, number=len(p.sessions)))

    def complete(self, participation_id: UUID, *, outcome: str, actor: Actor) -> Written:
        return self._act(participation_id, actor, lambda p: p.complete(outcome=outcome, actor=actor), _written)

    def drop_out(self, participation_id: UUID, *, reason: str, actor: Actor) -> Written:
        return self._act(participation_id, actor, lambda p: p.drop_out(reason=reason, actor=actor), _written)

    def _act(self, participation_id: UUID, actor: Actor,
             command: Callable[[ProgrammeParticipation], object],
             answer: Callable[[ProgrammeParticipation, int], W]) -> W:
        """get → call → save; a save that lost a race is tried once more on the fresh participation."""
        for attempt in (1, 2):
            participation = self.get(participation_id, actor=actor)
            if not self.runs(participation, actor):
                raise Forbidden("programme.not_runner")
            command(participation)
            try:
                return answer(participation, self.store.commit(participation))
            except Conflict as lost:
                if attempt == 2:
                    current = self.store.load(participation_id, ProgrammeParticipation, "participation")
                    raise Conflict(lost.code, state=current.status, **lost.params) from None
        raise AssertionError("unreachable")


def _written(participation: ProgrammeParticipation, position: int) -> Written:
    return Written(participation.id, position)
