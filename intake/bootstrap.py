"""The composition root: builds the store, the services and the projection runner from settings,
for the web app, the CLI and the workers alike."""
from dataclasses import dataclass

from intake.config import Settings
from intake.services.appointments import AppointmentService
from intake.services.assessments import AssessmentService
from intake.services.contacts import ContactService
from intake.services.programme import ProgrammeService
from intake.services.projections import Projections
from intake.services.referrals import ReferralService
from intake.services.staff import FAST_TEST_HASHER, StaffService
from intake.store import SenimStore
from projections.db import ViewDatabase


@dataclass
class Senim:
    settings: Settings
    store: SenimStore
    views: ViewDatabase
    projections: Projections
    trigger: object  # workers.queue.RqTrigger with Redis, else workers.inprocess.InProcessRunner
    staff: StaffService
    contacts: ContactService
    assessments: AssessmentService
    referrals: ReferralService
    appointments: AppointmentService
    programme: ProgrammeService

    def start_background(self) -> None:
        """The embedded default builds projections in a thread of this process."""
        if hasattr(self.trigger, "start") and not self.settings.redis_url:
            self.trigger.start()

    def close(self) -> None:
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
        from workers.queue import RqTrigger
        trigger = RqTrigger(projections, settings.redis_url)
    else:
        from workers.inprocess import InProcessRunner
        trigger = InProcessRunner(projections)
    store.after_commit.append(trigger.notify)
    staff = StaffService(store, hasher=FAST_TEST_HASHER if settings.testing else None)
    referrals = ReferralService(store, deadlines=settings.claim_deadlines)
    senim = Senim(settings=settings, store=store, views=views, projections=projections, trigger=trigger,
                  staff=staff, contacts=ContactService(store), assessments=AssessmentService(
                      store, projections, incidents=settings.escalation_incidents,
                      months=settings.escalation_months),
                  referrals=referrals, appointments=AppointmentService(referrals, staff, views, projections),
                  programme=ProgrammeService(store, projections))
    if hasattr(trigger, "periodic"):  # the embedded runner escalates overdue referrals each sweep
        from functools import partial

        from workers.escalation import sweep_escalations
        trigger.periodic.append(partial(sweep_escalations, senim))
    return senim
