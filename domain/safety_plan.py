"""A safety plan: what a person at risk has agreed to do to stay safe, kept current over a case.

One plan per person at risk per case, found by its id (uuid5 of the case and the person), so the
danger panel's steps of a call and the case page reach the same plan. Structured steps are codes of
the versioned reference list `safety_steps` (kk/ru/en wording); the person's own steps are free text,
sealed for the person (domain/personal.py), so erasing them erases the steps. A plan is started
once and then revised with a reason, never overwritten: `versions` keeps every one.

Like the person's contact details, a victim's or a child's safety plan is neither shown to nor
written by psychologists (the staff working with the aggressor): domain/case.py sees_redacted.
"""
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.case import Case, _now, _reason, _text, codes_of, day_of, moment_of, sees_redacted
from domain.errors import Conflict, Forbidden, Invalid, Reason
from domain.ids import optional_id

NAMESPACE = uuid5(NAMESPACE_URL, "https://senim.kz/ids/safety-plan")
OWN_STEP_MAX = 500
MOST_OWN_STEPS = 30


def plan_id(case_id: UUID | str, person_id: UUID | str) -> UUID:
    """The id of the plan of one person of one case."""
    return uuid5(NAMESPACE, f"{case_id}:{person_id}")


def plan_content(case: Case, person_id, *, steps, own_steps, agreed_on, review_on, actor: Actor,
                 now: datetime, occurred_at: datetime | None = None) -> dict:
    """The checked content of a plan (started or revised); refuses what the actor may not write."""
    if case.status == "closed":
        raise Conflict("case.closed", state="closed", action="safety_plan")
    person = case.person(person_id)
    if sees_redacted(actor, person["role"]):
        raise Forbidden("safety_plan.hidden")
    errors: dict[str, list[Reason]] = {}
    steps = codes_of("steps", steps, "safety_steps", errors)
    own = _own_steps(own_steps, errors)
    agreed = day_of("agreed_on", agreed_on, errors, now=now)
    review = _review_day(review_on, agreed, errors)
    occurred = moment_of("occurred_at", occurred_at, errors, now=now)
    if not steps and not own and "steps" not in errors and "own_steps" not in errors:
        errors["steps"] = [Reason("safety_plan.empty")]
    if errors:
        raise Invalid.many(errors)
    return {"person_id": person["person_id"], "steps": steps, "own_steps": own, "agreed_on": agreed,
            "review_on": review, "occurred_at": occurred}


def _own_steps(values, errors: dict) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors["own_steps"] = [Reason("codes.not_a_list")]
        return []
    if len(values) > MOST_OWN_STEPS:
        errors["own_steps"] = [Reason("safety_plan.too_many_steps", max=MOST_OWN_STEPS)]
        return []
    kept = []
    for index, value in enumerate(values):
        text = _text(f"own_steps.{index}", value, OWN_STEP_MAX, errors)
        if text:
            kept.append(text.strip())
    return kept


def _review_day(value, agreed: str | None, errors: dict) -> str | None:
    """When the plan is to be looked at again: a date, not before it was agreed (it may be in the future)."""
    if value is None or value == "":
        errors["review_on"] = [Reason("field.required")]
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors["review_on"] = [Reason("date.invalid")]
            return None
    if agreed is not None and value.isoformat() < agreed:
        errors["review_on"] = [Reason("safety_plan.review_before_agreed")]
        return None
    return value.isoformat()


class SafetyPlan(Aggregate):
    """Started once per person at risk of a case; revised with a reason; read as it stands and as it was."""

    @classmethod
    def create_id(cls, case_id: UUID, person_id: UUID, **kwargs) -> UUID:
        return plan_id(case_id, person_id)

    @classmethod
    def start(cls, *, case: Case, person_id, steps=None, own_steps=None, agreed_on=None, review_on=None,
              actor: Actor, contact_id=None, occurred_at: datetime | None = None,
              now: datetime | None = None) -> "SafetyPlan":
        at = _now(now)
        content = plan_content(case, person_id, steps=steps, own_steps=own_steps, agreed_on=agreed_on,
                               review_on=review_on, actor=actor, now=at, occurred_at=occurred_at)
        errors: dict[str, list[Reason]] = {}
        contact_id = optional_id("contact_id", contact_id, errors)
        if errors:
            raise Invalid.many(errors)
        return cls(case_id=case.id, contact_id=contact_id, at=at, actor=actor.as_dict(),
                   sealed_for=case._sealed_for(), **content)

    @event("Started")
    def __init__(self, *, case_id: UUID, person_id: UUID, steps: list, own_steps: list, agreed_on: str,
                 review_on: str, contact_id: UUID | None, occurred_at: datetime, at: datetime, actor: dict,
                 sealed_for: list | None = None):
        self.case_id, self.person_id, self.contact_id = case_id, person_id, contact_id
        self.versions: list[dict] = []
        self._keep(steps, own_steps, agreed_on, review_on, occurred_at, at, actor, None)

    def revise(self, *, case: Case, steps=None, own_steps=None, agreed_on=None, review_on=None, reason=None,
               actor: Actor, occurred_at: datetime | None = None, now: datetime | None = None) -> None:
        """A new version of the plan with why; the earlier ones stay."""
        at = _now(now)
        content = plan_content(case, self.person_id, steps=steps, own_steps=own_steps, agreed_on=agreed_on,
                               review_on=review_on, actor=actor, now=at, occurred_at=occurred_at)
        errors: dict[str, list[Reason]] = {}
        reason = _reason(reason, errors)
        if errors:
            raise Invalid.many(errors)
        content.pop("person_id")
        self._revised(case_id=case.id, person_id=self.person_id, reason=reason, at=at, actor=actor.as_dict(),
                      sealed_for=case._sealed_for(), **content)

    @event("Revised")
    def _revised(self, case_id: UUID, person_id: UUID, steps: list, own_steps: list, agreed_on: str,
                 review_on: str, reason: str, occurred_at: datetime, at: datetime, actor: dict,
                 sealed_for: list | None = None) -> None:
        self._keep(steps, own_steps, agreed_on, review_on, occurred_at, at, actor, reason)

    def _keep(self, steps, own_steps, agreed_on, review_on, occurred_at, at, actor, reason) -> None:
        version = {"version": len(self.versions) + 1, "steps": list(steps), "own_steps": list(own_steps or []),
                   "agreed_on": agreed_on, "review_on": review_on, "agreed_by": actor, "occurred_at": occurred_at,
                   "at": at, "reason": reason}
        self.versions.append(version)
        self.steps, self.own_steps = version["steps"], version["own_steps"]
        self.agreed_on, self.review_on = agreed_on, review_on
