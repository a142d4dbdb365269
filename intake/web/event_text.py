"""Events in words for people: the one renderer of the history pages (a case's audit history, a
contact's corrections, a referral's steps, a member of staff's account), dispatching on the event's class as the projections do
(functools.singledispatch; an aggregate's own Event class catches the events a page has no words of
its own for). The facts of each event (its type, time, actor and shown data) come from
intake/queries/history.py, the same the API's histories answer.
"""
import re
from datetime import datetime, timedelta
from functools import singledispatch
from uuid import UUID

from flask_babel import format_datetime, format_time, gettext as _, lazy_gettext as _l

from domain import instruments
from domain.assessment import Assessment
from domain.case import LABELS as PERSON_LABELS, Case
from domain.clock import as_aware
from domain.contact import Contact, merge_changes
from domain.referral import OUTCOME_CODES as REFERRAL_OUTCOMES, OUTCOMES as REFERRAL_STEP_OUTCOMES, Referral
from domain.staff import User
from intake.web.i18n import LANGUAGES, label, language, role_name
from intake.web.staff_names import staff_name

# A case's audit history (supervisors) ---------------------------------------------------------------

CASE_EVENT_NAMES = {
    Case.Opened: _l("Case opened"),
    Case.PersonAdded: _l("Person added"),
    Case.PersonChanged: _l("Person's details changed"),
    Case.NoteAdded: _l("Note added"),
    Case.OwnerAssigned: _l("Case handed to another worker"),
    Case.WorkerAdded: _l("Staff member added to the case"),
    Case.Closed: _l("Case closed"),
    Case.Reopened: _l("Case reopened"),
    Case.TakenOn: _l("Family taken on under an agreement"),
    Case.SafeContactSet: _l("Safe contact recorded"),
    Case.FollowUpRecorded: _l("Follow-up after closure recorded"),
    Contact.Recorded: _l("Contact recorded"),
    Contact.Amended: _l("Contact corrected"),
    Contact.Completed: _l("Contact completed"),
    Referral.Made: _l("Referral made"),
    Referral.Claimed: _l("Referral taken by a psychologist"),
    Referral.Released: _l("Referral returned to the queue"),
    Referral.Declined: _l("Referral declined"),
    Referral.AppointmentScheduled: _l("Consultation scheduled"),
    Referral.AppointmentAttended: _l("Consultation attended"),
    Referral.AppointmentMissed: _l("Consultation missed"),
    Referral.Completed: _l("Referral completed"),
    Referral.Cancelled: _l("Referral cancelled"),
    Referral.Escalated: _l("Referral escalated as overdue"),
    Assessment.Recorded: _l("Assessment recorded"),
    Assessment.LevelOverridden: _l("Assessment level overridden"),
}
# "Case.Opened" → Case.Opened: the type names the histories carry (projections/case_timeline.py event_type).
CASE_EVENT_TYPES = {cls.__qualname__: cls for cls in CASE_EVENT_NAMES}
PERSON_ROLE_NAMES = {"victim": _l("Victim"), "aggressor": _l("Aggressor"), "child": _l("Child"),
                     "other": _l("Other person")}
FIELD_NAMES = {
    "service": _l("service"), "channel": _l("channel"), "started_at": _l("start"), "ended_at": _l("end"),
    "contact_type": _l("type of contact"), "caller": _l("caller"), "categories": _l("categories"),
    "risk": _l("risk"), "summary": _l("summary"), "outcome": _l("outcome"), "consent": _l("consent"),
    "case_id": _l("case"), "role": _l("role"), "name": _l("name"), "phone": _l("phone"), "address": _l("address"),
}
OPENED_CASE = re.compile(r"^Opened case ([0-9a-fA-F-]{36})$")


def case_event_name(event_type: str) -> str:
    """A history's type ("Case.Opened") in the page's language; an unknown type as it is."""
    cls = CASE_EVENT_TYPES.get(event_type)
    return str(CASE_EVENT_NAMES[cls]) if cls is not None else event_type


def person_label(label_text: str | None, role: str | None = None) -> str:
    """'Victim 1' in the page's language: the role's word and the number the domain gave."""
    words = (label_text or "").rsplit(" ", 1)
    english_to_role = {english: code for code, english in PERSON_LABELS.items()}
    code = english_to_role.get(words[0], role)
    number = words[1] if len(words) == 2 else ""
    return f"{PERSON_ROLE_NAMES.get(code, code or '')} {number}".strip()


