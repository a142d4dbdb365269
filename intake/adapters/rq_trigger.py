"""Production mode: catch-up jobs on RQ, debounced, one consumer per projection at a time."""
import logging
import time

import redis
from rq import Queue, Retry

from projections.runner import Projections

log = logging.getLogger(__name__)

QUEUE_NAME = "senim-projections"
PENDING_KEY = "senim:pending:{name}"
LOCK_KEY = "senim:lock:{name}"
FAILING_KEY = "senim:failing:{name}"
# A pending flag outlives a lost job by at most this long before a new enqueue is allowed.
PENDING_TTL_SECONDS = 30
RETRY = Retry(max=5, interval=[1, 2, 5, 10, 30])
# After Redis fails, commits stop waiting on it for this long: a hung Redis would otherwise hold up every
# command for the socket timeout. The worker's periodic sweep enqueues whatever these skipped notices missed.
QUIET_SECONDS_AFTER_FAILURE = 30
# A projection whose job failed gets no new job (from commits or the sweep) for this long; RQ's own
# retries of the failed job go on. Without it, every commit and sweep would start a fresh job with
# fresh retries, flooding the queue with doomed work behind a poisoned event.
FAILING_COOLDOWN_SECONDS = 60
# The job, named by its path: RQ workers (`senim worker`) import it, this adapter does not, since
# workers/ stand above the adapters. RQ records the same name when handed the function itself.
CATCH_UP_JOB = "workers.jobs.catch_up_projection"


def connect(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)


class RqTrigger:
    """Enqueues "catch up projection P" after a commit; at most one pending job per projection."""

    def __init__(self, projections: Projections, redis_url: str):
        self.projections = projections
        self.redis = connect(redis_url)
        self.queue = Queue(QUEUE_NAME, connection=self.redis)
        self._quiet_until = 0.0

    def start(self) -> None:
        """Nothing to start here: RQ workers (`senim worker`) run the jobs in processes of their own."""

    def stop(self) -> None:
        """Nothing runs here to stop."""

    def notify(self, topics: set[str] | None = None) -> None:
        if time.monotonic() < self._quiet_until:
            return
        names = list(self.projections.registry) if topics is None else self.projections.affected_by(topics)
        try:
            for name in names:
                self.enqueue(name)
        except redis.RedisError:
            self._quiet_until = time.monotonic() + QUIET_SECONDS_AFTER_FAILURE
            raise

    def enqueue(self, name: str) -> bool:
        if self.redis.exists(FAILING_KEY.format(name=name)):
            return False
        pending = PENDING_KEY.format(name=name)
        if not self.redis.set(pending, 1, nx=True, ex=PENDING_TTL_SECONDS):
            return False
        try:
            self.queue.enqueue(CATCH_UP_JOB, name, retry=RETRY, job_timeout=600,
                               description=f"catch up projection {name}")
        except Exception:
            self.redis.delete(pending)  # no job was queued: the next commit may try again at once
            raise
        return True

    def sweep(self) -> list[str]:
        """Enqueues every projection that is behind the head: what a lost enqueue left behind."""
        behind = [row["name"] for row in self.projections.status() if row["lag"] > 0]
        return [name for name in behind if self.enqueue(name)]
