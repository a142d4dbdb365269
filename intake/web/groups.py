"""Group programme pages: the facilitator's groups (and planning one), a group's page (timetable, participants,
enrolment, certificates), the session register (one key per participant: 1 present, 2 absent), and the
supervisor's programmes and trainings.

Every page calls GroupService as the signed-in member of staff, so the API's rules apply unchanged; a
refused form comes back with its messages (422), a refused state says which (409).
"""
from datetime import timedelta
from uuid import UUID

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from domain.errors import Conflict, DomainError, Forbidden, Invalid
from domain.group import BUILTIN, DEFINING_ROLES, GROUP_ROLES, LANGUAGES, Group
from domain.training import TRAINING_ROLES
from intake.running import senim
from intake.web.forms import Form, length, required
from intake.web.i18n import label, language, options
from intake.web.own_writes import remember
from intake.web.psychologist_forms import DateField, TimeField, a_date, a_time, chosen, local_moment, parse_date
from intake.web.refusals import say, say_all
from intake.web.session import current_actor, page

bp = Blueprint("web_groups", __name__, url_prefix="/groups")
PRESENT, ABSENT = "present", "absent"


# Forms -------------------------------------------------------------------------------------------

class PlanForm(Form):
    programme = SelectField(_l("Programme"), validate_choice=False, validators=[required(), chosen])
    facilitators = SelectMultipleField(_l("Facilitators"), validate_choice=False)
    first_day = DateField(_l("Date of the first session"), validators=[required(), a_date])
    first_time = TimeField(_l("Start time"), validators=[required(), a_time])
    sessions = IntegerField(_l("Number of weekly sessions"), validators=[required(), NumberRange(1, 100)])
    minutes = IntegerField(_l("Minutes per session"), validators=[required(), NumberRange(15, 480)])
    capacity = IntegerField(_l("Places"), validators=[required(), NumberRange(1, 500)])
    place = StringField(_l("Place"), validators=[length(500)])
    online_link = StringField(_l("Online link"), validators=[length(500)])
    region = SelectField(_l("Region"), validate_choice=False)


class EnrolForm(Form):
    name = StringField(_l("Name"), validators=[required(), length(200)])
    sex = RadioField(_l("Sex"), validate_choice=False)
    age = IntegerField(_l("Age"), validators=[Optional(), NumberRange(0, 120)])
    social_statuses = SelectMultipleField(_l("Social status"), validate_choice=False)
    region = SelectField(_l("Region"), validate_choice=False)
    settlement = RadioField(_l("Settlement"), validate_choice=False)
    language = RadioField(_l("Language of the certificate"), validate_choice=False)


class RegisterForm(Form):
    held_on = DateField(_l("Date held"), validators=[required(), a_date])
    topic = StringField(_l("Topic"), validators=[required(), length(500)])


class ProgrammeForm(Form):
    name_kk = StringField(_l("Name in Kazakh"), validators=[required(), length(200)])
    name_ru = StringField(_l("Name in Russian"), validators=[required(), length(200)])
    name_en = StringField(_l("Name in English"), validators=[required(), length(200)])
    kind = RadioField(_l("Kind"), validate_choice=False, validators=[required(), chosen])
    sessions = IntegerField(_l("Number of sessions"), validators=[required(), NumberRange(1, 100)])
    hours = IntegerField(_l("Hours"), validators=[required(), NumberRange(1, 1000)])
    min_hours = IntegerField(_l("Completed with at least this many hours"), validators=[Optional(), NumberRange(1, 1000)])
    min_sessions = IntegerField(_l("Completed with at least this many sessions"),
                                validators=[Optional(), NumberRange(1, 100)])


class TrainingForm(Form):
    kind = RadioField(_l("Kind"), validate_choice=False, validators=[required(), chosen])
    audience = SelectField(_l("Audience"), validate_choice=False, validators=[required(), chosen])
    held_on = DateField(_l("Date held"), validators=[required(), a_date])
    trainers = TextAreaField(_l("Trainers"), validators=[required(), length(2000)])
    topic = StringField(_l("Topic"), validators=[required(), length(500)])
    regions = SelectMultipleField(_l("Regions covered"), validate_choice=False)


class TrainingParticipantForm(Form):
    name = StringField(_l("Name"), validators=[required(), length(200)])
    organisation = StringField(_l("Organisation"), validators=[required(), length(200)])
    position = StringField(_l("Position"), validators=[length(200)])
    region = SelectField(_l("Region"), validate_choice=False)


