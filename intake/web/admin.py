"""Admins manage staff accounts: create, change role, disable and enable, reset passwords, unlock.

Every change goes through StaffService, so it is a User event signed by the admin; the user page
shows those events as the account's history. A password reset, a role change, a disable or an
enable end every open session of that user on the server (domain.staff.User.open_sessions).

Granting the supervisor or admin role, and resetting the password of a supervisor or an admin,
take two people (domain.staff_approval): the form records a request, and a different admin or
supervisor approves or rejects it on the approvals page; until then nothing changes.
"""
from datetime import datetime
from uuid import UUID

from babel.dates import get_day_names
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectField, StringField, TextAreaField, validators

from domain.actor import STAFF_ROLES, SYSTEM_ROLE
from domain.clock import utc_now
from domain.errors import Conflict, Forbidden, Invalid
from domain.staff import DISPLAY_NAME_MAX, User, check_username
from domain.staff_approval import APPROVER_ROLES
from domain.text import REASON_MAX
from intake.running import senim
from intake.services.staff import MIN_PASSWORD_LENGTH, Pending
from intake.web.event_text import NOT_ACCOUNT_CHANGES, SIGN_IN_EVENTS, account_event_text
from intake.web.forms import Form, length, required
from intake.web.hours import hours_page
from intake.web.i18n import language, role_name
from intake.web.refusals import say
from intake.web.session import current_actor, page
from intake.web.staff_names import staff_name

bp = Blueprint("web_admin", __name__, url_prefix="/admin")

RECENT_SIGN_INS = 20
STATES = ("active", "disabled", "locked")


# Forms -------------------------------------------------------------------------------------------

def role_choices() -> list[tuple[str, str]]:
    return [(role, role_name(role)) for role in STAFF_ROLES]


def one_of_the_roles():
    return validators.AnyOf(STAFF_ROLES, message=_l("Choose one of the offered roles."))


def words():
    """Required, and more than blanks."""
    return validators.DataRequired(message=_l("Fill in this field."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def valid_username(form, field):
    try:
        check_username(field.data)
    except Invalid as refused:
        raise validators.ValidationError(say(refused)) from None


def long_enough():
    return validators.Length(min=MIN_PASSWORD_LENGTH,
                             message=_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))


def same_password():
    return validators.EqualTo("password", message=_l("The two passwords differ; type the same one twice."))


class NewUserForm(Form):
    username = StringField(_l("Username"), filters=[strip], validators=[required(), length(63), valid_username])
    role = SelectField(_l("Role"), choices=[], validate_choice=False, validators=[one_of_the_roles()])
    password = PasswordField(_l("Initial password"), validators=[required(), long_enough(), length(1024)])
    password_again = PasswordField(_l("The same password again"), validators=[required(), same_password()])


class RoleForm(Form):
    role = SelectField(_l("New role"), choices=[], validate_choice=False, validators=[one_of_the_roles()])


class PasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[required(), long_enough(), length(1024)])
    password_again = PasswordField(_l("The same password again"), validators=[required(), same_password()])


class NamesForm(Form):
    kk = StringField(_l("Name in Kazakh spelling"), filters=[strip], validators=[length(DISPLAY_NAME_MAX)])
    ru = StringField(_l("Name in Russian spelling"), filters=[strip], validators=[length(DISPLAY_NAME_MAX)])


class DisableForm(Form):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[words(), length(REASON_MAX)])


def user_forms(user: User, **bound) -> dict:
    """Every form of the user page; `bound` holds the one that was just sent (with its errors)."""
    forms = {
        "role_form": RoleForm(prefix="role", formdata=None, data={"role": user.role}),
        "password_form": PasswordForm(prefix="password", formdata=None),
        "disable_form": DisableForm(prefix="disable", formdata=None),
        "names_form": NamesForm(prefix="names", formdata=None, data=user.display_names),
        "plain_form": Form(formdata=None),
    }
    forms.update(bound)
    forms["role_form"].role.choices = role_choices()
    return forms


def password_hint() -> str:
    return _("At least %(count)d characters. A few unrelated words are easier to remember and harder to guess.",
             count=MIN_PASSWORD_LENGTH)


# Who may open a member of staff's page: admins manage the account; supervisors, on shift when no
# admin is, unlock it and set working hours (and are told so by the sign-in page's lock-out message).
USER_PAGE_ROLES = ("admin", "supervisor")


def show_invalid(form: Form, refused: Invalid) -> None:
    """The service's refusals, in the page's language, next to the field they name."""
    for name, reasons in refused.reasons.items():
        field = getattr(form, name, None)
        if field is None:  # a rule no field of this form stands for: said at the top
            for reason in reasons:
                flash(say(reason), "error")
            continue
        field.errors = [*field.errors, *(say(reason) for reason in reasons)]


