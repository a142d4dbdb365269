"""Signing in to the web UI through Flask's test client, with the CSRF token a browser would send."""
import re

import pytest

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# A field's error as the form macros write it: (field id, message).
ERROR = re.compile(r'<p class="error" id="([^"]+)-error">([^<]*)</p>')


def pages_in(language: str):
    """An autouse fixture: the browser asks for pages in `language` (in a module: english = pages_in("en"))."""
    @pytest.fixture(autouse=True)
    def browser_language(client):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return browser_language


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, username: str, password: str = "correct horse 1"):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def signed_in_as(make_user, client, role: str):
    """A new user of the role, signed in to the pages through this client: its actor."""
    actor, _ = make_user(role)
    assert sign_in(client, actor.username).status_code == 302
    return actor


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POSTs a page's form with a fresh CSRF token (taken from `token_from`, default the same path)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)}, **kwargs)
