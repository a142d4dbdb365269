"""The projection framework: read models built from the notification log, exactly once, resumable.

Each projection reads the log after its tracking position in batches (polling, which works on
SQLite and PostgreSQL alike), hands each event to the handler registered for its type, and
writes its rows and its new position in one transaction. The tracking row is locked for the
whole transaction, so two consumers of one projection can never both count a batch: the second
waits, then sees the advanced position.
"""
import contextlib
import inspect
from datetime import datetime, timezone
from functools import singledispatchmethod

from eventsourcing.utils import get_topic

from projections.db import Tx, ViewDatabase

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    last_error_position BIGINT
)"""


class Projection:
    """A read model: a name, its tables, one handler per event type."""

    name: str = ""
    # Bump when the tables or the handlers change meaning: the projection is rebuilt on start.
    version: int = 1
    tables: tuple[str, ...] = ()
    # The log position of the event being handled, for read models keyed by it (the access log).
    current_position: int = 0
    # Personal fields (domain/personal.py) reach a projection as None unless it sets this: a read
    # model that never sees a name cannot store one, and its rebuild needs no key look-ups.
    reads_personal_fields: bool = False

    def create_tables(self, tx: Tx) -> None:
        raise NotImplementedError

    def drop_tables(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")

    # Each projection defines its own `handle` as a functools.singledispatchmethod with one
    # registered handler per event type; events of other types are passed over (but tracked).
    handle: singledispatchmethod

    def handled_types(self) -> list[type]:
        dispatcher = inspect.getattr_static(type(self), "handle").dispatcher
        return [cls for cls in dispatcher.registry if cls is not object]

    def handled_topics(self) -> set[str]:
        return {get_topic(cls) for cls in self.handled_types()}

    # A projection that must see every stored notification itself, of any type and undecoded (the
    # hash chain), sets this and defines handle_notification instead of handlers per event type.
    reads_notifications: bool = False

    def handle_notification(self, notification, mapper, tx: Tx) -> None:
        """Called with each notification of a batch, in order, when reads_notifications is set."""
        raise NotImplementedError

    def start_batch(self, tx: Tx) -> None:
        """Called before a batch's events; projections that aggregate in memory reset here."""

    def finish_batch(self, tx: Tx) -> None:
        """Called after a batch's events, in the same transaction; flush aggregated rows here."""


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat()


class Tracker:
    """Positions of the projections, kept beside their rows."""

    def __init__(self, views: ViewDatabase):
        self.views = views

    def ensure(self, projection: Projection) -> None:
        """Creates the projection's tables; rebuilds it when its version changed. A projection already
        at its version is left alone: every process runs this at start, and CREATE INDEX IF NOT EXISTS
        on tables a running worker is writing takes locks that can deadlock with that worker."""
        if self._is_current(projection):
            return
        with self.views.transaction() as tx:
            self._serialise_ddl(tx)
            tx.execute(TRACKING_DDL)
            tx.execute("INSERT INTO projection_tracking (name, position, version) VALUES (%s, 0, %s) "
                       "ON CONFLICT (name) DO NOTHING", (projection.name, projection.version))
            stored_version = tx.scalar("SELECT version FROM projection_tracking WHERE name = %s",
                                       (projection.name,))
            if stored_version != projection.version:
                self._reset(tx, projection)
            else:
                projection.create_tables(tx)

    def _is_current(self, projection: Projection) -> bool:
        with self.views.transaction(write=False) as tx:
            return tx.has_table("projection_tracking") and tx.scalar(
                "SELECT version FROM projection_tracking WHERE name = %s", (projection.name,)) == projection.version

    def reset(self, projection: Projection) -> None:
        with self.views.transaction() as tx:
            self._serialise_ddl(tx)
            tx.execute(TRACKING_DDL)
            self._reset(tx, projection)

    def _serialise_ddl(self, tx: Tx) -> None:
        """Processes starting at once on a fresh schema would race in CREATE TABLE IF NOT EXISTS
        (PostgreSQL then raises a unique violation on pg_type): one at a time per schema."""
        if tx.dialect == "postgres":
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('senim-projections-ddl:' || current_schema()))")

    def _reset(self, tx: Tx, projection: Projection) -> None:
        projection.drop_tables(tx)
        projection.create_tables(tx)
        tx.execute("UPDATE projection_tracking SET position = 0, version = %s, updated_at = %s, "
                   "last_error = NULL, last_error_at = NULL, last_error_position = NULL WHERE name = %s",
                   (projection.version, now_text(), projection.name))

    def lock_position(self, tx: Tx, name: str) -> int:
        """The position, with the row locked until the transaction ends (SQLite: the write lock)."""
        lock = " FOR UPDATE" if tx.dialect == "postgres" else ""
        return tx.scalar(f"SELECT position FROM projection_tracking WHERE name = %s{lock}", (name,), 0)

    def advance(self, tx: Tx, name: str, position: int) -> None:
        tx.execute("UPDATE projection_tracking SET position = %s, updated_at = %s, last_error = NULL, "
                   "last_error_at = NULL, last_error_position = NULL WHERE name = %s",
                   (position, now_text(), name))

    def record_error(self, name: str, position: int | None, error: BaseException) -> None:
        # The error's type and message only: an event's data never goes into the status.
        with self.views.transaction() as tx:
            tx.execute("UPDATE projection_tracking SET last_error = %s, last_error_at = %s, "
                       "last_error_position = %s WHERE name = %s",
                       (f"{type(error).__name__}: {str(error)[:300]}", now_text(), position, name))

    def positions(self) -> dict[str, dict]:
        with self.views.transaction(write=False) as tx:
            rows = tx.execute("SELECT name, position, updated_at, last_error, last_error_at, "
                              "last_error_position FROM projection_tracking").fetchall()
        return {row[0]: {"position": row[1], "updated_at": row[2], "last_error": row[3],
                         "last_error_at": row[4], "last_error_position": row[5]} for row in rows}

    def position(self, name: str) -> int:
        with self.views.transaction(write=False) as tx:
            return tx.scalar("SELECT position FROM projection_tracking WHERE name = %s", (name,), 0)


