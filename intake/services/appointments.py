"""Scheduling a referral's appointment within each psychologist's working hours, and attendance.

The aggregate stays pure: this service looks up, for the claimant and the pair colleague, their
working hours (on their User) and their other appointments (the appointments projection, caught up
in this request so a write just made counts), and hands both to Referral.schedule as Availability.
Two bookings racing for one psychologist in two different referrals can both pass this check; the
window is the length of one request, and the week view shows the clash at once.
"""
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from domain.actor import Actor
from domain.clock import as_aware
from domain.errors import Invalid, NotFound
from domain.referral import Referral
from domain.schedule import DEFAULT_APPOINTMENT, LONGEST_APPOINTMENT, Availability
from intake.services import Written
from intake.services.referrals import ReferralService
from intake.services.staff import StaffService
from projections.appointments import AppointmentsProjection, busy_slots

PROJECTION = AppointmentsProjection.name


class AppointmentService:
    def __init__(self, referrals: ReferralService, staff: StaffService, views, projections):
        self.referrals, self.staff, self.views, self.projections = referrals, staff, views, projections

    def colleague(self, username: str | None) -> Actor | None:
        if not username:
            return None
        try:
            user = self.staff.get_by_username(username)
        except (NotFound, Invalid):
            raise Invalid("colleague", "staff.unknown_name", username=username) from None
        if not user.active:
            raise Invalid("colleague", "staff.disabled", name=user.username)
        return user.as_actor()

    def availability(self, people: list[dict], at: datetime, duration: timedelta) -> dict[str, Availability]:
        """Working hours and nearby appointments of each psychologist, keyed by username."""
        self.projections.catch_up(PROJECTION)
        at = as_aware(at)
        window = (at - LONGEST_APPOINTMENT, at + duration + LONGEST_APPOINTMENT)
        found: dict[str, Availability] = {}
        with self.views.transaction(write=False) as tx:
            for person in people:
                if not person or not person.get("user_id"):
                    continue
                try:
                    schedule = self.staff.get(UUID(person["user_id"])).schedule
                except (NotFound, ValueError):
                    continue
                if schedule is None:
                    continue  # the domain says no working hours are on record
                slots = busy_slots(tx, user_id=person["user_id"], start=window[0], end=window[1])
                found[person["username"]] = Availability(schedule, tuple(slots))
        return found

    def schedule(self, referral_id: UUID, *, at: datetime, format: str, actor: Actor,
                 colleague: str | None = None, duration_minutes: int | None = None) -> Written:
        partner = self.colleague(colleague)
        duration = timedelta(minutes=duration_minutes) if duration_minutes else DEFAULT_APPOINTMENT

        def command(referral: Referral) -> None:
            availability: Mapping = {}
            if referral.claimant:
                people = [referral.claimant] + ([partner.as_dict()] if partner else [])
                availability = self.availability(people, at, duration)
            referral.schedule(at=at, format=format, actor=actor, availability=availability,
                              colleague=partner, duration=duration)

        # Bookings of other referrals can take the same slot: each psychologist's calendar is held
        # from the overlap check until this booking is saved.
        claimant = self.referrals.get(referral_id, actor=actor).claimant or {}
        calendars = [f"senim-calendar:{person['user_id']}" for person in (claimant, partner.as_dict() if partner else {})
                     if person.get("user_id")]
        with self.views.named_locks(calendars):
            return self.referrals._act(referral_id, actor, command)

    def record_attendance(self, referral_id: UUID, *, attended: bool, actor: Actor) -> Written:
        return self.referrals._act(
            referral_id, actor, lambda referral: referral.record_attendance(attended=attended, actor=actor))
