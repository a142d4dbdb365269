"""The consultant's forms: a contact as a call goes, its correction, and the filters of "My contacts".

Codes are offered from the reference data in the page's language and checked by the domain (one set
of rules for the API and the pages); these forms only turn what the browser sent into the values the
services take, saying in the person's language what could not be read.
"""
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone

from flask_babel import LazyString, lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from domain import instruments, reference
from domain.clock import SERVICE_TIMEZONE, local, utc_now
from domain.contact import CALLER_PERSONAL_LIMITS
from domain.errors import Reason
from domain.text import REASON_MAX, SUMMARY_MAX
from intake.web.forms import Form, length
from intake.web.i18n import label, language, options
from intake.web.psychologist_forms import DateField, TimeField, a_date, a_time, local_moment
from intake.web.refusals import say

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CHECKLIST = "victim_risk"
ANSWERS = ("yes", "no", "unknown")
CONSENT_CHOICES = ("yes", "no", "unknown")  # unknown: not asked (stored as no value)
# Where a referral made during a contact comes from, by the service that took the contact.
REFERRAL_SOURCE = {"helpline": "helpline", "family_service": "crisis_centre"}
# The service a role records by default: consultants answer the helpline, psychologists work at the family service.
DEFAULT_SERVICE = {"consultant": "helpline", "psychologist": "family_service", "supervisor": "helpline"}
# Risk flags that open the danger panel at once.
DANGER_FLAGS = ("immediate_danger", "weapon", "threats_to_kill", "strangulation", "suicidal_ideation",
                "children_at_risk")
# How a channel is worked, which decides the form's wording: a call with its running time (voice), a
# written conversation with no timer (text), or a visit in person (visit). A channel not named is text.
CHANNEL_KINDS = {"phone": "voice", "video": "voice", "in_person": "visit"}
# Contact types recorded without data (silent, hang-up, prank, wrong number, abusive): one key and Enter.
QUICK_TYPES = ("silent", "hang_up", "prank", "wrong_number", "abusive")


def channel_kind(channel: str | None) -> str:
    return CHANNEL_KINDS.get(channel or "phone", "text")


# Caller fields as (form field, key in the contact's caller).
CALLER_FIELDS = (("caller_role", "role"), ("caller_gender", "gender"), ("caller_age_group", "age_group"),
                 ("caller_language", "language"), ("caller_region", "region"),
                 ("caller_settlement", "settlement"))
PERSONAL_FIELDS = (("caller_name", "name"), ("caller_phone", "phone"), ("caller_address", "address"))
# The danger panel's safety-planning steps (its checklist): codes of the reference list `safety_steps`,
# whose kk/ru/en wording is in domain/reference_codes.csv; the list's other steps are for a case's plan.
PANEL_SAFETY_STEPS = ("safe_now", "can_leave", "safe_place", "documents", "children", "code_word", "next_contact")
SAFETY_STEPS = tuple((code, LazyString(label, "safety_steps", code)) for code in PANEL_SAFETY_STEPS)


class Unreadable(ValueError):
    """A value the form could not read; the message is already in the page's language."""


def clean_text(value: str | None) -> str | None:
    """Typed text with surrounding blanks removed; None when nothing was typed."""
    if value is None:
        return None
    text = value.strip()
    if CONTROL_CHARACTERS.search(text):
        raise Unreadable(_l("Remove the invisible control characters from this text."))
    return text or None


def parse_moment(value: str | None) -> datetime | None:
    """A date and time as the browser's datetime-local sends it (service time), or ISO 8601 with an offset."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise Unreadable(_l("Give a date and a time, for example 2025-03-01 14:05.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SERVICE_TIMEZONE)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise Unreadable(_l("Give a date and a time, for example 2025-03-01 14:05.")) from None


def moment_value(moment: datetime | None) -> str:
    """The value of a datetime-local input: the moment in service time, to the second."""
    if moment is None:
        return ""
    return local(moment).replace(tzinfo=None, microsecond=0).isoformat()


def parse_age(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 120:
        raise Unreadable(_l("Give the age in whole years, from 0 to 120."))
    return int(text)


def parse_date(value: str | None) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unreadable(_l("Give a date, for example 2025-03-01.")) from None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise Unreadable(_l("Give a date, for example 2025-03-01."))
    return day


def consent_value(choice: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(choice or "")


def consent_choice(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "unknown")


def age_groups() -> list[dict]:
    """Each age group's bounds, so the page can pick the group as soon as an age is typed."""
    return [{"code": code.code, "min": code.attributes.get("min_age"), "max": code.attributes.get("max_age")}
            for code in reference.CODE_LISTS["age_groups"] if code.attributes.get("min_age") is not None]


