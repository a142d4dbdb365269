"""RQ jobs: module-level functions with primitive arguments; each processes batches, not single events."""
import logging

from workers.context import services
from workers.queue import LOCK_KEY, PENDING_KEY

log = logging.getLogger(__name__)
LOCK_SECONDS = 60


def catch_up_projection(name: str) -> int:
    """Reads projection `name` from its position to the head; returns how many events it read."""
    senim = services()
    trigger = senim.trigger
    # Cleared before reading, so a commit from now on enqueues another job rather than being missed.
    trigger.redis.delete(PENDING_KEY.format(name=name))
    lock = trigger.redis.lock(LOCK_KEY.format(name=name), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
    if not lock.acquire():
        raise TimeoutError(f"projection {name} stayed locked by another worker for {LOCK_SECONDS}s")
    try:
        read = 0
        while True:
            batch = senim.projections.catch_up(name, max_batches=1)
            read += batch
            if not batch:
                return read
            lock.reacquire()  # a long catch-up keeps its lock; a killed worker's lock expires
    finally:
        try:
            lock.release()
        except Exception:  # expired while we worked: nothing to release
            log.warning("lock of projection %s had expired", name)
