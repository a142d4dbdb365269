"""A referral of a victim, an aggressor or another person to a service, from request to outcome.

State machine (any other command is a Conflict carrying the current status as its state):

    command            allowed from                                to
    make               -                                           open
    claim              open                                        claimed
    release            claimed                                     open       (back to the queue)
    decline            open, claimed                               declined   (final)
    schedule           claimed, scheduled, missed, attended        scheduled  (first, moved, after
                                                                               a no-show, follow-up)
    record_attendance  scheduled (once the appointment has begun)  attended | missed
    complete           claimed, attended, missed                   completed  (final)
    cancel             open, claimed, scheduled, attended, missed  cancelled  (final)
    escalate           open, once its claim deadline has passed    (status unchanged)

Decisions, and why:
- Declined ends the referral: the target service refuses it with a reason (outside its remit,
  a contraindication), and the referrer makes a new referral elsewhere, so statistics count
  each refusal once. A psychologist who cannot keep a referral releases it to the queue.
- A claim by the psychologist who already holds the referral records nothing: a retried request
  or a double click is not an error. A claim by anyone else conflicts.
- Only the claimant or a supervisor acts on a claimed referral (schedule, attendance, complete,
  decline, release); a pair colleague shares the appointment, not the responsibility.
- escalate is what a periodic job calls: safe at any time, it records one Escalated event per
  missed deadline and nothing when the referral is not overdue or was already escalated.
- Outcomes that say a consultation took place need an attended appointment.
- Every event carries `at`, the moment of the command (passed in as `now`), and the actor.
"""
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import reference
from domain.actor import CASEWORK_ROLES, SYSTEM_ROLE, Actor, same_person
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, Reason
from domain.ids import optional_id
from domain.reference import Code
from domain.schedule import (
    DEFAULT_APPOINTMENT,
    Availability,
    WorkingDays,
    add_period,
    appointment_problems,
    check_duration,
)
from domain.text import required_reason

STATUSES = (
    Code("open", "Кезекте", "В очереди", "Open (in the queue)"),
    Code("claimed", "Маман алды", "Взято специалистом", "Claimed by a specialist"),
    Code("scheduled", "Кездесу белгіленді", "Назначена встреча", "Appointment scheduled"),
    Code("attended", "Кездесу өтті", "Встреча состоялась", "Appointment attended"),
    Code("missed", "Кездесуге келмеді", "Неявка на встречу", "Appointment missed"),
    Code("completed", "Аяқталды", "Завершено", "Completed"),
    Code("declined", "Қабылданбады", "Отклонено службой", "Declined by the service"),
    Code("cancelled", "Күші жойылды", "Отменено", "Cancelled"),
)
FINAL_STATUSES = ("completed", "declined", "cancelled")

# Plain data for the reference endpoint; `needs_attendance`: only after an attended appointment.
OUTCOMES = (
    Code("consultation_held", "Кеңес өткізілді", "Консультация проведена", "Consultation held",
         {"needs_attendance": True}),
    Code("programme_enrolled", "Түзету бағдарламасына қабылданды", "Зачислен(а) в коррекционную программу",
         "Enrolled in the correctional programme", {"needs_attendance": True}),
    Code("referred_further", "Басқа қызметке жолданды", "Перенаправлен(а) в другую службу",
         "Referred on to another service", {"needs_attendance": False}),
    Code("declined_by_person", "Адам көмектен бас тартты", "Человек отказался от помощи",
         "The person declined help", {"needs_attendance": False}),
    Code("not_reached", "Адаммен байланыс орнату мүмкін болмады", "Не удалось связаться с человеком",
         "The person could not be reached", {"needs_attendance": False}),
)
OUTCOME_CODES = {code.code: code for code in OUTCOMES}

# The statuses each command may start from: the state machine above, as data.
ALLOWED_FROM = MappingProxyType({
    "claim": ("open",),
    "release": ("claimed",),
    "decline": ("open", "claimed"),
    "schedule": ("claimed", "scheduled", "missed", "attended"),
    "record_attendance": ("scheduled",),
    "complete": ("claimed", "attended", "missed"),
    "cancel": ("open", "claimed", "scheduled", "attended", "missed"),
})
# What to do first, when a command does not fit the status (domain/messages.py words them).
HINTS = {
    ("schedule", "open"): "claim_first",
    ("record_attendance", "claimed"): "schedule_first",
    ("record_attendance", "missed"): "schedule_again_first",
    ("record_attendance", "attended"): "schedule_follow_up_first",
    ("complete", "open"): "claim_first",
    ("complete", "scheduled"): "record_attendance_first",
    ("decline", "scheduled"): "record_then_complete",
}

