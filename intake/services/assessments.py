"""Recording structured risk assessments, overriding their level with a reason, reading them back."""
import calendar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import CASEWORK_ROLES, Actor
from domain.assessment import Assessment
from domain.clock import utc_now
from domain.contact import Contact
from domain.errors import Forbidden, Invalid, NotFound
from intake.adapters.store import SenimStore
from intake.services import Written
from intake.services.subjects import subjects_concerned
from projections.case_index import contacts_since

if TYPE_CHECKING:  # links.py imports the services for their visibility rules
    from intake.services.links import LinkChecker

# The instrument that carries the escalation flag, and the projection it counts incidents in.
ESCALATION_INSTRUMENT = "victim_risk"
CASE_INDEX = "case_index"



@dataclass(frozen=True)
class Assessed(Written):
    """A recorded assessment: its id and position, and the result the server computed."""
    result: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Overridden(Written):
    level: str = ""
    previous_level: str = ""


def may_see_assessment(actor: Actor, assessment: Assessment) -> bool:
    """Least privilege: staff see what they assessed; supervisors see everything."""
    if actor.role == "supervisor":
        return True
    return actor.role in CASEWORK_ROLES and assessment.assessed_by.get("user_id") == actor.user_id


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st falls back to the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


class AssessmentService:
    def __init__(self, store: SenimStore, projections=None, *, incidents: int = 3, months: int = 12, links: "LinkChecker"):
        self.store = store
        self.links = links  # intake.services.links.LinkChecker: the contact and case named must be visible
        self.projections = projections  # projections.runner.Projections: the case index
        self.escalation_incidents = incidents
        self.escalation_months = months

    def record(self, fields: dict, *, actor: Actor) -> Assessed:
        self.links.check_fields({key: fields.get(key) for key in ("contact_id", "case_id")}, actor=actor)
        extra = self._escalation(fields)
        # Invalid names every bad field
        concerning = subjects_concerned(self.store, case_id=fields.get("case_id"), contact_id=fields.get("contact_id"))
        extra_fields: dict[str, Any] = {"result_extra": extra} if extra else {}
        assessment = Assessment.record(actor=actor, **fields, **extra_fields, concerning=concerning)
        self._check_contact(assessment.contact_id)
        return Assessed(assessment.id, self.store.commit(assessment), result=assessment.result)

    def _escalation(self, fields: dict) -> dict | None:
        """victim_risk in a case: how many contacts (incidents) the case holds in the window before
        now, and whether that reaches the threshold. Computed here, before the event, and stored in
        the event's result, so replaying the log never recomputes it."""
        if fields.get("instrument") != ESCALATION_INSTRUMENT or self.projections is None:
            return None
        case_id = fields.get("case_id")
        if case_id is None:
            return None
        try:
            case_id = UUID(str(case_id))
        except ValueError:
            return None  # Assessment.record names the bad case_id
        self.projections.catch_up(CASE_INDEX)
        since = months_before(utc_now(), self.escalation_months)
        with self.projections.views.transaction(write=False) as tx:
            count = contacts_since(tx, case_id, since)
        return {"escalation": count >= self.escalation_incidents, "incidents_in_window": count}

    def _check_contact(self, contact_id: UUID | None) -> None:
        """An assessment made during a contact names one that exists."""
        if contact_id is None:
            return
        try:
            self.store.load(contact_id, Contact, "contact")
        except NotFound:
            raise Invalid("contact_id", "record.not_found", what="contact", id=contact_id) from None

    def get(self, assessment_id: UUID, *, actor: Actor) -> Assessment:
        assessment = self.store.load(assessment_id, Assessment, "assessment")
        if not may_see_assessment(actor, assessment):
            raise Forbidden("assessment.read_forbidden")
        return assessment

    def override(self, assessment_id: UUID, *, level: str, reason: str, actor: Actor) -> Overridden:
        assessment = self.get(assessment_id, actor=actor)
        previous_level = assessment.level
        assessment.override(level=level, reason=reason, actor=actor)
        return Overridden(assessment.id, self.store.commit(assessment), level=assessment.level,
                          previous_level=previous_level)

    def overrides(self, assessment: Assessment) -> list[dict]:
        """The overrides of an assessment, oldest first, each with who made it and when."""
        return [
            {"level": event.level, "previous_level": event.previous_level, "reason": event.reason,
             "by": event.actor, "at": event.timestamp}
            for event in self.store.events_of(assessment.id) if type(event).__name__ == "LevelOverridden"
        ]

    def history(self, assessment_id: UUID, *, actor: Actor) -> list:
        self.get(assessment_id, actor=actor)
        return list(self.store.events_of(assessment_id))
