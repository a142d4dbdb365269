"""How projections hear of commits: the one interface of the RQ trigger and the in-process runner."""
from typing import Protocol


class Trigger(Protocol):
    """Told after each commit; started and stopped with the application that built it."""

    def notify(self, topics: set[str] | None = None) -> None:
        """The topics of a commit's events (None: every projection may be behind)."""

    def start(self) -> None:
        """Begins building projections in the background, where this trigger does that itself."""

    def stop(self) -> None:
        """Stops what start began; nothing is lost: each projection resumes from its position."""
