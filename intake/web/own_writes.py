"""Read-your-writes on the web pages: the newest event the signed-in person wrote is kept in their
session under one key, and a page that reads a projection waits (briefly) until it shows it.

The waiting is intake/queries/freshness.py, the same the API's ?min_position=N uses; a page that is
still behind says so instead of failing.
"""
from flask import session

from intake.queries import freshness
from intake.running import senim

POSITION_KEY = "own_position"


def remember(position: int) -> None:
    """The person's newest write: every page that reads a projection waits until it holds it."""
    session[POSITION_KEY] = max(own_position(), int(position))


def own_position() -> int:
    try:
        return int(session.get(POSITION_KEY) or 0)
    except (TypeError, ValueError):
        return 0


def behind(*names: str, seconds: float | None = None, asked: int | None = None, latest: bool = False) -> list[str]:
    """The projections (of `names`) still behind after waiting up to `seconds` (default: the configured
    read-your-writes timeout) for the person's newest write, or a later position the page was sent
    (`asked`), or with `latest` for every event written so far (a list others change must be fresh)."""
    running = senim()
    position = freshness.head(running) if latest else max(own_position(), asked or 0)
    timeout = running.settings.read_your_writes_timeout if seconds is None else seconds
    return freshness.still_behind(running, names, position, timeout)


def caught_up(name: str, *, seconds: float | None = None, asked: int | None = None, latest: bool = False) -> bool:
    return not behind(name, seconds=seconds, asked=asked, latest=latest)
