"""Linking is not a key: a write that names another record must come from someone who may see it.

A contact, referral, assessment or programme enrolment that names a `case_id` would otherwise make
its writer a worker on that case (case_workers), and so hand them the victim's name, phone and
address; a referral naming a case, once claimed, would do the same. So every service checks each
record a write names, before anything is written, with the same rules the reads use:

- an id that names nothing (or a record of another kind) is Invalid on that field (422);
- a record the writer may not see is Forbidden (403);
- otherwise the record is returned, and the write goes on.

Joining a case is done by someone already on it (its owner or a supervisor, `Case.add_worker`).
"""
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.assessment import Assessment
from domain.case import Case
from domain.contact import Contact
from domain.errors import Forbidden, Invalid, NotFound
from domain.programme import PROGRAMME_ROLES, ProgrammeParticipation
from domain.referral import Referral
from intake.adapters.store import SenimStore
from intake.services.assessments import may_see_assessment
from intake.services.cases import sees_case
from intake.services.contacts import may_see_contact
from intake.services.referrals import may_see_referral

# kind → the aggregate class it names (the kind is what refusals call the record: domain/messages.py)
KINDS: dict[str, type[Aggregate]] = {
    "case": Case,
    "contact": Contact,
    "referral": Referral,
    "assessment": Assessment,
    "participation": ProgrammeParticipation,
}
# Where each kind is named in a request body.
FIELDS = {"case_id": "case", "contact_id": "contact", "referral_id": "referral", "assessment_id": "assessment",
          "participation_id": "participation"}
class LinkChecker:
    """One check for every record a write names; used by every application service that writes links."""

    def __init__(self, store: SenimStore, projections=None):
        self.store = store
        self.projections = projections  # the case timeline tells who works on a case

    def check(self, kind: str, record_id, *, actor: Actor, field: str | None = None):
        """The named record, when the actor may see it; None when nothing is named."""
        if record_id is None:
            return None
        aggregate = KINDS[kind]
        field = field or f"{kind}_id"
        try:
            record_id = record_id if isinstance(record_id, UUID) else UUID(str(record_id))
        except ValueError:
            raise Invalid(field, "id.invalid") from None
        try:
            record = self.store.load(record_id, aggregate, kind)
        except NotFound:
            raise Invalid(field, "record.not_found", what=kind, id=record_id) from None
        if not self.may_see(kind, record, actor):
            # A refused case says what to do instead: ask to be added to it.
            raise Forbidden("link.case_forbidden" if kind == "case" else "link.forbidden", what=kind)
        return record

    def check_fields(self, fields: dict, *, actor: Actor, prefix: str = "") -> dict:
        """Checks every link a body names (`case_id`, `contact_id`, …); returns the records by field."""
        if not isinstance(fields, dict):
            return {}
        return {name: self.check(kind, fields[name], actor=actor, field=prefix + name)
                for name, kind in FIELDS.items() if fields.get(name) is not None}

    def may_see(self, kind: str, record, actor: Actor) -> bool:
        if kind == "case":
            return sees_case(self.store, self.projections, record, actor)
        if kind == "contact":
            return may_see_contact(actor, record)
        if kind == "referral":
            return may_see_referral(actor, record)
        if kind == "assessment":
            return may_see_assessment(actor, record)
        if kind == "participation":
            return actor.has_role(*PROGRAMME_ROLES)
        raise KeyError(kind)
