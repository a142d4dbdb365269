"""A contact with the service: a call, a message thread, a chat, an in-person or online consultation."""
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import reference
from domain.actor import Actor
from domain.clock import ALLOWED_CLOCK_SKEW, EARLIEST_PLAUSIBLE, utc_now
from domain.errors import Conflict, Invalid, Reason
from domain.personal import PERSON_DETAILS
from domain.phone import phone_problem

# A single contact longer than this is a typo in a date, not a marathon call.
LONGEST_CONTACT = timedelta(hours=24)

CALLER_CODE_LISTS = {
    "role": "caller_roles",
    "gender": "genders",
    "age_group": "age_groups",
    "language": "languages",
    "region": "regions",
    "settlement": "settlement_types",
}
# Personal fields of the caller: encrypted with the caller's own key (domain/personal.py), erasable.
# phone_hash is a keyed hash of the normalised number (made by the service) for repeat callers.
CALLER_PERSONAL_LIMITS = PERSON_DETAILS
CALLER_KEYS = (*CALLER_CODE_LISTS, "age", "person_id", "phone_hash", *CALLER_PERSONAL_LIMITS)
# Given at recording, never by a correction: the caller's pseudonymous id (whose key seals their data).
CALLER_FIXED_KEYS = ("person_id",)
CODE_FIELDS = {"service": "services", "channel": "channels", "contact_type": "contact_types"}
CODE_LIST_FIELDS = {"categories": "categories", "risk": "risk_flags", "outcome": "outcomes",
                    "safety_steps": "safety_steps"}
CONSENT_KINDS = ("services", "reporting")

# Fields a correction may change. The service is fixed at recording: it decides which
# registration journal numbers the contact, and a journal must stay gap-free.
AMENDABLE_FIELDS = (
    "channel", "started_at", "ended_at", "contact_type", "caller", "categories",
    "risk", "summary", "outcome", "consent", "case_id",
)
NESTED_FIELDS = ("caller", "consent")


def age_group_of(age: int) -> str:
    for code in reference.CODE_LISTS["age_groups"]:
        low, high = code.attributes.get("min_age"), code.attributes.get("max_age")
        if low is not None and age >= low and (high is None or age <= high):
            return code.code
    return "unknown"


def normalise_caller(caller: dict) -> dict:
    """Fills the age group from an exact age, so statistics never miss a caller whose age is known."""
    caller = {key: value for key, value in caller.items() if value is not None}
    if "age" in caller and "age_group" not in caller:
        caller["age_group"] = age_group_of(caller["age"])
    return caller


def contact_errors(fields: dict, now: datetime) -> dict[str, list[Reason]]:
    """Every rule a contact's fields must keep, checked on recording and after each amendment."""
    errors: dict[str, list[Reason]] = {}

    def refuse(field: str, reason: Reason) -> None:
        errors.setdefault(field, []).append(reason)

    for field, list_name in CODE_FIELDS.items():
        if fields.get(field) not in reference.codes(list_name):
            refuse(field, Reason("code.unknown", code=fields.get(field)))
    for field, list_name in CODE_LIST_FIELDS.items():
        for index, code in enumerate(fields.get(field) or []):
            if code not in reference.codes(list_name):
                refuse(f"{field}.{index}", Reason("code.unknown", code=code))
    caller = fields.get("caller") or {}
    if "role" not in caller:
        refuse("caller.role", Reason("field.required"))
    for key, list_name in CALLER_CODE_LISTS.items():
        if key in caller and caller[key] not in reference.codes(list_name):
            refuse(f"caller.{key}", Reason("code.unknown", code=caller[key]))
    for key in caller:
        if key not in CALLER_KEYS:
            refuse(f"caller.{key}", Reason("caller.field_unknown"))
    for key, limit in CALLER_PERSONAL_LIMITS.items():
        value = caller.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            refuse(f"caller.{key}", Reason("caller.text_too_long", max=limit))
    if isinstance(caller.get("phone"), str) and (problem := phone_problem(caller["phone"])):
        refuse("caller.phone", problem)
    age = caller.get("age")
    if age is not None and "age_group" in caller and age_group_of(age) != caller["age_group"]:
        refuse("caller.age_group", Reason("caller.age_outside_group", age=age, age_group=caller["age_group"]))
    for key in fields.get("consent") or {}:
        if key not in CONSENT_KINDS:
            refuse(f"consent.{key}", Reason("consent.kind_unknown"))

    started, ended = fields.get("started_at"), fields.get("ended_at")
    if started is not None:
        if started > now + ALLOWED_CLOCK_SKEW:
            refuse("started_at", Reason("contact.start_in_future"))
        if started < EARLIEST_PLAUSIBLE:
            refuse("started_at", Reason("contact.start_too_early"))
    if started is not None and ended is not None:
        if ended < started:
            refuse("ended_at", Reason("contact.end_before_start"))
        elif ended - started > LONGEST_CONTACT:
            refuse("ended_at", Reason("contact.too_long"))
        if ended > now + ALLOWED_CLOCK_SKEW:
            refuse("ended_at", Reason("contact.end_in_future"))
    return errors


def colleague_errors(colleague, actor: Actor) -> dict[str, list[Reason]]:
    """A consultation held in a pair names the other psychologist (an actor's dict), never the recorder."""
    if colleague is None:
        return {}
    if not isinstance(colleague, dict) or colleague.get("role") != "psychologist":
        name = colleague.get("username", "") if isinstance(colleague, dict) else ""
        return {"colleague": [Reason("appointment.colleague_not_psychologist", name=name)]}
    if str(colleague.get("user_id")) == str(actor.user_id):
        return {"colleague": [Reason("appointment.colleague_is_claimant")]}
    return {}