def moment(value) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def when(value, style: str = "medium") -> str:
    value = moment(value)
    return format_datetime(value, style) if value else ""


def instrument_title(code: str | None) -> str:
    try:
        return instruments.get(code)["title"].get(language(), code)
    except Exception:  # noqa: BLE001 - an instrument retired since: its code still says which
        return code or ""


def level_title(code: str | None, version: str | None, level) -> str:
    try:
        levels = instruments.get(code, version)["scoring"].get("levels") or []
    except Exception:  # noqa: BLE001
        levels = []
    for each in levels:
        if str(each.get("code")) == str(level):
            return each.get(language()) or str(level)
    return str(level or "")


def short_id(value) -> str:
    return str(value)[:8]


def reason_words(reason: str | None) -> str | None:
    """A correction's reason as the pages say it: the one CaseService writes when a case is opened
    from a contact ("Opened case <id>") in the page's language, any other as it was given."""
    opened = OPENED_CASE.match(reason or "")
    if opened:
        return _("Case %(number)s was opened from this contact.", number=short_id(opened.group(1)))
    return reason


def _reason(data: dict) -> str:
    """The reason given; the one CaseService writes when a case is opened from a contact, in words."""
    reason = data.get("reason")
    if not reason:
        return ""
    opened = OPENED_CASE.match(reason)
    if opened:
        return _("Reason: case %(number)s was opened from this contact", number=short_id(opened.group(1)))
    return _("Reason: %(reason)s", reason=reason)


def _codes(list_name: str, codes) -> str:
    return ", ".join(label(list_name, code) for code in (codes or []))


def _changed(fields) -> str:
    return _("Changed: %(fields)s", fields=", ".join(str(FIELD_NAMES.get(field, field)) for field in fields))


def case_event_details(event, data: dict, case_id: UUID | None = None) -> list[str]:
    """What an event of a case's history says, in a few readable lines of the page's language.
    data: the event's shown data (intake/queries/history.py)."""
    return [line for line in _case_lines(event, data, case_id) if line]


@singledispatch
def _case_lines(event, data: dict, case_id) -> list[str]:
    return []  # an event the history has no words for: its name and time say it all


@_case_lines.register
def _case_lines_case_opened(event: Case.Opened, data, case_id):
    owner = staff_name(data.get("owner") or {})
    return [_("Owner: %(name)s", name=owner) if owner else "",
            _("Summary: %(text)s", text=data["summary"]) if data.get("summary") else ""]


@_case_lines.register
def _case_lines_case_person_added(event: Case.PersonAdded, data, case_id):
    return [person_label(data.get("label"), data.get("role")) if data.get("label") else ""]


@_case_lines.register
def _case_lines_case_person_changed(event: Case.PersonChanged, data, case_id):
    return [person_label(data.get("label"), data.get("role")) if data.get("label") else "",
            _changed(data.get("changed") or []), _reason(data)]


@_case_lines.register(Case.Closed)
@_case_lines.register(Case.Reopened)
def _case_lines_case_closed_or_reopened(event, data, case_id):
    coded = label("case_closure_reasons", data["reason_code"]) if data.get("reason_code") else ""
    return [coded, _reason(data)]


@_case_lines.register
def _case_lines_case_taken_on(event: Case.TakenOn, data, case_id):
    return [label("case_sources", data.get("source")),
            _("%(day)s, for %(months)s months", day=data.get("agreement_on") or "", months=data.get("term_months"))]


@_case_lines.register
def _case_lines_case_safe_contact_set(event: Case.SafeContactSet, data, case_id):
    return [_codes("channels", data.get("channels"))]


@_case_lines.register
def _case_lines_case_follow_up_recorded(event: Case.FollowUpRecorded, data, case_id):
    return [label("follow_up_findings", data.get("finding")), data.get("note") or ""]


@_case_lines.register
def _case_lines_case_note_added(event: Case.NoteAdded, data, case_id):
    return [data.get("text") or ""]


@_case_lines.register
def _case_lines_case_worker_added(event: Case.WorkerAdded, data, case_id):
    return [_("%(name)s added: %(reason)s", name=staff_name(data.get("worker") or {}) or "—",
              reason=data.get("reason") or "")]


@_case_lines.register
def _case_lines_case_owner_assigned(event: Case.OwnerAssigned, data, case_id):
    return [_("From %(old)s to %(new)s", old=staff_name(data.get("previous_owner") or {}) or "—",
              new=staff_name(data.get("owner") or {}) or "—")]


