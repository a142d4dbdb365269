"""With SENIM_CIPHER_KEY set, what is written to disk cannot be read without the key."""
import base64
import json
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from eventsourcing.cipher import AESCipher

from domain.actor import Actor
from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import ConfigError, Settings

ADMIN = Actor.system("tests")
SUMMARY = "Gulnar-7Q: her husband took her passport and locks her in. Күйеуі паспортын алып қойды."
USERNAME = "consultant-zhuldyz"
STARTED = datetime.now(timezone.utc) - timedelta(minutes=30)


def a_call() -> dict:
    return {
        "service": "helpline", "channel": "whatsapp", "started_at": STARTED.isoformat(),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 29, "language": "kk", "region": "turkistan"},
        "categories": ["physical_assault"], "summary": SUMMARY,
    }


@pytest.fixture
def cipher_key() -> str:
    return AESCipher.create_key(32)


@pytest.fixture
def start(settings):
    """Starts the app on the test database with a given cipher key (or none); closes it afterwards."""
    started = []

    def start_with(cipher_key: str | None):
        app = create_app(replace(settings, cipher_key=cipher_key))
        started.append(app.extensions["senim"])
        return app
    yield start_with
    for services in started:
        services.close()


@pytest.fixture
def record_a_call():
    """Records the call through the API as a new consultant; returns (contact id, bearer headers)."""
    def record(app) -> tuple[str, dict]:
        staff = app.extensions["senim"].staff
        user = staff.add_user(username=USERNAME, role="consultant", password="Ainur-2019-Almaty", actor=ADMIN)
        token, _ = staff.issue_token(user.id, actor=ADMIN)
        headers = {"Authorization": f"Bearer {token}"}
        created = app.test_client().post("/api/v1/contacts", json=a_call(), headers=headers)
        assert created.status_code == 201, created.json
        return created.json["id"], headers
    return record


@pytest.fixture
def stored_rows(database_url):
    """Every row of the events table as raw bytes, read past the library: what is on disk."""
    def read() -> list[bytes]:
        if database_url.startswith("sqlite:"):
            with sqlite3.connect(database_url[len("sqlite:///"):]) as conn:
                rows = conn.execute("SELECT * FROM stored_events").fetchall()
        else:
            parts = urlsplit(database_url)
            schema = parse_qs(parts.query)["schema"][0]
            with psycopg.connect(parts._replace(query="").geturl()) as conn:
                rows = conn.execute(f"SELECT * FROM {schema}.senim_events").fetchall()
        assert rows, "no events were stored"
        return [b"|".join(bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                          for value in row) for row in rows]
    return read


def found_in(rows: list[bytes], text: str) -> bool:
    """The text as UTF-8 or as JSON-escaped ASCII, in any row."""
    needles = (text.encode(), json.dumps(text)[1:-1].encode())
    return any(needle in row for row in rows for needle in needles)


def test_an_encrypted_store_holds_no_readable_summary_but_the_api_returns_it(start, cipher_key, record_a_call,
                                                                             stored_rows):
    app = start(cipher_key)
    contact_id, headers = record_a_call(app)

    rows = stored_rows()
    for secret in (SUMMARY, "Gulnar-7Q", "turkistan", USERNAME, "$argon2"):
        assert not found_in(rows, secret), f"{secret!r} is readable on disk"

    client = app.test_client()
    contact = client.get(f"/api/v1/contacts/{contact_id}", headers=headers).json
    assert contact["summary"] == SUMMARY
    assert contact["caller"]["region"] == "turkistan"
    history = client.get(f"/api/v1/contacts/{contact_id}/history", headers=headers).json
    assert history["events"][0]["data"]["summary"] == SUMMARY


def test_without_a_key_the_same_call_is_readable_on_disk_but_its_summary_is_sealed_for_the_caller(
        start, record_a_call, stored_rows):
    record_a_call(start(None))
    rows = stored_rows()
    # The control for the test above: without the store's key, what is not personal is plain text...
    assert found_in(rows, "turkistan") and found_in(rows, USERNAME)
    # ...and the personal fields are still sealed with the caller's own key (intake/adapters/personal.py).
    assert not found_in(rows, SUMMARY) and not found_in(rows, "Gulnar-7Q")


def test_an_encrypted_store_survives_a_restart_with_the_same_key(start, cipher_key, record_a_call):
    first = start(cipher_key)
    contact_id, headers = record_a_call(first)
    first.extensions["senim"].close()

    again = start(cipher_key)
    contact = again.test_client().get(f"/api/v1/contacts/{contact_id}", headers=headers)
    assert contact.status_code == 200 and contact.json["summary"] == SUMMARY


@pytest.mark.parametrize("second_key", ["another key", "no key"])
def test_starting_with_a_key_that_cannot_read_the_store_is_refused(settings, start, cipher_key, record_a_call,
                                                                   second_key):
    record_a_call(start(cipher_key))
    other = AESCipher.create_key(32) if second_key == "another key" else None
    with pytest.raises(ConfigError, match="SENIM_CIPHER_KEY cannot read the stored events"):
        bootstrap(replace(settings, cipher_key=other))


def test_starting_an_unencrypted_store_with_a_key_is_refused(settings, start, cipher_key, record_a_call):
    record_a_call(start(None))
    with pytest.raises(ConfigError, match="SENIM_CIPHER_KEY"):
        bootstrap(replace(settings, cipher_key=cipher_key))


def test_a_key_may_be_set_on_an_empty_store(settings, cipher_key):
    bootstrap(replace(settings, cipher_key=cipher_key)).close()


@pytest.mark.parametrize("key", [
    "not base64 at all!",
    "c2hvcnQ=",  # "short": 5 bytes
    base64.b64encode(b"x" * 31).decode(),
    base64.b64encode(b"x" * 33).decode(),
    base64.urlsafe_b64encode(b"\xfb" * 32).decode(),  # URL-safe alphabet
    AESCipher.create_key(32) + "\n" + "AAAA",
], ids=["not-base64", "5-bytes", "31-bytes", "33-bytes", "url-safe-alphabet", "a-key-then-more"])  # same in every xdist worker
def test_a_malformed_cipher_key_is_refused_at_configuration(key, tmp_path):
    with pytest.raises(ConfigError, match="SENIM_CIPHER_KEY"):
        Settings.from_env({"SENIM_CIPHER_KEY": key, "SENIM_DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3"})


@pytest.mark.parametrize("size", [16, 24, 32])
def test_every_aes_key_size_is_accepted(size, tmp_path):
    key = AESCipher.create_key(size)
    # Reading the settings makes the SQLite file (private from the start): keep it out of the checkout.
    assert Settings.from_env({"SENIM_CIPHER_KEY": key, "SENIM_DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3"}
                             ).event_store_env()["CIPHER_KEY"] == key
