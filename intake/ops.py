"""Liveness and readiness for load balancers and operators.

Ready means intake works: the event store answers, so contacts are accepted. Redis only carries the
notices that projections have work to do (a worker's sweep catches up later), so Redis trouble is
reported in the detail and in `senim projections status`, never as not-ready: a load balancer would
otherwise take intake offline while writes still succeed. An anonymous caller sees which parts
answer, never counts such as the event-store head; a caller with a valid API token sees the head.
"""
from flask import Blueprint, request

from intake.problems import problem
from intake.running import senim

blp = Blueprint("ops", __name__)


@blp.get("/healthz")
def healthz():
    """The web process is up."""
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    """200 when the event store answers (Redis trouble in the detail only); 503 when it does not."""
    running = senim()
    checks = {"event_store": _store_check(running, with_counts=_caller_is_staff(running))}
    if running.settings.redis_url:
        checks["redis"] = redis_check(running.settings.redis_url)
    if not checks["event_store"]["ok"]:
        return problem(503, "Not ready: the event store does not answer.", checks=checks)
    degraded = [name for name, check in checks.items() if not check["ok"]]
    return {"status": "ready", "checks": checks, **({"degraded": degraded} if degraded else {})}


def _store_check(senim, *, with_counts: bool) -> dict:
    try:
        head = senim.store.head()
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the type is enough to act on
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "head": head} if with_counts else {"ok": True}


def _caller_is_staff(senim) -> bool:
    """A valid API token of any role; counts are for staff, not for whoever can reach the port."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        return senim.staff.authenticate_token(token.strip()) is not None
    except Exception:  # noqa: BLE001 - the store away: no counts, and the store check says why
        return False


def redis_check(url: str) -> dict:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True}
    except redis.RedisError as error:
        return {"ok": False, "error": type(error).__name__}
