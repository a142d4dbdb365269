"""Senim's web application: the API and the web UI, built by create_app()."""
import logging
from datetime import date, datetime
from uuid import UUID

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestURITooLarge, UnsupportedMediaType

from intake import problems
from intake.bootstrap import Senim, bootstrap
from intake.config import Settings
from intake.running import install

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
    app.before_request(_refuse_over_long_urls)  # first: nothing else reads such a request
    senim = senim or bootstrap(settings)
    install(app, senim)
    if not settings.secret_key:
        app.config["SECRET_KEY"] = senim.store.keyring.stored_secret(SESSION_SECRET, 32)
    senim.start_background()

    from intake import ops
    from intake.api import init_api
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
    app.after_request(_hardening_headers(strict_transport=settings.secure_cookies))
    return app


# A year, the usual minimum for HSTS; subdomains are left alone, they may serve other sites.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def _hardening_headers(*, strict_transport: bool):
    """Headers every answer carries: the API's (and readiness's) JSON holds personal data and must
    not be cached by the browser or a proxy, nor sniffed into another type; the web pages get theirs
    (CSP and the rest) in intake.web. With secure cookies on, the site is HTTPS-only: HSTS says so."""
    def add(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if not is_web_path(request.path):
            response.headers["Cache-Control"] = "no-store"
        if strict_transport:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
    return add


def is_web_path(path: str) -> bool:
    return not (path.startswith("/api/") or path in ("/healthz", "/readyz"))


# Longer than any address the UI or the API makes (the longest are statistics with many filters);
# browsers and proxies commonly stop at 8 kB too. Beyond waitress's header limit (256 kB) the server
# answers by itself, in the same problem+json (intake.serving).
MAX_URL_BYTES = 8 * 1024


def _refuse_over_long_urls():
    """414 as problem+json (or the error page) before routing, sign-in or CSRF look at the request."""
    if len(request.path.encode("utf-8", "surrogateescape")) + len(request.query_string) > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The address is longer than {MAX_URL_BYTES} bytes; send long input "
                                 "in a request body instead.")


def _refuse_non_json_bodies():
    """A body the API cannot read as JSON is refused up front rather than read as missing fields."""
    if (request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH")
            and request.content_length and not request.is_json):
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")


def _log_request(response):
    # Method, path and status only: bodies and query strings may hold personal data.
    log.info("%s %s %s", request.method, request.path, response.status_code)
    return response
