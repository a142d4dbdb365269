"""Histories as read by people and integrators: every event of a record (a contact, an assessment, a
person's erasures) or of a case and its members, each with its type, time, actor and data.

The shape is the same for every event class; what differs per class (its words on a page) is in
intake/web/event_text.py. Bookkeeping inside events is never shown.
"""
from collections.abc import Set as AbstractSet
from uuid import UUID

from projections.case_timeline import event_type

# Attributes every stored event has; the rest is the event's own data.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
# Bookkeeping inside events that no reader needs: the keyed hash that recognises a repeat caller's
# number, which person's key seals a correction, and whose keys seal a record's free text.
_NOT_SHOWN = ("phone_hash", "subject_id", "sealed_for")


def history_of(events) -> list[dict]:
    """Each event as {type, at, version, actor, data}, type being the event's own name (Recorded)."""
    return [entry(event) for event in events]


def entry(event) -> dict:
    return {
        "type": type(event).__name__,
        "at": event.timestamp,
        "version": event.originator_version,
        "actor": getattr(event, "actor", None),
        "data": shown_data(event),
    }


def shown_data(event) -> dict:
    """The event's own data without its envelope and bookkeeping."""
    return _shown({key: value for key, value in vars(event).items() if key not in _ENVELOPE})


def _shown(data: dict) -> dict:
    data = {key: value for key, value in data.items() if key not in _NOT_SHOWN}
    if isinstance(data.get("changes"), dict):
        data["changes"] = _shown(data["changes"])
    if isinstance(data.get("caller"), dict):
        data["caller"] = {key: value for key, value in data["caller"].items() if key not in _NOT_SHOWN}
    return data


# A case's history (intake/services/cases.py CaseService.history) ----------------------------------

def wanted_types(text: str | None) -> set[str]:
    """?type=Case.Closed,referral,Amended as the lower-case names case_entries() matches."""
    return {part.strip().lower() for part in (text or "").split(",") if part.strip()}


def matches(history_entry, wanted: AbstractSet[str], person: UUID | None) -> bool:
    """Whether an entry is of a wanted type (Case.Closed), event name (Closed) or kind (case, cases) and,
    with `person`, names that person."""
    event = history_entry.event
    if person is not None and str(getattr(event, "person_id", "")) != str(person):
        return False
    if not wanted:
        return True
    names = {event_type(event).lower(), type(event).__name__.lower(), history_entry.kind, f"{history_entry.kind}s"}
    return bool(names & wanted)


def matching(history, wanted: AbstractSet[str] = frozenset(), person: UUID | None = None) -> list:
    """The entries (HistoryEntry: kind, aggregate_id, event) of a case history that match, oldest first."""
    return [each for each in history.entries if matches(each, wanted, person)]


def case_entry(history_entry) -> dict:
    """entry() with the full type (Case.Opened, Contact.Recorded), the kind of record and its id."""
    event = history_entry.event
    return {**entry(event), "type": event_type(event), "kind": history_entry.kind,
            "aggregate_id": history_entry.aggregate_id}


def case_entries(history, wanted: AbstractSet[str] = frozenset(), person: UUID | None = None) -> list[dict]:
    """The matching entries of a case history as the API answers them."""
    return [case_entry(each) for each in matching(history, wanted, person)]
