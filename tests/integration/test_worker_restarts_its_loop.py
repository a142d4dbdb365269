"""A worker whose loop fails waits and starts it again, instead of exiting for good; a stop ends it."""
import logging
import socket
import threading

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import SimpleWorker

from workers.main import work_until_stopped


def an_address_nobody_listens_on() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartsSeen(logging.Handler):
    """Collects the worker's restart warnings and sets `stop` once it has seen `enough` of them."""

    def __init__(self, stop: threading.Event, enough: int):
        super().__init__(logging.WARNING)
        self.stop, self.enough, self.messages = stop, enough, []

    def emit(self, record):
        if "starts again" in record.getMessage():
            self.messages.append(record.getMessage())
            if len(self.messages) >= self.enough:
                self.stop.set()


@pytest.fixture
def restarts_until_third():
    """Stops the loop at its third restart; a loop that never restarts is stopped after 60 s and fails."""
    stop = threading.Event()
    seen = RestartsSeen(stop, enough=3)
    logger = logging.getLogger("workers.main")
    logger.addHandler(seen)
    guard = threading.Timer(60, stop.set)
    guard.start()
    yield stop, seen
    guard.cancel()
    logger.removeHandler(seen)


def test_the_worker_loop_outlives_a_redis_that_is_not_answering(restarts_until_third):
    stop, seen = restarts_until_third
    # No client-side retries: each attempt fails at once, so the loop's own restarts are what is seen.
    connection = redis.Redis(port=an_address_nobody_listens_on(), socket_connect_timeout=0.2,
                             retry=Retry(NoBackoff(), 0))
    work_until_stopped(connection, stop, longest_pause=0.1)  # returns once stopped, never raises
    assert len(seen.messages) == 3
    assert all("Redis is not answering (ConnectionError)" in message for message in seen.messages)


def test_a_loop_that_rq_ends_by_itself_is_started_again(restarts_until_third, redis_url, monkeypatch):
    stop, seen = restarts_until_third

    def an_unexpected_error(self, burst=False):
        raise RuntimeError("something inside RQ's loop broke")

    # RQ catches this, logs "found an unhandled exception, quitting" and returns normally.
    monkeypatch.setattr(SimpleWorker, "check_for_suspension", an_unexpected_error)
    work_until_stopped(redis.Redis.from_url(redis_url), stop, longest_pause=0.1)
    assert len(seen.messages) == 3
    assert all("ended by itself" in message for message in seen.messages)
