"""Senim's web application: the API and the web UI, built by create_app()."""
import logging
import re
from datetime import date, datetime
from time import perf_counter
from uuid import UUID

from flask import Flask, g, request
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
    app.before_request(_start_clock)  # first: every request is timed, even one refused at once
    app.before_request(_refuse_over_long_urls)  # then: nothing else reads such a request
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


def _start_clock():
    g.request_started = perf_counter()


# What a request line may show of a path segment or a query name: codes, numbers and random ids.
# Anything else (a 404 for an address someone typed a name into) is shown as "…".
SHOWN_SEGMENT = re.compile(r"[a-z][a-z0-9_.-]{0,39}|[0-9]{1,19}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SHOWN_NAME = re.compile(r"[a-z_]{1,40}(\[[a-z_]{1,40}\])?")


def request_line(method: str, path: str, query_names: list[str], status: int, milliseconds: float) -> str:
    """One request in a line: method, path, the query's names without their values, status, time in
    ms. Bodies and query values may hold personal data, so they are never shown; of the path and the
    query's names, only what looks like a code, a number or an id."""
    shown_path = "/".join(part if not part or SHOWN_SEGMENT.fullmatch(part) else "…" for part in path.split("/"))
    names = dict.fromkeys(name if SHOWN_NAME.fullmatch(name) else "…" for name in query_names)
    query = "&".join(f"{name}=" for name in names)
    shown_method = method if method.isalpha() and method.isupper() and len(method) <= 10 else "…"
    return f"{shown_method} {shown_path}{'?' + query if query else ''} {status} {milliseconds:.0f} ms"


def _log_request(response):
    started = g.get("request_started")
    took = (perf_counter() - started) * 1000 if started is not None else 0.0
    log.info("%s", request_line(request.method, request.path, list(request.args.keys())[:30],
                                response.status_code, took))
    return response
