"""Read models built from the event log. The registry below lists every projection."""
from projections.access_log import AccessLogProjection
from projections.appointments import AppointmentsProjection
from projections.assessment_stats import AssessmentStatsProjection
from projections.callers import CallersProjection
from projections.case_index import CaseIndexProjection
from projections.case_timeline import CaseTimelineProjection
from projections.contact_stats import ContactStatsProjection
from projections.hash_chain import HashChainProjection
from projections.journal import JournalProjection
from projections.programme_stats import ProgrammeStatsProjection
from projections.referral_queue import ReferralQueueProjection
from projections.referral_stats import ReferralStatsProjection

REGISTRY = (JournalProjection, ContactStatsProjection, ReferralQueueProjection, ReferralStatsProjection,
            AppointmentsProjection, ProgrammeStatsProjection, CaseIndexProjection, AccessLogProjection,
            CaseTimelineProjection)

# Repeat callers by the keyed hash of their number; the one read model that opens a personal field.
REGISTRY += (CallersProjection,)

# Risk levels and aggressor statuses by period, for the supervisors' statistics and monthly report.
REGISTRY += (AssessmentStatsProjection,)

# What the retention job may shred and from when (workers/retention.py): ids and moments only.
from projections.retention import RetentionProjection  # noqa: E402

REGISTRY += (RetentionProjection,)

# Tamper evidence over the whole log (`senim audit verify`), last so it never delays a read model.
REGISTRY += (HashChainProjection,)


def all_projections() -> dict:
    return {cls.name: cls() for cls in REGISTRY}
