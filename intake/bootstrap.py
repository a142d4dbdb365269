"""The composition root: builds the store, the services and the projection runner from settings,
for the web app, the CLI and the workers alike."""
from dataclasses import dataclass

from intake.adapters.store import SenimStore
from intake.config import Settings
from intake.services.access import AccessLog
from intake.services.appointments import AppointmentService
from intake.services.assessments import AssessmentService
from intake.services.callers import CallerService
from intake.services.calls import CallService
from intake.services.cases import CaseService
from intake.services.contacts import ContactService
from intake.services.erasure import ErasureService
from intake.services.links import LinkChecker
from intake.services.programme import ProgrammeService
from intake.services.projections import Projections
from intake.services.referrals import ReferralService
from intake.services.staff import FAST_TEST_HASHER, StaffService
from projections.db import ViewDatabase


@dataclass
class Senim:
    settings: Settings
    store: SenimStore
    views: ViewDatabase
    projections: Projections
    trigger: object  # intake.adapters.rq_trigger.RqTrigger with Redis, else intake.adapters.inprocess.InProcessRunner
    staff: StaffService
    contacts: ContactService
    assessments: AssessmentService
    referrals: ReferralService
    appointments: AppointmentService
    programme: ProgrammeService
    access: AccessLog
    cases: CaseService | None = None  # set right after the other services: it uses contacts and staff
    erasure: ErasureService | None = None  # crypto-shredding of a person's (or a case's) personal data
    callers: CallerService | None = None  # repeat-caller lookup by the keyed hash of the number
    calls: CallService | None = None  # a call with its case file, checklist and referral, as one use case

    def start_background(self) -> None:
        """The embedded default builds projections in a thread of this process."""
        if hasattr(self.trigger, "start") and not self.settings.redis_url:
            self.trigger.start()

    def close(self) -> None:
        self.access.close()
        if hasattr(self.trigger, "stop"):
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
    if settings.redis_url:
        from intake.adapters.rq_trigger import RqTrigger
        trigger = RqTrigger(projections, settings.redis_url)
    else:
        from intake.adapters.inprocess import InProcessRunner
        trigger = InProcessRunner(projections)
    store.after_commit.append(trigger.notify)
    staff = StaffService(store, hasher=FAST_TEST_HASHER if settings.testing else None)
    # Every write that names another record checks it through this one checker (linking is not a key).
    links = LinkChecker(store, projections)
    referrals = ReferralService(store, deadlines=settings.claim_deadlines, links=links)
    senim = Senim(settings=settings, store=store, views=views, projections=projections, trigger=trigger,
                  staff=staff, contacts=ContactService(store, links=links), assessments=AssessmentService(
                      store, projections, incidents=settings.escalation_incidents,
                      months=settings.escalation_months, links=links),
                  referrals=referrals, appointments=AppointmentService(referrals, staff, views, projections),
                  programme=ProgrammeService(store, projections, links=links),
                  # Tests flush by hand: refused-request tests compare event-store heads.
                  access=AccessLog(store, background=not settings.testing))
    senim.cases = CaseService(store, projections, senim.contacts, staff)
    senim.erasure, senim.callers = ErasureService(store), CallerService(store, views)
    senim.calls = CallService(contacts=senim.contacts, cases=senim.cases, assessments=senim.assessments,
                              referrals=senim.referrals)
    if hasattr(trigger, "periodic"):  # the embedded runner escalates overdue referrals each sweep
        from functools import partial

        from workers.escalation import sweep_escalations
        trigger.periodic.append(partial(sweep_escalations, senim))
    if hasattr(trigger, "periodic"):  # and shreds what the retention periods make due, at most hourly
        from workers.retention import EMBEDDED_BATCH_LIMIT, AtMostHourly
        trigger.periodic.append(AtMostHourly(senim, limit=EMBEDDED_BATCH_LIMIT))
    return senim
