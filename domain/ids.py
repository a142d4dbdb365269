"""Ids given by clients: a UUID or its text, anything else named as the bad field; and the fixed id of
an aggregate of which there is one."""
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import Reason


def optional_id(field: str, value, errors: dict[str, list[Reason]]) -> UUID | None:
    """The id as a UUID, or None; a malformed one is added to `errors` under `field`."""
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        errors.setdefault(field, []).append(Reason("id.invalid"))
        return None


def id_text(value) -> str | None:
    """An id as the read models and comparisons keep it: its text, or None for none."""
    return None if value is None else str(value)


class OneOfAKind(Aggregate):
    """An aggregate of which there is one (an index, a directory), found by its fixed ID."""

    ID: ClassVar[UUID]  # ClassVar: not a field of the aggregate's created event

    @classmethod
    def create_id(cls) -> UUID:
        return cls.ID
