"""Read models built from the event log. The registry below lists every projection."""
from projections.contact_stats import ContactStatsProjection
from projections.journal import JournalProjection
from projections.referral_queue import ReferralQueueProjection

REGISTRY = (JournalProjection, ContactStatsProjection, ReferralQueueProjection)


def all_projections() -> dict:
    return {cls.name: cls() for cls in REGISTRY}
