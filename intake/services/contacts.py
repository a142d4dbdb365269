"""Recording, completing and correcting contacts; reading them back with their history."""
from datetime import datetime
from uuid import UUID

from domain.actor import Actor
from domain.clock import utc_now
from domain.contact import Contact
from domain.errors import Forbidden
from intake.services import Written
from intake.store import SenimStore

# Who may record and read contacts at all; admins manage accounts and read no case content.
CONTACT_ROLES = ("consultant", "psychologist", "supervisor")


def may_see_contact(actor: Actor, contact: Contact) -> bool:
    """Least privilege: staff see what they recorded; supervisors see everything."""
    if actor.role == "supervisor":
        return True
    return actor.role in CONTACT_ROLES and contact.recorded_by.get("user_id") == actor.user_id


class ContactService:
    def __init__(self, store: SenimStore):
        self.store = store

    def record(self, fields: dict, *, actor: Actor) -> Written:
        contact = Contact.record(actor=actor, **fields)
        return Written(contact.id, self.store.commit(contact))

    def get(self, contact_id: UUID, *, actor: Actor) -> Contact:
        contact = self.store.load(contact_id, Contact, "contact")
        if not may_see_contact(actor, contact):
            raise Forbidden("This contact was recorded by someone else.")
        return contact

    def complete(self, contact_id: UUID, *, ended_at: datetime | None, actor: Actor) -> Written:
        contact = self.get(contact_id, actor=actor)
        contact.complete(ended_at=ended_at or utc_now(), actor=actor)
        return Written(contact.id, self.store.commit(contact))

    def amend(self, contact_id: UUID, *, changes: dict, reason: str, actor: Actor) -> Written:
        contact = self.get(contact_id, actor=actor)
        contact.amend(changes=changes, reason=reason, actor=actor)
        return Written(contact.id, self.store.commit(contact))

    def history(self, contact_id: UUID, *, actor: Actor) -> list:
        self.get(contact_id, actor=actor)
        return list(self.store.events_of(contact_id))