# Words -------------------------------------------------------------------------------------------

STATUS_WORDS = {"enrolled": _l("Taking part"), "completed": _l("Completed"), "dropped_out": _l("Dropped out"),
                "open": _l("Open"), "finished": _l("Finished")}


def programme_name(programme: dict) -> str:
    return (programme.get("names") or {}).get(language()) or (programme.get("names") or {}).get("en", "")


@bp.context_processor
def group_words():
    return {"status_word": lambda code: STATUS_WORDS.get(code, code), "programme_name": programme_name,
            "code_label": label}


def put_errors(form, refused: Invalid) -> list[str]:
    left = []
    for key, messages in say_all(refused).items():
        name = key.split(".")[0]
        if name in form and name != "csrf_token":
            form[name].errors = list(form[name].errors or []) + messages
        else:
            left += messages
    return left


def run(form, command, *, success: str, fields: bool = True):
    """Runs a write as the signed-in member of staff: (written, problem, status)."""
    try:
        written = command()
    except Invalid as refused:
        return None, " ".join(put_errors(form, refused)) or None, 422
    except (Forbidden, Conflict) as refused:
        return None, say(refused), 403 if isinstance(refused, Forbidden) else 409
    remember(written.position)
    flash(success, "success")
    return written, None, 200


def with_none(list_name: str) -> list[tuple[str, str]]:
    return [("", _("Not known"))] + options(list_name)


# My groups, and planning one -----------------------------------------------------------------------

def plan_form(form: PlanForm | None = None) -> PlanForm:
    form = form or PlanForm(formdata=None, sessions=10, minutes=120, capacity=12)
    programmes = senim().groups.programmes(actor=current_actor())
    form.programme.choices = [("", _("Choose the programme"))] + [
        (str(p.id), programme_name(p.definition)) for p in programmes]
    staff = [user for user in senim().staff.list_users() if user.active and user.role in GROUP_ROLES]
    form.facilitators.choices = [(str(user.id), user.username) for user in sorted(staff, key=lambda u: u.username)]
    form.region.choices = with_none("regions")
    return form


def render_groups(form: PlanForm | None = None, problem: str | None = None, status: int = 200):
    rows = senim().groups.listed(actor=current_actor())
    names = {str(p.id): programme_name(p.definition) for p in senim().groups.programmes(actor=current_actor())}
    return render_template("web/groups/groups.html", rows=rows, names=names, form=plan_form(form),
                           problem=problem), status


@bp.route("/")
@page(*GROUP_ROLES)
def my_groups():
    return render_groups()


@bp.route("/", methods=["POST"])
@page(*GROUP_ROLES)
def plan():
    form = plan_form(PlanForm())
    problem, status = None, 422
    if form.validate_on_submit():
        start = local_moment(form.first_day.data, form.first_time.data)
        timetable = [{"starts_at": start + timedelta(weeks=n), "minutes": form.minutes.data}
                     for n in range(form.sessions.data)] if start else []
        fields = {"programme": form.programme.data, "facilitators": form.facilitators.data or [str(current_actor().user_id)],
                  "timetable": timetable, "capacity": form.capacity.data, "place": form.place.data or None,
                  "online_link": form.online_link.data or None, "region": form.region.data or None}
        written, problem, status = run(form, lambda: senim().groups.plan(fields, actor=current_actor()),
                                       success=_("The group is planned."))
        if written:
            return redirect(url_for(".group", group_id=written.id))
    return render_groups(form, problem, status)


# A group -----------------------------------------------------------------------------------------

def enrol_form(form: EnrolForm | None = None) -> EnrolForm:
    form = form or EnrolForm(formdata=None, language=language() if language() in LANGUAGES else "ru")
    form.sex.choices = options("genders")
    form.social_statuses.choices = options("social_statuses")
    form.region.choices = with_none("regions")
    form.settlement.choices = options("settlement_types")
    form.language.choices = [(code, label("languages", code)) for code in LANGUAGES]
    return form


def participants_of(group: Group) -> list[dict]:
    rows = []
    for person in group.participants.values():
        hours, sessions = group.hours_of(person["participant_id"])
        name = person.get("name") if person.get("person_id") is None else None
        rows.append({**person, "hours": hours, "sessions": sessions,
                     "shown_name": name or (_("Person of a case") if person.get("person_id") else _("Name erased"))})
    return rows


