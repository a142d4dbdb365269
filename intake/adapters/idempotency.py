"""Retried writes: an Idempotency-Key is recorded in the same transaction as the events it answers.

So the key and the write can never disagree: a worker killed mid-request left either both or
neither. A retry that finds the key answers the first response again; a duplicate racing the
first loses on the key's primary key when it commits (its own events roll back with it) and then
answers what the first committed. Only keyed hashes are kept (of the user and key, and of the
request): no personal data, and a key of one user never matches another user's.
"""
import contextvars
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TABLE = "idempotency_keys"
# The contract promises at least 24 hours; two days leave room for a retry across a night.
KEEP_SECONDS = 2 * 24 * 3600
SECRET_NAME = "idempotency_key_hash"

COLUMNS = "scope, fingerprint, position, aggregate_id, created_at"
CREATE_TABLE = ("CREATE TABLE IF NOT EXISTS {table} (scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
                "position BIGINT, aggregate_id TEXT, created_at DOUBLE PRECISION NOT NULL, "
                "status INTEGER, body TEXT)")
CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_created_at ON {{table}} (created_at)"


@dataclass
class Claim:
    """A request's key, about to be recorded with its write."""
    scope: str  # keyed hash of (user, key)
    fingerprint: str  # keyed hash of (method, path, body)
    created_at: float = field(default_factory=time.time)
    position: int | None = None  # set once the write that carries it has committed


@dataclass(frozen=True)
class Recorded:
    """A key as the store holds it: the write it answered and, once sent, the answer itself."""
    fingerprint: str
    position: int | None
    aggregate_id: str | None
    status: int | None
    body: str | None


class AlreadyRecorded(Exception):
    """A request with the same key committed first: its answer is this request's answer."""

    def __init__(self, recorded: Recorded):
        super().__init__("idempotency key already recorded")
        self.recorded = recorded


def claim_for(secret: bytes, *, user_id: str, key: str, method: str, path: str, body: bytes) -> Claim:
    scope = hmac.new(secret, f"{user_id}\n{key}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    request = method.encode() + b"\n" + path.encode("utf-8", "surrogatepass") + b"\n" + _canonical(body)
    return Claim(scope=scope, fingerprint=hmac.new(secret, request, hashlib.sha256).hexdigest())


def _canonical(body: bytes) -> bytes:
    """The same JSON however it is spaced or ordered; anything else as sent."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    except (ValueError, RecursionError):
        return body


_pending: contextvars.ContextVar[Claim | None] = contextvars.ContextVar("senim_idempotency_claim", default=None)


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """The first commit made inside carries the claim (the request's write)."""
    token = _pending.set(claim)
    try:
        yield claim
    finally:
        _pending.reset(token)


def pending_claim() -> Claim | None:
    claim = _pending.get()
    return claim if claim is not None and claim.position is None else None


def recorded_from(row) -> Recorded | None:
    if row is None:
        return None
    fingerprint, position, aggregate_id, status, body = tuple(row)
    return Recorded(fingerprint, position, aggregate_id, status, body)
