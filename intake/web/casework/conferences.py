"""Case conference pages: the list of meetings (and scheduling one), the meeting page with its agenda,
decisions and actions (marking actions done), an agency's printable copy of the minutes, and the case
page's section "conferences" (the meetings that discussed the case, its open actions, the flag of a case
discussed again within twelve months).

Every page calls ConferenceService as the signed-in member of staff, so the API's rules apply unchanged;
a refused form comes back with every message next to its field (422), a refused state says which (409).
"""
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField, ValidationError

from domain.actor import CASEWORK_ROLES, Actor
from domain.case import Case
from domain.conference import ACTION_MAX, AGENCY_MAX, DECISIONS_MAX, KINDS, MOST_AGENCIES, SCHEDULING_ROLES
from domain.errors import Conflict, DomainError, Forbidden, Invalid
from intake.running import senim
from intake.web.casework import bp, section
from intake.web.forms import Form, length, required
from intake.web.i18n import label
from intake.web.own_writes import remember
from intake.web.psychologist_forms import DateField, a_date, chosen, parse_date
from intake.web.refusals import say, say_all
from intake.web.session import current_actor, page

# Forms -------------------------------------------------------------------------------------------

def lines(text: str | None) -> list[str]:
    """One value a line, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def at_most_agencies(form, field):
    if len(lines(field.data)) > MOST_AGENCIES:
        raise ValidationError(_l("At most %(max)s.", max=MOST_AGENCIES))
    if any(len(name) > AGENCY_MAX for name in lines(field.data)):
        raise ValidationError(_l("Use at most %(max)d characters.", max=AGENCY_MAX))


class ScheduleForm(Form):
    kind = RadioField(_l("Kind of meeting"), validate_choice=False, validators=[required(), chosen])
    held_on = DateField(_l("Date of the meeting"), validators=[required(), a_date])
    previous = SelectField(_l("Continues the series of"), validate_choice=False, validators=[chosen])
    attendees = SelectMultipleField(_l("Staff attending"), validate_choice=False)
    agencies = TextAreaField(_l("Partner agencies attending"), validators=[at_most_agencies])
    cases = SelectMultipleField(_l("Cases on the agenda"), validate_choice=False)


class AgendaForm(Form):
    case = SelectField(_l("Case"), validate_choice=False, validators=[required()])


class DiscussionForm(Form):
    case = SelectField(_l("Case"), validate_choice=False, validators=[required(), chosen])
    decisions = TextAreaField(_l("Decisions"), validators=[required(), length(DECISIONS_MAX)])
    agencies = SelectMultipleField(_l("Addressed to the agencies"), validate_choice=False)


class ActionForm(Form):
    case = SelectField(_l("Case"), validate_choice=False, validators=[required(), chosen])
    text = TextAreaField(_l("What is to be done"), validators=[required(), length(ACTION_MAX)])
    owner = SelectField(_l("Who does it"), validate_choice=False, validators=[required(), chosen])
    due_on = DateField(_l("Due by"), validators=[required(), a_date])


class DoneForm(Form):
    pass


# Words -------------------------------------------------------------------------------------------

def kind_label(code: str) -> str:
    return label("conference_kinds", code)


def day_text(value: str | None) -> str:
    day = parse_date(value)
    return format_date(day, "medium") if day else (value or "")


def owner_text(owner: dict) -> str:
    if owner.get("kind") == "agency":
        return owner.get("agency") or ""
    return owner.get("username") or ""


def case_number(case_id) -> str:
    return str(case_id)[:8]


@bp.context_processor
def conference_words():
    return {"kind_label": kind_label, "conference_day": day_text, "owner_text": owner_text,
            "case_number": case_number}


def case_choices(exclude=()) -> list[tuple[str, str]]:
    """The cases the signed-in member of staff works on, open ones first, to choose from (never to type)."""
    rows = senim().cases.list(actor=current_actor(), limit=300)
    rows = sorted(rows, key=lambda row: row["status"] == "closed")
    return [(str(row["case_id"]), _("Case %(number)s", number=case_number(row["case_id"]))
             + (f" · {day_text(str(row['opened_at'])[:10])}" if row.get("opened_at") else ""))
            for row in rows if str(row["case_id"]) not in exclude]


def put_errors(form, refused: Invalid, fields: dict[str, str]) -> list[str]:
    """A refusal's messages onto the form's fields; what no field shows is returned."""
    left = []
    for key, messages in say_all(refused).items():
        name = fields.get(key, fields.get(key.split(".")[0], key.split(".")[0]))
        if name in form and name != "csrf_token":
            form[name].errors = list(form[name].errors or []) + messages
        else:
            left += messages
    return left


# The list of meetings, and scheduling one ---------------------------------------------------------

def schedule_form(form: ScheduleForm | None = None) -> ScheduleForm:
    form = form or ScheduleForm(formdata=None)
    form.kind.choices = [(code, kind_label(code)) for code in KINDS]
    rows = senim().conferences.list(actor=current_actor())
    form.previous.choices = [("", _("A new series"))] + [
        (row["conference_id"], f"{day_text(row['held_on'])} · {kind_label(row['kind'])}") for row in rows]
    staff = [user for user in senim().staff.list_users() if user.active and user.role in CASEWORK_ROLES]
    form.attendees.choices = [(str(user.id), user.username) for user in sorted(staff, key=lambda u: u.username)]
    form.cases.choices = case_choices()
    return form


def render_list(form: ScheduleForm | None = None, problem: str | None = None, status: int = 200):
    actor = current_actor()
    rows = senim().conferences.list(actor=actor)
    may_schedule = actor.has_role(*SCHEDULING_ROLES)
    return render_template("web/casework/conferences.html", rows=rows, problem=problem,
                           form=schedule_form(form) if may_schedule else None), status


@bp.route("/conferences")
@page(*CASEWORK_ROLES)
def conferences():
    return render_list()


@bp.route("/conferences", methods=["POST"])
@page(*SCHEDULING_ROLES)
def schedule():
    form = schedule_form(ScheduleForm())
    problem, status = None, 422
    if form.validate_on_submit():
        fields = {"kind": form.kind.data, "held_on": parse_date(form.held_on.data),
                  "previous_id": form.previous.data or None, "attendees": form.attendees.data or [],
                  "agencies": lines(form.agencies.data), "case_ids": [case.strip() for case in form.cases.data or [] if case.strip()]}
        try:
            written = senim().conferences.schedule(fields, actor=current_actor())
        except Invalid as refused:
            problem = " ".join(put_errors(form, refused, {"held_on": "held_on", "case_ids": "cases",
                                                          "previous_id": "previous"})) or None
        except (Forbidden, Conflict) as refused:
            problem, status = say(refused), 403 if isinstance(refused, Forbidden) else 409
        else:
            remember(written.position)
            flash(_("The meeting is scheduled."), "success")
            return redirect(url_for(".conference", conference_id=written.id))
    return render_list(form, problem, status)


# The meeting page --------------------------------------------------------------------------------

def meeting_forms(view: dict, given: dict | None = None) -> dict:
    given = given or {}
    visible = [(str(case["case_id"]), case["number"]) for case in view["cases"] if case["visible"]]
    owners = [(f"staff:{member['user_id']}", member["username"])
              for member in [view["scheduled_by"], *view["attendees"]] if member.get("user_id")]
    owners = list(dict.fromkeys(owners)) + [(f"agency:{name}", name) for name in view["agencies"]]
    forms = {
        "agenda": given.get("agenda") or AgendaForm(prefix="agenda", formdata=None),
        "discussion": given.get("discussion") or DiscussionForm(prefix="discussion", formdata=None),
        "action": given.get("action") or ActionForm(prefix="action", formdata=None),
        "done": DoneForm(prefix="done", formdata=None),
    }
    on_agenda = {str(case["case_id"]) for case in view["cases"]}
    forms["agenda"].case.choices = [("", _("Choose the case"))] + case_choices(exclude=on_agenda)
    forms["discussion"].case.choices = [("", _("Choose the case"))] + visible
    forms["discussion"].agencies.choices = [(name, name) for name in view["agencies"]]
    forms["action"].case.choices = [("", _("Choose the case"))] + visible
    forms["action"].owner.choices = [("", _("Choose who does it"))] + owners
    return forms


def render_meeting(conference_id: UUID, *, given: dict | None = None, problem: str | None = None,
                   status: int = 200, failed: str | None = None):
    view = senim().conferences.view(conference_id, actor=current_actor())
    senim().access.record(current_actor(), "conference", conference_id, remote_addr=request.remote_addr)
    return render_template("web/casework/conference.html", conference=view, forms=meeting_forms(view, given),
                           problem=problem, failed=failed), status


@bp.route("/conferences/<uuid:conference_id>")
@page(*CASEWORK_ROLES)
def conference(conference_id: UUID):
    return render_meeting(conference_id)


def act(conference_id: UUID, name: str, form, run, *, fields: dict[str, str], success: str):
    """A form of the meeting page: run it as the signed-in member of staff, or show it again with why not."""
    problem, status = None, 422
    if form.validate_on_submit():
        try:
            written = run(form)
        except Invalid as refused:
            problem = " ".join(put_errors(form, refused, fields)) or None
        except Conflict as refused:
            problem, status = say(refused), 409
        except Forbidden as refused:
            problem, status = say(refused), 403
        else:
            remember(written.position)
            flash(success, "success")
            return redirect(url_for(".conference", conference_id=conference_id))
    return render_meeting(conference_id, given={name: form}, problem=problem, status=status, failed=name)


def posted(conference_id: UUID, name: str, form_class):
    """The posted form with the choices the page offers (so `chosen` can judge it)."""
    view = senim().conferences.view(conference_id, actor=current_actor())
    return meeting_forms(view, {name: form_class(prefix=name)})[name]


@bp.route("/conferences/<uuid:conference_id>/cases", methods=["POST"])
@page(*CASEWORK_ROLES)
def add_case(conference_id: UUID):
    form = posted(conference_id, "agenda", AgendaForm)
    return act(conference_id, "agenda", form, lambda form: senim().conferences.add_case(
        conference_id, case_id=form.case.data.strip(), actor=current_actor()),
        fields={"case_id": "case"}, success=_("The case is on the agenda."))


@bp.route("/conferences/<uuid:conference_id>/discussions", methods=["POST"])
@page(*CASEWORK_ROLES)
def discuss(conference_id: UUID):
    form = posted(conference_id, "discussion", DiscussionForm)
    return act(conference_id, "discussion", form, lambda form: senim().conferences.discuss(
        conference_id, case_id=form.case.data, decisions=form.decisions.data, agencies=form.agencies.data or [],
        actor=current_actor()), fields={"case_id": "case"}, success=_("The decisions are recorded."))


def owner_of(choice: str) -> dict:
    kind, _sep, value = (choice or "").partition(":")
    return {"kind": "staff", "user_id": value} if kind == "staff" else {"kind": kind, "agency": value}


@bp.route("/conferences/<uuid:conference_id>/actions", methods=["POST"])
@page(*CASEWORK_ROLES)
def agree_action(conference_id: UUID):
    form = posted(conference_id, "action", ActionForm)
    return act(conference_id, "action", form, lambda form: senim().conferences.agree_action(
        conference_id, case_id=form.case.data, text=form.text.data, owner=owner_of(form.owner.data),
        due_on=parse_date(form.due_on.data), actor=current_actor()),
        fields={"case_id": "case", "owner": "owner", "due_on": "due_on"}, success=_("The action is agreed."))


@bp.route("/conferences/<uuid:conference_id>/actions/<uuid:action_id>/done", methods=["POST"])
@page(*CASEWORK_ROLES)
def action_done(conference_id: UUID, action_id: UUID):
    return act(conference_id, "done", DoneForm(prefix="done"), lambda form: senim().conferences.mark_done(
        conference_id, action_id, actor=current_actor()), fields={}, success=_("The action is marked as done."))


@bp.route("/conferences/<uuid:conference_id>/<any(cases, discussions, actions):part>")
@page(*CASEWORK_ROLES)
def meeting_part(conference_id: UUID, part: str):
    return redirect(url_for(".conference", conference_id=conference_id))


# The agency's copy -------------------------------------------------------------------------------

@bp.route("/conferences/<uuid:conference_id>/minutes")
@page(*CASEWORK_ROLES)
def minutes(conference_id: UUID):
    agency = request.args.get("agency", "")[:AGENCY_MAX]
    try:
        copy = senim().conferences.minutes(conference_id, agency=agency, actor=current_actor())
    except Invalid as refused:
        return render_meeting(conference_id, problem=" ".join(message for messages in say_all(refused).values() for message in messages), status=422)
    senim().access.record(current_actor(), "conference", conference_id, remote_addr=request.remote_addr)
    return render_template("web/casework/minutes.html", copy=copy)


# The case page's section -------------------------------------------------------------------------

@section("conferences", "web/casework/_conferences.html", 60)
def case_conferences(case: Case, actor: Actor) -> dict:
    try:
        return {"conferences": senim().conferences.of_case(case.id, actor=actor)}
    except DomainError:
        return {"conferences": None}
