"""The case page's own parts of casework: the agreement (taking the family on and extending it), each
person's safety plan and safe contact, and the closure with its per-child outcomes, follow-ups and
reopening from a follow-up.

Each part is a section of the case page (`@section`) and has its own small forms; a form sent back
with errors shows the case page again with the messages next to the form's fields (422; a refused
state 409, a refused role 403), everything typed kept. What a psychologist may not see of a victim
or child (safe contact, safety plan) is neither shown nor offered to them.
"""
from collections.abc import Callable
from datetime import date, datetime, time
from uuid import UUID

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.case import (
    ANSWERS,
    CHILD_OUTCOMES,
    NOTE_MAX,
    ORGANISATION_MAX,
    SAFE_ANSWER_MAX,
    SAFE_TIMES_MAX,
    Case,
    sees_redacted,
)
from domain.clock import SERVICE_TIMEZONE, local, utc_now
from domain.errors import Conflict, Forbidden, Invalid
from domain.safety_plan import OWN_STEP_MAX
from domain.text import REASON_MAX
from intake.running import senim
from intake.services.cases import persons_for
from intake.services.casework import safe_contact_for
from intake.web.casework import bp, case_sections, section
from intake.web.event_text import person_label
from intake.web.forms import Form, length
from intake.web.i18n import label, options
from intake.web.own_writes import remember
from intake.web.refusals import say, say_all
from intake.web.session import current_actor, page

TERMS = (6, 12, 18, 24, 36, 48, 60)
ANSWER_WORDS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Not known")}
OUTCOME_WORDS = {"removal_prevented": _l("Removal from the family prevented"),
                 "returned_home": _l("Returned home"), "wellbeing_improved": _l("Wellbeing improved")}


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Forms -------------------------------------------------------------------------------------------

