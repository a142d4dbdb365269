"""The development plan of a case, its reviews and needs assessments over time; escalation of what is overdue.

Who may read or write a case's plan: whoever may see the case (CaseService.get: its workers and
supervisors; admins read no case content). Every write on a closed case is 409 (state "closed").
Free text is sealed for the plan, the case and the case's persons (domain/personal.py): the
service finds them (subjects_concerned) at each write.

When reviews are due: `Settings.review_months(service)` months after the case's agreement
(`case.agreement`, a dict with `service` and `agreement_on`, recorded by Case.TakenOn), or after the
case was opened when there is none; then on the last review's next_review_on. Read defensively:
a case recorded before agreements existed has no `agreement` attribute.
"""
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain import instruments
from domain.actor import Actor
from domain.assessment import Assessment
from domain.case import Case
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, Invalid, NotFound
from domain.plan import Plan, first_review_on, plan_id, replay, require_case_open, review_due_on
from intake.adapters.store import SenimStore
from intake.services.cases import PartWritten, refresh_timeline
from intake.services.subjects import subjects_concerned
from projections.case_timeline import list_cases

log = logging.getLogger(__name__)

NEEDS_INSTRUMENT = "family_needs"
ESCALATION_ACTOR = Actor.system("plan-escalation")
OPEN_CASES_LIMIT = 100_000


@dataclass(frozen=True)
class PlanState:
    """A case's plan as it stands (or stood at `as_of`), with when its next review is due."""
    case: Case
    plan: Plan | None
    as_of: datetime | None
    review_months: int
    review_due_on: date
    today: date

    @property
    def review_overdue(self) -> bool:
        return self.as_of is None and self.review_due_on < self.today

    def view(self) -> dict:
        """The plan as plain data (the API's answer, the case page's sections): goals with their
        activities, reviews newest last, the next review; overdue flags only for the plan as it is now."""
        plan = self.plan
        activities = plan.activities if plan is not None else {}

        def overdue(item: dict, open_status: str) -> bool:
            return self.as_of is None and item["status"] == open_status and date.fromisoformat(item["due_on"]) < self.today

        goals = [] if plan is None else [
            {**goal, "overdue": overdue(goal, "open"),
             "activities": [{**activities[activity_id], "overdue": overdue(activities[activity_id], "planned")}
                            for activity_id in goal["activities"]]}
            for goal in plan.goals.values()]
        return {
            "case_id": self.case.id, "as_of": self.as_of,
            "started_at": plan.started_at if plan is not None else None,
            "goals": goals, "reviews": list(plan.reviews) if plan is not None else [],
            "next_review": {"due_on": self.review_due_on.isoformat(), "months": self.review_months,
                            "overdue": self.review_overdue},
            "escalations": list(plan.escalations) if plan is not None else [],
        }


def agreement_of(case: Case) -> dict | None:
    """The case's latest agreement (Case.TakenOn, recorded by the case work of issue 12), if any."""
    agreement = getattr(case, "agreement", None)
    return agreement if isinstance(agreement, dict) else None


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return local(value).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def review_start(case: Case) -> tuple[date, str | None]:
    """From when the first review is counted, and the case's service: the agreement, else the opening."""
    agreement = agreement_of(case)
    if agreement is not None:
        start = _as_date(agreement.get("agreement_on"))
        if start is not None:
            return start, agreement.get("service")
    return local(case.opened_at).date(), None


