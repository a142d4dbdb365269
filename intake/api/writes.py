"""Shared shapes of API answers: a write's id and position, an aggregate's event history."""
from intake.services import Written

POSITION_HEADER = "X-Senim-Position"
# Attributes every stored event has; the rest is the event's own data.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
# Bookkeeping inside events that no reader needs: the keyed hash that recognises a repeat caller's
# number, which person's key seals a correction, and whose keys seal a record's free text.
_NOT_SHOWN = ("phone_hash", "subject_id", "sealed_for")


def written(result: Written, status: int = 200):
    """The body, status and headers of a write: clients read their own writes by the position."""
    return {"id": result.id, "position": result.position}, status, {POSITION_HEADER: str(result.position)}


def history_of(events) -> list[dict]:
    return [
        {
            "type": type(event).__name__,
            "at": event.timestamp,
            "version": event.originator_version,
            "actor": getattr(event, "actor", None),
            "data": _shown({key: value for key, value in vars(event).items() if key not in _ENVELOPE}),
        }
        for event in events
    ]


def _shown(data: dict) -> dict:
    data = {key: value for key, value in data.items() if key not in _NOT_SHOWN}
    if isinstance(data.get("changes"), dict):
        data["changes"] = _shown(data["changes"])
    if isinstance(data.get("caller"), dict):
        data["caller"] = {key: value for key, value in data["caller"].items() if key not in _NOT_SHOWN}
    return data
