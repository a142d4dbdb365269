"""Read models built from the event log. The registry below lists every projection."""
from projections.appointments import AppointmentsProjection
from projections.case_index import CaseIndexProjection
from projections.contact_stats import ContactStatsProjection
from projections.journal import JournalProjection
from projections.programme_stats import ProgrammeStatsProjection
from projections.referral_queue import ReferralQueueProjection
from projections.referral_stats import ReferralStatsProjection

REGISTRY = (JournalProjection, ContactStatsProjection, ReferralQueueProjection, ReferralStatsProjection,
            AppointmentsProjection, ProgrammeStatsProjection, CaseIndexProjection)


def all_projections() -> dict:
    return {cls.name: cls() for cls in REGISTRY}
