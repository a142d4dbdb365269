"""A case file: the persons involved, notes, an owner, and whether the case is open.

Contacts, referrals and assessments join a case through their own `case_id`; the case itself
holds what belongs to no single contact: who the persons are, the workers' notes, who owns it.

State machine (any other command is a Conflict carrying the current status as its state):

    command        allowed from        to
    open           -                   open
    close          open, reopened      closed
    reopen         closed              reopened
    add_person, change_person, add_note, assign_owner, add_worker: while not closed (reopen it first)

Who works on a case: its owner and opener, and whoever joined it through their own work (a contact
they recorded in it, a referral of it they claimed), or was added to it by its owner or a
supervisor (add_worker, with a reason). Naming a case in a write is not joining it.

Data protection:
- A person is known by a fresh random `person_id` and a label ("Victim 1"), never by anything
  derived from their name. The personal fields `name`, `phone` and `address` are top-level
  attributes of PersonAdded and PersonChanged, so they can be encrypted (and erased) per person.
- Free text (summary, notes, reasons) may name anyone of the case: each event holding some carries
  `sealed_for`, the persons of the case when it was written (and the caller of the contact the case
  was opened from), so erasing any of them erases the text too (domain/personal.py).
- The victim's and children's contact details and whereabouts are never shown to psychologists
  (who work with the aggressor); a psychologist may not change such a person's role either, which
  would reveal them.
- What a role cannot see, it cannot change: a psychologist may neither change nor give the name,
  phone or address of a victim or a child (they could not read back or correct what they wrote,
  and an aggressor's account of where the victim lives must not become the record the
  consultants act on). A psychologist may still add a victim or a child by role alone.

Every event carries `at`, the moment of the command (passed in as `now`), and the actor.
"""
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.clock import as_aware, utc_now
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.ids import optional_id
from domain.personal import PERSON_DETAILS
from domain.text import REASON_MAX, SUMMARY_MAX

STATUSES = ("open", "closed", "reopened")
PERSON_ROLES = ("victim", "aggressor", "child", "other")
# Persons whose contact details and whereabouts psychologists never see.
PROTECTED_ROLES = ("victim", "child")
PERSONAL_LIMITS = PERSON_DETAILS
PERSONAL_FIELDS = tuple(PERSON_DETAILS)
PERSON_FIELDS = ("role", *PERSONAL_FIELDS)
NOTE_MAX = 20_000
LABELS = {"victim": "Victim", "aggressor": "Aggressor", "child": "Child", "other": "Other"}


def _now(now: datetime | None) -> datetime:
    """The moment of a command; passed in by tests, the clock otherwise."""
    return as_aware(now or utc_now())


def _text(field: str, value, limit: int, errors: dict, *, required: bool = False) -> str | None:
    """Text as given; blank counts as absent. A required text must hold words."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(field, []).append(Reason("text.blank"))
        return None
    if not isinstance(value, str):
        errors.setdefault(field, []).append(Reason("text.not_text"))
        return None
    if len(value) > limit:
        errors.setdefault(field, []).append(Reason("text.longer_than", max=limit))
        return None
    return value


def _reason(value, errors: dict) -> str:
    """A required reason's words; "" where refused, and `errors` says why."""
    text = _text("reason", value, REASON_MAX, errors, required=True)
    return text.strip() if text else ""


def _required_reason(value) -> str:
    """The words of a reason a command cannot do without (closing, reopening); refused otherwise."""
    errors: dict = {}
    reason = _reason(value, errors)
    if errors:
        raise Invalid.many(errors)
    return reason


