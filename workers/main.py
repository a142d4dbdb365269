"""`senim worker`: an RQ worker for projection jobs, with a sweep for anything a lost enqueue left behind."""
import logging
import threading
from functools import partial

from rq import SimpleWorker
from rq.scheduler import RQScheduler

from workers import context
from workers.escalation import sweep_escalations
from workers.queue import QUEUE_NAME

log = logging.getLogger(__name__)


def sweep_forever(trigger, stop: threading.Event, seconds: float, jobs=()) -> None:
    while not stop.wait(seconds):
        try:
            trigger.sweep()
        except Exception:  # Redis or the database away for a moment: try again next round
            log.warning("sweep failed", exc_info=True)
        for job in jobs:  # periodic jobs (escalation of overdue referrals) log their own failures
            job()


def schedule_forever(scheduler: RQScheduler, stop: threading.Event, seconds: float = 1.0) -> None:
    """RQ's scheduler (jobs waiting out a retry's backoff) in a thread, not in RQ's forked process.

    A fork inherits this process's database connections: after a SIGKILL of the worker it kept the
    interrupted batch's transaction open, with the tracking row locked, for as long as it lived.
    """
    try:
        while not stop.wait(seconds):
            try:
                scheduler.acquire_locks()
                scheduler.enqueue_scheduled_jobs()
            except Exception:  # Redis away for a moment: try again next round
                log.warning("scheduling retries failed", exc_info=True)
    finally:
        try:
            scheduler.release_locks()
        except Exception:
            log.warning("could not release the scheduler lock; it expires by itself", exc_info=True)


def run_worker(senim, *, sweep_seconds: float = 5.0) -> None:
    # SimpleWorker runs jobs in this process (no fork per job), so the services built once here
    # serve every job; a job costs milliseconds, not a new connection pool.
    context.install(senim)
    stop = threading.Event()
    scheduler = RQScheduler([QUEUE_NAME], connection=senim.trigger.redis)
    threads = [
        threading.Thread(target=sweep_forever,
                         args=(senim.trigger, stop, sweep_seconds, (partial(sweep_escalations, senim),)),
                         name="senim-sweep", daemon=True),
        threading.Thread(target=schedule_forever, args=(scheduler, stop), name="senim-scheduler", daemon=True),
    ]
    for thread in threads:
        thread.start()
    senim.trigger.sweep()
    try:
        worker = SimpleWorker([QUEUE_NAME], connection=senim.trigger.redis)
        worker.work(logging_level="INFO")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        senim.close()
