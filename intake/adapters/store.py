"""The one event store of Senim: every aggregate of every context is saved through it."""
import logging
from collections.abc import Iterable
from typing import ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, LRUCache, ProcessingEvent
from eventsourcing.persistence import IntegrityError, MapperDeserialisationError, Notification, Recording
from eventsourcing.utils import Environment

from domain.errors import Conflict, NotFound
from intake.adapters import idempotency
from intake.adapters.group_commit import GroupCommitter
from intake.adapters.idempotency import AlreadyRecorded
from intake.adapters.keyring import Keyring
from intake.adapters.personal import PersonalMapper
from intake.adapters.recorders import topic_for
from intake.config import ConfigError

A = TypeVar("A")
log = logging.getLogger(__name__)


class SenimStore(Application):
    """Holds the event store and repository; the services of each context share it.

    One store (not one eventsourcing application per context) keeps one notification log, so
    a position such as X-Senim-Position means the same thing everywhere.
    """

    name = "senim"
    env: ClassVar[dict[str, str]] = {
        # Cached aggregates are fast-forwarded from the store on each get: reads stay
        # current across processes while users and tokens are not replayed from scratch.
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }

    def __init__(self, env=None):
        super().__init__(env)
        # Called with the topics of each commit's events: how projections hear of new events.
        self.after_commit: list = []
        self._idempotency_secret: bytes | None = None
        # PostgreSQL locks the events table per transaction, SQLite has one writer at a time: concurrent
        # commands share one transaction (and one flush to disk) instead of queueing one by one.
        self.group_committer = GroupCommitter(self.recorder.insert_events)
        # An erasure (in any process) makes cached aggregates hold data that may no longer be read.
        self.keyring.on_erasure.append(self.forget_decrypted)
        self._check_cipher_key()

    def construct_mapper(self) -> PersonalMapper:
        """The library's mapper, also sealing personal fields with their subject's key (intake/adapters/personal.py);
        both save paths (the library's and the group commit) encode through it."""
        cipher = self.factory.cipher()
        self.keyring = Keyring.for_store(self.env, master=cipher)
        self.keyring.create_tables()
        return PersonalMapper(transcoder=self.construct_transcoder(), compressor=self.factory.compressor(),
                              cipher=cipher, keyring=self.keyring)

    def forget_decrypted(self) -> None:
        """Drops every cached aggregate: after an erasure none may be served from memory any more."""
        cache = self.repository.cache
        if isinstance(cache, LRUCache):
            self.repository.cache = LRUCache(maxsize=cache.maxsize)

    def close(self) -> None:
        super().close()
        self.keyring.close()

    def _check_cipher_key(self) -> None:
        """Refuses to start with a key that cannot read the stored events, rather than fail on every read."""
        head = self.head()
        if not head:
            return
        try:
            for notification in self.recorder.select_notifications(start=head, limit=1):
                self.mapper.to_domain_event(notification)
        except MapperDeserialisationError:
            self.close()
            raise ConfigError(
                "SENIM_CIPHER_KEY cannot read the stored events: they were written with another key, "
                "or with encryption switched the other way (on or off)."
            ) from None

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        if self.group_committer is None or processing_event.tracking is not None or processing_event.saved_kwargs:
            return super()._record(processing_event)
        domain_events = processing_event.events
        # Encoding (and encryption) happens in the caller's thread, not in the leader's.
        stored = [self.mapper.to_stored_event(event) for event in domain_events]
        positions = self.group_committer.insert(stored) if stored else []
        return [
            Recording(event, Notification(id=position, originator_id=s.originator_id,
                                          originator_version=s.originator_version, topic=s.topic, state=s.state))
            for event, s, position in zip(domain_events, stored, positions, strict=True)
        ]

    def construct_env(self, name: str, env=None) -> Environment:
        # Unlike the library default, ignore os.environ: the composition root decides.
        env = {**type(self).env, **(env or {})}
        recorder = topic_for(env.get("PERSISTENCE_MODULE"))  # ours: idempotency keys, SQLite's write gate
        return Environment(name, {**({"APPLICATION_RECORDER_TOPIC": recorder} if recorder else {}), **env})

    def load(self, aggregate_id: UUID, kind: type[A], what: str = "record") -> A:
        """Gets an aggregate of the expected kind, or raises NotFound; `what` names the kind in the refusal
        (one of domain/messages.py RECORDS)."""
        self.keyring.refresh()
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound("record.not_found", what=what, id=aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound("record.not_found", what=what, id=aggregate_id)
        return aggregate

    def commit(self, *aggregates) -> int:
        """Saves all pending events in one transaction; returns the position of the last one.

        Inside a request with an Idempotency-Key, the first commit records the key in its transaction;
        if a request with the same key committed first, AlreadyRecorded carries its outcome instead."""
        claim = idempotency.pending_claim()
        try:
            recordings = self.save(*aggregates, **({"idempotency": claim} if claim is not None else {}))
        except IntegrityError:
            # Our recorders (intake/adapters/recorders.py) add find_claim; the library's type lacks it.
            recorded = self.recorder.find_claim(claim.scope) if claim is not None else None  # type: ignore[attr-defined]
            if recorded is not None:
                raise AlreadyRecorded(recorded) from None
            raise Conflict("record.changed_concurrently") from None
        if not recordings:
            return self.head()
        position = max(r.notification.id for r in recordings)
        if claim is not None:
            claim.position = position
        self._announce({r.notification.topic for r in recordings})
        return position

    def idempotency_secret(self) -> bytes:
        """Keys the hashes of Idempotency-Keys and request bodies: none can be guessed back."""
        if self._idempotency_secret is None:
            self._idempotency_secret = self.keyring.stored_secret(idempotency.SECRET_NAME, 32)
        return self._idempotency_secret

    def _announce(self, topics: set[str]) -> None:
        # The events are committed: a listener that fails (Redis down) must not fail the command.
        # The periodic sweep catches up whatever a lost announcement left behind.
        for listener in self.after_commit:
            try:
                listener(topics)
            except Exception:
                log.warning("a projection trigger failed; the sweep will catch up", exc_info=True)

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def events_of(self, aggregate_id: UUID) -> Iterable:
        return self.events.get(aggregate_id)


def unavailable_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the database is down or saturated, not that the request was wrong."""
    import sqlite3

    import psycopg
    import psycopg_pool
    from eventsourcing import persistence

    return (persistence.OperationalError, persistence.InterfaceError, psycopg.OperationalError,
            psycopg_pool.PoolTimeout, sqlite3.OperationalError)
