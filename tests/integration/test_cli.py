"""The real `senim` command, run as a user would run it: a subprocess in its own directory."""
import base64
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from intake import create_app
from intake.config import Settings
from intake.services.staff import SignInRefused
from tests.helpers.workers import COMMAND, clean_env, free_port

PASSWORD = "Tuzdy-kol-1998"
TOKEN = re.compile(r"^snm_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


@pytest.fixture
def senim_cli(tmp_path, database_url):
    """Runs `senim ARGS…` in tmp_path against a SQLite file; returns the finished process."""
    def run(*args: str, stdin: str = "", **senim_vars: str) -> subprocess.CompletedProcess:
        return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True, text=True, cwd=tmp_path,
                              env=clean_env(SENIM_DATABASE_URL=database_url, **senim_vars), timeout=60)
    return run


@pytest.fixture
def add_user(senim_cli):
    def add(username: str, role: str = "consultant") -> None:
        done = senim_cli("users", "add", username, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    return add


@pytest.fixture
def api(database_url):
    """The web app on the same database; answers the status of a GET with a token."""
    app = create_app(Settings(database_url=database_url, testing=True))
    client = app.test_client()

    def status_with(token: str, path: str = "/api/v1/reference") -> int:
        return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
    yield status_with
    app.extensions["senim"].close()


def issued_token(senim_cli, username: str) -> str:
    done = senim_cli("tokens", "issue", username)
    assert done.returncode == 0, done.stderr
    return done.stdout.removesuffix("\n")


def refused_cleanly(done: subprocess.CompletedProcess, message: str) -> None:
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def users_listed(senim_cli) -> list[list[str]]:
    done = senim_cli("users", "list")
    assert done.returncode == 0, done.stderr
    return [line.split("\t")[:3] for line in done.stdout.splitlines()]


def test_a_user_added_on_the_command_line_gets_a_working_token(senim_cli, add_user, api):
    add_user("Amina")
    done = senim_cli("tokens", "issue", "amina")

    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and TOKEN.match(done.stdout.strip())
    assert api(done.stdout.strip()) == 200
    assert api(done.stdout.strip()[:-1]) == 401


def test_a_short_password_is_refused_with_a_clear_message(senim_cli):
    done = senim_cli("users", "add", "amina", "--role", "consultant", "--password-stdin", stdin="short\n")
    refused_cleanly(done, "at least 8 characters")
    assert users_listed(senim_cli) == []


def test_a_username_outside_the_pattern_is_refused_with_a_clear_message(senim_cli):
    done = senim_cli("users", "add", "amina bek", "--role", "consultant", "--password-stdin", stdin=PASSWORD + "\n")
    refused_cleanly(done, "latin letters, digits")


def test_an_unknown_role_is_refused(senim_cli):
    done = senim_cli("users", "add", "amina", "--role", "boss", "--password-stdin", stdin=PASSWORD + "\n")
    refused_cleanly(done, "'boss' is not one of 'consultant', 'psychologist', 'supervisor', 'admin'")
    assert users_listed(senim_cli) == []


def test_a_taken_username_is_refused(senim_cli, add_user):
    add_user("amina")
    done = senim_cli("users", "add", "AMINA", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    refused_cleanly(done, "taken")


def test_no_token_is_issued_for_an_unknown_user(senim_cli):
    done = senim_cli("tokens", "issue", "nobody")
    refused_cleanly(done, "No user named 'nobody'")
    assert done.stdout == ""


def test_users_are_listed_with_role_and_state(senim_cli, add_user):
    add_user("zarina", "psychologist")
    add_user("amina")
    assert users_listed(senim_cli) == [["amina", "consultant", "active"], ["zarina", "psychologist", "active"]]


def test_a_revoked_token_stops_working_and_the_users_other_tokens_do_not(senim_cli, add_user, api):
    add_user("amina")
    leaked, kept = issued_token(senim_cli, "amina"), issued_token(senim_cli, "amina")
    assert api(leaked) == 200

    done = senim_cli("tokens", "revoke", leaked)  # the whole token, as found in a leaked file
    assert done.returncode == 0, done.stderr
    assert "amina" in done.stderr and done.stdout == ""
    assert api(leaked) == 401
    assert api(kept) == 200

    kept_id = kept.split("_")[1]  # or only its id, which is not secret
    assert senim_cli("tokens", "revoke", kept_id).returncode == 0
    assert api(kept) == 401
    refused_cleanly(senim_cli("tokens", "revoke", kept_id), "already revoked")


def test_revoking_an_unknown_or_malformed_token_is_refused_clearly(senim_cli):
    refused_cleanly(senim_cli("tokens", "revoke", "0" * 32), "No token")
    refused_cleanly(senim_cli("tokens", "revoke", "snm_not-an-id_x"), "32 hex digits")


def test_a_role_change_applies_to_the_users_existing_token(senim_cli, add_user, api):
    add_user("amina", "admin")
    token = issued_token(senim_cli, "amina")
    assert api(token, "/api/v1/users") == 200
    changed = senim_cli("users", "role", "amina", "consultant")
    assert changed.returncode == 0, changed.stderr
    assert users_listed(senim_cli) == [["amina", "consultant", "active"]]
    assert api(token, "/api/v1/users") == 403
    refused_cleanly(senim_cli("users", "role", "amina", "boss"), "'boss' is not one of")


def test_disabling_a_user_stops_their_token_and_enabling_restores_it(senim_cli, add_user, api):
    add_user("amina")
    token = issued_token(senim_cli, "amina")
    assert api(token) == 200

    refused_cleanly(senim_cli("users", "disable", "amina"), "--reason")
    disabled = senim_cli("users", "disable", "amina", "--reason", "left the service")
    assert disabled.returncode == 0, disabled.stderr
    assert users_listed(senim_cli) == [["amina", "consultant", "disabled"]]
    assert api(token) == 401
    refused_cleanly(senim_cli("users", "disable", "amina", "--reason", "again"), "already disabled")
    refused_cleanly(senim_cli("tokens", "issue", "amina"), "disabled")

    assert senim_cli("users", "enable", "amina").returncode == 0
    assert api(token) == 200


def test_an_admin_locked_out_by_wrong_passwords_is_let_back_in_from_the_command_line(senim_cli, add_user,
                                                                                   database_url):
    from domain.staff import LOCKOUT_FAILURES
    add_user("dana", "admin")
    app = create_app(Settings(database_url=database_url, testing=True))
    try:
        staff = app.extensions["senim"].staff
        for _ in range(LOCKOUT_FAILURES):
            with pytest.raises(SignInRefused):
                staff.sign_in("dana", "not the password", remote_addr=None)
        with pytest.raises(SignInRefused) as locked:
            staff.sign_in("dana", PASSWORD, remote_addr=None)
        assert locked.value.reason == "held"
        unlocked = senim_cli("users", "unlock", "dana")
        assert unlocked.returncode == 0, unlocked.stderr
        assert staff.sign_in("dana", PASSWORD, remote_addr=None).user.username == "dana"
    finally:
        app.extensions["senim"].close()
    refused_cleanly(senim_cli("users", "unlock", "nobody"), "nobody")


def test_a_new_key_is_32_random_bytes_in_base64(senim_cli):
    first, second = senim_cli("keys", "new"), senim_cli("keys", "new")
    assert first.returncode == second.returncode == 0
    key = first.stdout.strip()
    assert len(base64.b64decode(key, validate=True)) == 32
    assert key != second.stdout.strip()
    assert Settings.from_env({"SENIM_CIPHER_KEY": key}).cipher_key == key


def test_a_cipher_key_that_cannot_read_the_store_is_refused_before_anything_runs(senim_cli):
    key, other_key = senim_cli("keys", "new").stdout.strip(), senim_cli("keys", "new").stdout.strip()
    added = senim_cli("users", "add", "amina", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n",
                      SENIM_CIPHER_KEY=key)
    assert added.returncode == 0, added.stderr
    refused_cleanly(senim_cli("users", "list", SENIM_CIPHER_KEY=other_key), "SENIM_CIPHER_KEY cannot read")
    refused_cleanly(senim_cli("users", "list", SENIM_CIPHER_KEY="not-a-key"), "SENIM_CIPHER_KEY must be base64")
    assert senim_cli("users", "list", SENIM_CIPHER_KEY=key).stdout.startswith("amina\tadmin\tactive")


def wait_for(url: str, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_on_an_empty_directory_starts_on_the_embedded_store(tmp_path):
    port = free_port()
    server = subprocess.Popen([*COMMAND, "serve", "--port", str(port)], cwd=tmp_path, env=clean_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz") == 200
        assert wait_for(f"http://127.0.0.1:{port}/readyz") == 200
        assert (tmp_path / "var" / "senim.sqlite3").is_file()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out
    assert "senim users add admin --role admin" in out and "senim tokens issue admin" in out
    assert "Traceback" not in err