def render_group(group_id: UUID, form: EnrolForm | None = None, problem: str | None = None, status: int = 200):
    group = senim().groups.get(group_id, actor=current_actor())
    senim().access.record(current_actor(), "group", group_id, remote_addr=request.remote_addr)
    return render_template("web/groups/group.html", group=group, participants=participants_of(group),
                           form=enrol_form(form), problem=problem), status


@bp.route("/<uuid:group_id>")
@page(*GROUP_ROLES)
def group(group_id: UUID):
    return render_group(group_id)


@bp.route("/<uuid:group_id>/participants", methods=["POST"])
@page(*GROUP_ROLES)
def enrol(group_id: UUID):
    form = enrol_form(EnrolForm())
    problem, status = None, 422
    if form.validate_on_submit():
        fields = {"name": form.name.data, "sex": form.sex.data or None, "age": form.age.data,
                  "social_statuses": form.social_statuses.data or [], "region": form.region.data or None,
                  "settlement": form.settlement.data or None, "language": form.language.data or None}
        written, problem, status = run(form, lambda: senim().groups.enrol(group_id, fields, actor=current_actor()),
                                       success=_("The participant is enrolled."))
        if written:
            return redirect(url_for(".group", group_id=group_id))
    return render_group(group_id, form, problem, status)


@bp.route("/<uuid:group_id>/participants/<uuid:participant_id>/certificate")
@page(*GROUP_ROLES)
def certificate(group_id: UUID, participant_id: UUID):
    try:
        pdf = senim().groups.certificate(group_id, participant_id, actor=current_actor())
    except Conflict as refused:
        flash(say(refused), "error")
        return redirect(url_for(".group", group_id=group_id))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{str(participant_id)[:8]}.pdf"'})


# The session register ----------------------------------------------------------------------------

def render_register(group_id: UUID, number: int, form: RegisterForm | None = None, problem: str | None = None,
                    status: int = 200, marks: dict | None = None):
    group = senim().groups.get(group_id, actor=current_actor())
    if not 1 <= number <= len(group.timetable):
        return render_template("web/error.html", status=404, title=_("Nothing here"), detail=None), 404
    held = group.sessions.get(number)
    planned = group.timetable[number - 1]
    form = form or RegisterForm(formdata=None, held_on=(held or {}).get("held_on") or planned["starts_at"][:10],
                                topic=(held or {}).get("topic") or "")
    rows = [row for row in participants_of(group) if row["status"] != "dropped_out"]
    marks = marks or {str(row["participant_id"]): (PRESENT if row["attendance"].get(number, 1) else ABSENT)
                      for row in rows}
    return render_template("web/groups/register.html", group=group, number=number, held=held, planned=planned,
                           rows=rows, marks=marks, form=form, problem=problem), status


@bp.route("/<uuid:group_id>/sessions/<int:number>")
@page(*GROUP_ROLES)
def register(group_id: UUID, number: int):
    return render_register(group_id, number)


@bp.route("/<uuid:group_id>/sessions/<int:number>", methods=["POST"])
@page(*GROUP_ROLES)
def save_register(group_id: UUID, number: int):
    form = RegisterForm()
    group = senim().groups.get(group_id, actor=current_actor())
    ids = [str(pid) for pid, person in group.participants.items() if person["status"] != "dropped_out"]
    marks = {pid: request.form.get(f"p-{pid}", ABSENT) for pid in ids}
    if not form.validate_on_submit():
        return render_register(group_id, number, form, None, 422, marks)
    try:
        if number not in group.sessions:
            remember(senim().groups.hold_session(group_id, number, {
                "held_on": parse_date(form.held_on.data), "topic": form.topic.data}, actor=current_actor()).position)
        if ids:
            group = senim().groups.get(group_id, actor=current_actor())
            hours = group.sessions[number]["hours"]
            attendance = {pid: (hours if marks[pid] == PRESENT else 0) for pid in ids}
            remember(senim().groups.record_attendance(group_id, number, attendance, actor=current_actor()).position)
    except Invalid as refused:
        return render_register(group_id, number, form, " ".join(put_errors(form, refused)) or None, 422, marks)
    except DomainError as refused:
        return render_register(group_id, number, form, say(refused), 409 if isinstance(refused, Conflict) else 403,
                               marks)
    flash(_("The register is saved."), "success")
    return redirect(url_for(".group", group_id=group_id))


