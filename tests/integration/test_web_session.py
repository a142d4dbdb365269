"""Signing in and out of the web UI: CSRF, lock-out, idle timeout, cookies, language, errors as pages."""
import base64
import re
import time
from uuid import UUID

import pytest
from argon2 import PasswordHasher

from domain.actor import Actor
from domain.staff import LOCKOUT_FAILURES
from intake.services.staff import SignInRefused, StaffService
from tests.helpers.web import csrf_token, pages_in, post_form, sign_in

ADMIN = Actor.system("tests")


# The browser asks for English, so the messages below read as written in the code.
english = pages_in("en")


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


def test_repeated_wrong_passwords_hold_back_further_tries_from_that_address_even_with_the_right_one(
        client, senim, staff_member):
    for _ in range(LOCKOUT_FAILURES):
        sign_in(client, staff_member.username, "wrong password")
    held = sign_in(client, staff_member.username)
    assert held.status_code == 401
    assert "Too many failed sign-ins with this username from this computer." in held.get_data(as_text=True)
    events = [type(event).__name__ for event in senim.store.events_of(UUID(staff_member.user_id))]
    assert events.count("SignInFailed") == LOCKOUT_FAILURES  # every failure is on record
    assert "SignedIn" not in events


def comparable(response, username: str) -> tuple[int, str]:
    """Status and page of a sign-in answer, without what differs between any two requests: the
    CSRF token and the username the form gives back."""
    page = CSRF_VALUE.sub("CSRF", response.get_data(as_text=True)).replace(username, "USERNAME")
    return response.status_code, page


# A signed CSRF token (itsdangerous: payload.timestamp.signature), wherever the page carries one.
CSRF_VALUE = re.compile(r'[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}')


def test_wrong_passwords_for_a_real_user_answer_exactly_as_for_a_username_nobody_has(app, staff_member):
    real, unknown = app.test_client(), app.test_client()
    for browser in (real, unknown):
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for attempt in range(LOCKOUT_FAILURES + 2):
        as_real = sign_in(real, staff_member.username, "wrong password")
        as_unknown = sign_in(unknown, "nobody-here", "wrong password")
        assert comparable(as_real, staff_member.username) == comparable(as_unknown, "nobody-here"), attempt
    assert "Too many failed sign-ins" in as_real.get_data(as_text=True)
    assert "locked" not in as_real.get_data(as_text=True)


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting its work: the cost of a sign-in, independent of the machine."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = self.hashed = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)

    def hash(self, password, *, salt=None):
        self.hashed += 1
        return super().hash(password, salt=salt)


def argon2_work(hasher: CountingHasher, action) -> tuple[int, int]:
    before = hasher.verified, hasher.hashed
    with pytest.raises(SignInRefused):
        action()
    return hasher.verified - before[0], hasher.hashed - before[1]


def test_a_real_and_an_unknown_username_cost_the_same_password_work_held_back_or_not(senim, staff_member):
    hasher = CountingHasher()
    staff = StaffService(senim.store, hasher=hasher)
    staff.dummy_hash()  # made once per process, before any request
    work = {}
    for name in (staff_member.username, "nobody-here"):
        work[name] = [argon2_work(hasher, lambda: staff.sign_in(name, "wrong password", remote_addr="10.1.1.1"))
                      for _ in range(LOCKOUT_FAILURES + 2)]
    assert work[staff_member.username] == work["nobody-here"] == [(1, 0)] * (LOCKOUT_FAILURES + 2)


def browser_at(app, address: str):
    browser = app.test_client()
    browser.environ_base.update({"REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": "en"})
    return browser


def test_an_outsider_elsewhere_cannot_hold_back_the_user_at_their_own_computer(app, senim, staff_member):
    outsider = browser_at(app, "203.0.113.66")
    for _ in range(LOCKOUT_FAILURES * 3):
        sign_in(outsider, staff_member.username, "guessing away")
    assert sign_in(outsider, staff_member.username).status_code == 401  # held back, right password or not
    at_work = browser_at(app, "192.0.2.10")
    assert sign_in(at_work, staff_member.username).status_code == 302


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


# Sessions end on the server ----------------------------------------------------------------------

def signed_in_cookie(client, username: str) -> str:
    assert sign_in(client, username).status_code == 302
    return client.get_cookie("senim_session").value


def replayed(app, cookie: str):
    """A request from another browser carrying a copy of the cookie, as an attacker would send it."""
    other = app.test_client()
    other.set_cookie("senim_session", cookie)
    return other.get("/contacts/new")


def is_signed_in(response) -> bool:
    return response.status_code == 200


def test_a_cookie_replayed_after_signing_out_signs_nobody_in(app, client, staff_member):
    cookie = signed_in_cookie(client, staff_member.username)
    assert is_signed_in(replayed(app, cookie))
    post_form(client, "/logout", {}, token_from="/")
    response = replayed(app, cookie)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_out_ends_every_session_of_the_user(app, client, staff_member):
    elsewhere = signed_in_cookie(app.test_client(), staff_member.username)
    signed_in_cookie(client, staff_member.username)
    post_form(client, "/logout", {}, token_from="/")
    assert not is_signed_in(replayed(app, elsewhere))


def test_an_idle_sign_out_ends_that_session_on_the_server(app, client, staff_member):
    cookie = signed_in_cookie(client, staff_member.username)
    idle = app.extensions["senim"].settings.idle_minutes * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle - 5
        stale = dict(session)
    client.get("/")
    assert not is_signed_in(replayed(app, cookie))
    assert stale  # the old cookie held a user id; it names a session the server has ended


def test_a_disabled_users_old_cookie_does_not_work_again_after_enabling(app, client, senim, staff_member):
    cookie = signed_in_cookie(client, staff_member.username)
    user_id = UUID(staff_member.user_id)
    senim.staff.disable(user_id, reason="left the service", actor=ADMIN)
    senim.staff.enable(user_id, actor=ADMIN)
    assert not is_signed_in(replayed(app, cookie))
    assert is_signed_in(replayed(app, signed_in_cookie(app.test_client(), staff_member.username)))


def test_a_role_change_ends_every_session_of_the_user(app, senim, staff_member):
    """(A password reset and a disable did so before: test_a_password_reset_signs_out_open_sessions.)"""
    cookies = [signed_in_cookie(app.test_client(), staff_member.username) for _ in range(2)]
    senim.staff.change_role(UUID(staff_member.user_id), role="psychologist", actor=ADMIN)
    for cookie in cookies:
        response = replayed(app, cookie)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_ended_in_one_process_is_ended_in_every_other(settings, staff_member):
    """Several gunicorn workers: the state of a session is in the database, not in a process."""
    from intake import create_app
    from intake.bootstrap import bootstrap
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        one, other = (create_app(services.settings, senim=services).test_client() for services in (first, second))
        cookie = signed_in_cookie(one, staff_member.username)
        other.set_cookie("senim_session", cookie)
        assert other.get("/contacts/new").status_code == 200
        post_form(one, "/logout", {}, token_from="/")
        other.set_cookie("senim_session", cookie)
        assert other.get("/contacts/new").status_code == 302
    finally:
        first.close()
        second.close()
