"""The services a worker process's jobs use, built once per process by the composition root."""
_services = None


def install(senim) -> None:
    """Called by `senim worker` at start-up with the services it built."""
    global _services
    _services = senim


def services():
    global _services
    if _services is None:
        from intake.bootstrap import bootstrap
        _services = bootstrap()
    return _services
