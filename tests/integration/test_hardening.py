"""Hardening of every answer and of the embedded store: no caching or sniffing of the API's JSON,
HSTS behind TLS, a SQLite file only its owner reads, and over-long addresses answered as problems
(by the app and by the real server, waitress, in front of it)."""
import http.client
import json
import os
import stat
import subprocess
from dataclasses import replace

import pytest

from intake import MAX_URL_BYTES, create_app
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.workers import COMMAND, clean_env, free_port
from tests.integration.test_cli import wait_for
from tests.integration.test_contacts_api import a_call

PROBLEM = "application/problem+json"
LONG = "a" * 20_000  # a 20 kB path segment or query value


# Headers ------------------------------------------------------------------------------------------

def test_every_api_answer_is_neither_cached_nor_sniffed(client, consultant):
    answers = {
        "created": client.post("/api/v1/contacts", json=a_call(), headers=consultant[1]),
        "read": client.get("/api/v1/reference", headers=consultant[1]),
        "spec": client.get("/api/v1/openapi.json"),
        "refused": client.get("/api/v1/audit/access", headers=consultant[1]),
        "unauthenticated": client.get("/api/v1/reference"),
        "not found": client.get("/api/v1/nothing-here", headers=consultant[1]),
        "invalid": client.post("/api/v1/contacts", json={}, headers=consultant[1]),
        "readiness": client.get("/readyz"),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "created": 201, "read": 200, "spec": 200, "refused": 403, "unauthenticated": 401, "not found": 404,
        "invalid": 422, "readiness": 200}
    for name, answer in answers.items():
        assert answer.headers.get("Cache-Control") == "no-store", name
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", name


def test_no_hsts_without_secure_cookies(client, consultant):
    assert "Strict-Transport-Security" not in client.get("/api/v1/reference", headers=consultant[1]).headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.fixture
def secure_client(settings):
    senim = bootstrap(replace(settings, secure_cookies=True))
    yield senim, create_app(senim.settings, senim=senim).test_client()
    senim.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_secure_cookies_every_answer_carries_hsts(secure_client):
    _, client = secure_client
    for path in ("/api/v1/reference", "/login", "/readyz", "/api/v1/openapi.json"):
        hsts = client.get(path, base_url="https://senim.example").headers.get("Strict-Transport-Security")
        assert hsts == "max-age=31536000", path


# The SQLite file --------------------------------------------------------------------------------

@pytest.fixture
def usual_umask():
    """The umask most systems give a service (files 0644): the store must not rely on a stricter one."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_fresh_sqlite_store_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path, usual_umask):
    folder = tmp_path / "var"
    senim = bootstrap(Settings(database_url=f"sqlite:///{folder / 'senim.sqlite3'}", testing=True))
    try:
        client = create_app(senim.settings, senim=senim).test_client()
        from tests.conftest import ADMIN
        written = senim.staff.add_user(username="consultant-modes", role="consultant", password="correct horse 1",
                                       actor=ADMIN)
        token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
        assert client.post("/api/v1/contacts", json=a_call(),
                           headers={"Authorization": f"Bearer {token}"}).status_code == 201
        files = {path.name: mode(path) for path in folder.iterdir()}
        assert {"senim.sqlite3", "senim.sqlite3-wal", "senim.sqlite3-shm"} <= set(files)
        assert files == {name: 0o600 for name in files}
        assert mode(folder) == 0o700
    finally:
        senim.close()


def test_an_existing_sqlite_file_keeps_the_mode_its_operator_gave_it(tmp_path, usual_umask):
    path = tmp_path / "senim.sqlite3"
    bootstrap(Settings(database_url=f"sqlite:///{path}", testing=True)).close()
    os.chmod(path, 0o640)  # say, readable by the backup group on purpose
    bootstrap(Settings(database_url=f"sqlite:///{path}", testing=True)).close()
    assert mode(path) == 0o640


# Over-long addresses, in the app ----------------------------------------------------------------

@pytest.mark.parametrize("path", [f"/api/v1/contacts/{LONG}", f"/api/v1/reference?x={LONG}",
                                  f"/api/v1/stats/contacts?group_by={LONG}", f"/{LONG}/x"],
                         ids=["api path", "api query", "stats query", "unknown path under the api"])
def test_an_over_long_api_address_is_a_414_problem(client, consultant, path):
    path = path if path.startswith("/api/") else "/api/v1" + path
    answer = client.get(path, headers=consultant[1])
    assert answer.status_code == 414
    assert answer.mimetype == PROBLEM
    assert answer.json["status"] == 414 and str(MAX_URL_BYTES) in answer.json["detail"]


def test_an_address_just_within_the_limit_is_served(client, consultant):
    path = "/api/v1/reference?x="
    answer = client.get(path + "a" * (MAX_URL_BYTES - len(path)), headers=consultant[1])
    assert answer.status_code == 200


@pytest.mark.parametrize("path", [f"/{LONG}", f"/login?next={LONG}", f"/contacts?q={LONG}"])
def test_an_over_long_page_address_is_the_error_page_in_the_users_language(client, path):
    answer = client.get(path, headers={"Accept-Language": "ru"})
    assert answer.status_code == 414
    assert answer.mimetype == "text/html"
    assert "Адрес слишком длинный" in answer.get_data(as_text=True)


# Over-long addresses, through the real server ---------------------------------------------------

@pytest.fixture
def served(tmp_path):
    """`senim serve` (waitress) on the embedded store; answers (status, content type, body) of a raw GET."""
    port = free_port()
    server = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], cwd=tmp_path, env=clean_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert wait_for(f"http://127.0.0.1:{port}/healthz") == 200

    def get(target: str) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", target, headers={"Accept-Language": "en"})
            answer = connection.getresponse()
            return answer.status, answer.getheader("Content-Type"), answer.read()
        finally:
            connection.close()
    yield get
    server.terminate()
    _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors


def test_the_real_server_answers_over_long_addresses_as_problems_or_the_error_page(served):
    for target in (f"/api/v1/contacts/{LONG}", f"/api/v1/reference?x={LONG}"):
        status, content_type, body = served(target)
        assert (status, content_type) == (414, PROBLEM), target
        assert json.loads(body)["status"] == 414

    status, content_type, body = served(f"/{LONG}")
    assert (status, content_type) == (414, "text/html; charset=utf-8")
    assert b"The address is too long" in body


def test_an_address_past_the_servers_own_limit_is_still_a_problem_not_a_bare_error(served):
    """Waitress answers a request line over 256 kB itself, before the app: in problem+json too."""
    for target in ("/api/v1/reference?x=" + "a" * 300_000, "/" + "a" * 2_000_000):
        status, content_type, body = served(target)
        assert (status, content_type) == (431, PROBLEM), target
        problem = json.loads(body)
        assert problem["status"] == 431 and problem["title"] == "Request Header Fields Too Large"
