"""Senim's web application: the API and the web UI, built by create_app()."""
import logging
from datetime import date, datetime
from uuid import UUID

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import UnsupportedMediaType

from intake import problems
from intake.bootstrap import Senim, bootstrap
from intake.config import Settings

log = logging.getLogger("senim.requests")
SESSION_SECRET = "session_signing_key"


class IsoJSONProvider(DefaultJSONProvider):
    """ISO 8601 times (Flask's default is the e-mail date format); Kazakh and Russian text as is."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, UUID):
            return str(value)
        if isinstance(value, (set, frozenset)):
            return sorted(value)
        return DefaultJSONProvider.default(value)


def create_app(config: Settings | None = None, senim: Senim | None = None) -> Flask:
    settings = config or Settings.from_env()
    app = Flask(__name__)
    app.json = IsoJSONProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,  # when unset, the database's below
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        TESTING=settings.testing,
    )
    app.extensions["senim"] = senim = senim or bootstrap(settings)
    if not settings.secret_key:
        app.config["SECRET_KEY"] = senim.store.keyring.stored_secret(SESSION_SECRET, 32)
    senim.start_background()

    from intake.api import init_api
    from intake import ops
    init_api(app)
    app.register_blueprint(ops.blp)
    from intake.web import init_web
    init_web(app, settings)
    problems.register(app)
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.before_request(_refuse_non_json_bodies)
    app.after_request(_log_request)
    return app


def _refuse_non_json_bodies():
    """A body the API cannot read as JSON is refused up front rather than read as missing fields."""
    if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
        if request.content_length and not request.is_json:
            raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")


def _log_request(response):
    # Method, path and status only: bodies and query strings may hold personal data.
    log.info("%s %s %s", request.method, request.path, response.status_code)
    return response
