"""Running, watching and rebuilding the read models; waiting for them on behalf of readers."""
import logging
import time

from domain.errors import NotFound
from projections import all_projections
from projections.base import BATCH_SIZE, Projection, Tracker, catch_up_together, run_catch_up
from projections.db import ViewDatabase

log = logging.getLogger(__name__)

# A rebuild commits every this many events: fewer, larger writes of cells; memory stays bounded.
REBUILD_BATCH_SIZE = 50_000


class Projections:
    def __init__(self, store, views: ViewDatabase, registry: dict[str, Projection] | None = None,
                 batch_size: int = BATCH_SIZE):
        self.store = store
        self.batch_size = batch_size
        self.views = views
        self.tracker = Tracker(views)
        self.registry = registry or all_projections()
        self._topics = {name: p.handled_topics() for name, p in self.registry.items()}

    def ensure(self) -> None:
        """Creates the tables of every projection (and rebuilds one whose version changed)."""
        for projection in self.registry.values():
            self.tracker.ensure(projection)

    def get(self, name: str) -> Projection:
        if name not in self.registry:
            raise NotFound("projection.unknown", name=name, known=tuple(self.registry))
        return self.registry[name]

    def affected_by(self, topics: set[str]) -> list[str]:
        return [name for name, handled in self._topics.items()
                if handled & topics or self.registry[name].reads_notifications]

    def catch_up(self, name: str, **options) -> int:
        options.setdefault("batch_size", self.batch_size)
        return run_catch_up(self.get(name), self.store, self.tracker, **options)

    def rebuild(self, name: str | None = None) -> dict[str, int]:
        """Drops and rebuilds one projection (or all) from the event store; returns events read."""
        return self.rebuild_together([name] if name else list(self.registry))

    def rebuild_together(self, names: list[str]) -> dict[str, int]:
        """Drops these projections and rebuilds them in one pass over the log (see catch_up_together).
        Should an event fail a handler, they are then caught up one at a time, which stops each just
        before the event it cannot take and records the error in its status, as a worker would."""
        chosen = [self.get(each) for each in names]
        for projection in chosen:
            self.tracker.reset(projection)
        if len(chosen) > 1:
            try:
                read = catch_up_together(chosen, self.store, self.tracker, batch_size=REBUILD_BATCH_SIZE)
                return {projection.name: read for projection in chosen}
            except Exception as error:  # noqa: BLE001 — the batch rolled back whole; the runs below name the culprit
                # The type only: an exception's message may quote an event's data.
                log.warning("one-pass rebuild stopped (%s); rebuilding one projection at a time", type(error).__name__)
        read, failures = {}, []
        for projection in chosen:  # every one as far as it goes; the first failure is raised at the end
            try:
                read[projection.name] = self.catch_up(projection.name, batch_size=REBUILD_BATCH_SIZE)
            except Exception as error:  # noqa: BLE001 — recorded in its status by run_catch_up
                failures.append(error)
        if failures:
            raise failures[0]
        return read

    def status(self) -> list[dict]:
        head = self.store.head()
        positions = self.tracker.positions()
        rows = []
        for name in self.registry:
            state = positions.get(name, {"position": 0})
            rows.append({"name": name, "position": state["position"], "head": head,
                         "lag": max(head - state["position"], 0), **{k: v for k, v in state.items() if k != "position"}})
        return rows

    def position(self, name: str) -> int:
        return self.tracker.position(name)

    def wait_for(self, name: str, min_position: int | None, timeout: float) -> bool:
        """True once the projection reflects every event up to min_position; False if still behind after timeout."""
        if not min_position:
            return True
        deadline = time.monotonic() + timeout
        pause = 0.01
        while not self._reflects(name, min_position):
            if time.monotonic() >= deadline or min_position > self.store.head():
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        return True

    def _reflects(self, name: str, min_position: int) -> bool:
        """Processed up to min_position, or nothing it handles lies between its position and that one.

        A projection only hears of commits of its own event types, so after, say, a contact was
        recorded the referral queue's position stays put until the next sweep; its rows are
        nonetheless exactly what they would be at min_position.
        """
        position = self.position(name)
        if position >= min_position:
            return True
        relevant = self.store.recorder.select_notifications(
            start=position, stop=min_position, limit=1, topics=sorted(self._topics[name]), inclusive_of_start=False)
        return not relevant
