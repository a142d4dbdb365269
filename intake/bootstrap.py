"""The composition root: builds the store and the services from settings, for the app, the CLI and workers."""
from dataclasses import dataclass

from intake.config import Settings
from intake.services.contacts import ContactService
from intake.services.staff import StaffService
from intake.store import SenimStore


@dataclass
class Senim:
    settings: Settings
    store: SenimStore
    staff: StaffService
    contacts: ContactService

    def close(self) -> None:
        self.store.close()


def bootstrap(settings: Settings | None = None) -> Senim:
    settings = settings or Settings.from_env()
    store = SenimStore(env=settings.event_store_env())
    return Senim(settings=settings, store=store, staff=StaffService(store), contacts=ContactService(store))
