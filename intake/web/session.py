"""Signed-in staff for the web UI (Flask-Login), the idle timeout, and page-level role checks."""
import base64
import hashlib
import hmac
import time
from functools import wraps
from uuid import UUID

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, logout_user

from domain.actor import Actor
from domain.errors import DomainError
from domain.staff import User


def session_stamp(user: User) -> str:
    """Part of the session id that changes with the password: a reset signs out every session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


class WebUser(UserMixin):
    def __init__(self, user: User):
        self.user_id = str(user.id)
        self.username = user.username
        self.role = user.role
        self.language = user.language
        self._stamp = session_stamp(user)

    def get_id(self) -> str:
        return f"{self.user_id}:{self._stamp}"

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, username=self.username, role=self.role)

    @property
    def draft_key(self) -> str:
        """The AES key (base64) this user's unsaved drafts are sealed with in the browser (senim.js).

        A draft holds what a caller said before it is saved; on a shared computer it would otherwise
        sit readable in the browser's storage for whoever uses the machine next. Derived from the
        app's secret, so it is the same after an idle sign-out and in every process, and only this
        user's pages carry it.
        """
        secret = current_app.secret_key
        secret = secret.encode() if isinstance(secret, str) else secret
        digest = hmac.new(secret, b"senim browser drafts\0" + self.user_id.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()


def load_user(session_id: str) -> WebUser | None:
    """Reloaded on every request, so a disabled account or a changed role counts at once."""
    user_id, _, stamp = (session_id or "").partition(":")
    try:
        user = current_app.extensions["senim"].staff.get(UUID(user_id))
    except (ValueError, DomainError):
        return None
    if not user.active or session_stamp(user) != stamp:
        return None
    return WebUser(user)


def current_actor() -> Actor:
    return current_user.actor


def page(*roles: str):
    """A page for signed-in staff of these roles; others get the sign-in page or a 403 page."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def is_web_request() -> bool:
    path = request.path
    return not (path.startswith("/api/") or path in ("/healthz", "/readyz"))


def _sign_out_when_idle():
    """Signs out after the configured minutes without activity (the page pings while someone types)."""
    if not is_web_request() or request.endpoint == "static" or not current_user.is_authenticated:
        return None
    idle_seconds = current_app.extensions["senim"].settings.idle_minutes * 60
    now = int(time.time())
    last_seen = session.get("seen")
    if isinstance(last_seen, int) and now - last_seen > idle_seconds:
        logout_user()
        session.pop("seen", None)
        flash(_("You were signed out after %(minutes)s minutes without activity. Anything you typed "
                "is kept on this computer and comes back when you open the page again.",
                minutes=idle_seconds // 60), "info")
        if request.method == "GET":
            return redirect(url_for("web_auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("web_auth.login"))
    session["seen"] = now
    return None


def init_session(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "web_auth.login"
    manager.login_message = None  # the sign-in page says what to do; a flash would repeat it
    manager.session_protection = "strong"
    manager.user_loader(load_user)
    app.before_request(_sign_out_when_idle)
