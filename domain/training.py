"""Trainings and events for professionals: webinars, trainings, supervisions and monitoring visits.

A training is recorded with its day, kind (reference list `training_kinds`), audience
(`training_audiences`: juvenile police inspectors, crisis-centre staff, …), trainers, topic, hours and
the regions it covered; its participants are added one by one: name and position (sealed under the
participant's own key, erasable: domain/personal.py), organisation (readable: organisations are not the
people the service serves, as partner agencies of case conferences) and region.

Counts (projections/group_stats.py): trainings by kind and audience, participants (records: a person at
two webinars counts twice, as the funders' tables count seats), and the regions covered, distinct.
Questionnaires (pre/post tests, feedback) point at a training by {kind: "training", id}.
"""
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.clock import as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, Reason
from domain.group import NAME_MAX, REGIONS, _code, _number, _text, day_of
from domain.reference import codes

TRAINING_ROLES = ("psychologist", "supervisor")
KINDS = codes("training_kinds")
AUDIENCES = codes("training_audiences")
MOST_TRAINERS = 10
MOST_PARTICIPANTS = 2000


class Training(Aggregate):
    @classmethod
    def record(cls, *, kind, audience, held_on, trainers, topic, regions, actor: Actor, hours=None,
               now: datetime | None = None) -> "Training":
        if not actor.has_role(*TRAINING_ROLES):
            raise Forbidden("training.forbidden", role=actor.role)
        now = as_aware(now or utc_now())
        errors: dict[str, list[Reason]] = {}
        kind = _code(kind, KINDS, "kind", errors)
        audience = _code(audience, AUDIENCES, "audience", errors)
        day = day_of(held_on, "held_on", errors)
        if day is not None and day > local(now).date():
            errors["held_on"] = [Reason("group.day_in_future")]
        names: list[str] = []
        if not isinstance(trainers, (list, tuple)) or not trainers:
            errors["trainers"] = [Reason("field.required")]
        elif len(trainers) > MOST_TRAINERS:
            errors["trainers"] = [Reason("group.too_many", max=MOST_TRAINERS)]
        else:
            for index, trainer in enumerate(trainers):
                name = _text(trainer, f"trainers.{index}", errors, limit=NAME_MAX)
                if name:
                    names.append(name)
        topic = _text(topic, "topic", errors)
        hours = _number(hours, "hours", errors, low=0.25, high=200, required=False, whole=False)
        covered: list[str] = []
        if not isinstance(regions, (list, tuple)):
            errors["regions"] = [Reason("field.required")]
        else:
            for index, region in enumerate(regions):
                code = _code(region, REGIONS, f"regions.{index}", errors)
                if code and code not in covered:
                    covered.append(code)
        if errors:
            raise Invalid.many(errors)
        return cls(kind=kind, audience=audience, held_on=day.isoformat() if day else "", trainers=names,
                   topic=topic, regions=covered, hours=float(hours) if hours is not None else None, at=now,
                   actor=actor.as_dict())

    @event("Recorded")
    def __init__(self, *, kind: str, audience: str, held_on: str, trainers: list, topic: str, regions: list,
                 hours: float | None, at: datetime, actor: dict):
        self.kind, self.audience, self.held_on = kind, audience, held_on
        self.trainers, self.topic, self.regions, self.hours = list(trainers), topic, list(regions), hours
        self.recorded_at, self.recorded_by = at, actor
        self.participants: dict[UUID, dict] = {}

    def add_participant(self, *, participant_id: UUID, name, organisation, position=None, region=None,
                        actor: Actor, now: datetime | None = None) -> UUID:
        if not actor.has_role(*TRAINING_ROLES):
            raise Forbidden("training.forbidden", role=actor.role)
        if len(self.participants) >= MOST_PARTICIPANTS:
            raise Conflict("group.full", state="full", capacity=MOST_PARTICIPANTS)
        errors: dict[str, list[Reason]] = {}
        name = _text(name, "name", errors, limit=NAME_MAX)
        organisation = _text(organisation, "organisation", errors, limit=NAME_MAX)
        position = _text(position, "position", errors, limit=NAME_MAX, required=False)
        region = _code(region, REGIONS, "region", errors, required=False)
        if errors:
            raise Invalid.many(errors)
        self._participant_added(participant_id=participant_id, name=name, position=position,
                                organisation=organisation, region=region, at=as_aware(now or utc_now()),
                                actor=actor.as_dict())
        return participant_id

    @event("ParticipantAdded")
    def _participant_added(self, participant_id: UUID, name: str | None, position: str | None,
                           organisation: str | None, region: str | None, at: datetime, actor: dict) -> None:
        self.participants[participant_id] = {"participant_id": participant_id, "name": name, "position": position,
                                             "organisation": organisation, "region": region, "added_at": at}
