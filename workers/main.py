"""`senim worker`: an RQ worker for projection jobs, with a sweep for anything a lost enqueue left behind."""
import logging
import threading
import time
from collections.abc import Callable, Sequence

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.scheduler import RQScheduler

from intake.adapters.rq_trigger import QUEUE_NAME, RqTrigger
from intake.bootstrap import Senim
from intake.services.retention import AtMostHourly
from workers import context

log = logging.getLogger(__name__)


def sweep_forever(trigger: RqTrigger, stop: threading.Event, seconds: float,
                  jobs: Sequence[Callable[[], None]] = ()) -> None:
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


class _StoppableWorker(SimpleWorker):
    """RQ's worker, telling work_until_stopped when a return of its loop was asked for."""

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self._asked_to_stop = stop

    def request_stop(self, signum, frame):  # SIGTERM or SIGINT: a warm shutdown
        self._asked_to_stop.set()
        super().request_stop(signum, frame)


def work_until_stopped(redis, stop: threading.Event, *, longest_pause: float = 30.0) -> None:
    """Runs RQ's worker loop until asked to stop (SIGTERM, SIGINT or `stop`), starting it again otherwise.

    RQ's loop survives a failed dequeue, but an error elsewhere (a heartbeat, its maintenance, its
    own teardown) either escapes it or ends it quietly ("found an unhandled exception, quitting").
    A worker that exited then would leave the projections standing still until someone restarted
    it, and on a bad night no one might.
    """
    pause = 1.0
    while not stop.is_set():
        started = time.monotonic()
        try:
            _StoppableWorker([QUEUE_NAME], connection=redis, stop=stop).work(logging_level="INFO")
            if stop.is_set():
                return
            reason = "RQ's worker loop ended by itself"
        except RedisError as error:
            reason = f"Redis is not answering ({type(error).__name__})"
        if time.monotonic() - started > 60:  # it ran for a while: this is a new trouble, not the same one
            pause = 1.0
        log.warning("%s; the worker starts again in %.0f s", reason, pause)
        if stop.wait(pause):
            return
        pause = min(pause * 2, longest_pause)


def run_worker(senim: Senim, *, sweep_seconds: float = 5.0) -> None:
    # SimpleWorker runs jobs in this process (no fork per job), so the services built once here
    # serve every job; a job costs milliseconds, not a new connection pool.
    context.install(senim)
    trigger = context.rq_trigger(senim)
    stop = threading.Event()
    scheduler = RQScheduler([QUEUE_NAME], connection=trigger.redis)
    threads = [
        threading.Thread(target=sweep_forever,
                         args=(trigger, stop, sweep_seconds, (
                             senim.escalation.sweep,
                             # At most once an hour across every worker: a Redis key claims the run.
                             AtMostHourly(senim.retention.run, redis=trigger.redis))),
                         name="senim-sweep", daemon=True),
        threading.Thread(target=schedule_forever, args=(scheduler, stop), name="senim-scheduler", daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        trigger.sweep()  # whatever was left behind while no worker ran, at once
    except Exception:
        log.warning("the first sweep failed; the sweep thread tries again", exc_info=True)
    try:
        work_until_stopped(trigger.redis, stop)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        senim.close()
