"""Bearer-token authentication and role checks for the API."""
from copy import deepcopy
from functools import wraps

from flask import g, request
from werkzeug.exceptions import Unauthorized

from domain.actor import Actor
from domain.errors import Forbidden
from intake.running import senim

BEARER_SECURITY = [{"bearerAuth": []}]


def current_actor() -> Actor:
    return g.actor


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token: Authorization: Bearer <token> (senim tokens issue USERNAME).")
    actor = senim().staff.authenticate_token(token.strip())
    if actor is None:
        raise Unauthorized("The token is unknown, revoked, or its user is disabled.")
    return actor


def requires(*roles: str):
    """Authenticates first (401), then checks the role (403), before the body is even parsed."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = _authenticate()
            g.authenticated_actor = actor  # who a refusal is noted against (intake/refusals.py)
            if actor.role not in roles:
                raise Forbidden("role.forbidden", role=actor.role, roles=roles)
            g.actor = actor
            return view(*args, **kwargs)

        wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = wrapper._apidoc.setdefault("manual_doc", {})
        manual["security"] = BEARER_SECURITY
        manual.setdefault("description", f"Roles: {', '.join(roles)}.")
        return wrapper
    return decorator
