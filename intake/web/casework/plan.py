"""The case page's needs, plan and reviews sections, and the forms that change the plan.

Needs (order 20): the family_needs assessments of the case as a trend, and the way to record one
(the questionnaire page of the assessments, opened for this case). Plan (30): goals per person or
for the family, their activities, every revision; the plan as it stood on a past day
(?plan_as_of=YYYY-MM-DD). Reviews (40): when the next one is due, the reviews held, and the form to
record one. Each action posts to its own address and comes back to the case page: saved, with a
message; refused, with the form as typed and every message next to its field (422, a refused
state 409).
"""
from datetime import date, datetime, time
from uuid import UUID

from flask import g, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField

from domain.actor import CASEWORK_ROLES, Actor, same_person
from domain.case import Case
from domain.clock import SERVICE_TIMEZONE, as_aware, local, utc_now
from domain.plan import (
    CLOSED_GOAL,
    DECISIONS_MAX,
    FAMILY_PROGRESS,
    GOAL_PROGRESS,
    ORGANISATION_MAX,
    TEXT_MAX,
    add_months,
)
from domain.text import REASON_MAX
from intake.running import senim
from intake.services.cases import persons_for
from intake.services.plans import NEEDS_INSTRUMENT, PlanState
from intake.web.casework import bp, case_sections, section
from intake.web.event_text import person_label
from intake.web.forms import Form, length, required
from intake.web.i18n import label
from intake.web.psychologist import carry_out
from intake.web.psychologist_forms import DateField, a_date, chosen, parse_date
from intake.web.session import current_actor, page

PARTNER = "partner"
SIDES = ("child_development", "parent_capacity", "family_environment")


# Forms -------------------------------------------------------------------------------------------

class ResponsibleForm(Form):
    responsible = SelectField(_l("Who is responsible"), validate_choice=False, validators=[required(), chosen])
    organisation = StringField(_l("Partner organisation"), validators=[length(ORGANISATION_MAX)])


class GoalForm(ResponsibleForm):
    text = TextAreaField(_l("Goal"), validators=[required(), length(TEXT_MAX)])
    person = SelectField(_l("For whom"), validate_choice=False, validators=[chosen])
    due_on = DateField(_l("By when"), validators=[required(), a_date])


class ChangeGoalForm(ResponsibleForm):
    text = TextAreaField(_l("Goal"), validators=[required(), length(TEXT_MAX)])
    due_on = DateField(_l("By when"), validators=[required(), a_date])
    reason = TextAreaField(_l("Reason for the change"), validators=[required(), length(REASON_MAX)])


class CloseGoalForm(Form):
    status = RadioField(_l("How the goal ends"), validate_choice=False, validators=[required(), chosen])
    reason = TextAreaField(_l("Reason"), validators=[length(REASON_MAX)])


class ActivityForm(ResponsibleForm):
    text = TextAreaField(_l("Activity"), validators=[required(), length(TEXT_MAX)])
    due_on = DateField(_l("Due date"), validators=[required(), a_date])


class DoneForm(Form):
    pass


class DropForm(Form):
    reason = TextAreaField(_l("Why it is dropped"), validators=[required(), length(REASON_MAX)])


class ReviewForm(Form):
    held_on = DateField(_l("Held on"), validators=[required(), a_date])
    family_progress = RadioField(_l("The family's progress"), validate_choice=False, validators=[required(), chosen])
    decisions = TextAreaField(_l("Decisions"), validators=[required(), length(DECISIONS_MAX)])
    next_review_on = DateField(_l("Next review"), validators=[required(), a_date])


def short(record_id) -> str:
    """A form prefix per goal or activity: several of each share the page."""
    return UUID(str(record_id)).hex[:12]


def staff_choices(case: Case, actor: Actor) -> list[tuple[str, str]]:
    """Who of the case's staff may be responsible (the signed-in worker first), then a partner."""
    people = [actor.as_dict(), case.owner, *getattr(case, "workers", {}).values()]
    choices: dict[str, str] = {}
    for person in people:
        if person and person.get("user_id") and person.get("role") in CASEWORK_ROLES:
            name = person.get("username", "")
            choices.setdefault(str(person["user_id"]),
                               _("me (%(name)s)", name=name) if same_person(person, actor) else name)
    return [*choices.items(), (PARTNER, _("A partner organisation"))]


