"""The embedded default under a small team, against the real `senim serve` on SQLite: every contact is
saved and answered 201, and a retry after the server was killed answers what was saved."""
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.server import ServeProcess, staff_tokens
from tests.helpers.threads import run_together
from tests.integration.test_contacts_api import a_call
from tests.integration.test_idempotent_writes import recorded_contacts

WRITERS, EACH = 8, 50
YESTERDAY = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()


@pytest.fixture
def sqlite_file_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'senim.sqlite3'}"


@pytest.fixture
def serve(tmp_path, sqlite_file_url):
    started = []

    def start() -> ServeProcess:
        started.append(ServeProcess(tmp_path, sqlite_file_url, secret_key="writers-test"))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def stored_contacts(database_url: str) -> int:
    senim = bootstrap(Settings(database_url=database_url, testing=True))
    try:
        return recorded_contacts(senim)
    finally:
        senim.close()


def test_eight_consultants_recording_at_once_on_sqlite_all_get_201_and_every_contact_is_in_the_journal(
        serve, sqlite_file_url):
    consultants = staff_tokens(sqlite_file_url, "consultant", WRITERS)
    [supervisor] = staff_tokens(sqlite_file_url, "supervisor", 1)
    server = serve()
    answers: list[tuple[int, str, int]] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def consultant(token: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        start.wait()
        for _ in range(EACH):
            try:
                response = session.post(server.url + "/api/v1/contacts", json=a_call(started_at=YESTERDAY),
                                        timeout=120)
                with lock:
                    answers.append((response.status_code, response.text[:200],
                                    int(response.headers.get("X-Senim-Position", 0))))
            except requests.RequestException as error:  # reported below: no answer is a failure too
                with lock:
                    failures.append(repr(error))

    run_together(consultant, [(token,) for token in consultants])

    assert failures == []
    not_created = [answer for answer in answers if answer[0] != 201]
    assert not_created == [], f"{len(not_created)} of {len(answers)} not 201, e.g. {not_created[:3]}"
    assert len(answers) == WRITERS * EACH

    head = requests.get(server.url + "/api/v1/journals/helpline", timeout=60,
                        headers={"Authorization": f"Bearer {supervisor}"},
                        params={"min_position": max(position for _, _, position in answers)})
    assert head.status_code == 200, head.text
    assert len(head.json()["rows"]) == WRITERS * EACH
    server.stop()
    assert stored_contacts(sqlite_file_url) == WRITERS * EACH


def test_a_retry_after_the_server_was_killed_answers_the_contact_it_saved(serve, sqlite_file_url):
    [token] = staff_tokens(sqlite_file_url, "supervisor", 1)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    body = a_call(started_at=YESTERDAY)
    first_server = serve()
    first = requests.post(first_server.url + "/api/v1/contacts", json=body, headers=headers, timeout=60)
    assert first.status_code == 201
    first_server.kill()  # the client never saw that answer: it retries, against the restarted server

    second_server = serve()
    retry = requests.post(second_server.url + "/api/v1/contacts", json=body, headers=headers, timeout=60)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["X-Senim-Position"] == first.headers["X-Senim-Position"]
    rows = requests.get(second_server.url + "/api/v1/journals/helpline", headers=headers, timeout=60,
                        params={"min_position": retry.headers["X-Senim-Position"]}).json()["rows"]
    assert [row["contact_id"] for row in rows] == [first.json()["id"]]
    second_server.stop()
    assert stored_contacts(sqlite_file_url) == 1

