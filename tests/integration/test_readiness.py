"""Readiness means intake works: /readyz follows the event store, not Redis, and tells an anonymous
caller nothing countable; on SQLite and on PostgreSQL, with Redis at a port where nothing listens."""
import socket
import subprocess

import pytest

from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.workers import COMMAND, clean_env
from tests.integration.test_contacts_api import a_call


@pytest.fixture
def closed_redis_url() -> str:
    """A Redis URL whose port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def without_redis(database_url, closed_redis_url):
    """Production mode (RQ workers) with Redis down: the app, its services and a consultant's token."""
    senim = bootstrap(Settings(database_url=database_url, redis_url=closed_redis_url, secret_key="test-secret",
                               testing=True))
    yield senim, create_app(senim.settings, senim=senim).test_client()
    senim.close()


def staff_headers(senim, role: str) -> dict:
    from tests.conftest import ADMIN
    written = senim.staff.add_user(username=f"{role}-ready", role=role, password="correct horse 1", actor=ADMIN)
    token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
    return {"Authorization": f"Bearer {token}"}


def test_ready_while_redis_is_down_because_contacts_are_still_accepted(without_redis):
    senim, client = without_redis
    consultant = staff_headers(senim, "consultant")
    assert client.post("/api/v1/contacts", json=a_call(), headers=consultant).status_code == 201

    ready = client.get("/readyz")

    assert ready.status_code == 200, ready.get_data(as_text=True)
    assert ready.json["status"] == "ready"
    assert ready.json["checks"]["event_store"] == {"ok": True}
    assert ready.json["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert ready.json["degraded"] == ["redis"]


def test_not_ready_only_when_the_event_store_does_not_answer(without_redis):
    senim, client = without_redis
    senim.store.close()

    ready = client.get("/readyz")

    assert ready.status_code == 503
    assert ready.mimetype == "application/problem+json"
    assert ready.json["checks"]["event_store"]["ok"] is False


def test_an_anonymous_caller_sees_no_counts_and_staff_see_the_head(client, consultant):
    client.post("/api/v1/contacts", json=a_call(), headers=consultant[1])

    anonymous = client.get("/readyz")
    with_token = client.get("/readyz", headers=consultant[1])
    with_a_forged_token = client.get("/readyz", headers={"Authorization": "Bearer snm_forged"})

    assert anonymous.status_code == 200
    assert anonymous.json == {"status": "ready", "checks": {"event_store": {"ok": True}}}
    assert with_a_forged_token.json == anonymous.json
    assert with_token.json["checks"]["event_store"]["head"] >= 3  # the user, the token, the contact


def test_projections_status_says_redis_is_down_and_intake_goes_on(tmp_path, closed_redis_url):
    database_url = f"sqlite:///{tmp_path / 'senim.sqlite3'}"
    shown = subprocess.run([*COMMAND, "projections", "status"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=60, env=clean_env(SENIM_DATABASE_URL=database_url,
                                                     SENIM_REDIS_URL=closed_redis_url))
    assert shown.returncode == 0, shown.stderr
    assert "journals\t0\t0\t0" in shown.stdout
    assert "Redis: not answering (ConnectionError)" in shown.stdout
    assert "Traceback" not in shown.stderr