# Views of users ----------------------------------------------------------------------------------

def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until(now) is not None


def user_state(user: User, now: datetime) -> str:
    if not user.active:
        return "disabled"
    return "locked" if is_locked(user, now) else "active"


STATE_NAMES = {"active": _l("Active"), "disabled": _l("Disabled"), "locked": _l("Locked out")}


def when(moment: datetime | None) -> str:
    return format_datetime(moment, "short") if moment else ""


def who(actor: dict | None) -> str:
    if not actor:
        return ""
    role = actor.get("role")
    if role == SYSTEM_ROLE:
        return _("%(name)s (command line)", name=actor.get("username"))
    return f"{staff_name(actor)} · {role_name(role)}"


def history_rows(events: list, user: User) -> tuple[list[dict], list[dict]]:
    """(changes to the account, newest first; the latest sign-in attempts, newest first)."""
    changes, sign_ins = [], []
    for event in events:
        if isinstance(event, NOT_ACCOUNT_CHANGES):
            continue
        if isinstance(event, SIGN_IN_EVENTS):
            sign_ins.append({"at": event.at, "when": when(event.at), "ok": isinstance(event, User.SignedIn),
                             "remote_addr": getattr(event, "remote_addr", None) or ""})
            continue
        what, details = account_event_text(event)
        actor = getattr(event, "actor", None)
        own = bool(actor) and actor.get("user_id") == str(user.id)
        changes.append({"at": event.timestamp, "when": when(event.timestamp), "what": what, "details": details,
                        "who": _("the user themself") if own else who(actor)})
    changes.reverse()
    sign_ins.reverse()
    return changes, sign_ins[:RECENT_SIGN_INS]


def list_row(user: User, now: datetime) -> dict:
    return {"id": user.id, "username": user.username, "name": staff_name(user), "role": user.role,
            "state": user_state(user, now),
            "hours": user.working_hours is not None, "last_sign_in": user.last_signed_in_at}


def is_self(user: User) -> bool:
    return str(user.id) == current_user.user_id


def render_user(user: User, status: int = 200, **bound):
    now = utc_now()
    changes, sign_ins = history_rows(list(senim().store.events_of(user.id)), user)
    created = next((row for row in reversed(changes)), None)
    return render_template(
        "web/admin/user.html", user=user, state=user_state(user, now), state_names=STATE_NAMES,
        locked_until=user.locked_until(now), failed=len(user.failed_sign_ins), changes=changes,
        sign_ins=sign_ins, created=created, is_self=is_self(user), when=when, password_hint=password_hint(),
        is_admin=current_user.role == "admin", hours=hours_summary(user),
        **user_forms(user, **bound)), status


# Routes ------------------------------------------------------------------------------------------

def hours_summary(user: User) -> list[tuple[str, str]]:
    """(weekday, shifts) in the page's language; [] when no hours are on record."""
    if user.schedule is None:
        return []
    names = get_day_names("wide", locale=language())
    return [(names[day].capitalize(), ", ".join(str(shift) for shift in shifts) or _("day off"))
            for day, shifts in enumerate(user.schedule.days)]


@bp.route("/users")
@page(*USER_PAGE_ROLES)
def users():
    """Every account with its role and state; filtered by name, role and state."""
    now = utc_now()
    search = (request.args.get("q") or "").strip().lower()[:63]
    role = request.args.get("role") if request.args.get("role") in STAFF_ROLES else ""
    state = request.args.get("state") if request.args.get("state") in STATES else ""
    everyone = sorted((list_row(user, now) for user in senim().staff.list_users()), key=lambda row: row["username"])
    shown = [row for row in everyone
             if (not search or search in row["username"] or search in row["name"].lower()) and (not role or row["role"] == role)
             and (not state or row["state"] == state)]
    return render_template("web/admin/users.html", rows=shown, total=len(everyone), search=search, role=role,
                           state=state, roles=role_choices(), states=[(s, STATE_NAMES[s]) for s in STATES],
                           state_names=STATE_NAMES, when=when,
                           filtered=bool(search or role or state))


