"""`senim worker`: an RQ worker for projection jobs, with a sweep for anything a lost enqueue left behind."""
import logging
import threading

from rq import SimpleWorker

from workers import context
from workers.queue import QUEUE_NAME

log = logging.getLogger(__name__)


def sweep_forever(trigger, stop: threading.Event, seconds: float) -> None:
    while not stop.wait(seconds):
        try:
            trigger.sweep()
        except Exception:  # Redis or the database away for a moment: try again next round
            log.warning("sweep failed", exc_info=True)


def run_worker(senim, *, sweep_seconds: float = 5.0) -> None:
    # SimpleWorker runs jobs in this process (no fork per job), so the services built once here
    # serve every job; a job costs milliseconds, not a new connection pool.
    context.install(senim)
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_forever, args=(senim.trigger, stop, sweep_seconds),
                               name="senim-sweep", daemon=True)
    sweeper.start()
    senim.trigger.sweep()
    try:
        worker = SimpleWorker([QUEUE_NAME], connection=senim.trigger.redis)
        worker.work(with_scheduler=True, logging_level="INFO")
    finally:
        stop.set()
        senim.close()