def checklist() -> dict:
    """The victim risk checklist's current version, as plain data."""
    return instruments.get(CHECKLIST)


def checklist_for_page() -> dict:
    """What the page needs to show the level as answers come: items, bands and labels, in the page's language."""
    version, lang = checklist(), language()
    return {
        "instrument": CHECKLIST,
        "version": version["version"],
        "items": [item["id"] for item in version["items"]],
        "levels": [{"code": level["code"], "min": level["min"], "max": level["max"],
                    "label": level.get(lang) or level["en"]} for level in version["scoring"]["levels"]],
    }


# Domain field paths → the form field that shows the message ("_form": the form as a whole).
FIELD_OF_PATH = {
    "service": "service", "channel": "channel", "contact_type": "contact_type",
    "started_at": "started_at", "ended_at": "started_at", "summary": "summary",
    "categories": "categories", "risk": "risk", "outcome": "outcome", "case_id": "_form",
    "changes": "_form", "reason": "reason",
    "consent.services": "consent_services", "consent.reporting": "consent_reporting",
    "consent.override_reason": "consent_override",
    # The referral made from the contact (see the referral_ prefix below).
    "target": "referral_target", "urgency": "referral_urgency", "source": "service",
    "subject_role": "caller_role", "contact_id": "_form", "colleague": "colleague",
}


def form_field(path: str, *, referral: bool = False, amend: bool = False) -> str:
    """The name of the form field for a domain error path (`caller.role`, `changes.risk.2`, `answers.fear`)."""
    path = path.removeprefix("changes.")
    if path.startswith("answers."):
        return "vr-" + path[len("answers."):]
    if path == "answers":
        return "_checklist"
    if referral and path == "reason":
        return "referral_reason"
    if referral and path == "ended_at":
        return "_form"
    head, _dot, rest = path.partition(".")
    if head == "caller":
        return "caller_" + rest.split(".")[0] if rest else "caller_role"
    if head in ("categories", "risk", "outcome"):
        return head
    if path in FIELD_OF_PATH:
        field = FIELD_OF_PATH[path]
        return "ended_at" if amend and path == "ended_at" else field
    return "_form"


def errors_by_field(reasons: Mapping[str, list[Reason]], **where) -> dict[str, list[str]]:
    """A refusal's {path: [reasons]} (Invalid.reasons) as {form field: [messages in the page's language]}."""
    shown: dict[str, list[str]] = {}
    for path, path_reasons in reasons.items():
        field = form_field(path, **where)
        for reason in path_reasons:
            text = say(reason)
            if text not in shown.setdefault(field, []):
                shown[field].append(text)
    return shown


def show_problems(form, problems: dict[str, list[str]]) -> list[str]:
    """Puts each message next to its field; returns those that belong to no field."""
    general = []
    for name, messages in problems.items():
        field = form._fields.get(name)
        if field is None:
            general.extend(message for message in messages if message not in general)
            continue
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        for message in messages:
            if message not in field.errors:
                field.errors.append(message)
    return general