@bp.route("/users/new", methods=["GET", "POST"])
@page("admin")
def new_user():
    form = NewUserForm()
    form.role.choices = [("", _("Choose a role")), *role_choices()]
    if form.validate_on_submit():
        try:
            written = senim().staff.add_user(username=form.username.data, role=form.role.data,
                                             password=form.password.data, actor=current_actor())
        except Invalid as refused:
            show_invalid(form, refused)
        except Conflict as taken:
            form.username.errors = [*form.username.errors, say(taken)]
        else:
            if isinstance(written, Pending):
                flash(_("The account %(name)s with the role %(role)s is created once another admin or a "
                        "supervisor approves it on the approvals page.",
                        name=form.username.data.lower(), role=role_name(form.role.data)), "success")
                return redirect(url_for("web_admin.approvals"))
            flash(_("The account %(name)s was created. Give the user the password in person or by phone.",
                    name=form.username.data.lower()), "success")
            return redirect(url_for("web_admin.user", user_id=written.id))
    status = 422 if form.errors else 200
    return render_template("web/admin/new_user.html", form=form, password_hint=password_hint(),
                           sent=request.method == "POST"), status


@bp.route("/users/<uuid:user_id>")
@page(*USER_PAGE_ROLES)
def user(user_id: UUID):
    return render_user(senim().staff.get(user_id))


@bp.route("/users/<uuid:user_id>/names", methods=["POST"])
@page("admin")
def display_names(user_id: UUID):
    """The name the pages show for the member of staff, in Kazakh and Russian spelling."""
    user = senim().staff.get(user_id)
    form = NamesForm(prefix="names")
    if form.validate():
        try:
            senim().staff.set_display_names(user.id, names={"kk": form.kk.data, "ru": form.ru.data},
                                            actor=current_actor())
        except Invalid as refused:
            for key, reasons in refused.reasons.items():
                field = getattr(form, key.rpartition(".")[2], None)
                if field is not None:
                    field.errors = [*field.errors, *(say(reason) for reason in reasons)]
        else:
            flash(_("The name is saved: the pages now show %(name)s.", name=staff_name(senim().staff.get(user.id))),
                  "success")
            return to_account(user)
    return render_user(senim().staff.get(user_id), 422, names_form=form)


@bp.route("/users/<uuid:user_id>/hours", methods=["GET", "POST"])
@page(*USER_PAGE_ROLES)
def working_hours(user_id: UUID):
    """A member of staff's working hours, set by an admin or a supervisor."""
    user = senim().staff.get(user_id)
    return hours_page(user, template="web/admin/hours.html",
                      saved=_("The working hours of %(name)s are saved.", name=staff_name(user)),
                      back=url_for("web_admin.user", user_id=user.id))


@bp.route("/users/<uuid:user_id>/role", methods=["POST"])
@page("admin")
def change_role(user_id: UUID):
    user = senim().staff.get(user_id)
    form = RoleForm(prefix="role")
    form.role.choices = role_choices()
    if is_self(user):
        flash(_("You cannot change your own role: another admin does that."), "error")
        return to_account(user)
    if form.validate():
        try:
            written = senim().staff.change_role(user.id, role=form.role.data, actor=current_actor())
        except Invalid as refused:
            show_invalid(form, refused)
        except Conflict as unchanged:
            form.role.errors = [*form.role.errors, say(unchanged)]
        else:
            if isinstance(written, Pending):
                flash(_("%(name)s becomes %(role)s once another admin or a supervisor approves it on the "
                        "approvals page.", name=user.username, role=role_name(form.role.data)), "success")
                return to_account(user)
            flash(_("%(name)s is now %(role)s.", name=user.username, role=role_name(form.role.data)), "success")
            return to_account(user)
    return render_user(senim().staff.get(user_id), 422, role_form=form)


@bp.route("/users/<uuid:user_id>/password", methods=["POST"])
@page("admin")
def reset_password(user_id: UUID):
    user = senim().staff.get(user_id)
    form = PasswordForm(prefix="password")
    if form.validate():
        try:
            # Your own reset keeps this session open and ends the others.
            written = senim().staff.set_password(user.id, password=form.password.data, actor=current_actor(),
                                                 keep_session=current_user.session_id if is_self(user) else None)
        except Invalid as refused:
            show_invalid(form, refused)
        else:
            if isinstance(written, Pending):
                flash(_("The new password of %(name)s counts once another admin or a supervisor approves it on "
                        "the approvals page; until then the old one stays.", name=user.username), "success")
            elif is_self(user):
                flash(_("Your password was changed. Your other sessions were signed out."), "success")
            else:
                flash(_("The password of %(name)s was reset. Every open session of theirs was signed out; "
                        "they sign in with the new password.", name=user.username), "success")
            return to_account(user)
    return render_user(senim().staff.get(user_id), 422, password_form=form)


