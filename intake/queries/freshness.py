"""Read-your-writes: a read of a projection waits (briefly) until it reflects a write the reader made.

The API names the position (?min_position=N) and is refused when the projection stays behind; the
web pages remember their user's newest position (intake/web/own_writes.py) and say they are behind.
"""
import time
from collections.abc import Iterable

from domain.errors import Invalid


class ProjectionNotReady(Exception):
    """The projection had not reached the asked position within the read-your-writes timeout."""

    def __init__(self, name: str, min_position: int | None, position: int):
        super().__init__(name)
        self.name, self.min_position, self.position = name, min_position, position


def await_projection(running, name: str, min_position: int | None) -> None:
    """Blocks (a few seconds at most) until projection `name` has processed min_position."""
    if min_position and min_position > running.store.head():
        # No write ever answered with this position: waiting would not help, so it is the request's fault.
        raise Invalid("min_position", "read.position_unwritten", position=min_position)
    if not running.projections.wait_for(name, min_position, running.settings.read_your_writes_timeout):
        raise ProjectionNotReady(name, min_position, running.projections.position(name))


def still_behind(running, names: Iterable[str], position: int | None, seconds: float) -> list[str]:
    """Waits up to `seconds` in all until each projection reflects `position` (never past the store's
    head); the names of those still behind. No position: nothing to wait for."""
    if not position:
        return []
    position = min(position, running.store.head())
    deadline = time.monotonic() + seconds
    return [name for name in names
            if not running.projections.wait_for(name, position, max(deadline - time.monotonic(), 0.0))]


def head(running) -> int:
    """The position of the newest event: what a read that must show everything waits for."""
    return running.store.head()
