"""A structured risk assessment: the raw answers, the instrument version they were scored by,
the server's result and who assessed whom. A re-assessment is a new Assessment, so every
earlier judgement stays in the history as it was made.
"""
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import instruments
from domain.actor import Actor
from domain.errors import Forbidden, Invalid, Reason
from domain.ids import optional_id

SUPERVISOR = "supervisor"


def _same_person(actor: Actor, recorded: dict) -> bool:
    if actor.user_id is not None and recorded.get("user_id") is not None:
        return actor.user_id == recorded["user_id"]
    return actor.username == recorded.get("username")


class Assessment(Aggregate):
    """Scored once when recorded; afterwards only professional judgement moves its level."""

    @classmethod
    def record(
        cls, *, instrument: str, answers: dict, actor: Actor, version: str | None = None,
        contact_id: UUID | str | None = None, case_id: UUID | str | None = None,
        subject_role: str | None = None, result_extra: dict | None = None, concerning: list | None = None,
    ) -> "Assessment":
        """result_extra: facts the service found before recording (e.g. victim_risk's escalation
        flag), stored in the result so that replay never recomputes them. concerning: the data subjects
        an override's reason may name (domain/personal.py), found by the service."""
        spec = instruments.get(instrument, version)  # Invalid on `instrument` or `version`
        errors = instruments.answer_errors(instrument, answers, spec["version"])
        subject_role = spec["subject_roles"][0] if subject_role is None else subject_role
        if subject_role not in spec["subject_roles"]:
            errors["subject_role"] = [Reason("assessment.subject_role", instrument=instrument,
                                             roles=spec["subject_roles"])]
        ids = {field: optional_id(field, value, errors)
               for field, value in (("contact_id", contact_id), ("case_id", case_id))}
        if spec.get("needs_case") and case_id is None:  # family_needs: the family is a case's persons
            errors["case_id"] = [Reason("assessment.case_required", instrument=instrument)]
        if errors:
            raise Invalid.many(errors)
        return cls(
            instrument=instrument, instrument_version=spec["version"], fingerprint=spec["fingerprint"],
            answers=dict(answers),
            result={**instruments.score(instrument, answers, spec["version"]), **(result_extra or {})},
            subject_role=subject_role, **ids, actor=actor.as_dict(),
            sealed_for=[subject for subject in concerning or () if subject is not None],
        )

    @event("Recorded")
    def __init__(
        self, *, instrument: str, instrument_version: str, fingerprint: str, answers: dict,
        result: dict, subject_role: str, contact_id: UUID | None, case_id: UUID | None, actor: dict,
        sealed_for: list | None = None,
    ):
        # sealed_for: absent from assessments recorded before their free text was sealed for its subjects.
        self.sealed_for = list(sealed_for or [])
        self.instrument = instrument
        self.instrument_version = instrument_version
        self.fingerprint = fingerprint
        self.answers = answers
        self.result = result
        self.subject_role = subject_role
        self.contact_id = contact_id
        self.case_id = case_id
        self.assessed_by = actor
        self.level = result["level"]
        self.overrides: list[dict] = []

    @property
    def computed_level(self) -> str:
        return self.result["level"]

    def override(self, *, level: str, reason: str, actor: Actor) -> None:
        """Raising a level is the assessor's judgement; lowering one takes a supervisor."""
        is_supervisor = actor.has_role(SUPERVISOR)
        if not is_supervisor and not _same_person(actor, self.assessed_by):
            raise Forbidden("assessment.override_forbidden")
        order = instruments.level_codes(self.instrument, self.instrument_version)
        errors: dict[str, list[Reason]] = {}
        if not isinstance(reason, str) or not reason.strip():
            errors["reason"] = [Reason("override.reason_missing")]
        if level not in order:
            errors["level"] = [Reason("level.unknown", level=level, instrument=self.instrument, levels=order)]
        elif level == self.level:
            errors["level"] = [Reason("level.unchanged")]
        elif order.index(level) < order.index(self.level) and not is_supervisor:
            errors["level"] = [Reason("level.lowering_forbidden")]
        if errors:
            raise Invalid.many(errors)
        self._level_overridden(level=level, previous_level=self.level, reason=reason.strip(),
                               actor=actor.as_dict(), sealed_for=self.sealed_for)

    @event("LevelOverridden")
    def _level_overridden(self, level: str, previous_level: str, reason: str, actor: dict,
                          sealed_for: list | None = None) -> None:
        self.level = level
        self.overrides.append({"level": level, "previous_level": previous_level, "reason": reason, "by": actor})