@bp.route("/users/<uuid:user_id>/disable", methods=["POST"])
@page("admin")
def disable(user_id: UUID):
    user = senim().staff.get(user_id)
    form = DisableForm(prefix="disable")
    if is_self(user):
        flash(_("You cannot disable your own account: another admin does that."), "error")
        return to_account(user)
    if form.validate():
        try:
            senim().staff.disable(user.id, reason=form.reason.data, actor=current_actor())
        except Invalid as refused:
            show_invalid(form, refused)
        except Conflict as already:
            flash(say(already), "info")
            return to_account(user)
        else:
            flash(_("%(name)s is disabled: they are signed out and can no longer sign in or use API tokens.",
                    name=user.username), "success")
            return to_account(user)
    return render_user(senim().staff.get(user_id), 422, disable_form=form)


@bp.route("/users/<uuid:user_id>/enable", methods=["POST"])
@page("admin")
def enable(user_id: UUID):
    return switch_account(user_id, senim().staff.enable,
                          lambda name: _("%(name)s is active again and may sign in.", name=name))


@bp.route("/users/<uuid:user_id>/unlock", methods=["POST"])
@page(*USER_PAGE_ROLES)
def unlock(user_id: UUID):
    return switch_account(user_id, senim().staff.unlock,
                          lambda name: _("%(name)s is unlocked and may sign in now.", name=name))


def to_account(user: User) -> ResponseReturnValue:
    """Back to the account's page, after a change to it (or a refusal said in a flash)."""
    return redirect(url_for("web_admin.user", user_id=user.id))


def switch_account(user_id: UUID, command, done) -> ResponseReturnValue:
    """A button with nothing to fill in (enable, unlock): already so is said, not refused."""
    user = senim().staff.get(user_id)
    if not Form().validate():
        return render_user(user, 422)
    try:
        command(user.id, actor=current_actor())
    except Conflict as already:
        flash(say(already), "info")
    else:
        flash(done(user.username), "success")
    return to_account(user)


# Two-person staff changes -------------------------------------------------------------------------

class RejectForm(Form):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[words(), length(REASON_MAX)])


def approval_row(change, now: datetime) -> dict:
    requester = change.requested_by or {}
    own = requester.get("user_id") == current_user.user_id
    subject = change.user_id == current_user.user_id
    if change.kind == "password":
        what = _("New password for %(name)s (%(role)s)", name=change.username, role=role_name(change.role))
    elif change.kind == "role":
        what = _("%(name)s becomes %(role)s", name=change.username, role=role_name(change.role))
    else:
        what = _("New account %(name)s as %(role)s", name=change.username, role=role_name(change.role))
    return {"id": change.id, "kind": change.kind, "what": what, "who": who(requester),
            "when": when(change.created_on), "expires": when(change.expires_at()),
            "expired": change.is_expired(now), "own": own, "subject": subject,
            "decidable": not own and not subject}


def render_approvals(status: int = 200, reject_form: RejectForm | None = None, rejected_id=None):
    now = utc_now()
    rows = [approval_row(change, now) for change in senim().staff.pending_changes()]
    return render_template("web/admin/approvals.html", rows=rows, plain_form=Form(formdata=None),
                           reject_form=reject_form or RejectForm(formdata=None), rejected_id=rejected_id), status


def decision_refused(error: Forbidden | Conflict) -> None:
    """Refused, or too late: an expired request is an error to the decider, one decided already is news."""
    decided = isinstance(error, Conflict) and error.state != "expired"
    flash(say(error), "info" if decided else "error")


@bp.route("/approvals")
@page(*APPROVER_ROLES)
def approvals():
    """Staff changes waiting for a second person: approve or reject, never one's own."""
    return render_approvals()


@bp.route("/approvals/<uuid:change_id>/approve", methods=["POST"])
@page(*APPROVER_ROLES)
def approve(change_id: UUID):
    senim().staff.change(change_id)  # 404 page for an unknown id
    if not Form().validate():
        return render_approvals(422)
    try:
        senim().staff.approve_change(change_id, actor=current_actor())
    except (Forbidden, Conflict) as refused:
        decision_refused(refused)
    else:
        flash(_("Approved: the change is made."), "success")
    return redirect(url_for("web_admin.approvals"))


@bp.route("/approvals/<uuid:change_id>/reject", methods=["POST"])
@page(*APPROVER_ROLES)
def reject(change_id: UUID):
    senim().staff.change(change_id)
    form = RejectForm()
    if not form.validate():
        return render_approvals(422, reject_form=form, rejected_id=change_id)
    try:
        senim().staff.reject_change(change_id, reason=form.reason.data, actor=current_actor())
    except Invalid as refused:
        form.reason.errors = [*form.reason.errors, *(say(reason) for reason in refused.reasons.get("reason", ()))]
        return render_approvals(422, reject_form=form, rejected_id=change_id)
    except (Forbidden, Conflict) as refused:
        decision_refused(refused)
    else:
        flash(_("Rejected: nothing was changed."), "success")
    return redirect(url_for("web_admin.approvals"))
