"""The embedded default: projections built by a background thread of the web process, no Redis."""
import logging
import threading
import time
from collections.abc import Callable, Sequence

from projections.runner import Projections

log = logging.getLogger(__name__)


class InProcessRunner:
    """Catches every projection up after each commit, and sweeps every few seconds regardless."""

    def __init__(self, projections: Projections, *, periodic: Sequence[Callable[[], None]] = (),
                 sweep_seconds: float = 2.0, gather_seconds: float = 0.05):
        self.projections = projections
        self.sweep_seconds = sweep_seconds
        self.gather_seconds = gather_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failures: dict[str, int] = {}
        # Jobs run after a catch-up at most once per sweep_seconds: the escalation of overdue referrals
        # and the retention job (which itself runs at most hourly).
        self.periodic = tuple(periodic)
        self._last_periodic = 0.0
        self._thread = threading.Thread(target=self._run, name="senim-projections", daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive() and not self._stop.is_set():
            self._thread.start()

    def notify(self, topics: set[str] | None = None) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.sweep_seconds)
            self._stop.wait(self.gather_seconds)  # one catch-up serves every commit of this moment
            self._wake.clear()
            if not self._stop.is_set():
                self.run_once()
                if time.monotonic() - self._last_periodic >= self.sweep_seconds:
                    self._last_periodic = time.monotonic()
                    self.run_periodic()

    def run_once(self) -> None:
        for name in self.projections.registry:
            if self._stop.is_set():
                return  # stopping: the next start resumes from each projection's position
            try:
                self.projections.catch_up(name)
                self._failures.pop(name, None)
            except Exception:
                # One failing projection must not stall the others; its error is in its status.
                self._failures[name] = self._failures.get(name, 0) + 1
                log.exception("projection %s failed (%d in a row)", name, self._failures[name])

    def run_periodic(self) -> None:
        for job in self.periodic:
            if self._stop.is_set():
                return
            try:
                job()
            except Exception:
                log.exception("periodic job %s failed", getattr(job, "__name__", job))
