"""Signing in and out of the web UI: CSRF, lock-out, idle timeout, cookies, language, errors as pages."""
import base64
import re
import time
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.staff import LOCKOUT_FAILURES
from tests.helpers.web import csrf_token, post_form, sign_in

ADMIN = Actor.system("tests")


@pytest.fixture(autouse=True)
def english(client):
    """The browser asks for English, so the messages below read as written in the code."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def staff_member(make_user):
    actor, _ = make_user("consultant")
    return actor


def test_signing_in_opens_a_session_and_signing_out_closes_it(client, staff_member):
    response = sign_in(client, staff_member.username)
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert "senim_session" in response.headers.get("Set-Cookie", "")
    post_form(client, "/logout", {}, token_from="/")
    assert client.get("/").headers["Location"].endswith("/login")


def test_the_session_cookie_is_http_only_and_same_site(client, staff_member):
    cookie = sign_in(client, staff_member.username).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_without_its_csrf_token_is_refused_with_a_page_and_signs_nobody_in(client, staff_member):
    response = client.post("/login", data={"username": staff_member.username, "password": "correct horse 1"})
    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].endswith("/login")


def test_the_api_needs_no_csrf_token(client, consultant):
    _, headers = consultant
    assert client.get("/api/v1/reference", headers=headers).status_code == 200


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(client, staff_member):
    wrong_password = sign_in(client, staff_member.username, "wrong password")
    unknown_user = sign_in(client, "nobody-here", "wrong password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "The username or the password is wrong." in wrong_password.get_data(as_text=True)
    assert "The username or the password is wrong." in unknown_user.get_data(as_text=True)


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(client, senim, staff_member):
    for _ in range(LOCKOUT_FAILURES):
        sign_in(client, staff_member.username, "wrong password")
    locked = sign_in(client, staff_member.username)
    assert locked.status_code == 401
    assert "locked until" in locked.get_data(as_text=True)
    events = [type(event).__name__ for event in senim.store.events_of(UUID(staff_member.user_id))]
    assert events.count("SignInFailed") == LOCKOUT_FAILURES  # every failure is on record


def test_a_good_sign_in_clears_earlier_failures(client, staff_member):
    for _ in range(LOCKOUT_FAILURES - 1):
        sign_in(client, staff_member.username, "wrong password")
    assert sign_in(client, staff_member.username).status_code == 302
    post_form(client, "/logout", {}, token_from="/")
    sign_in(client, staff_member.username, "wrong password")
    assert sign_in(client, staff_member.username).status_code == 302


def test_an_idle_session_is_signed_out_and_says_why(app, client, staff_member):
    sign_in(client, staff_member.username)
    idle = app.extensions["senim"].settings.idle_minutes * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle - 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "without activity" in page


def test_the_keepalive_ping_keeps_a_typing_user_signed_in(app, client, staff_member):
    sign_in(client, staff_member.username)
    token = csrf_token(client, "/")
    idle = app.extensions["senim"].settings.idle_minutes * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle + 30
    assert client.post("/keepalive", headers={"X-CSRFToken": token}).status_code == 200
    with client.session_transaction() as session:
        assert session["seen"] >= int(time.time()) - 5


def test_a_password_reset_signs_out_open_sessions(client, senim, staff_member):
    sign_in(client, staff_member.username)
    senim.staff.set_password(UUID(staff_member.user_id), password="another password 2", actor=ADMIN)
    assert client.get("/").headers["Location"].endswith("/login")


def test_a_disabled_user_is_signed_out_at_once(client, senim, staff_member):
    sign_in(client, staff_member.username)
    senim.staff.disable(UUID(staff_member.user_id), reason="left the service", actor=ADMIN)
    assert client.get("/").headers["Location"].endswith("/login")


def test_the_chosen_language_is_saved_for_the_user(client, senim, staff_member):
    sign_in(client, staff_member.username)
    post_form(client, "/language", {"language": "kk"}, token_from="/")
    assert senim.staff.get(UUID(staff_member.user_id)).language == "kk"
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    assert 'lang="kk"' in page


def test_an_unknown_language_is_refused_politely(client, staff_member):
    sign_in(client, staff_member.username)
    response = post_form(client, "/language", {"language": "xx"}, token_from="/", follow_redirects=True)
    assert response.status_code == 200
    assert "Choose one of the offered languages." in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, staff_member, target):
    response = client.post(f"/login?next={target}", data={
        "username": staff_member.username, "password": "correct horse 1", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert not response.headers["Location"].startswith(("https://evil", "//evil", "javascript"))


def test_pages_get_html_errors_and_the_api_keeps_problem_json(client):
    page = client.get("/no-such-page")
    api = client.get("/api/v1/no-such-thing")
    assert page.status_code == api.status_code == 404
    assert page.content_type.startswith("text/html")
    assert api.content_type == "application/problem+json"


def test_pages_are_not_cached_and_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_without_a_configured_secret_every_web_process_shares_one_session_key(settings, staff_member):
    """Two processes (gunicorn workers, or a restart) on one database accept each other's sessions."""
    from dataclasses import replace

    from intake import create_app
    from intake.bootstrap import bootstrap
    first, second = (bootstrap(replace(settings, secret_key=None)) for _ in range(2))
    try:
        one, other = (create_app(services.settings, senim=services).test_client() for services in (first, second))
        one.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert sign_in(one, staff_member.username).status_code == 302
        cookie = one.get_cookie("senim_session")
        other.set_cookie("senim_session", cookie.value)
        assert other.get("/").status_code in (200, 302)
        assert not other.get("/").headers.get("Location", "").endswith("/login")
    finally:
        first.close()
        second.close()


def draft_key_on(page_html: str) -> str | None:
    match = re.search(r'<meta name="draft-key" content="([^"]+)">', page_html)
    return match and match.group(1)


def test_each_user_gets_a_draft_key_of_their_own_that_outlives_the_session(app, make_user):
    """The browser seals drafts with it: the same after signing in again, another for another user."""
    first, _ = make_user("consultant")
    second, _ = make_user("consultant")
    keys = []
    for username in (first.username, first.username, second.username):
        client = app.test_client()
        assert draft_key_on(client.get("/login").get_data(as_text=True)) is None  # nobody's before sign-in
        sign_in(client, username)
        keys.append(draft_key_on(client.get("/contacts/new").get_data(as_text=True)))
    assert keys[0] and len(base64.b64decode(keys[0])) == 32  # an AES-256 key
    assert keys[0] == keys[1] != keys[2]
