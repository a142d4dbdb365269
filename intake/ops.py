"""Liveness and readiness for load balancers and operators."""
from flask import Blueprint, current_app

from intake.problems import problem

blp = Blueprint("ops", __name__)


@blp.get("/healthz")
def healthz():
    """The web process is up."""
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    """The event store (and Redis, when configured) answer."""
    senim = current_app.extensions["senim"]
    checks = {}
    try:
        checks["event_store"] = {"ok": True, "head": senim.store.head()}
    except Exception as error:  # any failure means not ready; the type is enough to act on
        checks["event_store"] = {"ok": False, "error": type(error).__name__}
    if senim.settings.redis_url:
        checks["redis"] = _redis_check(senim.settings.redis_url)
    if all(check["ok"] for check in checks.values()):
        return {"status": "ready", "checks": checks}
    return problem(503, "Not ready: " + ", ".join(name for name, c in checks.items() if not c["ok"]),
                   checks=checks)


def _redis_check(url: str) -> dict:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True}
    except redis.RedisError as error:
        return {"ok": False, "error": type(error).__name__}
