"""Group commit: commands saved at the same moment by threads of one process share one transaction.

The library's PostgreSQL recorder takes an EXCLUSIVE lock on the events table for each
transaction and holds it through the commit (the WAL flush), so single-event transactions run
one at a time. Here concurrent commands queue their stored events; whichever thread finds no
write in flight becomes the leader and writes everything queued so far in ONE insert_events()
call (one lock, one transaction, one flush), then hands leadership to the first thread that
queued meanwhile. Nobody waits on a timer: at low load a batch is one command and latency is
unchanged. SQLite writes one transaction at a time and flushes each commit to disk: there the
batch also turns many flushes into one (the leader queues at the file's write gate, projections/db.py).

Durability is untouched: a command returns only after the transaction holding its events has
committed. Atomicity per command is kept: if a batch fails with an IntegrityError (a command
lost an optimistic-concurrency race), it is rolled back and each command is written on its own,
so only the loser sees the error. Any other error fails every command of the batch, none of
whose events were committed.
"""
import threading
from collections.abc import Sequence

from eventsourcing.persistence import IntegrityError, StoredEvent

MAX_BATCH_EVENTS = 500


class _Request:
    __slots__ = ("done", "error", "events", "ids", "lead")

    def __init__(self, events: list[StoredEvent]):
        self.events = events
        self.done = threading.Event()
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.lead = False


class GroupCommitter:
    """Leader/follower batching of insert_events() calls made by concurrent threads."""

    def __init__(self, insert_events):
        self._insert_events = insert_events
        self._lock = threading.Lock()
        self._queue: list[_Request] = []
        self._writing = False
        self.batches = 0
        self.requests = 0

    def insert(self, events: list[StoredEvent]) -> Sequence[int]:
        """Writes EVENTS in some transaction that commits before this returns; their positions."""
        request = _Request(events)
        with self._lock:
            self._queue.append(request)
            lead = not self._writing
            self._writing = True
        if not lead:
            request.done.wait()
        if lead or request.lead:
            self._lead()
        if request.error is not None:
            raise request.error
        assert request.ids is not None  # a request is answered with its ids or its error
        return request.ids

    def _lead(self) -> None:
        with self._lock:
            batch: list[_Request] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].events) <= MAX_BATCH_EVENTS):
                request = self._queue.pop(0)
                batch.append(request)
                size += len(request.events)
        try:
            self._write(batch)
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.done.set()
            else:
                self._writing = False

    def _write(self, batch: list[_Request]) -> None:
        self.batches += 1
        self.requests += len(batch)
        try:
            ids = self._insert_events([event for request in batch for event in request.events])
        except IntegrityError as error:
            if len(batch) == 1:
                return self._fail(batch, error)
            for request in batch:  # find the loser: everyone else still commits
                self._write([request])
            return None
        except BaseException as error:  # noqa: BLE001 - nothing of the batch was committed
            return self._fail(batch, error)
        offset = 0
        for request in batch:
            request.ids = ids[offset:offset + len(request.events)]
            offset += len(request.events)
            request.done.set()
        return None

    @staticmethod
    def _fail(batch: list[_Request], error: BaseException) -> None:
        for request in batch:
            request.error = error
            request.done.set()