@_case_lines.register
def _case_lines_contact_recorded(event: Contact.Recorded, data, case_id):
    lines = [" · ".join(part for part in (label("services", data.get("service")),
                                          label("channels", data.get("channel")),
                                          label("contact_types", data.get("contact_type"))) if part)]
    caller = data.get("caller") or {}
    if caller.get("role"):
        lines.append(_("Caller: %(role)s", role=label("caller_roles", caller["role"])))
    if data.get("categories"):
        lines.append(_codes("categories", data["categories"]))
    return lines


@_case_lines.register
def _case_lines_contact_amended(event: Contact.Amended, data, case_id):
    changes = data.get("changes") or {}
    lines = [_changed(changes)]
    if "case_id" in changes:
        if changes["case_id"] is None:
            lines.append(_("Taken out of the case"))
        elif str(changes["case_id"]) == str(case_id):
            lines.append(_("Joined this case"))
        else:
            lines.append(_("Moved to another case"))
    return [*lines, _reason(data)]


@_case_lines.register
def _case_lines_contact_completed(event: Contact.Completed, data, case_id):
    return [_("Ended at %(time)s", time=when(data.get("ended_at"), "short"))]


@_case_lines.register
def _case_lines_referral_event(event: Referral.Event, data, case_id):
    return [_reason(data)]  # every other step of a referral: its reason, when it has one


@_case_lines.register
def _case_lines_referral_made(event: Referral.Made, data, case_id):
    return [" · ".join(part for part in (label("referral_targets", data.get("target")),
                                         label("urgencies", data.get("urgency")),
                                         label("referral_sources", data.get("source"))) if part),
            _reason(data)]


@_case_lines.register
def _case_lines_referral_appointment_scheduled(event: Referral.AppointmentScheduled, data, case_id):
    return [" · ".join(part for part in (when(data.get("starts_at"), "short"),
                                         label("consultation_formats", data.get("format"))) if part)]


@_case_lines.register
def _case_lines_referral_completed(event: Referral.Completed, data, case_id):
    outcome = REFERRAL_OUTCOMES.get(data.get("outcome"))  # the referral's own outcomes, not a contact's
    return [outcome.label(language()) if outcome else str(data.get("outcome") or "")]


@_case_lines.register
def _case_lines_assessment_recorded(event: Assessment.Recorded, data, case_id):
    result = data.get("result") or {}
    return [instrument_title(data.get("instrument")),
            level_title(data.get("instrument"), data.get("instrument_version"), result.get("level"))]


@_case_lines.register
def _case_lines_assessment_level_overridden(event: Assessment.LevelOverridden, data, case_id):
    return [_("From %(old)s to %(new)s", old=data.get("previous_level"), new=data.get("level")), _reason(data)]


# A contact's history (the consultant's contact page) -------------------------------------------------

CONTACT_EVENT_NAMES = {Contact.Recorded: _l("Contact recorded"), Contact.Completed: _l("Call ended"),
                       Contact.Amended: _l("Correction added")}
CONTACT_FIELDS = ("service", "channel", "started_at", "ended_at", "contact_type", "caller", "categories", "risk",
                  "summary", "outcome", "consent", "case_id")


def contact_event_name(event) -> str:
    return str(CONTACT_EVENT_NAMES.get(type(event), type(event).__name__))


@singledispatch
def contact_step(event, state: dict) -> tuple[dict, dict, str | None]:
    """(the contact's fields after the event, the fields it changed, the reason given)."""
    return state, {}, None


@contact_step.register
def _contact_step_contact_recorded(event: Contact.Recorded, state):
    recorded = {field: getattr(event, field, None) for field in CONTACT_FIELDS}
    return {**recorded, "caller": dict(recorded.get("caller") or {})}, {}, None


@contact_step.register
def _contact_step_contact_completed(event: Contact.Completed, state):
    return {**state, "ended_at": event.ended_at}, {"ended_at": event.ended_at}, None


@contact_step.register
def _contact_step_contact_amended(event: Contact.Amended, state):
    return merge_changes(state, event.changes), event.changes, reason_words(event.reason)


# A referral's steps (the psychologist's referral page) -------------------------------------------------