class PlanService:
    def __init__(self, store: SenimStore, cases, staff, projections, review_months: Callable[[str | None], int]):
        self.store = store
        self.cases = cases  # CaseService: who may see and work the case
        self.staff = staff  # StaffService: the responsible member of staff
        self.projections = projections  # the case timeline: the open cases a sweep looks at
        self.review_months = review_months  # Settings.review_months

    # Reading -------------------------------------------------------------------------------------

    def _load(self, case_id: UUID) -> Plan | None:
        try:
            return self.store.load(plan_id(case_id), Plan, "plan")
        except NotFound:
            return None

    def state(self, case: Case, *, as_of: datetime | None = None, now: datetime | None = None) -> PlanState:
        """The plan of a case the caller already may see (the web's case page has it loaded)."""
        if as_of is None:
            plan = self._load(case.id)
        else:
            plan = replay(list(self.store.events_of(plan_id(case.id))), as_of)
        start, service = review_start(case)
        months = self.review_months(service)
        today = local(as_aware(now or utc_now())).date()
        return PlanState(case=case, plan=plan, as_of=as_of, review_months=months,
                         review_due_on=review_due_on(plan, first_review_on(start, months)), today=today)

    def get(self, case_id: UUID, *, actor: Actor, as_of: datetime | None = None) -> PlanState:
        """The plan now, or as it stood at `as_of` (its events recorded by then, replayed)."""
        return self.state(self.cases.get(case_id, actor=actor), as_of=as_of)

    def needs(self, case_id: UUID, *, actor: Actor) -> list[dict]:
        """The case's family_needs assessments, oldest first: date, side scores, care-loss risk, level."""
        case = self.cases.get(case_id, actor=actor)
        return self.needs_of(case)

    def needs_of(self, case: Case) -> list[dict]:
        trend = []
        for assessment_id in self.cases.members(case.id).get("assessment", []):
            try:
                assessment = self.store.load(UUID(assessment_id), Assessment, "assessment")
            except NotFound:
                continue
            if assessment.instrument != NEEDS_INSTRUMENT or assessment.case_id != case.id:
                continue
            result = assessment.result
            trend.append({
                "assessment_id": assessment.id, "assessed_at": assessment.created_on,
                "version": assessment.instrument_version, "assessed_by": assessment.assessed_by,
                "sides": result.get("sides", {}), "care_loss_risk": result.get("care_loss_risk", {}),
                "computed_level": assessment.computed_level, "level": assessment.level,
                "complete": result.get("complete"), "unknown_count": result.get("unknown_count"),
            })
        return sorted(trend, key=lambda entry: entry["assessed_at"])

    # Writing -------------------------------------------------------------------------------------

    def _open(self, case_id: UUID, actor: Actor) -> tuple[Case, Plan]:
        """The case (who may see it may write its plan) and its plan, started on the first write."""
        case = self.cases.get(case_id, actor=actor)
        require_case_open(case.status)
        plan = self._load(case.id)
        return case, plan if plan is not None else Plan.start(case_id=case.id, actor=actor)

    def _sealed_for(self, case: Case) -> list:
        return subjects_concerned(self.store, case_id=case.id)

    def _responsible(self, value, field: str = "responsible") -> dict | None:
        """A member of staff named by user_id becomes their actor record; a partner is kept as given."""
        if not isinstance(value, dict) or value.get("kind") != "staff":
            return value
        user_id = value.get("user_id")
        try:
            user = self.staff.get(UUID(str(user_id)))
        except (ValueError, NotFound):
            raise Invalid(f"{field}.user_id", "record.not_found", what="user", id=str(user_id)[:40]) from None
        if not user.active:
            raise Invalid(f"{field}.user_id", "staff.disabled", name=user.username)
        return {"kind": "staff", **user.as_actor().as_dict()}

    def _commit(self, case: Case, plan: Plan, part_id: UUID | None) -> PartWritten:
        return PartWritten(case.id, self.store.commit(plan), part_id=part_id)

    def set_goal(self, case_id: UUID, fields: dict, *, actor: Actor) -> PartWritten:
        """fields: text, due_on, responsible, person_id (None: the family), occurred_at."""
        case, plan = self._open(case_id, actor)
        goal_id = plan.set_goal(
            text=fields.get("text"), due_on=fields.get("due_on"), responsible=self._responsible(fields.get("responsible")),
            person_id=fields.get("person_id"), persons=list(case.persons), occurred_at=fields.get("occurred_at"),
            actor=actor, sealed_for=self._sealed_for(case))
        return self._commit(case, plan, goal_id)

    def change_goal(self, case_id: UUID, goal_id: UUID, *, changes: dict, reason: str | None,
                    actor: Actor) -> PartWritten:
        case, plan = self._open(case_id, actor)
        if isinstance(changes, dict) and "responsible" in changes:
            changes = {**changes, "responsible": self._responsible(changes["responsible"], "changes.responsible")}
        plan.change_goal(goal_id, changes=changes, reason=reason, actor=actor, sealed_for=self._sealed_for(case))
        return self._commit(case, plan, plan.goal(goal_id)["goal_id"])

    def close_goal(self, case_id: UUID, goal_id: UUID, *, status: str, reason: str | None = None,
                   occurred_at=None, actor: Actor) -> PartWritten:
        case, plan = self._open(case_id, actor)
        plan.close_goal(goal_id, status=status, reason=reason, occurred_at=occurred_at, actor=actor,
                        sealed_for=self._sealed_for(case))
        return self._commit(case, plan, plan.goal(goal_id)["goal_id"])

    def add_activity(self, case_id: UUID, goal_id: UUID, fields: dict, *, actor: Actor) -> PartWritten:
        """fields: text, due_on, responsible, occurred_at."""
        case, plan = self._open(case_id, actor)
        activity_id = plan.add_activity(
            goal_id, text=fields.get("text"), due_on=fields.get("due_on"),
            responsible=self._responsible(fields.get("responsible")), occurred_at=fields.get("occurred_at"),
            actor=actor, sealed_for=self._sealed_for(case))
        return self._commit(case, plan, activity_id)

    def complete_activity(self, case_id: UUID, activity_id: UUID, *, occurred_at=None, actor: Actor) -> PartWritten:
        case, plan = self._open(case_id, actor)
        plan.complete_activity(activity_id, occurred_at=occurred_at, actor=actor)
        return self._commit(case, plan, plan.activity(activity_id)["activity_id"])

    def drop_activity(self, case_id: UUID, activity_id: UUID, *, reason: str | None, occurred_at=None,
                      actor: Actor) -> PartWritten:
        case, plan = self._open(case_id, actor)
        plan.drop_activity(activity_id, reason=reason, occurred_at=occurred_at, actor=actor,
                           sealed_for=self._sealed_for(case))
        return self._commit(case, plan, plan.activity(activity_id)["activity_id"])

    def review(self, case_id: UUID, fields: dict, *, actor: Actor) -> PartWritten:
        """fields: progress [{goal_id, progress, note}], family_progress, decisions, next_review_on, occurred_at."""
        case, plan = self._open(case_id, actor)
        _, service = review_start(case)
        review_id = plan.review(
            progress=fields.get("progress"), family_progress=fields.get("family_progress"),
            decisions=fields.get("decisions"), next_review_on=fields.get("next_review_on"),
            occurred_at=fields.get("occurred_at"), review_months=self.review_months(service), actor=actor,
            sealed_for=self._sealed_for(case))
        return self._commit(case, plan, review_id)

    # The sweep -----------------------------------------------------------------------------------

    def open_case_ids(self) -> list[UUID]:
        """Every case not closed, from the case timeline (caught up first)."""
        refresh_timeline(self.store, self.projections)
        with self.projections.views.transaction(write=False) as tx:
            rows = list_cases(tx, limit=OPEN_CASES_LIMIT)
        return [UUID(row["case_id"]) for row in rows if row["status"] != "closed"]

    def escalate_overdue(self, now: datetime | None = None,
                         case_ids: Iterable[UUID | str] | None = None) -> list[dict]:
        """Records Plan.OverdueEscalated (by the system) once per overdue review and overdue planned
        activity of each open case; returns what this call escalated, as
        [{"case_id", "item": "review"|"activity", "item_id" (None for a review), "due_on"}].

        A review is overdue the day after it was due (in the service's time zone); a case without a
        plan whose first review is overdue gets its plan started by the system. `case_ids`: the cases
        to look at (a read model of due dates may narrow them); every open case without it. Safe to
        run from several workers at once: a lost race is a Conflict, logged and left to the next sweep."""
        now = as_aware(now or utc_now())
        today = local(now).date()
        escalated: list[dict] = []
        for case_id in (self.open_case_ids() if case_ids is None else case_ids):
            try:
                escalated += self._escalate_case(UUID(str(case_id)), now, today)
            except Conflict:
                log.debug("escalation of the plan of case %s lost a race; the next sweep retries", case_id)
            except (NotFound, ValueError):
                log.debug("case %s to escalate was not found", case_id)
        return escalated

    def _escalate_case(self, case_id: UUID, now: datetime, today: date) -> list[dict]:
        case = self.store.load(case_id, Case, "case")
        if case.status == "closed":
            return []
        start, service = review_start(case)
        first = first_review_on(start, self.review_months(service))
        plan = self._load(case.id)
        overdue = plan.overdue(today, first) if plan is not None else (
            [("review", None, first.isoformat())] if first < today else [])
        if not overdue:
            return []
        plan = plan if plan is not None else Plan.start(case_id=case.id, actor=ESCALATION_ACTOR, now=now)
        done = [{"case_id": case.id, "item": item, "item_id": item_id, "due_on": due_on}
                for item, item_id, due_on in overdue
                if plan.escalate(item=item, item_id=item_id, due_on=due_on, actor=ESCALATION_ACTOR, now=now)]
        if done:
            self.store.commit(plan)
        return done


def needs_instrument() -> dict:
    """The current family_needs instrument (its sides and levels, in kk/ru/en)."""
    return instruments.get(NEEDS_INSTRUMENT)

