"""`senim audit verify`: recompute the hash chain from the event log and compare it with the stored links.

The chain is first brought up to date, then the events (up to the chain's head) and the links are
walked side by side in position order, every link recomputed from genesis. The first discrepancy is
reported with the position, aggregate id and version it concerns, and why. Where one discrepancy
could have two causes (the event changed, or its link), the next link decides: the original chain
goes on from the original link.
"""
from collections.abc import Iterator
from dataclasses import dataclass

from intake.adapters.store import SenimStore
from intake.config import ConfigError
from projections.db import ViewDatabase
from projections.hash_chain import GENESIS, HashChainProjection, Undecryptable, link_of, readable
from projections.runner import Projections

NAME = "hash_chain"
PAGE = 1000

CHANGED = "stored content changed"
MISSING = "event missing"
INSERTED = "event inserted"
LINKS_EDITED = "links edited"


@dataclass(frozen=True)
class Link:
    position: int
    originator_id: str
    originator_version: int
    link: str


@dataclass(frozen=True)
class Broken:
    """The first place where the log and the chain disagree."""
    position: int
    originator_id: str
    originator_version: int
    kind: str  # CHANGED, MISSING, INSERTED or LINKS_EDITED
    detail: str

    def __str__(self) -> str:
        return (f"position {self.position}, aggregate {self.originator_id}, version {self.originator_version}: "
                f"{self.kind}: {self.detail}")


@dataclass(frozen=True)
class Verdict:
    verified: int  # links recomputed and found equal
    head: str | None  # the last verified link (hex), to be noted elsewhere as an anchor
    head_position: int
    broken: Broken | None = None
    anchor_found: bool | None = None  # None when no anchor was given

    @property
    def ok(self) -> bool:
        return self.broken is None and self.anchor_found is not False


class _Peek:
    """An iterator that can look ahead."""

    def __init__(self, items: Iterator):
        self._items = items
        self._ahead: list = []

    def peek(self, index: int = 0):
        while len(self._ahead) <= index:
            item = next(self._items, None)
            if item is None:
                return None
            self._ahead.append(item)
        return self._ahead[index]

    def advance(self) -> None:
        self.peek()
        if self._ahead:
            self._ahead.pop(0)


def _events(store, head: int) -> Iterator:
    after = 0
    while after < head:
        page = store.recorder.select_notifications(start=after, stop=head, limit=PAGE, inclusive_of_start=False)
        if not page:
            return
        yield from page
        after = page[-1].id


def _links(views, head: int) -> Iterator[Link]:
    after = -1
    while True:
        with views.transaction(write=False) as tx:
            rows = tx.execute("SELECT position, originator_id, originator_version, link FROM hash_chain "
                              "WHERE position > %s AND position <= %s ORDER BY position LIMIT %s",
                              (after, head, PAGE)).fetchall()
        if not rows:
            return
        for row in rows:
            yield Link(int(row[0]), str(row[1]), int(row[2]), str(row[3]))
        after = rows[-1][0]


def _continues(previous: bytes | None, notification, link: Link | None, mapper) -> bool:
    """Whether `link` is the link of `notification` following `previous`."""
    if previous is None or notification is None or link is None or notification.id != link.position:
        return False
    try:
        return link_of(previous, notification, mapper).hex() == link.link
    except Undecryptable:
        return False


def _labels(notification) -> tuple[str, int]:
    return str(notification.originator_id), notification.originator_version


