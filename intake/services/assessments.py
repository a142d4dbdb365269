"""Recording structured risk assessments, overriding their level with a reason, reading them back."""
from dataclasses import dataclass, field
from uuid import UUID

from domain.actor import Actor
from domain.assessment import Assessment
from domain.contact import Contact
from domain.errors import Forbidden, Invalid, NotFound
from intake.services import Written
from intake.store import SenimStore

# Who may assess at all; admins manage accounts and read no case content.
ASSESSMENT_ROLES = ("consultant", "psychologist", "supervisor")


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
    return actor.role in ASSESSMENT_ROLES and assessment.assessed_by.get("user_id") == actor.user_id


class AssessmentService:
    def __init__(self, store: SenimStore):
        self.store = store

    def record(self, fields: dict, *, actor: Actor) -> Assessed:
        assessment = Assessment.record(actor=actor, **fields)  # Invalid names every bad field
        self._check_contact(assessment.contact_id)
        return Assessed(assessment.id, self.store.commit(assessment), result=assessment.result)

    def _check_contact(self, contact_id: UUID | None) -> None:
        """An assessment made during a contact names one that exists."""
        if contact_id is None:
            return
        try:
            self.store.load(contact_id, Contact, "contact")
        except NotFound:
            raise Invalid("contact_id", f"No contact with id {contact_id}.") from None

    def get(self, assessment_id: UUID, *, actor: Actor) -> Assessment:
        assessment = self.store.load(assessment_id, Assessment, "assessment")
        if not may_see_assessment(actor, assessment):
            raise Forbidden("This assessment was made by someone else.")
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
