"""Escalation of overdue referrals: an Escalated event on each open referral past its claim deadline.

Candidates come from the referral_queue projection (open, not yet flagged escalated, deadline
before `now`). The deadline is computed here, with the configured deadlines (Settings.claim_deadlines),
so a changed configuration applies to referrals already waiting too. The referral itself decides
(Referral.escalate records at most one escalation per missed deadline and nothing when it was
claimed meanwhile). Two workers sweeping at once are
settled by the event store's optimistic concurrency: one save wins, the other gets a Conflict,
which is only logged, since the referral is escalated either way.

Runs: on every sweep of the RQ workers (workers/main.py) and of the in-process runner. The same sweep
escalates overdue casework (issue 12): the plan service's escalate_overdue(now) records
Plan.OverdueEscalated on each review and activity past due; bootstrap hands the service in as `plans`.
"""
import logging
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from domain.actor import Actor
from domain.clock import as_aware, utc_now
from domain.errors import Conflict, NotFound
from domain.referral import Referral
from intake.adapters.store import SenimStore
from projections.db import Tx, ViewDatabase
from projections.referral_queue import overdue_unescalated

log = logging.getLogger(__name__)

ESCALATION_ACTOR = Actor.system("escalation")
BATCH_LIMIT = 500  # referrals per run; the next sweep takes the rest


def overdue_candidates(tx: Tx, now: datetime, limit: int = BATCH_LIMIT,
                       deadlines: Mapping | None = None) -> list[str]:
    """Open referrals past their claim deadline that the queue does not show as escalated yet."""
    return [row["referral_id"] for row in overdue_unescalated(tx, now, limit, deadlines)]


class EscalationService:
    def __init__(self, store: SenimStore, views: ViewDatabase, deadlines: Mapping):
        self.store = store
        self.views = views
        self.deadlines = deadlines  # Settings.claim_deadlines, as the referral service has them
        self.plans = None  # the plan service (PlanService.escalate_overdue), set by bootstrap once it exists

    def escalate_overdue(self, now: datetime) -> list[str]:
        """Escalates every overdue open referral; returns the ids of those this call escalated."""
        now = as_aware(now)
        with self.views.transaction(write=False) as tx:
            candidates = overdue_candidates(tx, now, deadlines=self.deadlines)
        escalated = []
        for referral_id in candidates:
            try:
                referral = self.store.load(UUID(referral_id), Referral, "referral")
                if not referral.escalate(actor=ESCALATION_ACTOR, now=now, deadlines=self.deadlines):
                    continue  # claimed meanwhile, or already escalated (the queue had not caught up)
                self.store.commit(referral)
            except Conflict:
                log.debug("escalation of referral %s lost a race; another worker recorded it", referral_id)
                continue
            except NotFound:
                log.debug("referral %s of the queue was not found", referral_id)
                continue
            escalated.append(referral_id)
        if escalated:
            log.info("escalated %d overdue referrals", len(escalated))
        return escalated

    def escalate_casework(self, now: datetime) -> list:
        """Overdue reviews and plan activities, escalated by the plan service; nothing while there is none."""
        escalate = getattr(self.plans, "escalate_overdue", None)
        return list(escalate(as_aware(now)) or []) if escalate is not None else []

    def sweep(self) -> None:
        """One periodic run, as the sweeps call it: a failure is logged and the next sweep tries again."""
        now = utc_now()
        for escalate, what in ((self.escalate_overdue, "referrals"), (self.escalate_casework, "casework")):
            try:
                escalate(now)
            except Exception:  # the database away for a moment
                log.warning("escalation sweep of %s failed", what, exc_info=True)
