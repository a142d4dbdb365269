"""Signed-in staff for the web UI (Flask-Login), the idle timeout, and page-level role checks."""
import base64
import hashlib
import hmac
import time
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, logout_user

from domain.actor import Actor
from domain.errors import DomainError
from domain.staff import User
from intake.running import senim


class WebUser(UserMixin):
    """A signed-in member of staff, for one session.

    The session id ("USER_ID:SECRET", kept in the signed cookie) names a session the User's events
    opened (SignedIn) and not yet ended (SignedOut, or a disable, enable, password or role change):
    the state is in the database, so every process agrees, and a replayed cookie of an ended
    session signs nobody in.
    """

    def __init__(self, user: User, session_id: str):
        self.user_id = str(user.id)
        self.username = user.username
        self.role = user.role
        self.language = user.language
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

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
    """Reloaded on every request, so an ended session, a disabled account or a changed role counts at once."""
    try:
        user = senim().staff.session_user(session_id)
    except DomainError:
        return None
    return None if user is None else WebUser(user, session_id)


def end_session(reason: str, *, everywhere: bool) -> None:
    """Signs the current user out here and on the server: the session id is void in every process
    (`everywhere`: every other session of the user too)."""
    if current_user.is_authenticated:
        senim().staff.sign_out(current_user.session_id, reason=reason,
                               actor=current_user.actor, everywhere=everywhere)
    logout_user()


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
    idle_seconds = senim().settings.idle_minutes * 60
    now = int(time.time())
    last_seen = session.get("seen")
    if isinstance(last_seen, int) and now - last_seen > idle_seconds:
        end_session("idle", everywhere=False)  # only this browser went idle
        session.pop("seen", None)
        flash(_("You were signed out after %(minutes)s minutes without activity. Anything you typed "
                "is kept on this computer and comes back when you open the page again.",
                minutes=idle_seconds // 60), "info")
        if request.method == "GET":
            return redirect(url_for("web_auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("web_auth.login"))
    if request.headers.get("X-Senim-Poll") != "1":  # a page refreshing itself (queue.js) is no activity
        session["seen"] = now
    return None


def init_session(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "web_auth.login"
    manager.login_message = None  # the sign-in page says what to do; a flash would repeat it
    manager.session_protection = "strong"
    manager.user_loader(load_user)
    app.before_request(_sign_out_when_idle)
