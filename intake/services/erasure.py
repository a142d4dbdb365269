"""Erasure of a data subject's personal data by crypto-shredding: the audited event, then the key goes.

Order: the Erasure.Performed event is committed first (who, why, when: the audit trail), then the
subject's key is destroyed (intake/adapters/keyring.py). Should the process die in between, the key is still
there and the erasure is not complete: asking again destroys the key and answers 409 (the event
exists). Erasure never changes a stored event; the sealed values in them simply cannot be opened.

A second erasure of the same subject is a conflict (409), whether the first one finished or not:
the erasure happened once, with one actor and one reason.
"""
from uuid import UUID

from domain.actor import Actor
from domain.erasure import Erasure, erasure_id
from domain.errors import Conflict, NotFound
from intake.adapters.store import SenimStore
from intake.services import Written


class AlreadyErased(Conflict):
    def __init__(self) -> None:
        super().__init__("subject.already_erased", state="erased")


class ErasureService:
    def __init__(self, store: SenimStore):
        self.store = store

    def erase_subject(self, subject_id: UUID | str, reason: str, actor: Actor, *, kind: str | None = None) -> Written:
        """Erases every personal field sealed with the subject's key (a person, or a case's own text).

        kind: only a subject of this kind ("person" or "case"); another is NotFound. For the retention
        job as well as the API: raises NotFound (no such subject), AlreadyErased, Forbidden, Invalid.
        """
        keyring = self.store.keyring
        subject = keyring.subject(subject_id)
        if subject is None or (kind is not None and subject.kind != kind):
            raise NotFound("record.not_found", what=kind or "subject", id=subject_id)
        if subject.erased:
            raise AlreadyErased()
        erasure = Erasure.perform(subject_id=UUID(subject.subject_id), kind=subject.kind, reason=reason, actor=actor)
        try:
            position = self.store.commit(erasure)
        except Conflict:
            # Erased at the same moment by someone else, or an erasure interrupted before its key went.
            keyring.destroy(subject.subject_id, subject.kind)
            raise AlreadyErased() from None
        keyring.destroy(subject.subject_id, subject.kind)
        return Written(erasure.id, position)

    def get(self, subject_id: UUID) -> Erasure:
        return self.store.load(erasure_id(subject_id), Erasure, "erasure")

    def history(self, subject_id: UUID) -> list:
        return list(self.store.events_of(self.get(subject_id).id))
