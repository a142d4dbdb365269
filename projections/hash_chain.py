"""Tamper evidence: a hash chain with one link per stored event, in the order of the log.

    link_0 = 32 zero bytes
    link_n = SHA-256( "senim.hash_chain.v1"
                      || link_{n-1}                       (32 bytes)
                      || u64(position)                    (notification id, big-endian)
                      || u64(originator_version)
                      || lp(utf8(str(originator_id)))     (UUID as 8-4-4-4-12 lowercase hex)
                      || lp(utf8(topic))
                      || lp(stored state, with only the store's cipher and compressor removed) )
    where lp(b) = u64(len(b)) || b.

The state is taken as the recorder holds it, decrypted with the store's key and decompressed, and
never decoded further: rotating the store's key (`senim keys rotate`) re-encrypts rows without
changing a link, and whatever the event state holds inside (per-person encrypted fields whose key
may be destroyed) is hashed as stored, so shredding a key does not break the chain either.
Links join consecutive stored events whatever their positions (PostgreSQL's may have gaps).
"""
import hashlib
import struct
from functools import singledispatchmethod

from projections.base import Projection
from projections.db import Tx

DOMAIN = b"senim.hash_chain.v1"
GENESIS = bytes(32)
COLUMNS = ("position", "originator_id", "originator_version", "link")


class Undecryptable(ValueError):
    """The stored state cannot be decrypted (or decompressed) with the store's current key."""


def stored_plaintext(mapper, state: bytes) -> bytes:
    """The stored state without the store-level cipher and compressor, and nothing else undone."""
    try:
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
    except Exception as error:  # noqa: BLE001 - the cipher and compressor fail in their own ways
        raise Undecryptable(f"cannot be decrypted with the current key ({type(error).__name__})") from None
    return bytes(state)


def readable(mapper, state: bytes) -> bool:
    """Whether the store's current key (or no key) reads this state: it decrypts and then decodes."""
    try:
        mapper.transcoder.decode(stored_plaintext(mapper, state))
    except Exception:  # noqa: BLE001 - whatever fails, the state is not readable
        return False
    return True


def _lp(data: bytes) -> bytes:
    return struct.pack(">Q", len(data)) + data


def next_link(previous: bytes, position: int, originator_id, originator_version: int, topic: str,
              plaintext: bytes) -> bytes:
    """The link that follows `previous` for one stored event (the formula in the module docstring)."""
    digest = hashlib.sha256(DOMAIN)
    digest.update(previous)
    digest.update(struct.pack(">QQ", position, originator_version))
    digest.update(_lp(str(originator_id).encode()))
    digest.update(_lp(topic.encode()))
    digest.update(_lp(plaintext))
    return digest.digest()


def link_of(previous: bytes, notification, mapper) -> bytes:
    """The link of a notification read from the recorder; raises Undecryptable."""
    return next_link(previous, notification.id, notification.originator_id, notification.originator_version,
                     notification.topic, stored_plaintext(mapper, notification.state))


class HashChainProjection(Projection):
    """One link per stored event; its rows and its position are committed together like any projection's."""

    name = "hash_chain"
    version = 1
    tables = ("hash_chain",)
    reads_notifications = True  # every event, as stored: the framework hands over notifications

    def __init__(self) -> None:
        self._previous = GENESIS
        self._rows: list[tuple] = []

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS hash_chain (
            position BIGINT PRIMARY KEY, originator_id TEXT NOT NULL,
            originator_version BIGINT NOT NULL, link TEXT NOT NULL)""")

    def start_batch(self, tx: Tx) -> None:
        # The tracking row is locked by now: the last link is the one at this projection's position.
        last = tx.execute("SELECT link FROM hash_chain ORDER BY position DESC LIMIT 1").fetchone()
        self._previous = bytes.fromhex(last[0]) if last else GENESIS
        self._rows = []

    def handle_notification(self, notification, mapper, tx: Tx) -> None:
        link = link_of(self._previous, notification, mapper)
        self._rows.append((notification.id, str(notification.originator_id), notification.originator_version,
                           link.hex()))
        self._previous = link

    def finish_batch(self, tx: Tx) -> None:
        tx.insert_rows("hash_chain", COLUMNS, self._rows)
        self._rows = []

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Not used: handle_notification takes every stored notification instead."""