PAGE_SIZE = 1000
BATCH_SIZE = 5000  # events per transaction while keeping up; a rebuild takes bigger ones


def _pages(store, after: int, limit: int):
    """At most `limit` events of the log after position `after`, a page at a time."""
    while limit > 0:
        page = store.recorder.select_notifications(start=after, limit=min(PAGE_SIZE, limit),
                                                   inclusive_of_start=False)
        if not page:
            return
        yield page
        limit -= len(page)
        after = page[-1].id


def catch_up(projection: Projection, store, tracker: Tracker, *, batch_size: int = BATCH_SIZE,
             max_batches: int | None = None) -> int:
    """Processes the log from the projection's position to the head; returns how many events it read.

    Each batch (up to batch_size events, read in pages) is one transaction: its rows and the new
    position are committed together, or not at all.
    """
    topics = projection.handled_topics()
    decode = event_decoder(store.mapper, projection)
    read = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with tracker.views.transaction() as tx:
            position = current = tracker.lock_position(tx, projection.name)
            projection.start_batch(tx)
            done = 0
            try:
                for page in _pages(store, position, batch_size):
                    for notification in page:
                        current = notification.id
                        if projection.reads_notifications:
                            projection.handle_notification(notification, store.mapper, tx)
                        elif notification.topic in topics:
                            projection.current_position = notification.id
                            projection.handle(decode(notification), tx)
                        done += 1
            except Exception as error:
                error.senim_position = current  # which event failed, for the status
                error.senim_before = done  # how many sound events came before it in this batch
                raise
            if not done:
                return read
            projection.finish_batch(tx)
            tracker.advance(tx, projection.name, current)
        read += done
        batches += 1
    return read


def catch_up_together(projections: list[Projection], store, tracker: Tracker, *,
                      batch_size: int = BATCH_SIZE) -> int:
    """Brings several projections to the head in one pass over the log; returns how many events it read.

    A rebuild of every read model reads the log once instead of once per projection, and decodes
    each event at most twice (without personal fields, and with them only if a projection that
    reads them handles it), so the scan and the decoding are paid once. Each batch is one
    transaction for all of them: their rows and positions move together. A projection already
    further along (a worker caught it up meanwhile) skips what it has counted. On a failure nothing
    of the batch stays, and the caller runs the projections one at a time to find the culprit.
    """
    by_topic: dict[str, list[Projection]] = {}
    for projection in projections:
        for topic in projection.handled_topics():
            by_topic.setdefault(topic, []).append(projection)
    raw_readers = [projection for projection in projections if projection.reads_notifications]
    with_personal = store.mapper.to_domain_event
    without_personal = getattr(store.mapper, "to_domain_event_without_personal_fields", with_personal)
    read = 0
    while True:
        with tracker.views.transaction() as tx:
            positions = {p.name: tracker.lock_position(tx, p.name) for p in projections}
            start = min(positions.values())
            for projection in projections:
                projection.start_batch(tx)
            current, done = start, 0
            for page in _pages(store, start, batch_size):
                for notification in page:
                    current = notification.id
                    for projection in raw_readers:
                        if current > positions[projection.name]:
                            projection.handle_notification(notification, store.mapper, tx)
                    plain = personal = None
                    for projection in by_topic.get(notification.topic, ()):
                        if current <= positions[projection.name]:
                            continue
                        projection.current_position = current
                        if projection.reads_personal_fields:
                            personal = personal or with_personal(notification)
                            projection.handle(personal, tx)
                        else:
                            plain = plain or without_personal(notification)
                            projection.handle(plain, tx)
                    done += 1
            if not done:
                return read
            for projection in projections:
                projection.finish_batch(tx)
                tracker.advance(tx, projection.name, max(current, positions[projection.name]))
        read += done


def event_decoder(mapper, projection: Projection):
    """How a projection's events are decoded: with personal fields only when it reads them."""
    if projection.reads_personal_fields:
        return mapper.to_domain_event
    return getattr(mapper, "to_domain_event_without_personal_fields", mapper.to_domain_event)


def run_catch_up(projection: Projection, store, tracker: Tracker, **options) -> int:
    """catch_up, recording a failure in the projection's status before re-raising it."""
    try:
        return catch_up(projection, store, tracker, **options)
    except Exception as error:
        if getattr(error, "senim_before", 0):
            # The batch was rolled back as a whole: keep the events before the poisoned one, so the
            # projection stops just before it and readers of earlier positions are still served.
            with contextlib.suppress(Exception):
                catch_up(projection, store, tracker, batch_size=error.senim_before, max_batches=1)
        tracker.record_error(projection.name, getattr(error, "senim_position", None), error)
        raise