# How long a referral may wait in the queue before someone claims it, by urgency.
CLAIM_DEADLINES = MappingProxyType({
    "emergency": timedelta(minutes=15),
    "urgent": timedelta(hours=4),
    "routine": WorkingDays(3),
})

CLAIMER_ROLES = ("psychologist", "supervisor")
ESCALATOR_ROLES = (SYSTEM_ROLE, "supervisor")
SUBJECT_ROLE_UNKNOWN = "unknown"


def _text(field: str, value, errors: dict, blank: Reason | None = None) -> str:
    """The words of a required text; "" where they are missing, and `errors` says so (`blank`: what
    the referral's own reason says then)."""
    if not isinstance(value, str) or not value.strip():
        errors.setdefault(field, []).append(blank or Reason("reason.blank"))
        return ""
    return value.strip()


def consent_errors(consent, actor: Actor) -> dict[str, list[Reason]]:
    """The consent gate: no referral without consent to services, unless a supervisor overrides it."""
    if not isinstance(consent, Mapping) or not isinstance(consent.get("services"), bool):
        return {"consent.services": [Reason("consent.services_missing")]}
    unknown = [key for key in consent if key not in ("services", "override_reason")]
    if unknown:
        return {f"consent.{key}": [Reason("consent.field_unknown")] for key in unknown}
    override = consent.get("override_reason")
    override = override.strip() if isinstance(override, str) else override
    if override is not None and not isinstance(override, str):
        return {"consent.override_reason": [Reason("consent.override_not_text")]}
    if consent["services"]:
        if override:
            return {"consent.override_reason": [Reason("consent.nothing_to_override")]}
        return {}
    if not override:
        return {"consent.services": [Reason("consent.refused")]}
    if not actor.has_role("supervisor"):
        return {"consent.override_reason": [Reason("consent.override_forbidden")]}
    return {}


def _now(now: datetime | None) -> datetime:
    """The moment of a command; passed in by tests and jobs, the clock otherwise."""
    return as_aware(now or utc_now())


def deadline_for(urgency: str, deadlines: Mapping | None = None) -> "timedelta | WorkingDays":
    """Configured deadlines override the defaults urgency by urgency."""
    return {**CLAIM_DEADLINES, **(deadlines or {})}[urgency]


