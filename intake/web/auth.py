"""Signing in and out, the language switch, and the keep-alive ping of a page someone is typing on."""
import math
from urllib.parse import urlsplit
from uuid import UUID

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf
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


@bp.route("/login/token")
def sign_in_token():
    """A fresh CSRF token for signing in again on a page whose session ended (its own token went with it)."""
    return jsonify({"csrf_token": generate_csrf()}), 200


@bp.route("/login/again", methods=["POST"])
def sign_in_again():
    """Signs in from a dialog on the page being worked on (JSON), so an open call form is not left.

    Only the person whose page it is (`user`, the page's user id) may sign in there: the draft on the
    page is sealed for them and the contact is saved in their name. Answers the new CSRF token.
    """
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    username, password, expected = body.get("username"), body.get("password"), body.get("user")
    if not all(isinstance(value, str) and 0 < len(value) <= limit
               for value, limit in ((username, 63), (password, 1024))):
        return jsonify({"signed_in": False, "reason": "wrong"}), 422
    staff = senim().staff
    try:
        signed_in = staff.sign_in(username.strip().lower(), password, remote_addr=request.remote_addr)
    except SignInRefused as refused:
        if refused.reason == "held":
            return jsonify({"signed_in": False, "reason": "held", "message": _(
                "Too many failed sign-ins with this username from this computer. Wait %(minutes)s "
                "min. before the next try; a supervisor or an admin can help sooner.",
                minutes=minutes_until(refused.until))}), 429
        return jsonify({"signed_in": False, "reason": "wrong"}), 401
    user = signed_in.user
    if isinstance(expected, str) and expected and expected != str(user.id):
        staff.sign_out(signed_in.session_id, reason="signed in on another person's page",
                       actor=WebUser(user, signed_in.session_id).actor, everywhere=False)
        return jsonify({"signed_in": False, "reason": "other_user"}), 403
    language = session.get("language")
    session.clear()
    login_user(WebUser(user, signed_in.session_id))
    if language in LANGUAGES and not user.language:
        staff.choose_language(user.id, language, actor=current_user.actor)
    g.pop("csrf_token", None)  # the token of the cleared session must not be handed back
    return jsonify({"signed_in": True, "user": str(user.id), "csrf_token": generate_csrf()}), 200
