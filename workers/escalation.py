"""The periodic escalation job: records an Escalated event on each open referral past its claim deadline.

Candidates come from the referral_queue projection (open, not yet flagged escalated, deadline
before `now`). The deadline is computed here, with the configured deadlines (Settings.claim_deadlines),
so a changed configuration applies to referrals already waiting too. The referral itself decides
(Referral.escalate records at most one escalation per missed deadline and nothing when it was
claimed meanwhile). Two workers sweeping at once are
settled by the event store's optimistic concurrency: one save wins, the other gets a Conflict,
which is only logged, since the referral is escalated either way.
"""
import logging
from datetime import datetime
from uuid import UUID

from domain.actor import Actor
from domain.clock import as_aware
from domain.errors import Conflict, NotFound
from domain.referral import Referral
from projections.referral_queue import overdue_unescalated

log = logging.getLogger(__name__)

ESCALATION_ACTOR = Actor.system("escalation")
BATCH_LIMIT = 500  # referrals per run; the next sweep takes the rest


def overdue_candidates(tx, now: datetime, limit: int = BATCH_LIMIT, deadlines=None) -> list[str]:
    """Open referrals past their claim deadline that the queue does not show as escalated yet."""
    return [row["referral_id"] for row in overdue_unescalated(tx, now, limit, deadlines)]


def escalate_overdue(senim, now: datetime) -> list[str]:
    """Escalates every overdue open referral; returns the ids of those this call escalated."""
    now = as_aware(now)
    deadlines = senim.referrals.deadlines
    with senim.views.transaction(write=False) as tx:
        candidates = overdue_candidates(tx, now, deadlines=deadlines)
    escalated = []
    for referral_id in candidates:
        try:
            referral = senim.store.load(UUID(referral_id), Referral, "referral")
            if not referral.escalate(actor=ESCALATION_ACTOR, now=now, deadlines=deadlines):
                continue  # claimed meanwhile, or already escalated (the queue had not caught up)
            senim.store.commit(referral)
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


def sweep_escalations(senim) -> None:
    """One periodic run, as the sweeps call it: a failure is logged and the next sweep tries again."""
    from domain.clock import utc_now
    try:
        escalate_overdue(senim, utc_now())
    except Exception:  # the database away for a moment
        log.warning("escalation sweep failed", exc_info=True)
