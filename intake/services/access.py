"""Who read which record, when and from where: the raw material of the access log.

Every read of a contact, case, referral or assessment (API and web UI alike) calls
`senim.access.record(actor, kind, record_id, remote_addr=...)`; every refused one (403) is noted the
same way with `outcome="refused"` by the error mapper (intake/refusals.py). That only appends a tuple to an
in-memory buffer under a lock (O(1), no I/O, never raises), so a read costs microseconds more,
never a database round trip, and never fails because the access log cannot be written.

A background thread writes the buffer through the store as ONE `AccessBatch.Recorded` event per
batch of up to BATCH_ENTRIES reads, every FLUSH_SECONDS or as soon as BATCH_ENTRIES reads wait,
and close() writes what is left. So the entries are events like any other: immutable, encrypted
at rest when a cipher key is set, in the notification log (and whatever chains it), and the
access_log projection builds the table the audit endpoint reads.

Trade-off, on purpose: a process that dies without close() (SIGKILL, power loss) loses the reads
of its last second or so. Writing each read synchronously would cost every read a transaction
(and on PostgreSQL the table lock every insert takes); auditors get "who read what" to within a
second instead. A flush that fails (the database away) keeps its entries for the next try; past
MAX_BUFFERED the oldest are dropped and a warning says how many (counts only, never who or what).

Positions: flush() writes synchronously and returns the store position of the last batch this log
has written (0 when it has written none), so a reader can wait for the access_log projection to
reach it: the audit endpoint does, and sees the reads of its own process up to that moment.
"""
import logging
import threading
from collections import deque
from datetime import datetime, timezone
from uuid import UUID

from domain.access import ALLOWED, AccessBatch
from domain.actor import Actor

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
BATCH_ENTRIES = 500  # entries per event; also how many waiting reads wake the flusher early
BATCHES_PER_COMMIT = 20  # a backlog after an outage is written 10,000 entries per transaction
MAX_BUFFERED = 100_000  # about 20 MB of tuples; beyond it the oldest reads are dropped
LONGEST_BACKOFF = 30.0  # seconds between tries while the database stays away
SYSTEM_ACTOR = Actor.system("access-log").as_dict()


def _entry(noted: tuple) -> dict:
    kind, record_id, actor, at, remote_addr, outcome = noted
    return {"kind": str(kind), "record_id": str(record_id), "user_id": actor.user_id,
            "username": actor.username, "role": actor.role,
            "at": at.isoformat(timespec="microseconds"), "remote_addr": remote_addr, "outcome": outcome}


class AccessLog:
    """A buffer of reads and the thread that writes it as batches of events."""

    def __init__(self, store=None, *, background: bool = True, flush_seconds: float = FLUSH_SECONDS,
                 batch_entries: int = BATCH_ENTRIES, max_buffered: int = MAX_BUFFERED):
        """store: the SenimStore (None: notes nothing). background=False: no thread; entries are
        written only by flush() and close() (tests that compare event-store heads rely on that)."""
        self.store = store
        self.background = background and store is not None
        self.flush_seconds = flush_seconds
        self.batch_entries = batch_entries
        self.max_buffered = max_buffered
        self._buffer: deque = deque()
        self._lock = threading.Lock()  # guards the buffer and the counters
        self._flush_lock = threading.Lock()  # one flush at a time keeps batches in reading order
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.position = 0  # of the last batch written
        self.written_entries = 0
        self.written_events = 0
        self.failed_flushes = 0
        self.dropped = 0
        self._dropped_unreported = 0

    # -- the hot path: called by every read --------------------------------------------------------

    def record(self, actor: Actor, kind: str, record_id: UUID | str, *, remote_addr: str | None = None,
               outcome: str = ALLOWED) -> None:
        """Notes one read (outcome REFUSED: an attempt answered 403); must never slow the read down or fail it."""
        if self.store is None:
            return
        try:
            noted = (kind, record_id, actor, datetime.now(timezone.utc), remote_addr, outcome)
            with self._lock:
                if len(self._buffer) >= self.max_buffered:
                    self._buffer.popleft()
                    self.dropped += 1
                    self._dropped_unreported += 1
                self._buffer.append(noted)
                waiting = len(self._buffer)
            if self.background:
                if waiting >= self.batch_entries:
                    self._wake.set()
                thread = self._thread
                if thread is None or not thread.is_alive():  # first read, or a forked process
                    self._start()
        except Exception:  # noqa: BLE001, S110 - a read must not fail because its note could not be taken
            pass

    @property
    def pending(self) -> int:
        """Reads noted but not written yet."""
        return len(self._buffer)

    # -- writing -----------------------------------------------------------------------------------

    def flush(self) -> int:
        """Writes what is buffered; returns the store position of the last batch written (0: none).

        Never raises: on failure the entries go back to the front of the buffer for the next try.
        """
        if self.store is None:
            return 0
        with self._flush_lock:
            with self._lock:
                taken, self._buffer = self._buffer, deque()
            written = 0
            try:
                while written < len(taken):
                    chunk_end = min(written + self.batch_entries * BATCHES_PER_COMMIT, len(taken))
                    self._write([taken[i] for i in range(written, chunk_end)])
                    written = chunk_end
            except Exception as error:  # noqa: BLE001 - the database away: keep the rest for later
                self._requeue([taken[i] for i in range(written, len(taken))], error)
            self._report_drops()
            return self.position

    def _write(self, noted: list[tuple]) -> None:
        entries = []
        for each in noted:
            try:
                entries.append(_entry(each))
            except Exception:  # noqa: BLE001 - a malformed note (odd actor) is skipped, not retried forever
                log.warning("access log: a malformed read entry was skipped")
        batches = [AccessBatch(entries=entries[i:i + self.batch_entries], actor=SYSTEM_ACTOR)
                   for i in range(0, len(entries), self.batch_entries)]
        if not batches:
            return
        position = self.store.commit(*batches)
        with self._lock:
            self.position = max(self.position, position)
            self.written_entries += len(entries)
            self.written_events += len(batches)

    def _requeue(self, noted: list[tuple], error: Exception) -> None:
        with self._lock:
            self._buffer.extendleft(reversed(noted))
            excess = len(self._buffer) - self.max_buffered
            for _ in range(max(excess, 0)):
                self._buffer.popleft()
            self.dropped += max(excess, 0)
            self._dropped_unreported += max(excess, 0)
            self.failed_flushes += 1
            waiting = len(self._buffer)
        # The error's type only: a driver's message can quote the values it failed to write.
        log.warning("access log: writing %d read entries failed (%s); they are kept for the next try",
                    waiting, type(error).__name__)

    def _report_drops(self) -> None:
        with self._lock:
            dropped, self._dropped_unreported = self._dropped_unreported, 0
        if dropped:
            log.warning("access log: %d read entries were dropped (buffer full while the database was away)",
                        dropped)

    # -- the background flusher --------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._closed or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="senim-access-log", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            if failures:  # the database is away: back off, whatever piles up meanwhile
                self._stop.wait(min(self.flush_seconds * 2 ** failures, LONGEST_BACKOFF))
            else:
                self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            before = self.failed_flushes
            self.flush()
            failures = failures + 1 if self.failed_flushes > before else 0

    def close(self) -> None:
        """Stops the flusher and writes what is left; never raises."""
        with self._lock:
            self._closed = True
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout=10)
        self.flush()
        if self.pending:
            log.warning("access log: %d read entries could not be written before closing", self.pending)
