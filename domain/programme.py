"""A person's participation in the correctional programme for aggressors, from enrolment to its end.

State machine (any other command is a Conflict carrying the current status as its state):

    command         allowed from   to
    enrol           -              enrolled
    record_session  enrolled       enrolled      (attended or missed, numbered 1, 2, …)
    complete        enrolled       completed     (final; needs at least one attended session)
    drop_out        enrolled       dropped_out   (final; with a reason)

Decisions, and why:
- Enrolment is gated by an aggressor_status assessment the client names: its result must say
  programme_eligible is true. A contraindication (false) refuses it and names the suggested
  referral (health services); an unknown contraindication (null) refuses it until someone
  finds out. The refusal is an Invalid on `assessment_id`, saying why.
- Only psychologists and supervisors run the programme; everyone else is Forbidden.
- A session's `held_at` is when it took place: never in the future. It may precede the enrolment's
  record (staff often write the enrolment up after the first session), so that is not checked.
- Every event carries `at`, the moment of the command (passed in as `now`), and the actor.
"""
from datetime import datetime
from types import MappingProxyType
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.clock import as_aware, utc_now
from domain.errors import Conflict, Forbidden, Invalid, Reason
from domain.ids import optional_id
from domain.reference import Code
from domain.text import required_reason

INSTRUMENT = "aggressor_status"
PROGRAMME_ROLES = ("psychologist", "supervisor")
NOTE_MAX = 2_000

STATUSES = (
    Code("enrolled", "Бағдарламаға қабылданды", "Зачислен(а) в программу", "Enrolled"),
    Code("completed", "Бағдарламаны аяқтады", "Программа пройдена", "Completed"),
    Code("dropped_out", "Бағдарламадан шықты", "Выбыл(а) из программы", "Dropped out"),
)

OUTCOMES = (
    Code("completed", "Толық аяқтады", "Программа пройдена полностью", "Completed in full"),
    Code("completed_with_conditions", "Шарттармен аяқтады", "Программа пройдена с условиями",
         "Completed with conditions (e.g. follow-up sessions)"),
)
OUTCOME_CODES = {code.code: code for code in OUTCOMES}

ALLOWED_FROM = MappingProxyType({
    "record_session": ("enrolled",),
    "complete": ("enrolled",),
    "drop_out": ("enrolled",),
})


def _now(now: datetime | None) -> datetime:
    return as_aware(now or utc_now())


def eligibility_problem(assessment) -> Reason | None:
    """Why the assessment does not make its subject eligible, or None when it does."""
    if assessment.instrument != INSTRUMENT:
        return Reason("programme.needs_aggressor_status", instrument=assessment.instrument)
    result = assessment.result
    eligible = result.get("programme_eligible")
    if eligible is True:
        return None
    if eligible is False:
        return Reason("programme.not_eligible", items=tuple(result.get("contraindications") or ()),
                      target=result.get("suggested_referral") or "health")
    return Reason("programme.eligibility_undecided", items=tuple(result.get("unknown_contraindications") or ()))


def _require_role(actor: Actor) -> None:
    if not actor.has_role(*PROGRAMME_ROLES):
        raise Forbidden("programme.forbidden")


