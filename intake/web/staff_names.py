"""Members of staff as the pages name them: the display name an admin set, in the page's language
(Kazakh or Russian spelling), else the login. Logins stay for signing in and for the API."""
from flask import g, has_request_context

from intake.running import senim
from intake.web.i18n import language


def _names() -> dict[str, dict[str, str]]:
    """Display names by user id and username, read once per request."""
    if not has_request_context():
        return senim().staff.display_names()
    if "staff_display_names" not in g:
        g.staff_display_names = senim().staff.display_names()
    return g.staff_display_names


def spelled(names: dict[str, str], fallback: str) -> str:
    """The spelling for this page's language, else the other one, else `fallback`."""
    wanted = language()
    for code in (wanted, "ru", "kk"):
        if names.get(code):
            return names[code]
    return fallback


def staff_name(who) -> str:
    """`who`: an event's actor ({"user_id", "username", …}), a User, the signed-in user, or a login."""
    if not who:
        return ""
    if isinstance(who, str):
        user_id, username = None, who
    elif isinstance(who, dict):
        user_id, username = who.get("user_id"), who.get("username") or ""
    else:
        user_id, username = getattr(who, "user_id", None) or getattr(who, "id", None), getattr(who, "username", "")
    names = _names()
    found = names.get(str(user_id)) if user_id else None
    if found is None and username:
        found = names.get(username)
    return spelled(found, username) if found else username


def init_staff_names(app) -> None:
    app.jinja_env.globals.update(staff_name=staff_name)