class ContactFields(Form):
    """Fields a contact has on the new-contact page and on its correction."""

    channel = RadioField(_l("Channel"), validate_choice=False)
    contact_type = RadioField(_l("Type of contact"), validate_choice=False)
    caller_role = RadioField(_l("Caller's role"), validate_choice=False)
    caller_gender = RadioField(_l("Gender"), validate_choice=False)
    caller_age = StringField(_l("Age, years"))
    caller_age_group = SelectField(_l("Age group"), validate_choice=False)
    caller_language = RadioField(_l("Language of the conversation"), validate_choice=False)
    caller_region = SelectField(_l("Region"), validate_choice=False)
    caller_settlement = RadioField(_l("Town or village"), validate_choice=False)
    caller_name = StringField(_l("Caller's name"), [length(CALLER_PERSONAL_LIMITS["name"])])
    caller_phone = StringField(_l("Phone number"), [length(CALLER_PERSONAL_LIMITS["phone"])])
    caller_address = TextAreaField(_l("Address"), [length(CALLER_PERSONAL_LIMITS["address"])])
    categories = SelectMultipleField(_l("What happened"), validate_choice=False)
    summary = TextAreaField(_l("Summary of the conversation"), [length(SUMMARY_MAX)])
    risk = SelectMultipleField(_l("Risk flags"), validate_choice=False)
    outcome = SelectMultipleField(_l("What was done"), validate_choice=False)
    consent_services = RadioField(_l("Agrees to receive services and to be referred"), validate_choice=False)
    consent_reporting = RadioField(_l("Agrees to be counted in reports and statistics"), validate_choice=False)
    started_at = StringField(_l("Call started at"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.channel.choices = options("channels")
        self.contact_type.choices = options("contact_types")
        self.caller_role.choices = options("caller_roles")
        self.caller_gender.choices = options("genders")
        self.caller_age_group.choices = blank + options("age_groups")
        self.caller_language.choices = options("languages")
        self.caller_region.choices = blank + options("regions")
        self.caller_settlement.choices = options("settlement_types")
        self.categories.choices = options("categories")
        self.risk.choices = options("risk_flags")
        self.outcome.choices = options("outcomes")
        consent = [("yes", _l("Yes")), ("no", _l("No")), ("unknown", _l("Not asked"))]
        self.consent_services.choices = consent
        self.consent_reporting.choices = consent

    # -- reading what was sent -----------------------------------------------------------------

    def read(self, problems: dict[str, list[str]]) -> dict:
        """The contact's fields as the domain takes them; what cannot be read is noted in problems."""
        def attempt(name, reader, value):
            try:
                return reader(value)
            except Unreadable as error:
                problems.setdefault(name, []).append(str(error.args[0]))
                return None

        caller = {key: (getattr(self, name).data or None) for name, key in CALLER_FIELDS}
        caller["age"] = attempt("caller_age", parse_age, self.caller_age.data)
        for name, key in PERSONAL_FIELDS:
            caller[key] = attempt(name, clean_text, getattr(self, name).data)
        fields = {
            "channel": self.channel.data or None,
            "contact_type": self.contact_type.data or None,
            "caller": caller,
            "categories": list(self.categories.data or []),
            "risk": list(self.risk.data or []),
            "outcome": list(self.outcome.data or []),
            "summary": attempt("summary", clean_text, self.summary.data),
            "consent": {"services": consent_value(self.consent_services.data),
                        "reporting": consent_value(self.consent_reporting.data)},
            "started_at": attempt("started_at", parse_moment, self.started_at.data),
        }
        if fields["started_at"] is None and "started_at" not in problems:
            problems["started_at"] = [str(_l("Give a date and a time, for example 2025-03-01 14:05."))]
        return fields

    def show_problems(self, problems: dict[str, list[str]]) -> list[str]:
        return show_problems(self, problems)


class NewContactForm(ContactFields):
    service = RadioField(_l("Service"), validate_choice=False)
    open_case = BooleanField(_l("Open a case file for this caller"))
    make_referral = BooleanField(_l("Make a referral now"))
    referral_target = RadioField(_l("Refer to"), validate_choice=False)
    referral_urgency = RadioField(_l("Urgency"), validate_choice=False)
    referral_reason = TextAreaField(_l("Reason for the referral"), [length(REASON_MAX)])
    consent_override = TextAreaField(_l("Why refer without consent (supervisor)"), [length(REASON_MAX)])
    call_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = options("services")
        self.referral_target.choices = options("referral_targets")
        self.referral_urgency.choices = options("urgencies")

    def read(self, problems):
        fields = super().read(problems)
        fields["service"] = self.service.data or None
        return fields

    def referral(self, problems: dict[str, list[str]], *, supervisor: bool) -> dict | None:
        """The referral to make with the contact, when asked for (contact_id is added once the contact is saved)."""
        if not self.make_referral.data:
            return None
        try:
            reason = clean_text(self.referral_reason.data)
        except Unreadable as error:
            problems.setdefault("referral_reason", []).append(str(error.args[0]))
            reason = None
        try:
            override = clean_text(self.consent_override.data) if supervisor else None
        except Unreadable as error:
            problems.setdefault("consent_override", []).append(str(error.args[0]))
            override = None
        consent = {"services": consent_value(self.consent_services.data)}
        if consent["services"] is None:
            consent["services"] = False if override else None
        if override:
            consent["override_reason"] = override
        return {
            "source": REFERRAL_SOURCE.get(self.service.data or "", "other"),
            "target": self.referral_target.data or None,
            "urgency": self.referral_urgency.data or None,
            "reason": reason or "",
            "consent": consent,
        }


# A consultation of the family service is held in person or online (a video call).
FORMAT_CHANNELS = {"in_person": "in_person", "online": "video"}
# Where a consultation's domain errors are shown on its own form.
CONSULTATION_FIELDS = {"started_at": "start", "ended_at": "end", "channel": "format", "service": "_form",
                       "contact_type": "_form"}


class ConsultationForm(ContactFields):
    """A consultation of the family service, in person or online, on its own form: its day, start and
    end as they were (never a timer), its format and the pair colleague who held it too."""

    format = RadioField(_l("Format"), validate_choice=False)
    day = DateField(_l("Date"), validators=[a_date])
    start = TimeField(_l("Start time"), validators=[a_time])
    end = TimeField(_l("End time"), validators=[a_time])
    colleague = SelectField(_l("Pair colleague"), validate_choice=False)
    call_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = options("consultation_formats")

    def read(self, problems):
        started = local_moment(self.day.data or "", self.start.data or "")
        ended = local_moment(self.day.data or "", self.end.data or "")
        self.started_at.data = moment_value(started) if started else ""
        fields = super().read(problems)
        if "started_at" in problems:
            problems.setdefault("start", []).extend(problems.pop("started_at"))
        if ended is None and not self.end.errors:
            problems.setdefault("end", []).append(str(_l("Give the time as HH:MM.")))
        if self.format.data not in FORMAT_CHANNELS:
            problems.setdefault("format", []).append(str(_l("Choose one of the offered options.")))
        fields.update(service="family_service", channel=FORMAT_CHANNELS.get(self.format.data or ""),
                      contact_type="counselling", ended_at=ended.astimezone(timezone.utc) if ended else None)
        return fields


def consultation_problems(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """The contact form's field names of a refusal, as the consultation form names them."""
    shown: dict[str, list[str]] = {}
    for name, messages in problems.items():
        shown.setdefault(CONSULTATION_FIELDS.get(name, name), []).extend(messages)
    return shown


def checklist_answers(form_data, problems: dict[str, list[str]]) -> dict[str, str] | None:
    """The checklist's answers (vr-<item>); None when not one was given. Unanswered items are unknown."""
    items = [item["id"] for item in checklist()["items"]]
    given = {}
    for item_id in items:
        answer = form_data.get(f"vr-{item_id}")
        if answer in (None, ""):
            continue
        if answer not in ANSWERS:
            problems.setdefault(f"vr-{item_id}", []).append(str(_l("Answer yes, no or unknown.")))
            continue
        given[item_id] = answer
    if not given:
        return None
    return {item_id: given.get(item_id, "unknown") for item_id in items}


class AmendForm(ContactFields):
    ended_at = StringField(_l("Call ended at"))
    reason = TextAreaField(_l("Reason for the correction"), [length(REASON_MAX)])

    def read(self, problems):
        fields = super().read(problems)
        try:
            fields["ended_at"] = parse_moment(self.ended_at.data)
        except Unreadable as error:
            problems.setdefault("ended_at", []).append(str(error.args[0]))
            fields["ended_at"] = None
        try:
            reason = clean_text(self.reason.data)
        except Unreadable as error:
            problems.setdefault("reason", []).append(str(error.args[0]))
            reason = None
        if not reason and "reason" not in problems:
            problems["reason"] = [str(_l("Say why the contact is corrected."))]
        fields["_reason"] = reason
        return fields


def amend_defaults(contact_fields: dict) -> dict:
    """The correction form filled with the contact as it stands."""
    caller = contact_fields.get("caller") or {}
    data = {name: caller.get(key) or "" for name, key in CALLER_FIELDS + PERSONAL_FIELDS}
    data["caller_age"] = "" if caller.get("age") is None else str(caller["age"])
    consent = contact_fields.get("consent") or {}
    data.update({
        "channel": contact_fields["channel"], "contact_type": contact_fields["contact_type"],
        "categories": contact_fields.get("categories") or [], "risk": contact_fields.get("risk") or [],
        "outcome": contact_fields.get("outcome") or [], "summary": contact_fields.get("summary") or "",
        "consent_services": consent_choice(consent.get("services")),
        "consent_reporting": consent_choice(consent.get("reporting")),
        "started_at": moment_value(contact_fields["started_at"]),
        "ended_at": moment_value(contact_fields.get("ended_at")),
    })
    return data


def changes_between(current: dict, wanted: dict) -> dict:
    """The fields of the correction that differ from the contact as it stands (nested: key by key)."""
    changes: dict = {}
    for field in ("channel", "contact_type", "summary"):
        if wanted.get(field) != current.get(field):
            changes[field] = wanted.get(field)
    for field in ("started_at", "ended_at"):
        # The form shows times to the second: a time left as shown is no change, whatever its microseconds.
        if moment_value(wanted.get(field)) != moment_value(current.get(field)):
            changes[field] = wanted.get(field)
    for field in ("categories", "risk", "outcome"):
        if list(wanted.get(field) or []) != list(current.get(field) or []):
            changes[field] = list(wanted.get(field) or [])
    for nested in ("caller", "consent"):
        now, then = wanted.get(nested) or {}, current.get(nested) or {}
        differing = {key: value for key, value in now.items() if value != then.get(key)}
        if nested == "caller" and "age" in differing:
            if now.get("age") is not None:
                differing.pop("age_group", None)  # a new age decides its group
            elif now.get("age_group"):
                differing["age_group"] = now["age_group"]  # the age cleared, the group kept
        if differing:
            changes[nested] = differing
    return changes


class FilterForm(Form):
    """The filters of "My contacts": a GET form, so a list can be bookmarked and reloaded."""

    class Meta:
        csrf = False

    date_from = StringField(_l("From the day"))
    date_to = StringField(_l("To the day"))
    service = SelectField(_l("Service"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)
    status = SelectField(_l("State of the contact"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _l("All"))]
        self.service.choices = everything + options("services")
        self.channel.choices = everything + options("channels")
        self.status.choices = everything + [("open", _l("Open (call continues)")), ("completed", _l("Ended"))]

    def show_problems(self, problems: dict[str, list[str]]) -> list[str]:
        return show_problems(self, problems)

    def read(self, problems: dict[str, list[str]]) -> dict:
        filters = {}
        for name in ("date_from", "date_to"):
            try:
                filters[name] = parse_date(getattr(self, name).data)
            except Unreadable as error:
                problems.setdefault(name, []).append(str(error.args[0]))
                filters[name] = None
        if filters["date_from"] and filters["date_to"] and filters["date_to"] < filters["date_from"]:
            problems.setdefault("date_to", []).append(str(_l("The end of the range is before its start.")))
        for name in ("service", "channel", "status"):
            value = getattr(self, name).data or ""
            codes = {code for code, _label in getattr(self, name).choices}
            if value not in codes:
                problems.setdefault(name, []).append(str(_l("Choose one of the offered options.")))
                value = ""
            filters[name] = value or None
        return filters


def now_value() -> str:
    return moment_value(utc_now())
