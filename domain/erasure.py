"""An erasure of a data subject's personal data (crypto-shredding): the audited record that it happened.

The erasure itself is the destruction of the subject's key (intake/adapters/keyring.py); this aggregate is
the fact, with who did it and why, in the same log as everything else. Its id is derived from the
subject's id (a random uuid, never personal data), so a subject can be erased only once: a second
erasure of the same subject is a conflict.

The reason is stored readable: write why (a request under the data-protection law, the retention
period), never who the person is.
"""
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.clock import utc_now
from domain.errors import Forbidden, Invalid, Reason
from domain.personal import KINDS
from domain.text import REASON_MAX

ERASURE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:senim:erasure")
# A supervisor by hand; the retention job as the system.
ERASER_ROLES = ("supervisor", "system")


def erasure_id(subject_id: UUID | str) -> UUID:
    return uuid5(ERASURE_NAMESPACE, str(subject_id))


class Erasure(Aggregate):
    """One per erased subject."""

    @classmethod
    def perform(cls, *, subject_id: UUID, kind: str, reason: str, actor: Actor,
                now: datetime | None = None) -> "Erasure":
        if not actor.has_role(*ERASER_ROLES):
            raise Forbidden("erasure.forbidden")
        errors: dict[str, list[Reason]] = {}
        if kind not in KINDS:
            errors["kind"] = [Reason("erasure.kind_unknown", kind=kind)]
        if not isinstance(reason, str) or not reason.strip():
            errors["reason"] = [Reason("erasure.reason_missing")]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [Reason("text.longer_than", max=REASON_MAX)]
        if errors:
            raise Invalid.many(errors)
        return cls(subject_id=subject_id, kind=kind, reason=reason.strip(), at=now or utc_now(),
                   actor=actor.as_dict())

    @staticmethod
    def create_id(subject_id: UUID, **kwargs) -> UUID:
        return erasure_id(subject_id)

    @event("Performed")
    def __init__(self, *, subject_id: UUID, kind: str, reason: str, at: datetime, actor: dict):
        self.subject_id = subject_id
        self.kind = kind
        self.reason = reason
        self.at = at
        self.performed_by = actor
