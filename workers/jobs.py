"""RQ jobs: module-level functions with primitive arguments; each processes batches, not single events."""
import logging

from intake.adapters.rq_trigger import FAILING_COOLDOWN_SECONDS, FAILING_KEY, LOCK_KEY, PENDING_KEY
from workers.context import rq_trigger, services

log = logging.getLogger(__name__)
# A live worker renews its lock after every batch; a killed worker's lock expires this soon.
LOCK_SECONDS = 10
# How long a job waits for another worker catching the same projection up (it renews as it goes).
WAIT_SECONDS = 300


def catch_up_projection(name: str) -> int:
    """Reads projection `name` from its position to the head; returns how many events it read.

    Enqueued by intake/adapters/rq_trigger.py under this module's path (CATCH_UP_JOB)."""
    senim = services()
    trigger = rq_trigger(senim)
    # Cleared before reading, so a commit from now on enqueues another job rather than being missed.
    trigger.redis.delete(PENDING_KEY.format(name=name))
    lock = trigger.redis.lock(LOCK_KEY.format(name=name), timeout=LOCK_SECONDS, blocking_timeout=WAIT_SECONDS)
    if not lock.acquire():
        raise TimeoutError(f"projection {name} stayed locked by another worker for {WAIT_SECONDS}s")
    try:
        read = 0
        while True:
            try:
                batch = senim.projections.catch_up(name, max_batches=1)
            except Exception:
                trigger.redis.set(FAILING_KEY.format(name=name), 1, ex=FAILING_COOLDOWN_SECONDS)
                raise
            read += batch
            if not batch:
                trigger.redis.delete(FAILING_KEY.format(name=name))
                return read
            lock.reacquire()  # a long catch-up keeps its lock; a killed worker's lock expires
    finally:
        try:
            lock.release()
        except Exception:  # noqa: BLE001 - expired while we worked: nothing to release
            log.warning("lock of projection %s had expired", name)
