"""Recording, completing and correcting contacts; reading them back with their history."""
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.actor import CASEWORK_ROLES, Actor
from domain.clock import utc_now
from domain.contact import Contact
from domain.errors import Forbidden
from intake.adapters.store import SenimStore
from intake.services import Written

if TYPE_CHECKING:  # links.py imports the services for their visibility rules
    from intake.services.links import LinkChecker


def may_see_contact(actor: Actor, contact: Contact) -> bool:
    """Least privilege: staff see what they recorded; supervisors see everything."""
    if actor.role == "supervisor":
        return True
    return actor.role in CASEWORK_ROLES and contact.recorded_by.get("user_id") == actor.user_id


class ContactService:
    def __init__(self, store: SenimStore, *, links: "LinkChecker"):
        self.store = store
        self.links = links  # intake.services.links.LinkChecker: a case named must be one the writer sees

    def _check_links(self, fields: dict, actor: Actor, prefix: str = "") -> None:
        self.links.check_fields({"case_id": fields.get("case_id")} if isinstance(fields, dict) else {},
                                actor=actor, prefix=prefix)

    def record(self, fields: dict, *, actor: Actor) -> Written:
        self._check_links(fields, actor)
        contact = Contact.record(actor=actor, **{**fields, "caller": self._with_phone_hash(fields.get("caller"))})
        return Written(contact.id, self.store.commit(contact))

    def _with_phone_hash(self, caller: dict | None) -> dict | None:
        """A given (or cleared) phone brings its keyed hash, by which a repeat caller is recognised."""
        if not isinstance(caller, dict) or "phone" not in caller:
            return caller
        phone = caller["phone"]
        return {**caller, "phone_hash": self.store.keyring.phone_hash(phone) if isinstance(phone, str) else None}

    def is_erased(self, contact: Contact) -> bool:
        """The caller's personal data was erased (their key destroyed)."""
        return self.store.keyring.is_erased(contact.person_id)

    def get(self, contact_id: UUID, *, actor: Actor) -> Contact:
        contact = self.store.load(contact_id, Contact, "contact")
        if not may_see_contact(actor, contact):
            raise Forbidden("contact.read_forbidden")
        return contact

    def complete(self, contact_id: UUID, *, ended_at: datetime | None, actor: Actor) -> Written:
        contact = self.get(contact_id, actor=actor)
        contact.complete(ended_at=ended_at or utc_now(), actor=actor)
        return Written(contact.id, self.store.commit(contact))

    def amend(self, contact_id: UUID, *, changes: dict, reason: str, actor: Actor) -> Written:
        contact = self.get(contact_id, actor=actor)
        self._check_links(changes, actor, prefix="changes.")
        if "caller" in changes:
            changes = {**changes, "caller": self._with_phone_hash(changes["caller"])}
        contact.amend(changes=changes, reason=reason, actor=actor)
        return Written(contact.id, self.store.commit(contact))

    def history(self, contact_id: UUID, *, actor: Actor) -> list:
        self.get(contact_id, actor=actor)
        return list(self.store.events_of(contact_id))
