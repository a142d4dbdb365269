"""Staff changes that open case content take two people: a request, then another person's approval.

Granting a role that reads case content or manages staff (supervisor, admin), and resetting the
password of an account holding one, would otherwise let one admin become a supervisor, or sign in
as one. Such a change is a StaffChange: requested by one person, approved (or rejected) by a
different admin or supervisor who is not its subject, and void after APPROVAL_VALID. Until it is
approved nothing changes: the account does not exist or keep its role, the password stays.

Commands run on the server's shell (`senim users ...`, the system actor) stay direct: whoever has
that shell already holds the database and the keys, and it is how the first admin is made.
"""
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import SYSTEM_ROLE, Actor, same_person
from domain.errors import Conflict, Forbidden, Invalid
from domain.ids import OneOfAKind
from domain.text import REASON_MAX

# Roles that read case content or can hand out access to it.
PRIVILEGED_ROLES = ("supervisor", "admin")
APPROVER_ROLES = ("supervisor", "admin")
APPROVAL_VALID = timedelta(hours=72)
KINDS = ("new_user", "role", "password")


def needs_approval(actor: Actor, *, role: str | None = None, holder_role: str | None = None) -> bool:
    """Whether a change made by `actor` needs a second person.

    `role`: a role being granted; `holder_role`: the role of the account whose password is reset.
    """
    if actor.role == SYSTEM_ROLE:
        return False
    return role in PRIVILEGED_ROLES or holder_role in PRIVILEGED_ROLES


class StaffChange(Aggregate):
    """One requested change: a new privileged account, a role grant, or a password reset."""

    @event("Requested")
    def __init__(self, *, kind: str, user_id: str | None, username: str, role: str | None,
                 password_hash: str | None, actor: dict):
        if kind not in KINDS:
            raise Invalid("kind", "staff_change.kind_unknown", kinds=KINDS)
        self.kind = kind
        self.user_id = user_id  # None for a new account: it is created on approval
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.requested_by = actor
        self.state = "pending"
        self.decided_by: dict | None = None
        self.reason: str | None = None

    @property
    def granted_role(self) -> str:
        """The role a new account or a role grant gives; a password reset gives none."""
        if self.role is None:
            raise TypeError(f"a {self.kind} request grants no role")
        return self.role

    @property
    def new_password_hash(self) -> str:
        """The password a new account or a reset sets; a role grant sets none."""
        if self.password_hash is None:
            raise TypeError(f"a {self.kind} request sets no password")
        return self.password_hash

    def expires_at(self) -> datetime:
        return self.created_on + APPROVAL_VALID

    def is_expired(self, now: datetime) -> bool:
        return self.state == "pending" and now >= self.expires_at()

    def check_decider(self, actor: Actor) -> None:
        if not actor.has_role(*APPROVER_ROLES):
            raise Forbidden("staff_change.decider_role")
        if same_person(self.requested_by, actor):
            raise Forbidden("staff_change.own_request")
        if self.user_id and actor.user_id == self.user_id:
            raise Forbidden("staff_change.own_account")

    def _check_pending(self) -> None:
        if self.state != "pending":
            raise Conflict("staff_change.decided", state=self.state, status=self.state)

    def approve(self, *, actor: Actor, now: datetime) -> None:
        self.check_decider(actor)  # first: the requester learns nothing from a state
        self._check_pending()
        if self.is_expired(now):
            raise Conflict("staff_change.expired", state="expired")
        self._approved(actor=actor.as_dict())

    @event("Approved")
    def _approved(self, actor: dict) -> None:
        self.state = "approved"
        self.decided_by = actor

    def reject(self, *, reason: str, actor: Actor) -> None:
        self.check_decider(actor)
        self._check_pending()
        reason = (reason or "").strip()
        if not reason or len(reason) > REASON_MAX:
            raise Invalid("reason", "staff_change.reason", max=REASON_MAX)
        self._rejected(reason=reason, actor=actor.as_dict())

    @event("Rejected")
    def _rejected(self, reason: str, actor: dict) -> None:
        self.state = "rejected"
        self.decided_by = actor
        self.reason = reason

    def expire(self, *, actor: Actor) -> None:
        """Recorded when someone acts on a request found expired, so its state says so."""
        self._check_pending()
        self._expired(actor=actor.as_dict())

    @event("Expired")
    def _expired(self, actor: dict) -> None:
        self.state = "expired"
        self.decided_by = actor


class StaffChangeIndex(OneOfAKind):
    """The ids of pending staff changes, so the approvals page need not scan the store."""

    ID = uuid5(NAMESPACE_URL, "senim:staff-change-index")

    @event("Opened")
    def __init__(self):
        self.pending: tuple = ()

    def add(self, change_id: UUID) -> None:
        self._added(change_id=str(change_id))

    @event("Added")
    def _added(self, change_id: str) -> None:
        self.pending = (*self.pending, change_id)

    def close(self, change_id: UUID) -> None:
        if str(change_id) in self.pending:
            self._closed(change_id=str(change_id))

    @event("Closed")
    def _closed(self, change_id: str) -> None:
        self.pending = tuple(one for one in self.pending if one != str(change_id))