def person_errors(fields: dict, prefix: str = "") -> dict[str, list[Reason]]:
    """Every rule a person's fields keep: a known role, personal fields as short text."""
    errors: dict[str, list[Reason]] = {}
    unknown = [key for key in fields if key not in PERSON_FIELDS]
    for key in unknown:
        errors[f"{prefix}{key}"] = [Reason("person.field_unknown")]
    if "role" in fields and fields["role"] not in PERSON_ROLES:
        errors[f"{prefix}role"] = [Reason("person.role_unknown", role=fields["role"], roles=PERSON_ROLES)]
    for key in PERSONAL_FIELDS:
        if key in fields:
            _text(f"{prefix}{key}", fields[key], PERSONAL_LIMITS[key], errors)
    return errors


def _personal(fields: dict) -> dict:
    """The personal fields as stored: blank text is no text."""
    return {key: fields[key] if isinstance(fields.get(key), str) and fields[key].strip() else None
            for key in PERSONAL_FIELDS if key in fields}


def sees_redacted(actor: Actor, role: str | None) -> bool:
    """Whether this actor sees a person of this role with the personal fields hidden."""
    return role in PROTECTED_ROLES and actor.has_role("psychologist")


def redacted_person(person: dict) -> dict:
    """A person as a psychologist sees them: no contact details or whereabouts of a victim or child."""
    if person["role"] not in PROTECTED_ROLES:
        return {**person, "redacted": False}
    return {**person, **{key: None for key in PERSONAL_FIELDS}, "redacted": True}


