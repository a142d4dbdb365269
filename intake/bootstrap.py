"""The composition root: builds the store, the services and the projection runner from settings,
for the web app, the CLI and the workers alike, in one pass: every part is whole once built."""
from dataclasses import dataclass

from intake.adapters.inprocess import InProcessRunner
from intake.adapters.rate_limit import RateLimiter
from intake.adapters.rq_trigger import RqTrigger
from intake.adapters.store import SenimStore
from intake.adapters.trigger import Trigger
from intake.config import Settings
from intake.services.access import AccessLog
from intake.services.appointments import AppointmentService
from intake.services.assessments import AssessmentService
from intake.services.callers import CallerService
from intake.services.calls import CallService
from intake.services.cases import CaseService
from intake.services.casework import CaseWorkService
from intake.services.conferences import ConferenceService
from intake.services.contacts import ContactService
from intake.services.erasure import ErasureService
from intake.services.escalation import EscalationService
from intake.services.groups import GroupService
from intake.services.links import LinkChecker
from intake.services.plans import PlanService
from intake.services.programme import ProgrammeService
from intake.services.questionnaires import QuestionnaireService
from intake.services.referrals import ReferralService
from intake.services.retention import EMBEDDED_BATCH_LIMIT, AtMostHourly, RetentionService, rules_of
from intake.services.staff import FAST_TEST_HASHER, StaffService
from projections.db import ViewDatabase
from projections.runner import Projections

# The public feedback page, per client address: enough for a family answering on one phone, or a
# group behind one address in a training room, and not for a script filling forms in.
FEEDBACK_REQUESTS = 60
FEEDBACK_WINDOW_SECONDS = 10 * 60


@dataclass
class Senim:
    settings: Settings
    store: SenimStore
    views: ViewDatabase
    projections: Projections
    trigger: Trigger  # RqTrigger with Redis, else the InProcessRunner
    staff: StaffService
    contacts: ContactService
    assessments: AssessmentService
    referrals: ReferralService
    appointments: AppointmentService
    programme: ProgrammeService
    access: AccessLog
    cases: CaseService
    erasure: ErasureService  # crypto-shredding of a person's (or a case's) personal data
    callers: CallerService  # repeat-caller lookup by the keyed hash of the number
    calls: CallService  # a call with its case file, checklist and referral, as one use case
    escalation: EscalationService  # referrals past their claim deadline, on every sweep
    retention: RetentionService  # shredding after the retention periods, hourly
    conferences: ConferenceService  # case conferences: agendas, decisions, actions carried over a series
    questionnaires: QuestionnaireService  # responses, feedback links, the free texts for supervisors
    feedback_limiter: RateLimiter  # the public feedback page, per client address
    casework: CaseWorkService  # agreements, safe contact, safety plans and follow-ups of cases
    plans: PlanService  # a case's development plan, its reviews, needs over time; overdue escalation
    groups: GroupService  # group programmes, their sessions and certificates; trainings for professionals

    def start_background(self) -> None:
        """The embedded default builds projections in a thread of this process (RQ workers need no start)."""
        self.trigger.start()

    def close(self) -> None:
        self.access.close()
        self.trigger.stop()
        self.views.close()
        self.store.close()


def bootstrap(settings: Settings | None = None) -> Senim:
    settings = settings or Settings.from_env()
    env = settings.event_store_env()
    views = ViewDatabase(env)
    with views.setup_lock():
        store = SenimStore(env=env)
        projections = Projections(store, views, batch_size=settings.projection_batch_size)
        projections.ensure()
    staff = StaffService(store, hasher=FAST_TEST_HASHER if settings.testing else None)
    # Every write that names another record checks it through this one checker (linking is not a key).
    links = LinkChecker(store, projections)
    contacts = ContactService(store, links=links)
    referrals = ReferralService(store, deadlines=settings.claim_deadlines, links=links)
    assessments = AssessmentService(store, projections, incidents=settings.escalation_incidents,
                                    months=settings.escalation_months, links=links)
    cases = CaseService(store, projections, contacts, staff)
    erasure = ErasureService(store)
    escalation = EscalationService(store, views, settings.claim_deadlines)
    retention = RetentionService(rules_of(settings), projections, views, erasure)
    trigger = _trigger(settings, projections, escalation, retention)
    store.after_commit.append(trigger.notify)
    services = Senim(
        settings=settings, store=store, views=views, projections=projections, trigger=trigger, staff=staff,
        contacts=contacts, referrals=referrals, assessments=assessments, cases=cases, erasure=erasure,
        escalation=escalation, retention=retention,
        appointments=AppointmentService(referrals, staff, views, projections),
        programme=ProgrammeService(store, projections, links=links),
        conferences=ConferenceService(store, projections, cases=cases, staff=staff, links=links),
        groups=GroupService(store, projections, staff=staff, links=links, organisation=settings.organisation),
        callers=CallerService(store, views),
        calls=CallService(contacts=contacts, cases=cases, assessments=assessments, referrals=referrals),
        casework=CaseWorkService(store, cases, follow_up_months=settings.follow_up_months),
        # Tests flush by hand: refused-request tests compare event-store heads.
        access=AccessLog(store, background=not settings.testing),
        plans=PlanService(store, cases, staff, projections, review_months=settings.review_months),
        questionnaires=QuestionnaireService(store, projections, links=links),
        feedback_limiter=RateLimiter("feedback", limit=FEEDBACK_REQUESTS, window=FEEDBACK_WINDOW_SECONDS,
                                     redis_url=settings.redis_url))
    # The sweep escalates overdue reviews and activities through the plan service (issue 12), once it is wired.
    escalation.plans = getattr(services, "plans", None)
    return services


def _trigger(settings: Settings, projections: Projections, escalation: EscalationService,
             retention: RetentionService) -> Trigger:
    """With Redis, RQ jobs (the workers sweep escalations and retention themselves, workers/main.py);
    without, a thread of this process that also escalates overdue referrals on each sweep and shreds
    what the retention periods make due, at most hourly."""
    if settings.redis_url:
        return RqTrigger(projections, settings.redis_url)
    return InProcessRunner(projections, periodic=(escalation.sweep,
                                                  AtMostHourly(retention.run, limit=EMBEDDED_BATCH_LIMIT)))
