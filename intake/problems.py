"""The one place that turns errors into RFC 9457 problem+json responses."""
import logging
from http import HTTPStatus

from flask import Flask, Response, current_app, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Reason
from intake.adapters.store import unavailable_errors
from intake.refusals import note_refusal

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_PREFIX = "urn:senim:problem:"


def problem_body(status: int, detail: str, *, kind: str | None = None, **extra) -> dict:
    """The RFC 9457 body; also what the server (intake.serving) answers before Flask sees a request."""
    phrase = HTTPStatus(status).phrase
    return {
        "type": TYPE_PREFIX + (kind or phrase.lower().replace(" ", "-").replace("'", "")),
        "title": phrase,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem(status: int, detail: str, *, kind: str | None = None, headers: dict | None = None,
            **extra) -> Response:
    body = problem_body(status, detail, kind=kind, **extra)
    # A lone surrogate the client sent (say, as an unknown field's name) is echoed as its JSON
    # escape: as raw text it cannot be encoded in UTF-8 and the answer itself would fail.
    data = json.dumps(body).encode("utf-8", "backslashreplace")
    response = Response(data, status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"caller.role": [...]}, so the field is named in full."""
    if isinstance(messages, str):  # ValidationError({"field": "message"}) keeps the bare string
        messages = [messages]
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def validation_problem(errors: dict[str, list[str]], **extra) -> Response:
    first_field, first_messages = next(iter(errors.items()))
    detail = f"{first_field}: {first_messages[0]}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem(422, detail, kind="validation-error", errors=errors, **extra)


def refusal_problem(status: int, reason: Reason, *, kind: str | None = None, headers: dict | None = None,
                    **extra) -> Response:
    """A refusal with a code: its English as `detail`, its code beside it (clients branch on the code)."""
    return problem(status, str(reason), kind=kind, headers=headers, code=reason.code, **extra)


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    if error.code == 422 and "messages" in data:
        # webargs puts the location first ({"json": {...}}); clients care about the field.
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in ("json", "query", "view_args"):
            messages = next(iter(messages.values()))
        return validation_problem(flatten_errors(messages))
    if isinstance(error, InternalServerError):
        return handle_unexpected(error.original_exception or error)
    headers = dict(data.get("headers") or {})
    if error.code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="senim"')
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = data.get("message") or _first_message(data.get("messages")) or error.description \
        or HTTPStatus(error.code).phrase
    return problem(error.code or 500, detail, headers=headers)


def _first_message(messages) -> str | None:
    """webargs says why it refused a body ({"json": ["Invalid JSON body."]}); werkzeug's text is generic."""
    for field_messages in flatten_errors(messages or {}).values():
        return field_messages[0] if field_messages else None
    return None


def handle_domain_error(error: DomainError) -> Response:
    """English `detail` and `errors` as ever, plus `code` and, for a refused input, `codes` by field."""
    if isinstance(error, Invalid):
        return validation_problem(error.errors, code=error.code, codes=error.codes)
    if isinstance(error, NotFound):
        return refusal_problem(404, error.reason)
    if isinstance(error, Forbidden):
        return refusal_problem(403, error.reason)
    if isinstance(error, Conflict):
        extra = {"state": error.state} if error.state else {}
        return refusal_problem(409, error.reason, kind="conflict", **extra)
    return refusal_problem(400, error.reason)


def handle_store_unavailable(error: Exception) -> Response:
    log.error("database unavailable: %s", type(error).__name__)
    return problem(503, "The database is not answering at the moment; please try again shortly.",
                   kind="store-unavailable", headers={"Retry-After": "5"})


def handle_unexpected(error: BaseException) -> Response:
    # The traceback names the code, never the request body: sensitive fields stay out of logs.
    log.error("unexpected %s", type(error).__name__, exc_info=error)
    return problem(500, "Something went wrong on our side; nothing was saved. Please try again.")


def for_pages(handler):
    """Pages of the web UI get the same decision as an HTML page in the user's language."""
    def respond(error):
        response = handler(error)
        note_refusal(response.status_code)  # a refused read is noted in the access log, API and pages alike
        render = current_app.extensions.get("senim_error_page")
        if render is None or request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
            return response
        detail = json.loads(response.get_data()).get("detail")
        # A domain error is said from its code (the page's language); the rest from the English detail.
        page, status = render(response.status_code, detail, error if isinstance(error, DomainError) else None)
        page = current_app.make_response((page, status))
        for name in ("Retry-After", "Allow"):
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page
    return respond


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, for_pages(handle_http_exception))
    app.register_error_handler(DomainError, for_pages(handle_domain_error))
    app.register_error_handler(ValidationError, for_pages(lambda e: validation_problem(flatten_errors(e.messages))))
    for unavailable in unavailable_errors():
        app.register_error_handler(unavailable, for_pages(handle_store_unavailable))
    app.register_error_handler(Exception, for_pages(handle_unexpected))

