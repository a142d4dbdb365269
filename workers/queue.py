"""Production mode: catch-up jobs on RQ, debounced, one consumer per projection at a time."""
import logging

import redis
from rq import Queue, Retry

log = logging.getLogger(__name__)

QUEUE_NAME = "senim-projections"
PENDING_KEY = "senim:pending:{name}"
LOCK_KEY = "senim:lock:{name}"
# A pending flag outlives a lost job by at most this long before a new enqueue is allowed.
PENDING_TTL_SECONDS = 30
RETRY = Retry(max=5, interval=[1, 2, 5, 10, 30])


def connect(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)


class RqTrigger:
    """Enqueues "catch up projection P" after a commit; at most one pending job per projection."""

    def __init__(self, projections, redis_url: str):
        self.projections = projections
        self.redis = connect(redis_url)
        self.queue = Queue(QUEUE_NAME, connection=self.redis)

    def notify(self, topics: set[str] | None = None) -> None:
        names = list(self.projections.registry) if topics is None else self.projections.affected_by(topics)
        for name in names:
            self.enqueue(name)

    def enqueue(self, name: str) -> bool:
        if not self.redis.set(PENDING_KEY.format(name=name), 1, nx=True, ex=PENDING_TTL_SECONDS):
            return False
        from workers.jobs import catch_up_projection
        self.queue.enqueue(catch_up_projection, name, retry=RETRY, job_timeout=600,
                           description=f"catch up projection {name}")
        return True

    def sweep(self) -> list[str]:
        """Enqueues every projection that is behind the head: what a lost enqueue left behind."""
        behind = [row["name"] for row in self.projections.status() if row["lag"] > 0]
        return [name for name in behind if self.enqueue(name)]
