"""Retention: shreds the personal data of cases closed long ago and of old non-data contacts.

Rules (periods from Settings, `off` disables one; domain/retention.py):
- closed cases (SENIM_RETENTION_CLOSED_CASES): once a case has been closed for the period (a case
  reopened since is not closed), the case's own subject (summary, notes), every person of the case,
  and the caller of every contact that belongs to it;
- non-data contacts (SENIM_RETENTION_NON_DATA_CONTACTS): the caller of a silent, prank, wrong-number…
  contact (contact_types with non_data) that started the period ago, unless it belongs to a case
  (then it is kept, and shredded, with the case).

Candidates come from the `retention` projection (caught up first, so only the log's tail is read),
limited to subjects whose key still exists, longest due first, at most BATCH_LIMIT per run: the
next run takes the rest. Each is erased through ErasureService.erase_subject (the audited
Erasure.Performed, then the key goes) as the system actor "retention", with the rule as the reason.
A subject erased meanwhile (by a supervisor, another worker) is counted as skipped; one that fails
is logged by its kind and the error's type and counted, and the run goes on. Logs hold counts only.

Runs: hourly from the sweeps (AtMostHourly; workers/main.py: at most once an hour across every
worker sharing Redis; the in-process runner: at most once an hour per process), and by hand:
`senim retention run`.
"""
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis

from domain import reference
from domain.actor import Actor
from domain.clock import as_aware, utc_now
from domain.errors import NotFound
from domain.retention import CLOSED_CASES, NON_DATA_CONTACTS, Period, reason
from intake.config import Settings
from intake.services.erasure import AlreadyErased, ErasureService
from projections.db import ViewDatabase
from projections.retention import count_due, due_subjects, utc_text
from projections.runner import Projections

log = logging.getLogger(__name__)

RETENTION_ACTOR = Actor.system("retention")
PROJECTION = "retention"
BATCH_LIMIT = 500  # subjects per run; the next run takes the rest
# The embedded runner erases in its projection thread, which meanwhile builds no read model.
EMBEDDED_BATCH_LIMIT = 100
EVERY_SECONDS = 3600
RUN_KEY = "senim:retention:last-run"  # set for an hour by the worker that runs the job


@dataclass
class RetentionRun:
    """What one run found and did, by rule: counts only."""
    rules: dict[str, Period | None] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)  # every due subject, not only this batch's
    erased: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # erased meanwhile by someone else
    failed: dict[str, int] = field(default_factory=dict)

    def total(self, counts: str) -> int:
        return sum(getattr(self, counts).values())


def rules_of(settings: Settings) -> dict[str, Period | None]:
    return {CLOSED_CASES: settings.retention_closed_cases, NON_DATA_CONTACTS: settings.retention_non_data_contacts}


def non_data_types() -> list[str]:
    return [code.code for code in reference.CODE_LISTS["contact_types"] if code.attributes.get("non_data")]


class RetentionService:
    def __init__(self, rules: dict[str, Period | None], projections: Projections, views: ViewDatabase,
                 erasure: ErasureService):
        self.rules = rules  # rules_of(settings): the period of each rule, None when it is off
        self.projections = projections
        self.views = views
        self.erasure = erasure

    def run(self, now: datetime | None = None, *, limit: int = BATCH_LIMIT, dry_run: bool = False) -> RetentionRun:
        """One run: finds what the rules make due at `now` and erases up to `limit` subjects (none on a dry run)."""
        now = as_aware(now or utc_now())
        run = RetentionRun(rules=dict(self.rules))
        periods = {rule: period for rule, period in run.rules.items() if period is not None}
        if not periods:
            return run
        try:
            self.projections.catch_up(PROJECTION)
        except Exception:  # recorded in the projection's status; work from what it holds
            log.warning("retention: the retention projection could not catch up", exc_info=True)
        cutoffs = {rule: utc_text(period.before(now)) for rule, period in periods.items()}
        types = non_data_types()
        with self.views.transaction(write=False) as tx:
            run.due = count_due(tx, cutoffs, types)
            batch = due_subjects(tx, cutoffs, types, limit)
        for rule in periods:
            run.erased[rule] = run.skipped[rule] = run.failed[rule] = 0
        if dry_run:
            return run
        for subject in batch:
            rule = subject["rule"]
            try:
                self.erasure.erase_subject(subject["subject_id"], reason(rule, periods[rule]), RETENTION_ACTOR,
                                            kind=subject["kind"])
            except (AlreadyErased, NotFound):
                run.skipped[rule] += 1
            except Exception as error:  # one subject must not stop the others; the next run tries it again
                run.failed[rule] += 1
                log.warning("retention: erasing a %s subject failed (%s)", subject["kind"], type(error).__name__)
                log.debug("retention: the failure", exc_info=True)
            else:
                run.erased[rule] += 1
        if batch:
            log.info("retention: %d due, %d erased, %d skipped, %d failed", run.total("due"), run.total("erased"),
                     run.total("skipped"), run.total("failed"))
        return run


class AtMostHourly:
    """Calls the retention job (RetentionService.run) at most once per `seconds`: with Redis, across every
    process sharing it (the first to set RUN_KEY runs; the key expires after `seconds`); without, within
    this process."""

    def __init__(self, job: Callable[..., Any], *, redis: Redis | None = None, seconds: float = EVERY_SECONDS,
                 limit: int = BATCH_LIMIT):
        self.redis = redis
        self.seconds = seconds
        self.limit = limit
        self.job = job
        self._last: float | None = None

    def _claim(self) -> bool:
        if self.redis is not None:
            return bool(self.redis.set(RUN_KEY, utc_now().isoformat(), nx=True, ex=max(int(self.seconds), 1)))
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True

    def __call__(self) -> None:
        """As the sweeps call it: a failure is logged and the next hour tries again."""
        try:
            if self._claim():
                self.job(limit=self.limit)
        except Exception:  # the database or Redis away for a moment
            log.warning("retention sweep failed", exc_info=True)
