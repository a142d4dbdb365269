"""The consultant's pages: a new contact as the call goes, the confirmation, "My contacts", one
contact with its history, and its correction.

Saving a call is one use case of the application (intake/services/calls.py, also offered as
POST /api/v1/calls): the page turns the form into a Call, the service checks every part before
anything is written (so a refusal writes nothing) and writes the contact, then the case file, the
victim risk checklist and the referral; a part that fails after the contact was saved (the database
went away) is reported with exactly what was saved and a button to redo the rest. A hidden call token makes a repeated submit (a double click, the back button, a
reload) land on the contact already saved instead of recording the call twice.
"""
import secrets
from datetime import datetime
from uuid import UUID

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, format_time, gettext as _, lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from domain import instruments, reference
from domain.actor import CASEWORK_ROLES
from domain.clock import ALLOWED_CLOCK_SKEW, local, utc_now
from domain.errors import Conflict, DomainError, Forbidden, Invalid
from domain.personal import PERSON_DETAILS
from domain.phone import phone_problem
from domain.referral import STATUSES as REFERRAL_STATUSES
from intake.adapters.store import unavailable_errors
from intake.queries import journals
from intake.refusals import note_refused
from intake.running import senim
from intake.services.calls import Call, CallRefused
from intake.web.consultant_forms import (
    CHANNEL_KINDS,
    DANGER_FLAGS,
    DEFAULT_SERVICE,
    QUICK_TYPES,
    SAFETY_STEPS,
    AmendForm,
    ConsultationForm,
    FilterForm,
    NewContactForm,
    Unreadable,
    age_groups,
    amend_defaults,
    changes_between,
    channel_kind,
    checklist,
    checklist_answers,
    checklist_for_page,
    consultation_problems,
    errors_by_field,
    now_value,
    parse_moment,
)
from intake.web.event_text import contact_event_name, contact_step
from intake.web.i18n import label, language
from intake.web.own_writes import caught_up, remember
from intake.web.refusals import say
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name

bp = Blueprint("web_consultant", __name__)

DRAFT = "new-contact"
PAGE_SIZE = 25
SAVED_CALLS_KEPT = 20  # call tokens remembered per session against a second submit of the same call
LIST_WAIT_SECONDS = 3.0  # how long a list waits for the read model to show this person's newest write
LOOKUP_WAIT_SECONDS = 1.5
KEEPALIVE_SECONDS = 60  # an open call form tells the server it is still open, so the session never idles out
HIDDEN_CALLER_KEYS = ("person_id", "phone_hash")
FIELD_LABELS = {
    "service": _l("Service"), "channel": _l("Channel"), "contact_type": _l("Type of contact"),
    "started_at": _l("Call started at"), "ended_at": _l("Call ended at"), "categories": _l("What happened"),
    "risk": _l("Risk flags"), "summary": _l("Summary of the conversation"), "outcome": _l("What was done"),
    "case_id": _l("Case"), "caller": _l("Caller"), "consent": _l("Consent"),
}
CALLER_LABELS = {
    "role": _l("Caller's role"), "gender": _l("Gender"), "age": _l("Age, years"), "age_group": _l("Age group"),
    "language": _l("Language of the conversation"), "region": _l("Region"), "settlement": _l("Town or village"),
    "name": _l("Caller's name"), "phone": _l("Phone number"), "address": _l("Address"),
}
CONSENT_LABELS = {"services": _l("Agrees to receive services and to be referred"),
                  "reporting": _l("Agrees to be counted in reports and statistics")}
CODE_LIST_OF = {"service": "services", "channel": "channels", "contact_type": "contact_types",
                "categories": "categories", "risk": "risk_flags", "outcome": "outcomes",
                "role": "caller_roles", "gender": "genders", "age_group": "age_groups", "language": "languages",
                "region": "regions", "settlement": "settlement_types"}


def store_unavailable() -> tuple[type[Exception], ...]:
    return unavailable_errors()


def note_read(kind: str, record_id) -> None:
    senim().access.record(current_actor(), kind, record_id, remote_addr=request.remote_addr)


# -- showing values ------------------------------------------------------------------------------