def fill_choices(form, case: Case, actor: Actor):
    if "responsible" in form:
        form.responsible.choices = staff_choices(case, actor)
    if "person" in form:
        form.person.choices = [("", _("The whole family")),
                               *((str(person["person_id"]), person_label(person["label"], person["role"])) for person in persons_for(actor, case))]
    if "status" in form:
        form.status.choices = [(code, goal_status(code)) for code in CLOSED_GOAL]
    if "family_progress" in form:
        form.family_progress.choices = [(code, label("family_progress", code)) for code in FAMILY_PROGRESS]
    return form


def responsible_of(form) -> dict:
    if form.responsible.data == PARTNER:
        return {"kind": "partner", "organisation": (form.organisation.data or "").strip()}
    return {"kind": "staff", "user_id": form.responsible.data}


def responsible_choice(responsible: dict | None) -> tuple[str, str]:
    """The form's values for someone responsible: a user id, or partner and the organisation."""
    if not responsible:
        return "", ""
    if responsible.get("kind") == PARTNER:
        return PARTNER, responsible.get("organisation") or ""
    return str(responsible.get("user_id") or ""), ""


# Words ------------------------------------------------------------------------------------------

def goal_status(code: str) -> str:
    return {"open": _("open"), "achieved": _("achieved"), "dropped": _("dropped")}.get(code, code)


def activity_status(code: str) -> str:
    return {"planned": _("planned"), "done": _("done"), "dropped": _("cancelled")}.get(code, code)


def side_title(side: str) -> str:
    return {"child_development": _("Child's development"), "parent_capacity": _("Parents' capacity"),
            "family_environment": _("Family and environment")}.get(side, side)


def risk_level(code: str | None) -> str:
    return {"low": _("low"), "medium": _("medium"), "high": _("high")}.get(code or "", code or "")