class Referral(Aggregate):
    """Made once with the person's consent, claimed by one psychologist, ended by one final event."""

    @classmethod
    def make(
        cls, *, source: str, target: str, reason: str, urgency: str, consent: dict, actor: Actor,
        contact_id: UUID | str | None = None, case_id: UUID | str | None = None,
        subject_role: str | None = None, now: datetime | None = None, concerning: list | None = None,
    ) -> "Referral":
        """concerning: the data subjects its reasons may name (the case and its persons, the contact's
        caller), found by the service; its free text is sealed for them too (domain/personal.py)."""
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("referral.make_forbidden", role=actor.role)
        subject_role = subject_role or SUBJECT_ROLE_UNKNOWN
        errors: dict[str, list[Reason]] = {}
        for field, value, list_name in (("source", source, "referral_sources"),
                                        ("target", target, "referral_targets"),
                                        ("urgency", urgency, "urgencies"),
                                        ("subject_role", subject_role, "caller_roles")):
            if value not in reference.codes(list_name):
                errors[field] = [Reason("code.unknown", code=value)]
        reason = _text("reason", reason, errors, Reason("referral.reason_blank"))
        contact_id = optional_id("contact_id", contact_id, errors)
        case_id = optional_id("case_id", case_id, errors)
        errors.update(consent_errors(consent, actor))
        if errors:
            raise Invalid.many(errors)
        override = (consent.get("override_reason") or "").strip() or None
        return cls(
            source=source, target=target, reason=reason, urgency=urgency,
            consent={"services": consent["services"], "override_reason": override},
            contact_id=contact_id, case_id=case_id, subject_role=subject_role,
            at=_now(now), actor=actor.as_dict(), sealed_for=[s for s in concerning or () if s is not None],
        )

    @event("Made")
    def __init__(
        self, *, source: str, target: str, reason: str, urgency: str, consent: dict,
        contact_id: UUID | None, case_id: UUID | None, subject_role: str, at: datetime, actor: dict,
        sealed_for: list | None = None,
    ):
        # sealed_for: absent from referrals made before their free text was sealed for its subjects.
        self.sealed_for = list(sealed_for or [])
        self.source, self.target, self.reason, self.urgency = source, target, reason, urgency
        self.consent, self.subject_role = consent, subject_role
        self.contact_id, self.case_id = contact_id, case_id
        self.made_at, self.made_by = at, actor
        self.status = "open"
        self.history: list[dict] = []
        self.claimant: dict | None = None
        self.appointment: dict | None = None
        self.attended_count = 0
        self.outcome: str | None = None
        self.end_reason: str | None = None
        self.escalations: list[dict] = []
        self._move_to("open", at, actor)

    def _move_to(self, status: str, at: datetime, actor: dict) -> None:
        self.status = status
        self.history.append({"status": status, "at": at, "actor": actor})

    # Guards: state first, then who may act, then the input. ----------------------------------

    def _require_state(self, command: str) -> None:
        if self.status not in ALLOWED_FROM[command]:
            raise Conflict("referral.wrong_state", state=self.status, action=command, status=self.status,
                           hint=HINTS.get((command, self.status)))

    def _require_responsible(self, actor: Actor, duty: str) -> None:
        if actor.has_role("supervisor") or same_person(self.claimant, actor):
            return
        raise Forbidden("referral.not_responsible", duty=duty)

    # Claims ----------------------------------------------------------------------------------

    def claim(self, *, actor: Actor, now: datetime | None = None) -> bool:
        """True when the claim was recorded; False when the actor already holds the referral."""
        if not actor.has_role(*CLAIMER_ROLES):
            raise Forbidden("referral.claim_forbidden")
        if self.status not in FINAL_STATUSES and same_person(self.claimant, actor):
            return False
        if self.status == "claimed":
            assert self.claimant is not None  # a claimed referral has its claimant: for the type checker
            raise Conflict("referral.already_claimed", state="claimed", name=self.claimant["username"])
        self._require_state("claim")
        self._claimed(at=_now(now), actor=actor.as_dict())
        return True

    @event("Claimed")
    def _claimed(self, at: datetime, actor: dict) -> None:
        self.claimant = actor
        self._move_to("claimed", at, actor)

    def release(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_state("release")
        self._require_responsible(actor, "release")
        reason = required_reason(reason)
        self._released(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self.sealed_for)

    @event("Released")
    def _released(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.claimant = None
        self._move_to("open", at, actor)

    def decline(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_state("decline")
        if self.status == "open":
            if not actor.has_role(*CLAIMER_ROLES):
                raise Forbidden("referral.decline_forbidden")
        else:
            self._require_responsible(actor, "decline")
        reason = required_reason(reason)
        self._declined(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self.sealed_for)

    @event("Declined")
    def _declined(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.end_reason = reason
        self._move_to("declined", at, actor)

    # Appointments ----------------------------------------------------------------------------

    def schedule(
        self, *, at: datetime, format: str, actor: Actor, availability: Mapping[str, Availability],
        colleague: Actor | None = None, duration: timedelta = DEFAULT_APPOINTMENT,
        now: datetime | None = None,
    ) -> None:
        """Books the claimant (and a pair colleague) at `at`; `availability` is keyed by username."""
        self._require_state("schedule")
        self._require_responsible(actor, "schedule")
        now = _now(now)
        check_duration(duration)
        errors: dict[str, list[Reason]] = {}
        if format not in reference.codes("consultation_formats"):
            errors["format"] = [Reason("appointment.format_unknown", format=format,
                                       formats=reference.codes("consultation_formats"))]
        psychologists = [self.claimant]
        if colleague is not None:
            if not colleague.has_role(*CLAIMER_ROLES):
                errors["colleague"] = [Reason("appointment.colleague_not_psychologist", name=colleague.username)]
            elif same_person(self.claimant, colleague):
                errors["colleague"] = [Reason("appointment.colleague_is_claimant")]
            else:
                psychologists.append(colleague.as_dict())
        if not isinstance(at, datetime):
            errors["at"] = [Reason("appointment.time_missing")]
        else:
            at = as_aware(at)
            problems = self._booking_problems(at, duration, psychologists, availability, now)
            if problems:
                errors["at"] = problems
        if errors:
            raise Invalid.many(errors)
        self._appointment_scheduled(
            starts_at=at, duration_minutes=int(duration.total_seconds() // 60), format=format,
            psychologists=psychologists, at=now, actor=actor.as_dict())

    def _booking_problems(self, at, duration, psychologists, availability, now) -> list[Reason]:
        own = None
        if self.status == "scheduled" and self.appointment:  # moving it: its own slot is free again
            own = (self.appointment["starts_at"], self.appointment["ends_at"])
        problems: list[Reason] = []
        for person in psychologists:
            found = availability.get(person["username"])
            if found is None:
                problems.append(Reason("appointment.no_working_hours", name=person["username"]))
                continue
            others = [slot for slot in found.appointments if tuple(map(as_aware, slot)) != own]
            problems += appointment_problems(found.schedule, at, duration, others, now=now,
                                             who=person["username"])
        return list(dict.fromkeys(problems))  # "in the past" once, not once per psychologist

    @event("AppointmentScheduled")
    def _appointment_scheduled(
        self, starts_at: datetime, duration_minutes: int, format: str, psychologists: list,
        at: datetime, actor: dict,
    ) -> None:
        self.appointment = {
            "starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=duration_minutes),
            "format": format, "psychologists": psychologists,
        }
        self._move_to("scheduled", at, actor)

    def record_attendance(self, *, attended: bool, actor: Actor, now: datetime | None = None) -> None:
        self._require_state("record_attendance")
        self._require_responsible(actor, "record_attendance")
        if not isinstance(attended, bool):
            raise Invalid("attended", "attended.missing")
        now = _now(now)
        assert self.appointment is not None  # attendance is recorded only when scheduled (checked above)
        starts_at = self.appointment["starts_at"]
        if now < starts_at:
            raise Conflict("appointment.not_begun", state=self.status, at=local(starts_at))
        if attended:
            self._appointment_attended(at=now, actor=actor.as_dict())
        else:
            self._appointment_missed(at=now, actor=actor.as_dict())

    @event("AppointmentAttended")
    def _appointment_attended(self, at: datetime, actor: dict) -> None:
        self.attended_count += 1
        self._move_to("attended", at, actor)

    @event("AppointmentMissed")
    def _appointment_missed(self, at: datetime, actor: dict) -> None:
        self._move_to("missed", at, actor)

    # Endings ---------------------------------------------------------------------------------

    def complete(self, *, outcome: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_state("complete")
        self._require_responsible(actor, "complete")
        if outcome not in OUTCOME_CODES:
            raise Invalid("outcome", "outcome.unknown", outcome=outcome, outcomes=tuple(OUTCOME_CODES))
        if OUTCOME_CODES[outcome].attributes["needs_attendance"] and not self.attended_count:
            raise Invalid("outcome", "referral.outcome_needs_attendance", outcome=outcome)
        self._completed(outcome=outcome, at=_now(now), actor=actor.as_dict())

    @event("Completed")
    def _completed(self, outcome: str, at: datetime, actor: dict) -> None:
        self.outcome = outcome
        self._move_to("completed", at, actor)

    def cancel(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_state("cancel")
        if not (actor.has_role("supervisor") or same_person(self.made_by, actor)
                or same_person(self.claimant, actor)):
            raise Forbidden("referral.cancel_forbidden")
        reason = required_reason(reason)
        self._cancelled(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self.sealed_for)

    @event("Cancelled")
    def _cancelled(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.end_reason = reason
        self._move_to("cancelled", at, actor)

    # Deadlines -------------------------------------------------------------------------------

    def claim_deadline(self, deadlines: Mapping | None = None) -> datetime:
        return add_period(self.made_at, deadline_for(self.urgency, deadlines))

    def is_overdue(self, now: datetime, deadlines: Mapping | None = None) -> bool:
        """Only a referral still waiting in the queue can miss its claim deadline."""
        return self.status == "open" and as_aware(now) > self.claim_deadline(deadlines)

    def escalate(self, *, actor: Actor, now: datetime | None = None, deadlines: Mapping | None = None) -> bool:
        """True when an escalation was recorded; a referral is escalated once per missed deadline."""
        if not actor.has_role(*ESCALATOR_ROLES):
            raise Forbidden("referral.escalate_forbidden")
        now = _now(now)
        if not self.is_overdue(now, deadlines) or self.is_escalated("claim"):
            return False
        self._escalated(deadline="claim", due_at=self.claim_deadline(deadlines), at=now, actor=actor.as_dict())
        return True

    def is_escalated(self, deadline: str) -> bool:
        return any(escalation["deadline"] == deadline for escalation in self.escalations)

    @event("Escalated")
    def _escalated(self, deadline: str, due_at: datetime, at: datetime, actor: dict) -> None:
        self.escalations.append({"deadline": deadline, "due_at": due_at, "at": at, "actor": actor})
