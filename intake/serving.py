"""`senim serve`: the app on waitress, whose own refusals speak problem+json like the app.

Waitress reads the request line and headers itself and answers what it cannot parse, or what is over
its limits (a request line and headers over 256 kB: 431, a malformed request: 400), without calling
the app, in text/plain. Those answers are given here as problem+json with the app's headers, so a
client never meets a bare server error. Addresses up to 256 kB do reach the app, which refuses any
over intake.MAX_URL_BYTES with 414 (problem+json, or the error page for the web UI).
"""
import json
import logging
import sys

import waitress
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from intake.problems import PROBLEM_MIMETYPE, problem_body

DETAILS = {
    431: "The request's address or headers are too long; send long input in a request body instead.",
    400: "The request could not be read as HTTP.",
}


class ProblemErrorTask(ErrorTask):
    """Waitress's refusal (its status and reason) with a problem+json body."""

    def execute(self):
        error = self.request.error
        body = json.dumps(problem_body(error.code, DETAILS.get(error.code, error.reason))).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([
            ("Content-Type", PROBLEM_MIMETYPE), ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class ProblemChannel(HTTPChannel):
    error_task_class = ProblemErrorTask


def create_server(app, **options):
    """waitress.create_server, whose connections answer waitress's own refusals as problem+json."""
    server = waitress.create_server(app, **options)
    # One server, or (a host with several addresses) a MultiSocketServer holding one per address.
    for each in (server, *getattr(server, "map", {}).values()):
        if hasattr(each, "channel_class"):
            each.channel_class = ProblemChannel
    return server


def log_requests(stream=None) -> logging.Handler:
    """Prints the app's request log ("GET /queue 200 12 ms", intake._log_request) one line per request,
    with the time of day, on stdout (or `stream`)."""
    logger = logging.getLogger("senim.requests")
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def serve(app, **options) -> None:
    log_requests()
    server = create_server(app, **options)
    server.print_listen("Serving on http://{}:{}")
    server.run()
