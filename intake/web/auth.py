"""Signing in and out, the language switch, and the keep-alive ping of a page someone is typing on."""
import math
from urllib.parse import urlsplit
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user
from wtforms import PasswordField, StringField

from domain.clock import utc_now
from intake.running import senim
from intake.services.staff import SignInRefused
from intake.web.forms import Form, length, required
from intake.web.i18n import LANGUAGES
from intake.web.session import WebUser, end_session

bp = Blueprint("web_auth", __name__)

# Where each role starts after signing in.
START_PAGES = {
    "consultant": "web_consultant.new_contact",
    "psychologist": "web_psychologist.queue",
    "supervisor": "web_supervisor.dashboard",
    "admin": "web_admin.users",
}


class SignInForm(Form):
    username = StringField(_l("Username"), validators=[required(), length(63)])
    password = PasswordField(_l("Password"), validators=[required(), length(1024)])


def minutes_until(moment) -> int:
    """Whole minutes to wait, rounded up: the same figure for every username held back alike."""
    return max(1, math.ceil((moment - utc_now()).total_seconds() / 60))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: a crafted ?next= must not send staff elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_page() -> str:
    return url_for(START_PAGES[current_user.role])


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("web_auth.login"))
    return redirect(start_page())


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or start_page())
    form = SignInForm()
    problem = None
    if form.validate_on_submit():
        staff = senim().staff
        try:
            signed_in = staff.sign_in(form.username.data.strip().lower(), form.password.data,
                                      remote_addr=request.remote_addr)
        except SignInRefused as refused:
            if refused.reason == "held":
                # Said alike for every username, real or not: it tells an outsider nothing.
                problem = _("Too many failed sign-ins with this username from this computer. Wait %(minutes)s "
                            "min. before the next try; a supervisor or an admin can help sooner.",
                            minutes=minutes_until(refused.until))
            else:
                problem = _("The username or the password is wrong.")
        else:
            user = signed_in.user
            language = session.get("language")
            session.clear()  # a fresh session at sign-in: nothing carried over from before
            login_user(WebUser(user, signed_in.session_id))
            if language in LANGUAGES and not user.language:
                staff.choose_language(user.id, language, actor=current_user.actor)
            return redirect(safe_next(request.args.get("next")) or start_page())
    status = 401 if problem else 200
    return render_template("web/login.html", form=form, problem=problem), status


@bp.route("/logout", methods=["POST"])
def logout():
    end_session("signed out", everywhere=True)
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("web_auth.login"))


@bp.route("/language", methods=["POST"])
def choose_language():
    language = request.form.get("language")
    if language not in LANGUAGES:
        flash(_("Choose one of the offered languages."), "error")
    elif current_user.is_authenticated:
        senim().staff.choose_language(
            UUID(current_user.user_id), language, actor=current_user.actor)
    else:
        session["language"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("web_auth.home"))


@bp.route("/keepalive", methods=["POST"])
def keepalive():
    """Pinged by a page while someone types, so a long call is not cut off by the idle timeout."""
    if not current_user.is_authenticated:
        return {"signed_in": False}, 401
    return {"signed_in": True}, 200