class Case(Aggregate):
    """Opened once by a worker; closed and reopened with reasons; persons and notes only added to."""

    @classmethod
    def open(
        cls, *, actor: Actor, summary: str | None = None, contact_id: UUID | str | None = None,
        owner: Actor | None = None, now: datetime | None = None, concerning: list | None = None,
    ) -> "Case":
        """concerning: data subjects the case is about from the start (the opening contact's caller)."""
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("case.open_forbidden", role=actor.role)
        errors: dict[str, list[Reason]] = {}
        summary = _text("summary", summary, SUMMARY_MAX, errors)
        contact_id = optional_id("contact_id", contact_id, errors)
        if owner is not None and not owner.has_role(*CASEWORK_ROLES):
            errors["owner"] = [Reason("case.owner_role", role=owner.role)]
        if errors:
            raise Invalid.many(errors)
        concerning = [subject for subject in concerning or () if subject is not None]
        return cls(summary=summary, contact_id=contact_id, owner=(owner or actor).as_dict(),
                   at=_now(now), actor=actor.as_dict(), sealed_for=concerning)

    @event("Opened")
    def __init__(self, *, summary: str | None, contact_id: UUID | None, owner: dict, at: datetime, actor: dict,
                 sealed_for: list | None = None):
        # sealed_for: absent from cases opened before free text was sealed for the case's persons.
        self.concerning = list(sealed_for or [])
        self.summary = summary
        self.contact_id = contact_id
        self.owner = owner
        self.opened_by, self.opened_at = actor, at
        self.persons: dict[UUID, dict] = {}
        self.notes: list[dict] = []
        self.status = "open"
        self.history: list[dict] = [{"status": "open", "reason": None, "at": at, "actor": actor}]
        self.labels_used: dict[str, int] = {}
        self.workers: dict[str, dict] = {}  # user_id → the member of staff added to the case

    # Guards ------------------------------------------------------------------------------------

    def _require_not_closed(self, action: str) -> None:
        if self.status == "closed":
            raise Conflict("case.closed", state="closed", action=action)

    def _require_case_role(self, actor: Actor) -> None:
        if not actor.has_role(*CASEWORK_ROLES):
            raise Forbidden("case.role_forbidden", role=actor.role)

    def _sealed_for(self) -> list:
        """Whom the free text written now concerns (besides the case itself): see domain/personal.py."""
        return list(dict.fromkeys([*self.concerning, *self.persons]))

    def _next_label(self, role: str) -> str:
        return f"{LABELS[role]} {self.labels_used.get(role, 0) + 1}"

    # Persons -----------------------------------------------------------------------------------

    def add_person(self, *, role: str, actor: Actor, name: str | None = None, phone: str | None = None,
                   address: str | None = None, now: datetime | None = None, person_id: UUID | None = None) -> UUID:
        """Returns the new person's id: random, so it says nothing about who they are. person_id: a
        random id chosen before the case was opened (so that its summary is sealed for the person too)."""
        self._require_case_role(actor)
        self._require_not_closed("add_person")
        fields = {"role": role, "name": name, "phone": phone, "address": address}
        errors = person_errors(fields)
        if errors:
            raise Invalid.many(errors)
        if sees_redacted(actor, role) and any(_personal(fields).values()):
            raise Forbidden("person.details_hidden")
        if person_id is None or person_id in self.persons:
            person_id = uuid4()
        self._person_added(person_id=person_id, role=role, label=self._next_label(role),
                           **_personal(fields), at=_now(now), actor=actor.as_dict())
        return person_id

    @event("PersonAdded")
    def _person_added(self, person_id: UUID, role: str, label: str, name: str | None, phone: str | None,
                      address: str | None, at: datetime, actor: dict) -> None:
        self.persons[person_id] = {"person_id": person_id, "role": role, "label": label, "name": name,
                                   "phone": phone, "address": address, "added_at": at, "added_by": actor}
        self.labels_used[role] = self.labels_used.get(role, 0) + 1

    def person(self, person_id: UUID | str) -> dict:
        try:
            key = person_id if isinstance(person_id, UUID) else UUID(str(person_id))
        except ValueError:
            key = None
        if key not in self.persons:
            raise NotFound("person.not_found", person_id=person_id)
        return self.persons[key]

    def change_person(self, person_id: UUID | str, *, changes: dict, actor: Actor, reason: str | None = None,
                      now: datetime | None = None) -> None:
        """Changes a person's role or personal fields (null clears one); a new role gets a new label."""
        self._require_case_role(actor)
        self._require_not_closed("change_person")
        person = self.person(person_id)
        errors = person_errors(changes, "changes.")
        if "role" in changes and changes["role"] is None:
            errors["changes.role"] = [Reason("person.role_required")]
        if reason is not None:
            reason = _text("reason", reason, REASON_MAX, errors)
            reason = reason.strip() if reason else None
        if errors:
            raise Invalid.many(errors)
        new = {**_personal(changes), **({"role": changes["role"]} if "role" in changes else {})}
        # Judged on what was asked, before "changes nothing": an unchanged hidden value must not be
        # confirmable by a refusal that differs from the one a changed value gets.
        role_after = new.get("role", person["role"])
        if (any(key in changes for key in PERSONAL_FIELDS)
                and (sees_redacted(actor, person["role"]) or sees_redacted(actor, role_after))):
            raise Forbidden("person.details_hidden")
        changed = [key for key in PERSON_FIELDS if key in new and new[key] != person[key]]
        if not changed:
            raise Invalid("changes", "person.changes_nothing")
        if ("role" in changed and person["role"] in PROTECTED_ROLES and new["role"] not in PROTECTED_ROLES
                and actor.has_role("psychologist")):
            raise Forbidden("person.protected_role")
        role = new.get("role", person["role"])
        self._person_changed(
            person_id=person["person_id"], changed=changed,
            role=role if "role" in changed else None,
            label=self._next_label(role) if "role" in changed else None,
            **{key: new[key] if key in changed else None for key in PERSONAL_FIELDS},
            reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self._sealed_for())

    @event("PersonChanged")
    def _person_changed(self, person_id: UUID, changed: list, role: str | None, label: str | None,
                        name: str | None, phone: str | None, address: str | None, reason: str | None,
                        at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        person = self.persons[person_id]
        values = {"role": role, "name": name, "phone": phone, "address": address}
        for key in changed:
            person[key] = values[key]
        if role is not None:  # the role changed: it is given exactly then
            person["label"] = label
            self.labels_used[role] = self.labels_used.get(role, 0) + 1

    # Notes and owner ---------------------------------------------------------------------------

    def add_note(self, *, text: str, actor: Actor, now: datetime | None = None) -> UUID:
        self._require_case_role(actor)
        self._require_not_closed("add_note")
        errors: dict = {}
        text = _text("text", text, NOTE_MAX, errors, required=True) or ""  # "": refused, errors says why
        if errors:
            raise Invalid.many(errors)
        note_id = uuid4()
        self._note_added(note_id=note_id, text=text, at=_now(now), actor=actor.as_dict(),
                         sealed_for=self._sealed_for())
        return note_id

    @event("NoteAdded")
    def _note_added(self, note_id: UUID, text: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.notes.append({"note_id": note_id, "text": text, "at": at, "actor": actor})

    def assign_owner(self, *, owner: Actor, actor: Actor, now: datetime | None = None) -> None:
        if not actor.has_role("supervisor"):
            raise Forbidden("case.assign_forbidden")
        self._require_not_closed("assign_owner")
        if not owner.has_role(*CASEWORK_ROLES):
            raise Invalid("user_id", "case.owner_role", role=owner.role)
        if same_person(self.owner, owner):
            raise Invalid("user_id", "case.already_owner", name=owner.username)
        self._owner_assigned(owner=owner.as_dict(), previous_owner=self.owner, at=_now(now), actor=actor.as_dict())

    @event("OwnerAssigned")
    def _owner_assigned(self, owner: dict, previous_owner: dict, at: datetime, actor: dict) -> None:
        self.owner = owner

    # Workers -----------------------------------------------------------------------------------

    def add_worker(self, *, worker: Actor, reason: str, actor: Actor, now: datetime | None = None) -> None:
        """Lets a member of staff into the case: only its owner or a supervisor, always with a reason."""
        self._require_responsible(actor, "add_worker")
        self._require_not_closed("add_worker")
        errors: dict = {}
        reason = _reason(reason, errors)
        if not worker.has_role(*CASEWORK_ROLES):
            errors["user_id"] = [Reason("case.worker_role", role=worker.role)]
        elif same_person(self.owner, worker) or str(worker.user_id) in self.workers:
            errors["user_id"] = [Reason("case.already_worker", name=worker.username)]
        if errors:
            raise Invalid.many(errors)
        self._worker_added(worker=worker.as_dict(), reason=reason, at=_now(now), actor=actor.as_dict(),
                           sealed_for=self._sealed_for())

    @event("WorkerAdded")
    def _worker_added(self, worker: dict, reason: str, at: datetime, actor: dict,
                      sealed_for: list | None = None) -> None:
        self.workers[str(worker.get("user_id"))] = {**worker, "reason": reason, "added_at": at, "added_by": actor}

    # Closing and reopening ---------------------------------------------------------------------

    def _require_responsible(self, actor: Actor, duty: str) -> None:
        if actor.has_role("supervisor") or same_person(self.owner, actor):
            return
        raise Forbidden("case.not_responsible", duty=duty)

    def close(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_responsible(actor, "close")  # who may, before what state: a 409 would tell an outsider
        if self.status == "closed":
            raise Conflict("case.already_closed", state="closed")
        reason = _required_reason(reason)
        self._closed(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self._sealed_for())

    @event("Closed")
    def _closed(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self._move_to("closed", reason, at, actor)

    def reopen(self, *, reason: str, actor: Actor, now: datetime | None = None) -> None:
        self._require_responsible(actor, "reopen")
        if self.status != "closed":
            raise Conflict("case.not_closed", state=self.status, status=self.status)
        reason = _required_reason(reason)
        self._reopened(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self._sealed_for())

    @event("Reopened")
    def _reopened(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self._move_to("reopened", reason, at, actor)

    def _move_to(self, status: str, reason: str | None, at: datetime, actor: dict) -> None:
        self.status = status
        self.history.append({"status": status, "reason": reason, "at": at, "actor": actor})