def merge_changes(current: dict, changes: dict) -> dict:
    """Applies a correction: nested objects change key by key, everything else is replaced."""
    merged = dict(current)
    for field, value in changes.items():
        if field in NESTED_FIELDS and value is not None:
            merged[field] = {**(current.get(field) or {}), **value}
            merged[field] = {k: v for k, v in merged[field].items() if v is not None}
        else:
            merged[field] = value
    if "caller" in changes:
        if "age" in (changes["caller"] or {}) and "age_group" not in (changes["caller"] or {}):
            merged["caller"].pop("age_group", None)
        merged["caller"] = normalise_caller(merged["caller"])
    return merged


class Contact(Aggregate):
    """Recorded once, corrected only by amendments that carry a reason, completed once."""

    @classmethod
    def record(cls, *, actor: Actor, now: datetime | None = None, **fields) -> "Contact":
        fields.setdefault("ended_at", None)
        fields["caller"] = normalise_caller(fields.get("caller") or {})
        # Pseudonymous and random: ids are stored unencrypted, so never derived from name or phone.
        fields["caller"]["person_id"] = uuid4()
        for field in ("categories", "risk", "outcome"):
            fields[field] = list(dict.fromkeys(fields.get(field) or []))
        # The steps of a safety plan ticked in the danger panel (they start the case's safety plan).
        fields["safety_steps"] = list(dict.fromkeys(fields.get("safety_steps") or [])) or None
        fields["consent"] = dict(fields.get("consent") or {})
        fields.setdefault("summary", None)
        fields.setdefault("case_id", None)
        errors = contact_errors(fields, now or utc_now())
        errors.update(colleague_errors(fields.get("colleague"), actor))
        if errors:
            raise Invalid.many(errors)
        fields.setdefault("colleague", None)
        return cls(actor=actor.as_dict(), **fields)

    @event("Recorded")
    def __init__(
        self, *, service: str, channel: str, started_at: datetime, ended_at: datetime | None,
        contact_type: str, caller: dict, categories: list, risk: list, summary: str | None,
        outcome: list, consent: dict, case_id: UUID | None, actor: dict, safety_steps: list | None = None,
        colleague: dict | None = None,
    ):
        # safety_steps: absent from contacts recorded before the danger panel's steps were kept.
        self.fields: dict[str, Any] = {
            "service": service, "channel": channel, "started_at": started_at,
            "ended_at": ended_at, "contact_type": contact_type, "caller": caller,
            "categories": categories, "risk": risk, "summary": summary, "outcome": outcome,
            "consent": consent, "case_id": case_id, "safety_steps": safety_steps,
        }
        if colleague is not None:
            self.fields["colleague"] = colleague  # the pair colleague of a family-service consultation
        self.recorded_by = actor
        self.completed_by = actor if ended_at is not None else None
        self.amendment_count = 0

    @property
    def is_completed(self) -> bool:
        return self.fields["ended_at"] is not None

    def complete(self, *, ended_at: datetime, actor: Actor, now: datetime | None = None) -> None:
        if self.is_completed:
            raise Conflict("contact.already_completed", state="completed")
        errors = contact_errors({**self.fields, "ended_at": ended_at}, now or utc_now())
        if errors:
            raise Invalid.many(errors)
        self._completed(ended_at=ended_at, actor=actor.as_dict())

    @event("Completed")
    def _completed(self, ended_at: datetime, actor: dict) -> None:
        self.fields["ended_at"] = ended_at
        self.completed_by = actor

    def amend(self, *, changes: dict, reason: str, actor: Actor, now: datetime | None = None) -> None:
        if not reason or not reason.strip():
            raise Invalid("reason", "amendment.reason_missing")
        changes = dict(changes)  # normalised below; the caller's dict stays as it was
        unknown = [field for field in changes if field not in AMENDABLE_FIELDS]
        if unknown:
            raise Invalid.many({f"changes.{field}": [Reason("amendment.field_fixed")] for field in unknown})
        for field in NESTED_FIELDS:
            if field in changes and not isinstance(changes[field], dict):
                raise Invalid(f"changes.{field}", "amendment.keys_expected")
        for key in CALLER_FIXED_KEYS:
            if key in (changes.get("caller") or {}):
                raise Invalid(f"changes.caller.{key}", "amendment.field_fixed")
        for field in ("categories", "risk", "outcome"):
            if field in changes:
                changes[field] = list(dict.fromkeys(changes[field] or []))
        merged = merge_changes(self.fields, changes)
        effective = {field: value for field, value in changes.items() if merged[field] != self.fields[field]}
        if not effective:
            raise Invalid("changes", "amendment.changes_nothing")
        errors = contact_errors(merged, now or utc_now())
        if errors:
            raise Invalid.many({f"changes.{field}": messages for field, messages in errors.items()})
        # Whose key seals the personal fields of the correction; a contact recorded before callers had
        # ids gets one now.
        subject_id = self.fields["caller"].get("person_id") or uuid4()
        self._amended(changes=effective, reason=reason.strip(), actor=actor.as_dict(), subject_id=subject_id)

    @property
    def person_id(self) -> UUID | None:
        return (self.fields.get("caller") or {}).get("person_id")

    @event("Amended")
    def _amended(self, changes: dict, reason: str, actor: dict, subject_id: UUID | None = None) -> None:
        # subject_id: absent from Amended events written before personal fields existed.
        self.fields = merge_changes(self.fields, changes)
        if subject_id is not None:
            self.fields["caller"].setdefault("person_id", subject_id)
        self.amendment_count += 1
        if self.completed_by is None and self.fields["ended_at"] is not None:
            self.completed_by = actor  # an end given by correction completes the contact