class _Walk:
    def __init__(self, store, views, head: int, anchor: str | None):
        self.mapper = store.mapper
        self.events = _Peek(_events(store, head))
        self.links = _Peek(_links(views, head))
        self.anchor = anchor.lower() if anchor else None
        self.previous = GENESIS
        self.last: Link | None = None
        self.verified = 0
        self.anchor_found = False

    def run(self) -> Broken | None:
        while True:
            event, link = self.events.peek(), self.links.peek()
            if event is None and link is None:
                return None
            if link is None or (event is not None and event.id < link.position):
                return self._unlinked(event, link)
            if event is None or link.position < event.id:
                return self._missing(link, event)
            broken = self._check(event, link)
            if broken:
                return broken
            self.events.advance()
            self.links.advance()

    def _check(self, event, link: Link) -> Broken | None:
        try:
            computed = link_of(self.previous, event, self.mapper)
        except Undecryptable as error:
            return Broken(link.position, link.originator_id, link.originator_version, CHANGED, str(error))
        if computed.hex() == link.link and _labels(event) == (link.originator_id, link.originator_version):
            self.previous, self.last = computed, link
            self.verified += 1
            self.anchor_found = self.anchor_found or computed.hex() == self.anchor
            return None
        where = (link.position, link.originator_id, link.originator_version)
        if computed.hex() == link.link:
            return Broken(*where, LINKS_EDITED, f"the link names aggregate {link.originator_id} version "
                          f"{link.originator_version}, the event it hashes is {event.originator_id} "
                          f"version {event.originator_version}")
        following_event, following_link = self.events.peek(1), self.links.peek(1)
        if _continues(computed, following_event, following_link, self.mapper):
            return Broken(*where, LINKS_EDITED, "the stored link differs from the one recomputed, "
                          "and the next link follows on from the recomputed one")
        if _labels(event) != (link.originator_id, link.originator_version):
            return Broken(*where, CHANGED, f"the row at this position now holds aggregate {event.originator_id} "
                          f"version {event.originator_version}")
        if following_link is None:
            return Broken(*where, CHANGED, "its hash does not match its link (the head link: an edit of the "
                          "link itself would look the same; compare the head with your anchor)")
        return Broken(*where, CHANGED, "its hash does not match its link")

    def _unlinked(self, event, link: Link | None) -> Broken:
        """An event with no link, below the chain's head."""
        where = (event.id, str(event.originator_id), event.originator_version)
        following = self.events.peek(1)
        if link is not None and _continues(self.previous, following, link, self.mapper):
            return Broken(*where, INSERTED, "the event has no link and the chain goes on as if it were "
                          "not there: it was added to the log after its position was chained")
        try:
            own = link_of(self.previous, event, self.mapper)
        except Undecryptable:
            own = None
        if link is not None and _continues(own, following, link, self.mapper):
            return Broken(*where, LINKS_EDITED, "the event's link was deleted (the next link follows on from it)")
        return Broken(*where, INSERTED, "an event without a link below the chain's head")

    def _missing(self, link: Link, event) -> Broken:
        """A link whose event is not in the log."""
        where = (link.position, link.originator_id, link.originator_version)
        following = self.links.peek(1)
        if _continues(self.previous, event, following, self.mapper):
            return Broken(*where, LINKS_EDITED, "a link without an event, and the chain goes on as if it "
                          "were not there: the link was added")
        return Broken(*where, MISSING, "the chain has a link for this event but the log no longer holds it")


def _unreadable_beyond_head(store, error: Exception) -> Broken | None:
    """A catch-up that stopped at an event the current key cannot read: the chain cannot pass it."""
    position = getattr(error, "senim_position", None)
    if position is None or not isinstance(error, Undecryptable):
        return None
    found = store.recorder.select_notifications(start=position, limit=1)
    if not found or found[0].id != position:
        return None
    event = found[0]
    return Broken(position, str(event.originator_id), event.originator_version, CHANGED,
                  f"{error}; the chain cannot be extended past it")


class _AuditedStore(SenimStore):
    name = SenimStore.name  # the library names a subclass's tables after the subclass otherwise

    def _check_cipher_key(self) -> None:
        """The store refuses to start when its newest event is unreadable; an audit must say which event."""


class Audit:
    """Just what verify needs, opened even when the newest event cannot be read (the app refuses to start)."""

    def __init__(self, settings):
        env = settings.event_store_env()
        self.views = ViewDatabase(env, size=2)
        with self.views.setup_lock():
            self.store = _AuditedStore(env=env)
            self.projections = Projections(self.store, self.views, registry={NAME: HashChainProjection()})
            self.projections.ensure()

    def close(self) -> None:
        self.views.close()
        self.store.close()


def _check_key(store) -> None:
    """A wrong key (or none for an encrypted store) would make every event look changed: say so instead."""
    head = store.head()
    if not head:
        return
    ends = [*store.recorder.select_notifications(start=None, limit=1),
            *store.recorder.select_notifications(start=head, limit=1)]
    if not any(readable(store.mapper, notification.state) for notification in ends):
        raise ConfigError("SENIM_CIPHER_KEY cannot read the stored events: they were written with another key, "
                          "or with encryption switched the other way (on or off).")


def verify(senim, anchor: str | None = None) -> Verdict:
    """Brings the chain up to date, then recomputes every link; the first break (if any) in the verdict.

    `senim` is the app's (bootstrap) or an Audit: anything with store, views and projections.
    """
    _check_key(senim.store)
    stuck = None
    try:
        senim.projections.catch_up(NAME)
    except Undecryptable as error:
        stuck = _unreadable_beyond_head(senim.store, error)
        if stuck is None:
            raise
    head = senim.projections.position(NAME)
    walk = _Walk(senim.store, senim.views, head, anchor)
    broken = walk.run() or stuck
    return Verdict(verified=walk.verified, head=walk.last.link if walk.last else None,
                   head_position=walk.last.position if walk.last else 0, broken=broken,
                   anchor_found=walk.anchor_found if anchor else None)
