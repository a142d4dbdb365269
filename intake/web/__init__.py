"""The web UI: pages Flask renders from the same application services as the API.

Sessions (Flask-Login), CSRF on every form (Flask-WTF), Kazakh/Russian/English (Flask-Babel),
HTML error pages, strict security headers. Every script and style is served from /static: nothing
is fetched from the internet at run time, and the Content-Security-Policy forbids it anyway.
"""
from datetime import timedelta

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from domain.actor import CASEWORK_ROLES
from domain.errors import DomainError
from intake.config import Settings
from intake.web.i18n import init_i18n
from intake.web.refusals import say
from intake.web.session import init_session, is_web_request
from intake.web.staff_names import init_staff_names

csrf = CSRFProtect()

# The navigation: (endpoint, label, roles). A role's everyday pages come first; the rest of its pages
# (MORE) sit under "More", so that a supervisor's ten pages fit one line.
NAV = (
    ("web_consultant.new_contact", _l("New contact"), CASEWORK_ROLES),
    ("web_consultant.my_contacts", _l("My contacts"), CASEWORK_ROLES),
    ("web_casework.my_caseload", _l("My caseload"), CASEWORK_ROLES),
    ("web_casework.all_caseloads", _l("Caseloads"), ("supervisor",)),
    ("web_psychologist.queue", _l("Referral queue"), ("psychologist", "supervisor")),
    ("web_psychologist.week", _l("My week"), ("psychologist",)),
    ("web_psychologist.hours", _l("Working hours"), ("psychologist",)),
    ("web_psychologist.programme", _l("Programme"), ("psychologist", "supervisor")),
    ("web_casework.conferences", _l("Case conferences"), CASEWORK_ROLES),
    ("web_groups.my_groups", _l("Groups"), ("psychologist", "supervisor")),
    ("web_groups.trainings", _l("Trainings"), ("psychologist", "supervisor")),
    ("web_supervisor.dashboard", _l("Statistics"), ("supervisor",)),
    ("web_supervisor.cases", _l("Cases"), ("supervisor",)),
    ("web_supervisor.journals", _l("Journals"), ("supervisor",)),
    ("web_supervisor.monthly_report", _l("Monthly report"), ("supervisor",)),
    ("web_supervisor.access_log", _l("Access log"), ("supervisor",)),
    ("web_supervisor.questionnaire_list", _l("Questionnaires"), ("supervisor",)),
    ("web_feedback.new_link", _l("Feedback link"), ("consultant", "psychologist", "supervisor")),
    ("web_admin.users", _l("Users"), ("admin", "supervisor")),
    ("web_admin.approvals", _l("Approvals"), ("admin", "supervisor")),
)
MORE = {
    "supervisor": {"web_consultant.new_contact", "web_consultant.my_contacts", "web_psychologist.programme",
                   "web_supervisor.monthly_report", "web_admin.users", "web_admin.approvals",
                   "web_casework.my_caseload", "web_supervisor.questionnaire_list", "web_feedback.new_link",
                   "web_groups.trainings"},
    "psychologist": {"web_consultant.new_contact", "web_consultant.my_contacts", "web_psychologist.hours",
                     "web_feedback.new_link", "web_groups.trainings"},
}

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
                           "object-src 'none'")


def navigation(more: bool = False) -> list[tuple[str, str, bool]]:
    """(url, label, is_current) of the pages the signed-in user may open: the everyday ones, or (`more`)
    the ones under "More"."""
    if not current_user.is_authenticated:
        return []
    items = []
    later = MORE.get(current_user.role, set())
    for endpoint, label, roles in NAV:
        if current_user.role in roles and (endpoint in later) == more:
            items.append((url_for(endpoint), str(label), request.endpoint == endpoint))
    return items


# Pages that sign nobody in and carry their own key in the address (the public feedback form): no
# session, so no CSRF token, and no cookie left in the browser (intake/web/feedback.py).
CSRF_FREE_BLUEPRINTS = ("web_feedback_public",)


def _protect_forms():
    # The API authenticates with bearer tokens, not cookies, so only the UI needs CSRF tokens.
    if is_web_request() and request.blueprint not in CSRF_FREE_BLUEPRINTS:
        csrf.protect()


def _security_headers(response):
    if is_web_request():
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.endpoint != "static":
            # Pages hold personal data: never kept in the browser's or a proxy's cache.
            response.headers.setdefault("Cache-Control", "no-store")
    return response


ERROR_TITLES = {
    400: _l("The request could not be read"),
    401: _l("Please sign in"),
    403: _l("You may not open this page"),
    404: _l("Nothing here"),
    405: _l("This action is not available here"),
    409: _l("Someone changed this at the same moment"),
    413: _l("What you sent is too large"),
    414: _l("The address is too long"),
    422: _l("Some fields need correcting"),
    503: _l("The service is busy or the database is not answering"),
}


def error_page(status: int, detail: str | None, refusal: DomainError | None = None):
    """The HTML face of an error for pages; the API keeps problem+json (intake.problems). A domain
    error no page caught is said from its code, in the page's language (never the API's English)."""
    if refusal is not None and status not in (403, 404):
        detail = say(refusal)
    elif status == 400 and "CSRF" in (detail or ""):
        detail = _("The form had expired. What you typed is kept: open the page again and send it once more.")
    elif status >= 500:
        detail = _("Something went wrong on our side; nothing was saved. Please try again.")
    elif status in (403, 404):
        detail = None  # the API's English detail says nothing a person needs here
    title = ERROR_TITLES.get(status) or _("Something went wrong")
    return render_template("web/error.html", status=status, title=title, detail=detail), status


def init_web(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="senim_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _protect_forms, for pages only
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session: a long call must not expire its form
    )
    init_i18n(app)
    init_session(app)
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.after_request(_security_headers)
    app.jinja_env.globals.update(navigation=navigation)
    init_staff_names(app)
    app.extensions["senim_error_page"] = error_page

    # The pages of each role, each in its own module; imported here, as they import this package. The
    # psychologist's pages add their routes to its blueprint from modules of their own, which import
    # that package: so it is here, not the package, that imports them (no circle).
    import intake.web.supervisor_questionnaires  # noqa: F401 - its pages are on the supervisors' blueprint
    from intake.web import admin, auth, casework, consultant, groups, psychologist, supervisor
    from intake.web.casework import (
        case_parts,  # noqa: F401
        caseload,  # noqa: F401
        conferences,  # noqa: F401
        plan as casework_plan,  # noqa: F401  (needs, plan, reviews sections)
    )
    from intake.web.feedback import bp as feedback_pages, public as public_feedback
    from intake.web.psychologist import assessments, programme, queue, referrals, week  # noqa: F401
    for area in (auth, consultant, psychologist, casework, groups, supervisor, admin):
        app.register_blueprint(area.bp)
    app.register_blueprint(feedback_pages)  # handing out feedback links
    app.register_blueprint(public_feedback)  # the public feedback page, for people without an account