def duration_text(seconds: int | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def shown(field: str, value) -> str:
    """A field's value in the page's language: codes by their labels, times in service time."""
    if value is None or value == "" or value == []:
        return "—"
    if field in ("services_consent", "reporting_consent"):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    if field == "case_id":  # a case by its number, as the supervisor's pages name it (never a raw id)
        return _("Case %(number)s", number=str(value)[:8])
    list_name = CODE_LIST_OF.get(field)
    if list_name and isinstance(value, list):
        return "; ".join(label(list_name, code) for code in value)
    if list_name:
        return label(list_name, value)
    return str(value)


def contact_rows(fields: dict, erased: bool) -> dict:
    """The contact's fields grouped as on the form, each as (label, shown value)."""
    caller = fields.get("caller") or {}
    consent = fields.get("consent") or {}

    def consent_text(key):
        value = consent.get(key)
        return str(_l("Not asked")) if value is None else shown(f"{key}_consent", value)

    started, ended = fields["started_at"], fields.get("ended_at")
    personal = [(CALLER_LABELS[key], shown(key, caller.get(key))) for key in PERSON_DETAILS
                if caller.get(key)]
    voice = fields["channel"] == "phone"  # a video consultation is a consultation, not a call
    times = [(FIELD_LABELS["started_at"] if voice else _l("Started at"), shown("started_at", started)),
             (FIELD_LABELS["ended_at"] if voice else _l("Ended at"),
              shown("ended_at", ended) if ended else str(_l("Open (call continues)") if voice else _l("Open (not ended yet)")))]
    if channel_kind(fields["channel"]) != "text":  # a written thread's length says nothing of the work
        times.append((_l("Duration"), duration_text((ended - started).total_seconds()) if ended else "—"))
    if fields.get("colleague"):
        times.append((_l("Pair colleague"), fields["colleague"].get("username", "")))
    return {
        "call": [(FIELD_LABELS["service"], shown("service", fields["service"])),
                 (FIELD_LABELS["channel"], shown("channel", fields["channel"])),
                 (FIELD_LABELS["contact_type"], shown("contact_type", fields["contact_type"])), *times],
        "caller": [(CALLER_LABELS[key], shown(key, caller.get(key)))
                   for key in ("role", "gender", "age", "age_group", "language", "region", "settlement")]
        + ([] if erased else personal),
        "personal_erased": erased,
        "what": [(FIELD_LABELS["categories"], shown("categories", fields.get("categories"))),
                 (FIELD_LABELS["summary"], shown("summary", fields.get("summary")))],
        "risk": list(fields.get("risk") or []),
        "outcome": [(FIELD_LABELS["outcome"], shown("outcome", fields.get("outcome"))),
                    (CONSENT_LABELS["services"], consent_text("services")),
                    (CONSENT_LABELS["reporting"], consent_text("reporting"))],
    }


def change_rows(before: dict, changes: dict) -> list[tuple[str, str, str]]:
    """(field, from, to) for each field a correction changed."""
    rows = []
    for field, value in changes.items():
        if field == "caller":
            for key, new in (value or {}).items():
                if key not in HIDDEN_CALLER_KEYS:
                    rows.append((str(CALLER_LABELS.get(key, key)), shown(key, (before.get("caller") or {}).get(key)),
                                 shown(key, new)))
        elif field == "consent":
            for key, new in (value or {}).items():
                old = (before.get("consent") or {}).get(key)
                rows.append((str(CONSENT_LABELS.get(key, key)),
                             str(_l("Not asked")) if old is None else shown(f"{key}_consent", old),
                             str(_l("Not asked")) if new is None else shown(f"{key}_consent", new)))
        else:
            rows.append((str(FIELD_LABELS.get(field, field)), shown(field, before.get(field)), shown(field, value)))
    return rows


def history_entries(events) -> list[dict]:
    """Every event of the contact, oldest first: what happened, who did it and when, and why."""
    entries, state = [], {}
    for event in events:
        actor = getattr(event, "actor", None) or {}
        after, changes, reason = contact_step(event, state)
        entries.append({"at": event.timestamp, "kind": contact_event_name(event), "who": staff_name(actor),
                        "role": actor.get("role", ""), "reason": reason, "changes": change_rows(state, changes)})
        state = after
    return entries


def assessment_view(assessment) -> dict:
    result, lang = assessment.result, language()
    version = instruments.get(assessment.instrument, assessment.instrument_version)
    levels = {level["code"]: level.get(lang) or level["en"] for level in version["scoring"]["levels"]}
    return {"id": assessment.id, "title": version["title"].get(lang) or version["title"]["en"],
            "level": assessment.level, "level_label": levels.get(assessment.level, assessment.level),
            "computed_label": levels.get(result["level"], result["level"]), "score": result["score"],
            "max_score": result["max_score"], "unknown_count": result["unknown_count"],
            "complete": result["complete"],
            "highest_label": levels.get(result["highest_possible_level"], result["highest_possible_level"])}


def referral_view(referral) -> dict:
    statuses = {code.code: code.label(language()) for code in REFERRAL_STATUSES}
    return {"id": referral.id, "target": label("referral_targets", referral.target),
            "urgency": referral.urgency, "urgency_label": label("urgencies", referral.urgency),
            "status": statuses.get(referral.status, referral.status), "made_at": referral.made_at,
            "deadline": senim().referrals.claim_deadline(referral)}


# -- new contact ---------------------------------------------------------------------------------

def new_defaults(role: str) -> dict:
    """A fresh call, not answered yet (its start is set by the first key in the form), a new call token
    and the safe preselections."""
    return {"service": DEFAULT_SERVICE.get(role, "helpline"), "channel": "phone", "contact_type": "counselling",
            "consent_services": "unknown", "consent_reporting": "unknown", "referral_urgency": "routine",
            "started_at": "", "call_token": secrets.token_urlsafe(16)}


def render_new(form: NewContactForm, *, status: int = 200, problems: dict | None = None,
               general: list[str] | None = None, restored: bool = False):
    problems = problems or {}
    version = checklist()
    lang = language()
    answers = {item["id"]: (request.form.get(f"vr-{item['id']}") if request.method == "POST" else None)
               for item in version["items"]}
    items = [{"id": item["id"], "text": item.get(lang) or item["en"], "answer": answers[item["id"]],
              "errors": problems.get(f"vr-{item['id']}", [])} for item in version["items"]]
    safety_steps = request.form.getlist("safety_step") if request.method == "POST" else []
    danger = bool(set(form.risk.data or []) & set(DANGER_FLAGS))
    try:
        started_text = format_time(parse_moment(form.started_at.data), "medium") if form.started_at.data else ""
    except (Unreadable, TypeError, AttributeError):
        started_text = ""
    types = {code: (digit, text) for digit, (code, text) in enumerate(form.contact_type.choices, start=1)}
    return render_template(
        "web/consultant/new_contact.html", form=form, status=status, general=general or [],
        checklist_title=version["title"].get(lang) or version["title"]["en"], checklist_items=items,
        checklist_json=checklist_for_page(), checklist_errors=problems.get("_checklist", []),
        danger_flags=DANGER_FLAGS, danger=danger, safety_steps=SAFETY_STEPS, safety_checked=safety_steps,
        draft=DRAFT, restore=not restored, supervisor=current_actor().role == "supervisor",
        lookup_available=callers_service() is not None, started_text=started_text,
        utc_offset=int(local(utc_now()).utcoffset().total_seconds() // 60), age_groups=age_groups(),
        channel_kind=channel_kind(form.channel.data), channel_kinds=CHANNEL_KINDS,
        consultation_url=url_for(".new_consultation") if current_actor().role in CONSULTATION_ROLES else None,
        quick_types=[(types[code][0], code, types[code][1]) for code in QUICK_TYPES if code in types], keepalive_seconds=KEEPALIVE_SECONDS,
        opened_at=request.form.get("opened_at", "")[:40] if request.method == "POST" else now_value(),
    ), status


def refused_by_field(refused: CallRefused) -> dict[str, list[str]]:
    """The parts' errors beside the form's fields, in the page's language, each message once."""
    problems: dict[str, list[str]] = {}
    for part, where in (("contact", {}), ("assessment", {}), ("referral", {"referral": True})):
        for name, messages in errors_by_field(refused.parts.get(part, {}), **where).items():
            problems.setdefault(name, [])
            problems[name].extend(message for message in messages if message not in problems[name])
    return problems


def saved_calls() -> dict:
    calls = session.get("consultant_saved_calls")
    return calls if isinstance(calls, dict) else {}


def remember_call(token: str | None, contact_id: UUID) -> None:
    if not token:
        return
    calls = dict(saved_calls())
    calls[token] = str(contact_id)
    session["consultant_saved_calls"] = dict(list(calls.items())[-SAVED_CALLS_KEPT:])


@bp.route("/contacts/new", methods=["GET", "POST"])
@page(*CASEWORK_ROLES)
def new_contact():
    actor = current_actor()
    if request.method == "GET":
        return render_new(NewContactForm(data=new_defaults(actor.role)))
    form = NewContactForm()
    token = (form.call_token.data or "").strip()[:64] or None
    if token and token in saved_calls():
        flash(_("This call was already saved; it is shown below."), "info")
        return redirect(url_for(".saved", contact_id=saved_calls()[token]))
    if not (form.started_at.data or "").strip():
        # Answered without scripts (which set the start on the first key): the page's opening is all we know.
        form.started_at.data = (request.form.get("opened_at") or "")[:40] or now_value()
    form.validate()
    problems: dict[str, list[str]] = {}
    fields = form.read(problems)
    fields["safety_steps"] = [code for code, _text in SAFETY_STEPS if code in request.form.getlist("safety_step")]
    answers = checklist_answers(request.form, problems)
    referral = form.referral(problems, supervisor=actor.role == "supervisor")
    ending = request.form.get("action") != "continue"
    started = fields.get("started_at")
    if ending and (started is None or started <= utc_now() + ALLOWED_CLOCK_SKEW):
        fields["ended_at"] = max(utc_now(), started) if started else utc_now()
    call = Call(contact=fields, checklist=answers, referral=referral, case={} if form.open_case.data else None)
    try:
        senim().calls.check(call, actor=actor)
    except CallRefused as refused:
        for name, messages in refused_by_field(refused).items():
            problems.setdefault(name, []).extend(m for m in messages if m not in problems.get(name, []))
    if problems or form.errors:
        return render_new(form, status=422, problems=problems, general=form_level(form, problems), restored=True)
    try:
        recorded = senim().calls.record(call, actor=actor)
    except CallRefused as refused:
        problems = refused_by_field(refused)
        return render_new(form, status=422, problems=problems, general=form_level(form, problems), restored=True)
    except Invalid as refused:
        problems = errors_by_field(refused.reasons)
        return render_new(form, status=422, problems=problems, general=form_level(form, problems), restored=True)
    except DomainError as refused:
        return render_new(form, status=409, general=[say(refused)], restored=True)
    except store_unavailable():
        return render_new(form, status=503, restored=True, general=[_(
            "The database is not answering, so nothing was saved. Everything you typed is still here "
            "and kept on this computer: try Save again in a moment.")])
    remember_call(token, recorded.contact_id)
    remember(recorded.position)
    if request.form.get("resumed"):
        flash(_("You had been signed out while the form was open. You signed in again on the same page, "
                "and the contact was saved with everything you typed."), "info")
    if recorded.not_saved:
        return render_partly_saved(recorded.contact_id, recorded.saved, recorded.not_saved, answers, referral)
    return redirect(url_for(".saved", contact_id=recorded.contact_id, **recorded.saved))


def form_level(form, problems: dict[str, list[str]]) -> list[str]:
    """Shows each problem next to its field; returns the ones that belong to the form as a whole."""
    general = form.show_problems({name: messages for name, messages in problems.items()
                                  if not name.startswith("vr-") and name != "_checklist"})
    if any(name.startswith("vr-") for name in problems) or problems.get("_checklist"):
        general.append(_("Some answers of the risk checklist need correcting."))
    return general


def render_partly_saved(contact_id: UUID, done: dict, pending: list[str], answers, referral):
    return render_template("web/consultant/partly_saved.html", contact_id=contact_id, done=done, pending=pending,
                           answers=answers or {}, referral=referral or {}, draft=DRAFT), 200


@bp.route("/contacts/<uuid:contact_id>/steps", methods=["POST"])
@page(*CASEWORK_ROLES)
def redo_steps(contact_id: UUID):
    """Redoes the checklist and the referral of a saved contact that could not be saved with it."""
    actor = current_actor()
    contact = senim().contacts.get(contact_id, actor=actor)
    form = request.form
    done = {key: form[key] for key in ("case", "assessment", "referral") if form.get(key)}
    answers = None
    if "redo_assessment" in form:
        answers = {item["id"]: form.get(f"vr-{item['id']}", "unknown") for item in checklist()["items"]}
    referral = None
    if "redo_referral" in form:
        consent = {"services": {"true": True, "false": False}.get(form.get("consent_services"))}
        if form.get("consent_override"):
            consent["override_reason"] = form["consent_override"]
        referral = {key: form.get(f"referral_{key}") or "" for key in ("source", "target", "urgency", "reason")}
        referral["consent"] = consent
    recorded = senim().calls.complete_steps(
        contact.id, Call(contact=contact.fields, checklist=answers, referral=referral,
                         case={} if "redo_case" in form else None), actor=actor)
    remember(recorded.position)
    done.update(recorded.saved)
    if recorded.not_saved:
        return render_partly_saved(contact.id, done, recorded.not_saved, answers, referral)
    return redirect(url_for(".saved", contact_id=contact.id, **done))


def linked(getter, kind: str, raw_id: str | None, contact_id: UUID):
    """An assessment or referral named in the address, when it exists, is visible and belongs to this contact."""
    try:
        record_id = UUID(str(raw_id))
        record = getter(record_id, actor=current_actor())
    except Forbidden:
        note_refused(kind, record_id)  # left out of the page, not answered 403: noted here
        return None
    except (ValueError, DomainError):
        return None
    return record if record.contact_id == contact_id else None


@bp.route("/contacts/<uuid:contact_id>/saved")
@page(*CASEWORK_ROLES)
def saved(contact_id: UUID):
    """The confirmation after saving a call: what the server recorded, and the next call one key away."""
    contact = senim().contacts.get(contact_id, actor=current_actor())
    note_read("contact", contact_id)
    assessment = linked(senim().assessments.get, "assessment", request.args.get("assessment"), contact_id)
    referral = linked(senim().referrals.get, "referral", request.args.get("referral"), contact_id)
    if assessment is not None:
        note_read("assessment", assessment.id)
    if referral is not None:
        note_read("referral", referral.id)
    fields = contact.fields
    caught_up(journals.PROJECTION, seconds=LOOKUP_WAIT_SECONDS)
    return render_template(
        "web/consultant/saved.html", contact=contact, draft=DRAFT,
        number=journals.registration_number(senim(), contact_id),
        rows=contact_rows(fields, senim().contacts.is_erased(contact)),
        assessment=assessment_view(assessment) if assessment else None,
        referral=referral_view(referral) if referral else None,
        case_id=fields.get("case_id"), kind=channel_kind(fields["channel"]),
        non_data=bool(reference.get("contact_types", fields["contact_type"]).attributes.get("non_data")),
        started_value=fields["started_at"].isoformat())


# -- a consultation of the family service -------------------------------------------------------

CONSULTATION_ROLES = ("psychologist", "supervisor")


def pair_colleagues() -> list[tuple[str, str]]:
    """The other active psychologists, who may have held the consultation too: (username, username)."""
    me = current_actor().user_id
    return [(user.username, user.username) for user in senim().staff.list_users()
            if user.active and user.role == "psychologist" and str(user.id) != me]


def render_consultation(form: ConsultationForm, *, status: int = 200, general: list[str] | None = None):
    form.colleague.choices = [("", _("No pair colleague"))] + pair_colleagues()
    return render_template("web/consultant/consultation.html", form=form, general=general or [],
                           draft="consultation", age_groups=age_groups()), status


@bp.route("/consultations/new", methods=["GET", "POST"])
@page(*CONSULTATION_ROLES)
def new_consultation():
    """A consultation of the family service, in person or online, on its own form (no call, no timer)."""
    actor = current_actor()
    if request.method == "GET":
        return render_consultation(ConsultationForm(data={
            "format": "in_person", "day": local(utc_now()).date().isoformat(), "consent_services": "unknown",
            "consent_reporting": "unknown", "call_token": secrets.token_urlsafe(16)}))
    form = ConsultationForm()
    token = (form.call_token.data or "").strip()[:64] or None
    if token and token in saved_calls():
        flash(_("This call was already saved; it is shown below."), "info")
        return redirect(url_for(".saved", contact_id=saved_calls()[token]))
    form.validate()
    problems: dict[str, list[str]] = {}
    fields = form.read(problems)
    if form.colleague.data:
        colleague = next((user for user in senim().staff.list_users()
                          if user.username == form.colleague.data and user.active), None)
        if colleague is None:
            problems.setdefault("colleague", []).append(_("Choose one of the offered options."))
        else:
            fields["colleague"] = colleague.as_actor().as_dict()
    if not problems and not form.errors:
        try:
            written = senim().contacts.record(fields, actor=actor)
        except Invalid as refused:
            problems = consultation_problems(errors_by_field(refused.reasons))
        except store_unavailable():
            return render_consultation(form, status=503, general=[_(
                "The database is not answering, so nothing was saved. What you typed is still here: "
                "try again in a moment.")])
        else:
            remember_call(token, written.id)
            remember(written.position)
            return redirect(url_for(".saved", contact_id=written.id))
    return render_consultation(form, status=422, general=form.show_problems(problems))


# -- repeat callers ------------------------------------------------------------------------------

def callers_service():
    """The repeat-caller lookup (salted phone hash, `callers` projection), once it is part of the app."""
    service = getattr(senim(), "callers", None)
    return service if service is not None and hasattr(service, "lookup") else None


def lookup_answer(result: dict) -> dict:
    """The lookup in the page's language: how many earlier contacts, which of them this person may open,
    and the referrals made from them that are still open (target, urgency and status only)."""
    count = int(result.get("earlier_contacts") or 0)
    visible = [str(contact_id) for contact_id in result.get("contacts") or []]
    statuses = {code.code: code.label(language()) for code in REFERRAL_STATUSES}
    referrals = [" · ".join(part for part in (
        label("referral_targets", item.get("target")), label("urgencies", item.get("urgency")),
        statuses.get(item.get("status"), item.get("status") or "")) if part)
        for item in result.get("open_referrals") or []]
    if count == 0:
        message = _("No earlier contacts from this number.")
    else:
        message = _("Earlier contacts from this number: %(count)s.", count=count)
        if visible:
            message += " " + _("Recorded by you (you can open them): %(count)s.", count=len(visible)) \
                if current_actor().role != "supervisor" else ""
    links = []
    if visible:
        with senim().views.transaction(write=False) as tx:
            marks = ", ".join(["%s"] * len(visible))
            found = tx.execute(f"SELECT contact_id, started_at FROM callers WHERE contact_id IN ({marks}) "
                               "ORDER BY started_at DESC LIMIT 5", visible).fetchall()
        links = [{"url": url_for(".contact", contact_id=contact_id),
                  "text": format_datetime(datetime.fromisoformat(started), "short")} for contact_id, started in found]
    return {"available": True, "count": count, "message": message, "referrals": referrals,
            "referrals_heading": _("Open referrals from these contacts:") if referrals else "",
            "links": links, "links_heading": _("Open an earlier contact (in a new tab):") if links else ""}


@bp.route("/contacts/caller-lookup", methods=["POST"])
@page(*CASEWORK_ROLES)
def caller_lookup():
    """Earlier contacts and open referrals of a phone number (POSTed, never in an address)."""
    body = request.get_json(silent=True)
    phone = body.get("phone") if isinstance(body, dict) else None
    if not isinstance(phone, str) or len(phone) > 50 or phone_problem(phone):
        return jsonify({"available": True, "count": None, "message": "", "referrals": []}), 422
    service = callers_service()
    if service is None:
        return jsonify({"available": False, "message": _(
            "The check for earlier calls from this number is not available yet.")}), 200
    try:
        caught_up("callers", seconds=LOOKUP_WAIT_SECONDS)
        result = service.lookup(phone, actor=current_actor())
    except (DomainError, *store_unavailable()):
        return jsonify({"available": False, "message": _(
            "Earlier calls from this number could not be checked just now.")}), 200
    return jsonify(lookup_answer(result)), 200


# -- one contact ---------------------------------------------------------------------------------

@bp.route("/contacts/<uuid:contact_id>")
@page(*CASEWORK_ROLES)
def contact(contact_id: UUID):
    services, actor = senim(), current_actor()
    record = services.contacts.get(contact_id, actor=actor)
    events = services.contacts.history(contact_id, actor=actor)
    note_read("contact", contact_id)
    return render_template(
        "web/consultant/contact.html", contact=record, number=journals.registration_number(services, contact_id),
        rows=contact_rows(record.fields, services.contacts.is_erased(record)), history=history_entries(events),
        kind=channel_kind(record.fields["channel"]), started_value=record.fields["started_at"].isoformat())


@bp.route("/contacts/<uuid:contact_id>/end", methods=["POST"])
@page(*CASEWORK_ROLES)
def end_call(contact_id: UUID):
    """The call that continued after saving has ended now: the contact is completed, its duration fixed."""
    try:
        written = senim().contacts.complete(contact_id, ended_at=None, actor=current_actor())
    except Conflict:
        flash(_("The call was already marked as ended; correct its end with a correction if needed."), "warning")
    except Invalid as refused:
        flash(" ".join(say(reason) for reasons in refused.reasons.values() for reason in reasons), "error")
    else:
        remember(written.position)
        flash(_("The call is marked as ended."), "success")
    return redirect(url_for(".contact", contact_id=contact_id))


@bp.route("/contacts/<uuid:contact_id>/amend", methods=["GET", "POST"])
@page(*CASEWORK_ROLES)
def amend(contact_id: UUID):
    services, actor = senim(), current_actor()
    record = services.contacts.get(contact_id, actor=actor)
    note_read("contact", contact_id)
    erased = services.contacts.is_erased(record)
    if request.method == "GET":
        form = AmendForm(data=amend_defaults(record.fields))
        return render_amend(record, form, erased)
    form = AmendForm()
    form.validate()
    problems: dict[str, list[str]] = {}
    wanted = form.read(problems)
    reason = wanted.pop("_reason")
    if problems or form.errors:
        return render_amend(record, form, erased, status=422, general=form.show_problems(problems))
    changes = changes_between(record.fields, wanted)
    try:
        written = services.contacts.amend(contact_id, changes=changes, reason=reason or "", actor=actor)
    except Invalid as refused:
        return render_amend(record, form, erased, status=422,
                            general=form.show_problems(errors_by_field(refused.reasons, amend=True)))
    except Conflict as refused:
        return render_amend(record, form, erased, status=409, general=[_(
            "Someone else corrected this contact at the same moment. Open it again to see their correction, "
            "then make yours.")] if refused.code == "record.changed_concurrently" else [say(refused)])
    except store_unavailable():
        return render_amend(record, form, erased, status=503, general=[_(
            "The database is not answering, so nothing was saved. What you typed is still here: "
            "try again in a moment.")])
    remember(written.position)
    flash(_("The correction is saved with its reason."), "success")
    return redirect(url_for(".contact", contact_id=contact_id))


def render_amend(record, form: AmendForm, erased: bool, *, status: int = 200, general: list[str] | None = None):
    return render_template("web/consultant/amend.html", contact=record, form=form, erased=erased,
                           general=general or [], status=status, age_groups=age_groups()), status


# -- my contacts ---------------------------------------------------------------------------------

def list_row(row: dict) -> dict:
    split = lambda text: [code for code in (text or "").split(",") if code]  # noqa: E731
    started = datetime.fromisoformat(row["started_at"])
    return {"id": row["contact_id"], "number": f"{row['registration_number']}/{row['year']}",
            "started": format_datetime(started, "short"), "service": label("services", row["service"]),
            "channel": label("channels", row["channel"]), "contact_type": label("contact_types", row["contact_type"]),
            "caller_role": label("caller_roles", row["caller_role"]),
            "categories": "; ".join(label("categories", code) for code in split(row["categories"])),
            "risk": [(code, label("risk_flags", code)) for code in split(row["risk"])],
            "open": row["ended_at"] is None, "duration": duration_text(row["duration_seconds"])}


@bp.route("/contacts")
@page(*CASEWORK_ROLES)
def my_contacts():
    services, actor = senim(), current_actor()
    form = FilterForm(request.args)
    problems: dict[str, list[str]] = {}
    filters = form.read(problems)
    form.show_problems(problems)
    try:
        page_number = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page_number = 1
    behind = not caught_up(journals.PROJECTION, seconds=LIST_WAIT_SECONDS)
    rows, total = [], 0
    if not problems:
        found, total = journals.own_contacts(services, actor.user_id, filters, page_number=page_number,
                                             page_size=PAGE_SIZE)
        rows = [list_row(row) for row in found]
    pages = max(1, -(-total // PAGE_SIZE))
    query = MultiDict((key, value) for key, value in request.args.items(multi=True) if key != "page")

    def page_url(number):
        return url_for(".my_contacts", **query.to_dict(flat=True), page=number)

    return render_template("web/consultant/my_contacts.html", form=form, rows=rows, total=total,
                           page_number=page_number, pages=pages, page_url=page_url, behind=behind,
                           filtered=any(filters.values())), 422 if problems else 200