# The supervisor's programmes and trainings --------------------------------------------------------

def programme_form(form: ProgrammeForm | None = None) -> ProgrammeForm | None:
    if not current_actor().has_role(*DEFINING_ROLES):
        return None
    form = form or ProgrammeForm(formdata=None)
    form.kind.choices = options("programme_kinds")
    return form


def render_programmes(form: ProgrammeForm | None = None, problem: str | None = None, status: int = 200):
    found = senim().groups.programmes(actor=current_actor())
    return render_template("web/groups/programmes.html", programmes=[p.definition | {"id": p.id} for p in found],
                           shipped=tuple(BUILTIN), form=programme_form(form), problem=problem), status


@bp.route("/programmes")
@page(*GROUP_ROLES)
def programmes():
    return render_programmes()


@bp.route("/programmes", methods=["POST"])
@page(*DEFINING_ROLES)
def define_programme():
    form = programme_form(ProgrammeForm())
    problem, status = None, 422
    if form is not None and form.validate_on_submit():
        fields = {"names": {"kk": form.name_kk.data, "ru": form.name_ru.data, "en": form.name_en.data},
                  "kind": form.kind.data, "sessions": form.sessions.data, "hours": form.hours.data,
                  "min_hours": form.min_hours.data, "min_sessions": form.min_sessions.data}
        written, problem, status = run(form, lambda: senim().groups.define_programme(fields, actor=current_actor()),
                                       success=_("The programme is defined."))
        if written:
            return redirect(url_for(".programmes"))
    return render_programmes(form, problem, status)


def training_form(form: TrainingForm | None = None) -> TrainingForm:
    form = form or TrainingForm(formdata=None)
    form.kind.choices = options("training_kinds")
    form.audience.choices = [("", _("Choose the audience"))] + options("training_audiences")
    form.regions.choices = options("regions")
    return form


def render_trainings(form: TrainingForm | None = None, problem: str | None = None, status: int = 200):
    rows = senim().groups.trainings(actor=current_actor())
    return render_template("web/groups/trainings.html", rows=rows, form=training_form(form), problem=problem), status


@bp.route("/trainings")
@page(*TRAINING_ROLES)
def trainings():
    return render_trainings()


@bp.route("/trainings", methods=["POST"])
@page(*TRAINING_ROLES)
def record_training():
    form = training_form(TrainingForm())
    problem, status = None, 422
    if form.validate_on_submit():
        fields = {"kind": form.kind.data, "audience": form.audience.data, "held_on": parse_date(form.held_on.data),
                  "trainers": [line.strip() for line in form.trainers.data.splitlines() if line.strip()],
                  "topic": form.topic.data, "regions": form.regions.data or []}
        written, problem, status = run(form, lambda: senim().groups.record_training(fields, actor=current_actor()),
                                       success=_("The training is recorded."))
        if written:
            return redirect(url_for(".training", training_id=written.id))
    return render_trainings(form, problem, status)


def participant_form(form: TrainingParticipantForm | None = None) -> TrainingParticipantForm:
    form = form or TrainingParticipantForm(formdata=None)
    form.region.choices = with_none("regions")
    return form


def render_training(training_id: UUID, form=None, problem: str | None = None, status: int = 200):
    training = senim().groups.training(training_id, actor=current_actor())
    return render_template("web/groups/training.html", training=training, form=participant_form(form),
                           problem=problem), status


@bp.route("/trainings/<uuid:training_id>")
@page(*TRAINING_ROLES)
def training(training_id: UUID):
    return render_training(training_id)


@bp.route("/trainings/<uuid:training_id>/participants", methods=["POST"])
@page(*TRAINING_ROLES)
def add_training_participant(training_id: UUID):
    form = participant_form(TrainingParticipantForm())
    problem, status = None, 422
    if form.validate_on_submit():
        fields = {"name": form.name.data, "organisation": form.organisation.data,
                  "position": form.position.data or None, "region": form.region.data or None}
        written, problem, status = run(form, lambda: senim().groups.add_training_participant(
            training_id, fields, actor=current_actor()), success=_("The participant is added."))
        if written:
            return redirect(url_for(".training", training_id=training_id))
    return render_training(training_id, form, problem, status)
