"""Whom a record's free text may name: the data subjects its reasons and notes are sealed for.

A referral, assessment or programme participation belongs to a case, came from a contact, or both:
its reasons and notes may name the case's persons or the contact's caller, so they are sealed for
them too (domain/personal.py), and erasing any of them (or the case, by retention) erases the text.
"""
from uuid import UUID

from domain.case import Case
from domain.contact import Contact
from domain.errors import NotFound


def _id(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) or value is None else UUID(str(value))
    except ValueError:
        return None  # the domain names the bad id


def _load(store, record_id: UUID | None, kind: type):
    if record_id is None:
        return None
    try:
        return store.load(record_id, kind)
    except NotFound:
        return None  # the service or the domain refuses an id that names nothing


def subjects_concerned(store, *, case_id=None, contact_id=None) -> list[UUID]:
    """The case and everyone of it, the contact's caller and the contact's case: each once, in that order."""
    subjects: list[UUID] = []
    case_ids = [_id(case_id)]
    contact = _load(store, _id(contact_id), Contact)
    if contact is not None:
        case_ids.append(_id(contact.fields.get("case_id")))
    for case in (_load(store, identifier, Case) for identifier in dict.fromkeys(case_ids)):
        if case is not None:
            subjects += [case.id, *getattr(case, "concerning", ()), *case.persons]
    if contact is not None and contact.person_id is not None:
        subjects.append(contact.person_id)
    return list(dict.fromkeys(subjects))
