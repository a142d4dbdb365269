"""Repeat callers: has this number called before, how often, and what is still open for them.

The number is hashed (keyed HMAC of the normalised number) before it is looked up; it is never
stored, logged or put in a URL.

A psychologist works with the aggressor and must learn nothing about a victim's number (whether or
how often it called the helpline): for them the lookup covers only the contacts they recorded
themselves, so it tells them nothing they did not already know. Their contact form keeps using it.
"""
from uuid import UUID

from domain.actor import Actor
from domain.errors import DomainError
from domain.referral import Referral
from intake.adapters.store import SenimStore
from intake.services.referrals import may_see_referral
from projections.callers import contacts_with_number, unended_referrals
from projections.db import ViewDatabase

# Roles whose lookup sees only the contacts they recorded themselves.
OWN_CONTACTS_ONLY = ("psychologist",)


class CallerService:
    def __init__(self, store: SenimStore, views: ViewDatabase):
        self.store = store
        self.views = views

    def lookup(self, phone: str, *, actor: Actor, current_contact: UUID | None = None) -> dict:
        """Earlier contacts from the number: a count of all, the ids of those the actor may see, and
        the referrals made from any of them that have not ended (target, status and urgency only)."""
        phone_hash = self.store.keyring.phone_hash(phone)
        with self.views.transaction(write=False) as tx:
            earlier = contacts_with_number(tx, phone_hash)
            if actor.role in OWN_CONTACTS_ONLY:
                earlier = [row for row in earlier if actor.user_id and row["recorded_by"] == actor.user_id]
            # Only a contact the actor may read is left out as "the one being recorded": leaving out
            # someone else's would tell by the count whether it came from this number.
            earlier = [row for row in earlier if current_contact is None or row["contact_id"] != str(current_contact)
                       or not self._may_read(actor, row)]
            referrals = unended_referrals(tx, [row["contact_id"] for row in earlier])
        visible = [row["contact_id"] for row in earlier if self._may_read(actor, row)]
        shown = [row for row in referrals if self._may_see_referral(actor, row["referral_id"])]
        return {
            "known": bool(earlier),
            "earlier_contacts": len(earlier),
            "contacts": visible,
            # Only the referrals this role may open; how many there are in all is a count, nothing more.
            "open_referrals": [{"id": row["referral_id"], "target": row["target"], "status": row["status"],
                                "urgency": row["urgency"]} for row in shown],
            "open_referrals_total": len(referrals),
        }

    @staticmethod
    def _may_read(actor: Actor, row: dict) -> bool:
        return actor.role == "supervisor" or bool(actor.user_id and row["recorded_by"] == actor.user_id)

    def _may_see_referral(self, actor: Actor, referral_id) -> bool:
        try:
            referral = self.store.load(UUID(str(referral_id)), Referral, "referral")
        except (ValueError, DomainError):
            return False
        return may_see_referral(actor, referral)
