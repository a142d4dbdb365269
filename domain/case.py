"""A case file: the persons involved, notes, an owner, and whether the case is open.

Contacts, referrals and assessments join a case through their own `case_id`; the case itself
holds what belongs to no single contact: who the persons are, the workers' notes, who owns it.

State machine (any other command is a Conflict carrying the current status as its state):

    command        allowed from        to
    open           -                   open
    close          open, reopened      closed
    reopen         closed              reopened
    add_person, change_person, add_note, assign_owner, add_worker,
    take_on, set_safe_contact: while not closed (reopen it first)
    record_follow_up: only while closed (a follow-up follows a closure)

Casework over months (issue 12):
- take_on records the agreement with the family (the referring body, the agreement's date and term);
  recorded again while open it is an extension: the latest agreement counts (`agreement`).
- set_safe_contact records, per person, how they may be contacted safely; the times and what to say
  if someone else answers are sealed for that person. Like the person's details, a victim's or a
  child's safe contact is neither shown to nor written by psychologists.
- close gains a coded reason (`case_closure_reasons`; `other` needs words) and per-child outcomes;
  the old closing with words only still works (reason_code None: not coded).
- record_follow_up records a check 3, 6 or 12 months (the schedule is configured) after the closure;
  reopen may name the follow-up it comes from. History is kept: nothing is overwritten.

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
from calendar import monthrange
from datetime import date, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import reference
from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.clock import ALLOWED_CLOCK_SKEW, as_aware, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid, NotFound, Reason
from domain.ids import optional_id
from domain.personal import PERSON_DETAILS
from domain.text import REASON_MAX, SUMMARY_MAX, checked_text as _text

STATUSES = ("open", "closed", "reopened")
PERSON_ROLES = ("victim", "aggressor", "child", "other")
# Persons whose contact details and whereabouts psychologists never see.
PROTECTED_ROLES = ("victim", "child")
PERSONAL_LIMITS = PERSON_DETAILS
PERSONAL_FIELDS = tuple(PERSON_DETAILS)
PERSON_FIELDS = ("role", *PERSONAL_FIELDS)
NOTE_MAX = 20_000
LABELS = {"victim": "Victim", "aggressor": "Aggressor", "child": "Child", "other": "Other"}
# Taking a case on: the agreement's term in months, and the referring organisation's name.
TERM_MONTHS = (1, 60)
ORGANISATION_MAX = 500
# Safe contact: when to call, and what to say if someone else answers.
SAFE_TIMES_MAX = 500
SAFE_ANSWER_MAX = 1000
ANSWERS = ("yes", "no", "unknown")
# Per-child outcomes of a closure, each answered yes, no or unknown.
CHILD_OUTCOMES = ("removal_prevented", "returned_home", "wellbeing_improved")
FOLLOW_UP_MONTHS = (3, 6, 12)  # the default schedule (SENIM_FOLLOW_UP_MONTHS)


def _now(now: datetime | None) -> datetime:
    """The moment of a command; passed in by tests, the clock otherwise."""
    return as_aware(now or utc_now())


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


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def day_of(field: str, value, errors: dict, *, now: datetime, required: bool = True) -> str | None:
    """A date as events keep it (ISO "YYYY-MM-DD"), from a date or its text; never after today."""
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append(Reason("field.required"))
        return None
    if isinstance(value, datetime):
        value = local(value).date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            errors.setdefault(field, []).append(Reason("date.invalid"))
            return None
    if value > local(now).date():
        errors.setdefault(field, []).append(Reason("time.in_future"))
        return None
    return value.isoformat()


def moment_of(field: str, value, errors: dict, *, now: datetime) -> datetime:
    """When something happened: aware, not in the future (beyond the clocks' drift); `now` by default."""
    if value is None:
        return now
    if not isinstance(value, datetime):
        errors.setdefault(field, []).append(Reason("time.invalid"))
        return now
    value = as_aware(value)
    if value > now + ALLOWED_CLOCK_SKEW:
        errors.setdefault(field, []).append(Reason("time.in_future"))
    return value


def codes_of(field: str, values, list_name: str, errors: dict) -> list[str]:
    """A list of codes of one reference list, each once, in the order given."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        errors.setdefault(field, []).append(Reason("codes.not_a_list"))
        return []
    for index, code in enumerate(values):
        if code not in reference.codes(list_name):
            errors.setdefault(f"{field}.{index}", []).append(Reason("code.unknown", code=code))
    return list(dict.fromkeys(code for code in values if isinstance(code, str)))


def _code(field: str, value, list_name: str, errors: dict, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            errors.setdefault(field, []).append(Reason("field.required"))
        return None
    if value not in reference.codes(list_name):
        errors.setdefault(field, []).append(Reason("code.unknown", code=value))
        return None
    return value


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
        self.agreement: dict | None = None  # the latest agreement (Case.TakenOn); None: not taken on
        self.agreements: list[dict] = []  # every agreement, oldest first: the first, then extensions
        self.safe_contacts: dict[UUID, dict] = {}  # person_id → how they may be contacted safely
        self.closure: dict | None = None  # the latest closure with its reason and child outcomes
        self.follow_ups: list[dict] = []  # every follow-up check, oldest first, with the closure it follows

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

    def close(self, *, reason: str | None, actor: Actor, now: datetime | None = None, reason_code: str | None = None,
              child_outcomes: list | None = None, occurred_at: datetime | None = None) -> None:
        """Closes with words (the old way), or with a coded reason and per-child outcomes: `other`
        needs words; every child of the case gets outcomes (those not given: unknown)."""
        self._require_responsible(actor, "close")  # who may, before what state: a 409 would tell an outsider
        if self.status == "closed":
            raise Conflict("case.already_closed", state="closed")
        at = _now(now)
        errors: dict[str, list[Reason]] = {}
        reason_code = _code("reason_code", reason_code, "case_closure_reasons", errors, required=False)
        text: str | None
        if reason_code is None and "reason_code" not in errors or reason_code == "other":
            text = _reason(reason, errors)
        else:
            given = _text("reason", reason, REASON_MAX, errors)
            text = given.strip() if given else None
        outcomes = None
        if reason_code is not None or child_outcomes is not None:
            outcomes = self._child_outcomes(child_outcomes, errors)
        occurred = moment_of("occurred_at", occurred_at, errors, now=at)
        if errors:
            raise Invalid.many(errors)
        self._closed(reason=text, at=at, actor=actor.as_dict(), sealed_for=self._sealed_for(),
                     reason_code=reason_code, child_outcomes=outcomes, occurred_at=occurred)

    def children(self) -> list[dict]:
        return [person for person in self.persons.values() if person["role"] == "child"]

    def _child_outcomes(self, given, errors: dict) -> list[dict]:
        """One entry per child person of the case, in the order they were added."""
        if given is None:
            given = []
        if not isinstance(given, (list, tuple)):
            errors["child_outcomes"] = [Reason("codes.not_a_list")]
            return []
        children = {str(person["person_id"]): person for person in self.children()}
        found: dict[str, dict] = {}
        for index, entry in enumerate(given):
            field = f"child_outcomes.{index}"
            if not isinstance(entry, dict):
                errors[field] = [Reason("case.child_outcome_shape")]
                continue
            person_id = str(entry.get("person_id"))
            if person_id not in children:
                errors[f"{field}.person_id"] = [Reason("case.not_a_child", person_id=entry.get("person_id"))]
                continue
            if person_id in found:
                errors[f"{field}.person_id"] = [Reason("case.child_outcome_twice")]
                continue
            for key in entry:
                if key != "person_id" and key not in CHILD_OUTCOMES:
                    errors[f"{field}.{key}"] = [Reason("case.child_outcome_unknown")]
            for key in CHILD_OUTCOMES:
                if entry.get(key, "unknown") not in ANSWERS:
                    errors[f"{field}.{key}"] = [Reason("code.unknown", code=entry.get(key))]
            found[person_id] = {key: entry.get(key) or "unknown" for key in CHILD_OUTCOMES}
        return [{"person_id": person["person_id"],
                 **found.get(person_id, {key: "unknown" for key in CHILD_OUTCOMES})}
                for person_id, person in children.items()]

    @event("Closed")
    def _closed(self, reason: str | None, at: datetime, actor: dict, sealed_for: list | None = None,
                reason_code: str | None = None, child_outcomes: list | None = None,
                occurred_at: datetime | None = None) -> None:
        # reason_code, child_outcomes, occurred_at: absent from closures recorded before issue 12.
        self._move_to("closed", reason, at, actor)
        self.history[-1].update(reason_code=reason_code, child_outcomes=child_outcomes,
                                occurred_at=occurred_at or at)
        self.closure = self.history[-1]

    def reopen(self, *, reason: str, actor: Actor, now: datetime | None = None,
               from_follow_up: UUID | str | None = None) -> None:
        """from_follow_up: the follow-up (of the latest closure) that found the family needs help again."""
        self._require_responsible(actor, "reopen")
        if self.status != "closed":
            raise Conflict("case.not_closed", state=self.status, status=self.status)
        reason = _required_reason(reason)
        errors: dict[str, list[Reason]] = {}
        follow_up = optional_id("from_follow_up", from_follow_up, errors)
        if follow_up is not None and follow_up not in {entry["follow_up_id"] for entry in self.closure_follow_ups()}:
            errors["from_follow_up"] = [Reason("case.follow_up_unknown")]
        if errors:
            raise Invalid.many(errors)
        self._reopened(reason=reason, at=_now(now), actor=actor.as_dict(), sealed_for=self._sealed_for(),
                       from_follow_up=follow_up)

    @event("Reopened")
    def _reopened(self, reason: str, at: datetime, actor: dict, sealed_for: list | None = None,
                  from_follow_up: UUID | None = None) -> None:
        self._move_to("reopened", reason, at, actor)
        self.history[-1]["from_follow_up"] = from_follow_up

    def _move_to(self, status: str, reason: str | None, at: datetime, actor: dict) -> None:
        self.status = status
        self.history.append({"status": status, "reason": reason, "at": at, "actor": actor})

    # Taking on, safe contact, follow-up (issue 12) ----------------------------------------------

    def take_on(self, *, service: str, source: str, agreement_on, term_months: int, actor: Actor,
                organisation: str | None = None, region: str | None = None, now: datetime | None = None) -> None:
        """Records the agreement with the family; again while open, an extension (the latest counts)."""
        self._require_case_role(actor)
        self._require_not_closed("take_on")
        at = _now(now)
        errors: dict[str, list[Reason]] = {}
        service = _code("service", service, "services", errors) or ""
        source = _code("source", source, "case_sources", errors) or ""
        region = _code("region", region, "regions", errors, required=False)
        organisation = _text("organisation", organisation, ORGANISATION_MAX, errors)
        day = day_of("agreement_on", agreement_on, errors, now=at) or ""
        low, high = TERM_MONTHS
        if isinstance(term_months, bool) or not isinstance(term_months, int) or not low <= term_months <= high:
            errors["term_months"] = [Reason("case.term_months", min=low, max=high)]
        if errors:
            raise Invalid.many(errors)
        self._taken_on(service=service, source=source, organisation=organisation.strip() if organisation else None,
                       region=region, agreement_on=day, term_months=term_months, at=at, actor=actor.as_dict(),
                       sealed_for=self._sealed_for())

    @event("TakenOn")
    def _taken_on(self, service: str, source: str, organisation: str | None, region: str | None,
                  agreement_on: str, term_months: int, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        agreement = {"service": service, "source": source, "organisation": organisation, "region": region,
                     "agreement_on": agreement_on, "term_months": term_months,
                     "ends_on": add_months(date.fromisoformat(agreement_on), term_months).isoformat(),
                     "extension": bool(self.agreements), "at": at, "actor": actor}
        self.agreements.append(agreement)
        self.agreement = agreement

    def set_safe_contact(self, person_id: UUID | str, *, channels: list, actor: Actor, times: str | None = None,
                         leave_message: str = "unknown", if_someone_else_answers: str | None = None,
                         now: datetime | None = None) -> None:
        """How the person may be contacted safely; what a role may not see of the person, it may not write."""
        self._require_case_role(actor)
        self._require_not_closed("set_safe_contact")
        person = self.person(person_id)
        if sees_redacted(actor, person["role"]):
            raise Forbidden("person.details_hidden")
        errors: dict[str, list[Reason]] = {}
        channels = codes_of("channels", channels, "channels", errors)
        times = _text("times", times, SAFE_TIMES_MAX, errors)
        answer = _text("if_someone_else_answers", if_someone_else_answers, SAFE_ANSWER_MAX, errors)
        if leave_message not in ANSWERS:
            errors["leave_message"] = [Reason("code.unknown", code=leave_message)]
        if errors:
            raise Invalid.many(errors)
        self._safe_contact_set(person_id=person["person_id"], channels=channels,
                               times=times.strip() if times else None, leave_message=leave_message,
                               if_someone_else_answers=answer.strip() if answer else None,
                               at=_now(now), actor=actor.as_dict())

    @event("SafeContactSet")
    def _safe_contact_set(self, person_id: UUID, channels: list, times: str | None, leave_message: str,
                          if_someone_else_answers: str | None, at: datetime, actor: dict) -> None:
        self.safe_contacts[person_id] = {
            "person_id": person_id, "channels": list(channels), "times": times, "leave_message": leave_message,
            "if_someone_else_answers": if_someone_else_answers, "at": at, "actor": actor}

    def closure_follow_ups(self) -> list[dict]:
        """The follow-ups of the latest closure (none while the case was never closed)."""
        if self.closure is None:
            return []
        return [entry for entry in self.follow_ups if entry["closed_at"] == self.closure["at"]]

    def record_follow_up(self, *, due_months: int, finding: str, actor: Actor, note: str | None = None,
                         occurred_at: datetime | None = None, schedule: tuple[int, ...] = FOLLOW_UP_MONTHS,
                         now: datetime | None = None) -> UUID:
        """A check of how the family is doing, some months after the closure: only while closed."""
        self._require_case_role(actor)
        if self.status != "closed" or self.closure is None:
            raise Conflict("case.follow_up_not_closed", state=self.status, status=self.status)
        at = _now(now)
        errors: dict[str, list[Reason]] = {}
        if isinstance(due_months, bool) or due_months not in schedule:
            errors["due_months"] = [Reason("case.follow_up_not_due", months=list(schedule))]
        finding = _code("finding", finding, "follow_up_findings", errors) or ""
        note = _text("note", note, NOTE_MAX, errors)
        occurred = moment_of("occurred_at", occurred_at, errors, now=at)
        if "occurred_at" not in errors and occurred < self.closure["occurred_at"]:
            errors["occurred_at"] = [Reason("case.follow_up_before_closure")]
        if errors:
            raise Invalid.many(errors)
        follow_up_id = uuid4()
        self._follow_up_recorded(follow_up_id=follow_up_id, due_months=due_months, finding=finding,
                                 note=note.strip() if note else None, occurred_at=occurred, at=at,
                                 actor=actor.as_dict(), sealed_for=self._sealed_for())
        return follow_up_id

    @event("FollowUpRecorded")
    def _follow_up_recorded(self, follow_up_id: UUID, due_months: int, finding: str, note: str | None,
                            occurred_at: datetime, at: datetime, actor: dict, sealed_for: list | None = None) -> None:
        self.follow_ups.append({"follow_up_id": follow_up_id, "due_months": due_months, "finding": finding,
                                "note": note, "occurred_at": occurred_at, "at": at, "actor": actor,
                                "closed_at": self.closure["at"] if self.closure else None})

    def follow_up_schedule(self, schedule: tuple[int, ...] = FOLLOW_UP_MONTHS) -> list[dict]:
        """The checks due after the latest closure, each with its due date and the findings recorded for it."""
        if self.closure is None:
            return []
        closed_on = local(self.closure["occurred_at"]).date()
        recorded = self.closure_follow_ups()
        return [{"due_months": months, "due_on": add_months(closed_on, months).isoformat(),
                 "findings": [entry for entry in recorded if entry["due_months"] == months]}
                for months in schedule]