class AgreementForm(Form):
    service = SelectField(_l("Service"), validate_choice=False)
    source = SelectField(_l("Referred by"), validate_choice=False)
    organisation = StringField(_l("Referring organisation (name)"), [length(ORGANISATION_MAX)])
    region = SelectField(_l("Region"), validate_choice=False)
    agreement_on = StringField(_l("Date of the agreement"))
    term_months = SelectField(_l("Term of the agreement"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service.choices = options("services")
        self.source.choices = options("case_sources")
        self.region.choices = [("", "—"), *options("regions")]
        self.term_months.choices = [(str(months), _("%(months)s months", months=months)) for months in TERMS]


class SafeContactForm(Form):
    channels = MultiCheckbox(_l("Safe channels"), validate_choice=False)
    times = StringField(_l("When it is safe to contact"), [length(SAFE_TIMES_MAX)])
    leave_message = RadioField(_l("May a message be left?"), validate_choice=False, default="unknown")
    if_someone_else_answers = TextAreaField(_l("What to say if someone else answers"), [length(SAFE_ANSWER_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channels.choices = options("channels")
        self.leave_message.choices = [(code, str(ANSWER_WORDS[code])) for code in ANSWERS]


class SafetyPlanForm(Form):
    steps = MultiCheckbox(_l("Steps of the plan"), validate_choice=False)
    own_steps = TextAreaField(_l("Own steps, one per line"))
    agreed_on = StringField(_l("Agreed on"))
    review_on = StringField(_l("Review on"))
    reason = TextAreaField(_l("Why the plan changes"), [length(REASON_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps.choices = options("safety_steps")


class CloseForm(Form):
    reason_code = RadioField(_l("Reason for closing"), validate_choice=False)
    reason = TextAreaField(_l("In words (needed for “other”)"), [length(REASON_MAX)])
    closed_on = StringField(_l("Closed on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_code.choices = options("case_closure_reasons")


class FollowUpForm(Form):
    due_months = SelectField(_l("Which follow-up"), validate_choice=False)
    finding = RadioField(_l("Finding"), validate_choice=False)
    note = TextAreaField(_l("Note"), [length(NOTE_MAX)])
    held_on = StringField(_l("Held on"))

    def __init__(self, *args, months: tuple[int, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.due_months.choices = [(str(month), _("After %(months)s months", months=month)) for month in months]
        self.finding.choices = options("follow_up_findings")


class ReopenForm(Form):
    reason = TextAreaField(_l("Why the case is reopened"), [length(REASON_MAX)])
    from_follow_up = SelectField(_l("From the follow-up"), validate_choice=False)


# Reading what was sent ---------------------------------------------------------------------------

def day_value(text: str | None):
    """A typed date as the services take it (ISO text; the domain says what is wrong with it)."""
    return (text or "").strip() or None


def moment_on(text: str | None) -> datetime | None:
    """When something happened, from a typed date: now for today (or nothing typed), else noon that day."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid("occurred_at", "date.invalid") from None
    if day >= local(utc_now()).date():
        return None if day == local(utc_now()).date() else datetime.combine(day, time(12), SERVICE_TIMEZONE)
    return datetime.combine(day, time(12), SERVICE_TIMEZONE)


def short(person_id) -> str:
    return str(person_id)[:8]


# Rendering ---------------------------------------------------------------------------------------

def given_form(name: str):
    """The form sent back with its errors, if this request sent `name`."""
    return (g.get("casework_sent") or {}).get(name)


def render_case(case_id: UUID, *, sent: dict, problem: str | None, status: int, anchor: str):
    """The case page again, with the refused form and what was wrong."""
    g.casework_sent, g.casework_problem = sent, {anchor: problem} if problem else {}
    actor = current_actor()
    case = senim().cases.get(case_id, actor=actor)
    return render_template("web/casework/case.html", case=case, persons=persons_for(actor, case),
                           sections=case_sections(case, actor)), status


def problem_for(anchor: str) -> str | None:
    return (g.get("casework_problem") or {}).get(anchor)


def carry_out(case_id: UUID, form, name: str, anchor: str, run: Callable, success: str,
              fields: dict[str, str] | None = None):
    """Run a service for a sent form; back to the case (at the section), or the page again with errors."""
    problem, status = None, 422
    if form.validate_on_submit():
        try:
            written = run(form)
        except Invalid as refused:
            left = []
            for key, messages in say_all(refused).items():
                target = (fields or {}).get(key, key.split(".")[0])
                if target in form and target != "csrf_token":
                    form[target].errors = list(form[target].errors or []) + messages
                else:
                    left += messages
            problem = " ".join(left) or None
        except Conflict as conflict:
            problem, status = say(conflict), 409
        except Forbidden as refused:
            problem, status = say(refused), 403
        else:
            remember(written.position)
            flash(success, "success")
            return redirect(url_for(".case_page", case_id=case_id, _anchor=anchor))
    if problem is None and not form.errors:
        problem = _("The form could not be read; send it once more.")
    return render_case(case_id, sent={name: form}, problem=problem, status=status, anchor=anchor)


def day_text(value) -> str:
    if not value:
        return ""
    try:
        return format_date(date.fromisoformat(str(value)), "medium")
    except ValueError:
        return str(value)


def moment_text(value) -> str:
    return format_datetime(value, "short") if isinstance(value, datetime) else ""


def who(recorded: dict | None) -> str:
    if not recorded:
        return ""
    if same_person(recorded, current_actor()):
        return _("you (%(name)s)", name=recorded.get("username", ""))
    return recorded.get("username", "")


def open_case(case: Case) -> bool:
    return case.status != "closed"


# The agreement (order 10) ------------------------------------------------------------------------

@section("agreement", "web/casework/agreement.html", 10)
def agreement_section(case: Case, actor: Actor) -> dict:
    current = getattr(case, "agreement", None)
    defaults = {"service": "family_service", "source": "guardianship", "term_months": "12",
                "agreement_on": local(utc_now()).date().isoformat()}
    if current:
        defaults = {key: str(current.get(key) or "") for key in
                    ("service", "source", "organisation", "region", "agreement_on", "term_months")}
    form = given_form("agreement") or AgreementForm(prefix="agreement", formdata=None, data=defaults)
    rows = [{**entry, "agreement_on_text": day_text(entry["agreement_on"]), "ends_on_text": day_text(entry["ends_on"]),
             "who": who(entry["actor"])} for entry in getattr(case, "agreements", [])]
    return {"current": rows[-1] if rows else None, "earlier": rows[:-1], "form": form, "writable": open_case(case),
            "problem": problem_for("agreement")}


@bp.route("/cases/<uuid:case_id>/agreement", methods=["POST"])
@page(*CASEWORK_ROLES)
def take_on(case_id: UUID):
    form = AgreementForm(prefix="agreement")

    def run(form):
        term = form.term_months.data or ""
        return senim().casework.take_on(case_id, {
            "service": form.service.data or None, "source": form.source.data or None,
            "organisation": form.organisation.data or None, "region": form.region.data or None,
            "agreement_on": day_value(form.agreement_on.data),
            "term_months": int(term) if term.isdigit() else term}, actor=current_actor())
    return carry_out(case_id, form, "agreement", "agreement", run, _("The agreement was recorded."))


# Safety plans (order 50) -------------------------------------------------------------------------

def plan_form(person_id, plan: dict | None) -> SafetyPlanForm:
    name = f"plan-{short(person_id)}"
    sent = given_form(name)
    if sent is not None:
        return sent
    today = local(utc_now()).date()
    data = {"agreed_on": today.isoformat(), "review_on": date(today.year + (today.month == 12),
                                                             today.month % 12 + 1, min(today.day, 28)).isoformat()}
    if plan:
        data = {"steps": plan["steps"], "own_steps": "\n".join(plan["own_steps"] or []), "agreed_on": today.isoformat(),
                "review_on": plan["review_on"]}
    return SafetyPlanForm(prefix=name, formdata=None, data=data)


@section("safety", "web/casework/safety.html", 50)
def safety_section(case: Case, actor: Actor) -> dict:
    plans = {plan["person_id"]: plan for plan in senim().casework.safety_plans(case.id, actor=actor, case=case)}
    people = []
    for person in case.persons.values():
        hidden = sees_redacted(actor, person["role"])
        plan = plans.get(person["person_id"])
        if plan:
            plan = {**plan, "agreed_on_text": day_text(plan["agreed_on"]), "review_on_text": day_text(plan["review_on"]),
                    "who": who(plan["agreed_by"]),
                    "versions": [{**version, "agreed_on_text": day_text(version["agreed_on"]), "who": who(version["agreed_by"])}
                                 for version in plan["versions"]]}
        people.append({"person": person, "name": person_label(person["label"], person["role"]), "hidden": hidden,
                       "plan": plan, "short": short(person["person_id"]),
                       "form": None if hidden else plan_form(person["person_id"], plan),
                       "problem": problem_for(f"plan-{short(person['person_id'])}")})
    return {"people": people, "writable": open_case(case)}


def plan_fields(form: SafetyPlanForm) -> dict:
    return {"steps": list(form.steps.data or []),
            "own_steps": [line.strip()[:OWN_STEP_MAX + 1] for line in (form.own_steps.data or "").splitlines()
                          if line.strip()],
            "agreed_on": day_value(form.agreed_on.data), "review_on": day_value(form.review_on.data)}


@bp.route("/cases/<uuid:case_id>/persons/<uuid:person_id>/safety-plan", methods=["POST"])
@page(*CASEWORK_ROLES)
def safety_plan(case_id: UUID, person_id: UUID):
    """Starts the person's plan, or revises the one there is (with a reason)."""
    name = f"plan-{short(person_id)}"
    form = SafetyPlanForm(prefix=name)
    actor = current_actor()
    exists = any(plan["person_id"] == person_id for plan in senim().casework.safety_plans(case_id, actor=actor))

    def run(form):
        if exists:
            return senim().casework.revise_safety_plan(case_id, person_id, {
                **plan_fields(form), "reason": form.reason.data}, actor=actor)
        return senim().casework.start_safety_plan(case_id, {**plan_fields(form), "person_id": person_id}, actor=actor)
    return carry_out(case_id, form, name, name, run, _("The safety plan was saved."),
                     fields={"person_id": "steps"})


# Safe contact (order 55) -------------------------------------------------------------------------

@section("safe_contact", "web/casework/safe_contact.html", 55)
def safe_contact_section(case: Case, actor: Actor) -> dict:
    people = []
    for person in case.persons.values():
        shown = safe_contact_for(case, person["person_id"], actor)
        name = f"safe-{short(person['person_id'])}"
        form = None
        if not shown["hidden"]:
            form = given_form(name) or SafeContactForm(prefix=name, formdata=None, data={
                "channels": shown.get("channels") or [], "times": shown.get("times") or "",
                "leave_message": shown.get("leave_message") or "unknown",
                "if_someone_else_answers": shown.get("if_someone_else_answers") or ""})
        leave = ANSWER_WORDS.get(shown.get("leave_message") or "", "")
        people.append({"person": person, "label": person_label(person["label"], person["role"]), "shown": {**shown, "when": moment_text(shown.get("at")),
                                                   "who": who(shown.get("actor")), "leave_text": str(leave)},
                       "form": form, "name": name, "problem": problem_for(name)})
    return {"people": people, "writable": open_case(case)}


@bp.route("/cases/<uuid:case_id>/persons/<uuid:person_id>/safe-contact", methods=["POST"])
@page(*CASEWORK_ROLES)
def safe_contact(case_id: UUID, person_id: UUID):
    name = f"safe-{short(person_id)}"
    form = SafeContactForm(prefix=name)
    return carry_out(case_id, form, name, name, lambda form: senim().casework.set_safe_contact(case_id, person_id, {
        "channels": list(form.channels.data or []), "times": form.times.data or None,
        "leave_message": form.leave_message.data or "unknown",
        "if_someone_else_answers": form.if_someone_else_answers.data or None}, actor=current_actor()),
        _("The safe contact was saved."))


# Closure and follow-ups (order 90) ---------------------------------------------------------------

@section("closure", "web/casework/closure.html", 90)
def closure_section(case: Case, actor: Actor) -> dict:
    work = senim().casework.follow_ups(case.id, actor=actor, case=case)
    closure = work["closure"]
    children = [{**person, "name": person_label(person["label"], "child")}
                for person in persons_for(actor, case) if person["role"] == "child"]
    chosen = {key: request.form.get(key) for key in request.form if key.startswith("outcome-")}
    schedule = [{**due, "due_on_text": day_text(due["due_on"]),
                 "findings": [{**entry, "when": moment_text(entry["occurred_at"]), "who": who(entry["actor"])}
                              for entry in due["findings"]]} for due in work["schedule"]]
    reopen = given_form("reopen") or ReopenForm(prefix="reopen", formdata=None)
    reopen.from_follow_up.choices = [("", _("Not from a follow-up"))] + [
        (str(entry["follow_up_id"]), f"{_('After %(months)s months', months=entry['due_months'])}: "
                                     f"{label('follow_up_findings', entry['finding'])}")
        for entry in case.closure_follow_ups()]
    return {
        "closed": case.status == "closed",
        "responsible": actor.has_role("supervisor") or same_person(case.owner, actor),
        "closure": closure and {**closure, "when": moment_text(closure.get("occurred_at")), "who": who(closure["actor"]),
                                "children": [{**outcome, "label": next(
                                    (person_label(person["label"], "child") for person in children
                                     if person["person_id"] == outcome["person_id"]), "")}
                                    for outcome in closure.get("child_outcomes") or []]},
        "children": children, "outcomes": CHILD_OUTCOMES, "outcome_words": OUTCOME_WORDS,
        "answer_words": ANSWER_WORDS, "chosen": chosen,
        "close_form": given_form("close") or CloseForm(prefix="close", formdata=None,
                                                       data={"closed_on": local(utc_now()).date().isoformat()}),
        "follow_up_form": given_form("follow_up") or FollowUpForm(
            prefix="follow_up", formdata=None, months=senim().casework.follow_up_months,
            data={"held_on": local(utc_now()).date().isoformat()}),
        "reopen_form": reopen, "schedule": schedule,
        "problems": {name: problem_for(name) for name in ("close", "follow_up", "reopen")},
    }


@bp.route("/cases/<uuid:case_id>/closure", methods=["POST"])
@page(*CASEWORK_ROLES)
def close(case_id: UUID):
    form = CloseForm(prefix="close")

    def run(form):
        outcomes = []
        for person_id in {key.removeprefix("outcome-").rsplit("-", 1)[0] for key in request.form
                          if key.startswith("outcome-")}:
            outcomes.append({"person_id": person_id, **{
                key: request.form.get(f"outcome-{person_id}-{key}") or "unknown" for key in CHILD_OUTCOMES}})
        return senim().cases.close(case_id, reason=form.reason.data or None, reason_code=form.reason_code.data or None,
                                   child_outcomes=outcomes, occurred_at=moment_on(form.closed_on.data),
                                   actor=current_actor())
    return carry_out(case_id, form, "close", "close", run, _("The case was closed."),
                     fields={"occurred_at": "closed_on"})


@bp.route("/cases/<uuid:case_id>/follow-ups", methods=["POST"])
@page(*CASEWORK_ROLES)
def follow_up(case_id: UUID):
    form = FollowUpForm(prefix="follow_up", months=senim().casework.follow_up_months)

    def run(form):
        months = form.due_months.data or ""
        return senim().casework.record_follow_up(case_id, {
            "due_months": int(months) if months.isdigit() else months, "finding": form.finding.data or None,
            "note": form.note.data or None, "occurred_at": moment_on(form.held_on.data)}, actor=current_actor())
    return carry_out(case_id, form, "follow_up", "follow_up", run, _("The follow-up was recorded."),
                     fields={"occurred_at": "held_on"})


@bp.route("/cases/<uuid:case_id>/reopening", methods=["POST"])
@page(*CASEWORK_ROLES)
def reopen(case_id: UUID):
    form = ReopenForm(prefix="reopen")

    def run(form):
        chosen = form.from_follow_up.data or None
        try:
            follow_up_id = UUID(chosen) if chosen else None
        except ValueError:
            raise Invalid("from_follow_up", "id.invalid") from None
        return senim().cases.reopen(case_id, reason=form.reason.data or "", from_follow_up=follow_up_id,
                                    actor=current_actor())
    return carry_out(case_id, form, "reopen", "reopen", run, _("The case was reopened."))

