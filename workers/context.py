"""The services a worker process's jobs use, built once per process by the composition root."""
from intake.adapters.rq_trigger import RqTrigger
from intake.bootstrap import Senim, bootstrap
from intake.config import ConfigError

_services: Senim | None = None


def install(senim: Senim) -> None:
    """Called by `senim worker` at start-up with the services it built."""
    global _services
    _services = senim


def services() -> Senim:
    global _services
    if _services is None:
        _services = bootstrap()
    return _services


def rq_trigger(senim: Senim) -> RqTrigger:
    """The RQ trigger of services built with SENIM_REDIS_URL: the jobs and the worker use its Redis."""
    if isinstance(senim.trigger, RqTrigger):
        return senim.trigger
    raise ConfigError("RQ jobs and workers need SENIM_REDIS_URL; without it projections are built in-process.")
