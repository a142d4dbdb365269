"""Signing in to the web UI through Flask's test client, with the CSRF token a browser would send."""
import re

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, username: str, password: str = "correct horse 1"):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POSTs a page's form with a fresh CSRF token (taken from `token_from`, default the same path)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)}, **kwargs)
