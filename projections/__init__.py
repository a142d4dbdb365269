"""Read models built from the event log, and the one registry of them.

The registry's order is the order in which the in-process runner catches them up and in which
`senim projections status` lists them: the read models staff wait for come first, the hash chain last.
"""
from projections.access_log import AccessLogProjection
from projections.appointments import AppointmentsProjection
from projections.assessment_stats import AssessmentStatsProjection
from projections.base import Projection
from projections.callers import CallersProjection
from projections.case_index import CaseIndexProjection
from projections.case_timeline import CaseTimelineProjection
from projections.casework import CaseworkProjection
from projections.conferences import ConferencesProjection
from projections.contact_stats import ContactStatsProjection
from projections.group_stats import GroupStatsProjection
from projections.hash_chain import HashChainProjection
from projections.journal import JournalProjection
from projections.programme_stats import ProgrammeStatsProjection
from projections.questionnaires import QuestionnaireStatsProjection
from projections.referral_queue import ReferralQueueProjection
from projections.referral_stats import ReferralStatsProjection
from projections.retention import RetentionProjection

REGISTRY: tuple[type[Projection], ...] = (
    JournalProjection,  # the registration journals
    ContactStatsProjection,  # contacts counted per month, by every dimension and pair of dimensions
    ReferralQueueProjection,  # referrals waiting to be claimed, per target service
    ReferralStatsProjection,
    AppointmentsProjection,  # each psychologist's appointments
    ProgrammeStatsProjection,  # the correctional programme's participations
    CaseIndexProjection,  # which contacts and assessments belong to a case
    AccessLogProjection,  # who read which record, for the supervisors' audit
    CaseTimelineProjection,  # cases, who works on them, what joined them and when
    ConferencesProjection,  # case conferences: agendas, discussions, actions by owner (ids and days only)
    CaseworkProjection,  # casework over months: dates due, closures and outcomes, for caseloads and case statistics
    CallersProjection,  # repeat callers by the keyed hash of their number: the one that opens a personal field
    AssessmentStatsProjection,  # risk levels and aggressor statuses by period, for the statistics and the report
    QuestionnaireStatsProjection,  # questionnaire responses: counts, distributions, test scores (no free text)
    GroupStatsProjection,  # group programmes and trainings: lists, participants, attendance (ids and codes only)
    RetentionProjection,  # what the retention job may shred and from when: ids and moments only
    HashChainProjection,  # tamper evidence over the whole log (`senim audit verify`): last, so it delays no read model
)


def all_projections() -> dict[str, Projection]:
    return {cls.name: cls() for cls in REGISTRY}
