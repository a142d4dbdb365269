"""Making referrals and moving them through their state machine; reading them back.

Every command runs get → call → save. Two commands racing on one referral (eight psychologists
claiming it at once) are settled by the event store's optimistic concurrency: exactly one save
wins. A loser is retried once on the fresh referral, so it answers what it would have answered a
moment later (409 "already claimed by …" with the state, or a no-op for the winner's own retry).
"""
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from uuid import UUID

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.errors import Conflict, Forbidden
from domain.referral import Referral
from intake.adapters.store import SenimStore
from intake.services import Written
from intake.services.subjects import subjects_concerned

if TYPE_CHECKING:  # links.py imports the services for their visibility rules
    from intake.services.links import LinkChecker


# Who may use the referral endpoints at all; admins manage accounts and read no case content.
REFERRAL_ROLES = CASEWORK_ROLES
# The family service is staffed by the psychologists: they read (and claim) what is sent to it.
PSYCHOLOGISTS_TARGET = "family_service"


def may_see_referral(actor: Actor, referral: Referral) -> bool:
    """Least privilege: its maker, its claimant, supervisors, and psychologists for their service."""
    if actor.has_role("supervisor"):
        return True
    if not actor.has_role(*REFERRAL_ROLES):
        return False
    if same_person(referral.made_by, actor) or same_person(referral.claimant, actor):
        return True
    return actor.has_role("psychologist") and referral.target == PSYCHOLOGISTS_TARGET


class ReferralService:
    def __init__(self, store: SenimStore, deadlines: Mapping | None = None, *, links: "LinkChecker"):
        self.store = store
        self.deadlines = deadlines
        self.links = links  # intake.services.links.LinkChecker: the contact and case named must be visible

    def make(self, fields: dict, *, actor: Actor) -> Written:
        self.links.check_fields({key: fields.get(key) for key in ("contact_id", "case_id")}, actor=actor)
        concerning = subjects_concerned(self.store, case_id=fields.get("case_id"), contact_id=fields.get("contact_id"))
        referral = Referral.make(actor=actor, **fields, concerning=concerning)
        return Written(referral.id, self.store.commit(referral))

    def get(self, referral_id: UUID, *, actor: Actor) -> Referral:
        referral = self.store.load(referral_id, Referral, "referral")
        if not may_see_referral(actor, referral):
            raise Forbidden("referral.read_forbidden")
        return referral

    def claim(self, referral_id: UUID, *, actor: Actor) -> Written:
        return self._act(referral_id, actor, lambda referral: referral.claim(actor=actor))

    def release(self, referral_id: UUID, *, reason: str, actor: Actor) -> Written:
        return self._act(referral_id, actor, lambda referral: referral.release(reason=reason, actor=actor))

    def decline(self, referral_id: UUID, *, reason: str, actor: Actor) -> Written:
        return self._act(referral_id, actor, lambda referral: referral.decline(reason=reason, actor=actor))

    def complete(self, referral_id: UUID, *, outcome: str, actor: Actor) -> Written:
        return self._act(referral_id, actor, lambda referral: referral.complete(outcome=outcome, actor=actor))

    def cancel(self, referral_id: UUID, *, reason: str, actor: Actor) -> Written:
        return self._act(referral_id, actor, lambda referral: referral.cancel(reason=reason, actor=actor))

    def claim_deadline(self, referral: Referral):
        return referral.claim_deadline(self.deadlines)

    def _act(self, referral_id: UUID, actor: Actor, command: Callable[[Referral], object]) -> Written:
        """get → call → save; a save that lost a race is tried once more on the fresh referral."""
        for attempt in (1, 2):
            referral = self.get(referral_id, actor=actor)
            command(referral)
            try:
                return Written(referral.id, self.store.commit(referral))
            except Conflict as lost:
                if attempt == 2:
                    current = self.store.load(referral_id, Referral, "referral")
                    raise Conflict(lost.code, state=current.status, **lost.params) from None
        raise AssertionError("unreachable")