class ProgrammeParticipation(Aggregate):
    """One enrolment of one person; sessions are appended; one final event ends it."""

    @classmethod
    def enrol(
        cls, *, assessment, actor: Actor, referral_id: UUID | str | None = None,
        case_id: UUID | str | None = None, now: datetime | None = None, concerning: list | None = None,
    ) -> "ProgrammeParticipation":
        """concerning: the data subjects its notes and reasons may name (domain/personal.py), found by
        the service; the assessment's own are added."""
        _require_role(actor)
        errors: dict[str, list[Reason]] = {}
        problem = eligibility_problem(assessment)
        if problem:
            errors["assessment_id"] = [problem]
        referral_id = optional_id("referral_id", referral_id, errors)
        case_id = optional_id("case_id", case_id, errors)
        if case_id is not None and assessment.case_id is not None and case_id != assessment.case_id:
            errors.setdefault("case_id", []).append(Reason("programme.other_case"))
        if errors:
            raise Invalid.many(errors)
        return cls(
            assessment_id=assessment.id, assessment_version=assessment.version, referral_id=referral_id,
            case_id=case_id or assessment.case_id, at=_now(now), actor=actor.as_dict(),
            sealed_for=list(dict.fromkeys(subject for subject in [
                *(concerning or ()), *getattr(assessment, "sealed_for", ())] if subject is not None)),
        )

    @event("Enrolled")
    def __init__(
        self, *, assessment_id: UUID, assessment_version: int, referral_id: UUID | None,
        case_id: UUID | None, at: datetime, actor: dict, sealed_for: list | None = None,
    ):
        # sealed_for: absent from participations enrolled before their free text was sealed for its subjects.
        self.sealed_for = list(sealed_for or [])
        self.assessment_id, self.assessment_version = assessment_id, assessment_version
        self.referral_id, self.case_id = referral_id, case_id
        self.enrolled_at, self.enrolled_by = at, actor
        self.status = "enrolled"
        self.sessions: list[dict] = []
        self.outcome: str | None = None
        self.drop_out_reason: str | None = None
        self.ended_at: datetime | None = None

    @property
    def attended(self) -> int:
        return sum(1 for session in self.sessions if session["attended"])

    @property
    def missed(self) -> int:
        return len(self.sessions) - self.attended

    def _require_state(self, command: str) -> None:
        if self.status not in ALLOWED_FROM[command]:
            raise Conflict("programme.wrong_state", state=self.status, action=command, status=self.status)

    # Sessions --------------------------------------------------------------------------------

    def record_session(self, *, held_at: datetime, attended: bool, actor: Actor, note: str | None = None,
                       now: datetime | None = None) -> int:
        """Records the next session; returns its number."""
        _require_role(actor)
        self._require_state("record_session")
        now = _now(now)
        errors: dict[str, list[Reason]] = {}
        if not isinstance(held_at, datetime):
            errors["at"] = [Reason("session.time_missing")]
        else:
            held_at = as_aware(held_at)
            if held_at > now:
                errors["at"] = [Reason("session.in_future")]
        if not isinstance(attended, bool):
            errors["attended"] = [Reason("attended.missing")]
        if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX):
            errors["note"] = [Reason("session.note_too_long", max=NOTE_MAX)]
        if errors:
            raise Invalid.many(errors)
        note = note.strip() or None if note is not None else None
        number = len(self.sessions) + 1
        self._session_recorded(number=number, held_at=held_at, attended=attended, note=note, at=now,
                               actor=actor.as_dict(), sealed_for=self.sealed_for)
        return number

    @event("SessionRecorded")
    def _session_recorded(self, number: int, held_at: datetime, attended: bool, note: str | None,
                          at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.sessions.append({"number": number, "at": held_at, "attended": attended, "note": note,
                              "recorded_at": at, "recorded_by": actor})

    # Endings ---------------------------------------------------------------------------------

    def complete(self, *, outcome: str, actor: Actor, now: datetime | None = None) -> None:
        _require_role(actor)
        self._require_state("complete")
        if outcome not in OUTCOME_CODES:
            raise Invalid("outcome", "outcome.unknown", outcome=outcome, outcomes=tuple(OUTCOME_CODES))
        if not self.attended:
            raise Conflict("programme.nothing_attended", state=self.status)
        self._completed(outcome=outcome, at=_now(now), actor=actor.as_dict())

    @event("Completed")
    def _completed(self, outcome: str, at: datetime, actor: dict) -> None:
        self.outcome, self.ended_at, self.status = outcome, at, "completed"

    def drop_out(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        _require_role(actor)
        self._require_state("drop_out")
        self._dropped_out(reason=required_reason(reason), at=_now(now), actor=actor.as_dict(), sealed_for=self.sealed_for)

    @event("DroppedOut")
    def _dropped_out(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.drop_out_reason, self.ended_at, self.status = reason, at, "dropped_out"