REFERRAL_STEP_NAMES = {
    Referral.Made: _l("Referral made"), Referral.Claimed: _l("Claimed"), Referral.Released: _l("Given back to the queue"),
    Referral.Declined: _l("Declined by the service"), Referral.AppointmentScheduled: _l("Appointment scheduled"),
    Referral.AppointmentAttended: _l("The person came"), Referral.AppointmentMissed: _l("The person did not come"),
    Referral.Completed: _l("Completed"), Referral.Cancelled: _l("Cancelled"),
    Referral.Escalated: _l("Claim deadline missed: escalated"),
}
_REFERRAL_STEPS_BY_NAME = {cls.__name__: cls for cls in REFERRAL_STEP_NAMES}


def referral_step_name(kind: str) -> str:
    """A referral event's own name (Claimed) in the page's language; an unknown one as it is."""
    cls = _REFERRAL_STEPS_BY_NAME.get(kind)
    return str(REFERRAL_STEP_NAMES[cls]) if cls is not None else kind


def _erased_or(text: str | None) -> str:
    """Free text as the page shows it: a reason read as None was erased with its data subject."""
    return _("erased") if text is None else text


def _short(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(as_aware(value), "short")


@singledispatch
def referral_step_details(event, data: dict) -> list[tuple[str, str]]:
    """(heading, value) lines of a referral's step: reasons, times, the outcome. data: vars(event)."""
    return []


@referral_step_details.register(Referral.Released)
@referral_step_details.register(Referral.Declined)
@referral_step_details.register(Referral.Cancelled)
def _referral_step_details_reason_given(event, data):
    return [(_("Reason"), _erased_or(data.get("reason")))]


@referral_step_details.register
def _referral_step_details_referral_appointment_scheduled(event: Referral.AppointmentScheduled, data):
    starts = data["starts_at"]
    ends = as_aware(starts) + timedelta(minutes=data["duration_minutes"])
    return [(_("Appointment"), f"{_short(starts)}–{format_time(ends, 'short')}"),
            (_("Format"), label("consultation_formats", data.get("format"))),
            (_("Psychologists"), ", ".join(staff_name(p) for p in data.get("psychologists") or []))]


@referral_step_details.register
def _referral_step_details_referral_completed(event: Referral.Completed, data):
    code = data.get("outcome")
    outcome = next((entry.label(language()) for entry in REFERRAL_STEP_OUTCOMES if entry.code == code), code or "")
    return [(_("Outcome"), outcome)]


@referral_step_details.register
def _referral_step_details_referral_escalated(event: Referral.Escalated, data):
    return [(_("Claim deadline"), _short(data.get("due_at")))]


@referral_step_details.register
def _referral_step_details_referral_made(event: Referral.Made, data):
    return [(_("Reason for the referral"), _erased_or(data.get("reason")))]


# A member of staff's account (the admin's user page) -------------------------------------------------

SIGN_IN_EVENTS = (User.SignInFailed, User.SignedIn)  # listed apart, as sign-in attempts
NOT_ACCOUNT_CHANGES = (User.SignedOut,)  # ending a session changes nothing about the account


@singledispatch
def account_event_text(event) -> tuple[str, str]:
    """(what happened, details) of one event of a User, in the page's language; never a password hash."""
    return type(event).__name__, ""


@account_event_text.register
def _account_created(event: User.Created):
    return _("Account created"), _("Role: %(role)s", role=role_name(vars(event).get("role")))


@account_event_text.register
def _account_role_changed(event: User.RoleChanged):
    data = vars(event)
    return _("Role changed"), _("from %(old)s to %(new)s", old=role_name(data.get("previous_role")),
                                new=role_name(data.get("role")))


@account_event_text.register
def _account_disabled(event: User.Disabled):
    return _("Account disabled"), _("Reason: %(reason)s", reason=vars(event).get("reason") or "")


@account_event_text.register
def _account_enabled(event: User.Enabled):
    return _("Account enabled"), ""


@account_event_text.register
def _account_password_changed(event: User.PasswordChanged):
    return _("Password reset"), _("Every open session of the user was signed out.")


@account_event_text.register
def _account_unlocked(event: User.Unlocked):
    return _("Account unlocked"), _("Failed sign-ins cleared: %(count)d",
                                    count=vars(event).get("failed_sign_ins") or 0)


@account_event_text.register
def _account_token_revoked(event: User.TokenRevoked):
    return _("API token revoked"), ""


@account_event_text.register
def _account_language_chosen(event: User.LanguageChosen):
    chosen = vars(event).get("language")
    return _("Language chosen"), LANGUAGES.get(chosen, chosen or "")


@account_event_text.register
def _account_working_hours_set(event: User.WorkingHoursSet):
    return _("Working hours set"), ""
