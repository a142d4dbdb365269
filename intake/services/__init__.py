"""Application services: one per bounded context, each running get → call → save on the store."""
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Written:
    """What a command returns: the id it acted on and the store position of its last event."""
    id: UUID
    position: int