def day(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_date(local(value).date(), "medium")
    return format_date(date.fromisoformat(str(value)), "medium")


def responsible_text(responsible: dict | None) -> str:
    if not responsible:
        return ""
    if responsible.get("kind") == PARTNER:
        return responsible.get("organisation") or _("a partner organisation")
    return responsible.get("username", "")


WORDS = {"day": day, "goal_status": goal_status, "activity_status": activity_status, "side_title": side_title,
         "risk_level": risk_level, "responsible_text": responsible_text, "short": short,
         "goal_progress": lambda code: label("goal_progress", code),
         "family_progress": lambda code: label("family_progress", code),
         "moment": lambda value: format_datetime(as_aware(value), "short") if value else ""}


# Sections ----------------------------------------------------------------------------------------

def failed() -> dict:
    """The refused form of this request, if any: {"name", "form", "problem"}."""
    return getattr(g, "casework_plan_failed", None) or {}


def plan_as_of() -> tuple[datetime | None, str]:
    """?plan_as_of=YYYY-MM-DD: the end of that day in the service's time zone."""
    text = (request.args.get("plan_as_of") or "")[:10]
    chosen_day = parse_date(text)
    if chosen_day is None:
        return None, ""
    return datetime.combine(chosen_day, time.max, tzinfo=SERVICE_TIMEZONE), chosen_day.isoformat()


def plan_state(case: Case, as_of: datetime | None = None) -> PlanState:
    cache = g.setdefault("casework_plan_states", {})
    key = (case.id, as_of)
    if key not in cache:
        cache[key] = senim().plans.state(case, as_of=as_of)
    return cache[key]


def form_for(name: str, form_class, case: Case, actor: Actor, data: dict | None = None):
    """The refused form as typed when it is this one, else a fresh one with `data` filled in."""
    refused = failed()
    if refused.get("name") == name:
        return refused["form"]
    return fill_choices(form_class(prefix=name, formdata=None, data=data or {}), case, actor)


@section("needs", "web/casework/_needs.html", 20)
def needs_section(case: Case, actor: Actor) -> dict:
    trend = senim().plans.needs_of(case)
    return {"trend": trend, "sides": SIDES, "words": WORDS, "latest": trend[-1] if trend else None,
            "record_url": url_for("web_psychologist.new_assessment", instrument=NEEDS_INSTRUMENT, case=str(case.id))}


@section("plan", "web/casework/_plan.html", 30)
def plan_section(case: Case, actor: Actor) -> dict:
    as_of, as_of_text = plan_as_of()
    state = plan_state(case, as_of)
    view = state.view()
    persons = {person["person_id"]: person_label(person["label"], person["role"]) for person in persons_for(actor, case)}
    writable = as_of is None and case.status != "closed"
    goals = []
    for goal in view["goals"]:
        key = short(goal["goal_id"])
        chosen_responsible, organisation = responsible_choice(goal["responsible"])
        forms = {}
        if writable and goal["status"] == "open":
            forms = {
                "change": form_for(f"g{key}-change", ChangeGoalForm, case, actor, {
                    "text": goal["text"], "due_on": goal["due_on"], "responsible": chosen_responsible,
                    "organisation": organisation}),
                "close": form_for(f"g{key}-close", CloseGoalForm, case, actor),
                "activity": form_for(f"g{key}-activity", ActivityForm, case, actor,
                                     {"responsible": str(actor.user_id)}),
            }
        activities = []
        for activity in goal["activities"]:
            activity_forms = {}
            if writable and activity["status"] == "planned":
                akey = short(activity["activity_id"])
                activity_forms = {"done": form_for(f"a{akey}-done", DoneForm, case, actor),
                                  "drop": form_for(f"a{akey}-drop", DropForm, case, actor)}
            activities.append({**activity, "forms": activity_forms})
        goals.append({**goal, "for": persons.get(goal["person_id"], "") if goal["person_id"] else "",
                      "forms": forms, "activities": activities})
    return {"plan": view, "goals": goals, "words": WORDS, "as_of": as_of_text, "writable": writable,
            "new_goal": form_for("goal", GoalForm, case, actor, {"responsible": str(actor.user_id)}) if writable else None,
            "failed": failed(), "case_closed": case.status == "closed"}


@section("reviews", "web/casework/_reviews.html", 40)
def reviews_section(case: Case, actor: Actor) -> dict:
    state = plan_state(case)
    view = state.view()
    open_goals = [goal for goal in view["goals"] if goal["status"] == "open"]
    today = local(utc_now()).date()
    form = None
    if case.status != "closed":
        form = form_for("review", ReviewForm, case, actor, {
            "held_on": today.isoformat(), "next_review_on": add_months(today, state.review_months).isoformat()})
    refused = failed()
    progress = refused.get("progress") if refused.get("name") == "review" else {}
    return {"reviews": list(reversed(view["reviews"])), "next": view["next_review"], "open_goals": open_goals,
            "goal_texts": {goal["goal_id"]: goal["text"] for goal in view["goals"]}, "form": form,
            "progress_codes": [(code, label("goal_progress", code)) for code in GOAL_PROGRESS],
            "progress": progress or {}, "words": WORDS, "failed": refused}


# Actions ----------------------------------------------------------------------------------------

def render_case(case_id: UUID, status: int):
    """The case page again, with the refused form of this request in its section."""
    actor = current_actor()
    case = senim().cases.get(case_id, actor=actor)
    return render_template("web/casework/case.html", case=case, persons=persons_for(actor, case),
                           sections=case_sections(case, actor)), status


def act(case_id: UUID, name: str, form_class, run, *, success: str, fields: dict[str, str] | None = None,
        anchor: str = "plan-heading", extra: dict | None = None):
    """Checks the posted form, runs the service, and comes back to the case page either way."""
    actor = current_actor()
    case = senim().cases.get(case_id, actor=actor)
    form = fill_choices(form_class(prefix=name), case, actor)

    def again(problem, status):
        g.casework_plan_failed = {"name": name, "form": form, "problem": problem, **(extra or {})}
        return render_case(case_id, status)

    return carry_out(form, run, fields=fields or {}, success=success, draft=None, again=again,
                     to=lambda written: url_for("web_casework.case_page", case_id=case_id) + f"#{anchor}")


RESPONSIBLE_FIELDS = {"responsible.kind": "responsible", "responsible.user_id": "responsible",
                      "responsible.organisation": "organisation"}


@bp.route("/cases/<uuid:case_id>/plan/goals", methods=["POST"])
@page(*CASEWORK_ROLES)
def set_goal(case_id: UUID):
    return act(case_id, "goal", GoalForm, lambda form: senim().plans.set_goal(case_id, {
        "text": form.text.data, "due_on": form.due_on.data, "responsible": responsible_of(form),
        "person_id": form.person.data or None}, actor=current_actor()),
        success=_("The goal is set."), fields={**RESPONSIBLE_FIELDS, "person_id": "person"})


@bp.route("/cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/change", methods=["POST"])
@page(*CASEWORK_ROLES)
def change_goal(case_id: UUID, goal_id: UUID):
    def run(form):
        return senim().plans.change_goal(case_id, goal_id, changes={
            "text": form.text.data, "due_on": form.due_on.data, "responsible": responsible_of(form)},
            reason=form.reason.data, actor=current_actor())
    return act(case_id, f"g{short(goal_id)}-change", ChangeGoalForm, run, success=_("The goal is changed."),
               fields={"changes.text": "text", "changes.due_on": "due_on", "changes": "text",
                       "changes.responsible.kind": "responsible", "changes.responsible.user_id": "responsible",
                       "changes.responsible.organisation": "organisation"})


@bp.route("/cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/close", methods=["POST"])
@page(*CASEWORK_ROLES)
def close_goal(case_id: UUID, goal_id: UUID):
    return act(case_id, f"g{short(goal_id)}-close", CloseGoalForm, lambda form: senim().plans.close_goal(
        case_id, goal_id, status=form.status.data, reason=form.reason.data or None, actor=current_actor()),
        success=_("The goal is closed."))


@bp.route("/cases/<uuid:case_id>/plan/goals/<uuid:goal_id>/activities", methods=["POST"])
@page(*CASEWORK_ROLES)
def add_activity(case_id: UUID, goal_id: UUID):
    return act(case_id, f"g{short(goal_id)}-activity", ActivityForm, lambda form: senim().plans.add_activity(
        case_id, goal_id, {"text": form.text.data, "due_on": form.due_on.data, "responsible": responsible_of(form)},
        actor=current_actor()), success=_("The activity is added."), fields=RESPONSIBLE_FIELDS)


@bp.route("/cases/<uuid:case_id>/plan/activities/<uuid:activity_id>/done", methods=["POST"])
@page(*CASEWORK_ROLES)
def complete_activity(case_id: UUID, activity_id: UUID):
    return act(case_id, f"a{short(activity_id)}-done", DoneForm, lambda form: senim().plans.complete_activity(
        case_id, activity_id, actor=current_actor()), success=_("The activity is done."))


@bp.route("/cases/<uuid:case_id>/plan/activities/<uuid:activity_id>/drop", methods=["POST"])
@page(*CASEWORK_ROLES)
def drop_activity(case_id: UUID, activity_id: UUID):
    return act(case_id, f"a{short(activity_id)}-drop", DropForm, lambda form: senim().plans.drop_activity(
        case_id, activity_id, reason=form.reason.data, actor=current_actor()), success=_("The activity is dropped."))


def posted_progress() -> tuple[list[dict], dict]:
    """The progress chosen per goal (progress-<goal_id>, note-<goal_id>); goals left unchosen are skipped."""
    entries, typed = [], {}
    for key, value in request.form.items():
        if key.startswith("progress-") and value:
            goal_id = key[len("progress-"):][:36]
            note = (request.form.get(f"note-{goal_id}") or "").strip()
            entries.append({"goal_id": goal_id, "progress": value, "note": note or None})
            typed[goal_id] = {"progress": value, "note": note}
    return entries, typed


@bp.route("/cases/<uuid:case_id>/reviews", methods=["POST"])
@page(*CASEWORK_ROLES)
def record_review(case_id: UUID):
    entries, typed = posted_progress()

    def run(form):
        held = parse_date(form.held_on.data)
        held_at = min(datetime.combine(held, time(12), tzinfo=SERVICE_TIMEZONE), as_aware(utc_now())) if held else None
        return senim().plans.review(case_id, {
            "progress": entries, "family_progress": form.family_progress.data, "decisions": form.decisions.data,
            "next_review_on": form.next_review_on.data, "occurred_at": held_at}, actor=current_actor())
    return act(case_id, "review", ReviewForm, run, success=_("The review is recorded."), anchor="reviews-heading",
               fields={"occurred_at": "held_on"}, extra={"progress": typed})


@bp.route("/cases/<uuid:case_id>/plan/<path:action>", methods=["GET"])
@bp.route("/cases/<uuid:case_id>/reviews", methods=["GET"])
@page(*CASEWORK_ROLES)
def plan_action_page(case_id: UUID, action: str = ""):
    """An action's address opened as a page (e.g. after changing the language on a refused form)."""
    return redirect(url_for("web_casework.case_page", case_id=case_id))
