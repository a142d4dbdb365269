"""Replaying events in tests, in memory and through the store's JSON encoding; catching refusals."""
from functools import reduce

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex

from domain.errors import Invalid


def replay(events):
    """Rebuilds an aggregate the way the repository does: each event mutates the previous state."""
    return reduce(lambda aggregate, event: event.mutate(aggregate), events, None)


def through_storage(events):
    """The events as they come back from the store: serialised to JSON and read again."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    mapper = Mapper(transcoder=transcoder)
    return [mapper.to_domain_event(mapper.to_stored_event(event)) for event in events]


def refused_fields(action) -> dict[str, list[str]]:
    """The fields an Invalid names, for a command that must be refused."""
    with pytest.raises(Invalid) as refused:
        action()
    return refused.value.errors
