"""Repeat callers: one number however it is typed, counts for everyone, ids only for those who may read them.

On SQLite and PostgreSQL, with and without SENIM_CIPHER_KEY.
"""
import hashlib
import hmac
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from eventsourcing.cipher import AESCipher

from domain.phone import normalise_phone
from intake import create_app
from intake.config import Settings
from tests.helpers.raw_database import RawDatabase, tables_holding
from tests.integration.test_logs_hold_no_personal_data import every_log_record, logged_text  # noqa: F401 (fixture)

NOW = datetime.now(timezone.utc)
PHONE = "8 (701) 555-12-34"
SPELLINGS = ("+7 701 555 12 34", "87015551234", "+7 (701) 555-1234", "7015551234", "77015551234")
OTHER_PHONE = "+7 777 000 99 88"


@pytest.fixture(params=["no cipher key", "SENIM_CIPHER_KEY"])
def settings(request, database_url) -> Settings:
    key = AESCipher.create_key(32) if request.param == "SENIM_CIPHER_KEY" else None
    return Settings(database_url=database_url, secret_key="test-secret", testing=True, cipher_key=key)


def a_call(phone: str | None = PHONE, **overrides) -> dict:
    caller = {"role": "victim", "gender": "female", **({"phone": phone} if phone is not None else {})}
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": (NOW - timedelta(minutes=30)).isoformat(), "caller": caller,
            "consent": {"services": True}, **overrides}


def record(client, headers, phone: str | None = PHONE) -> tuple[str, int]:
    created = client.post("/api/v1/contacts", json=a_call(phone), headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"], created.json["position"]


def lookup(client, headers, phone: str, position: int = 0, **body):
    answer = client.post(f"/api/v1/callers/lookup?min_position={position}", json={"phone": phone, **body},
                         headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def test_the_same_number_typed_differently_is_one_caller(client, consultant):
    _, headers = consultant
    contact_id, position = record(client, headers)
    for spelling in SPELLINGS:
        found = lookup(client, headers, spelling, position)
        assert found == {"known": True, "earlier_contacts": 1, "contacts": [contact_id], "open_referrals": [],
                         "open_referrals_total": 0}, spelling
    assert lookup(client, headers, OTHER_PHONE, position)["known"] is False
    assert normalise_phone("00 49 30 1234567") == normalise_phone("+49 30 123 4567") == "+49301234567"


def test_everyone_sees_the_count_and_only_their_own_contacts_unless_supervisor(client, make_user, supervisor):
    first, second = make_user("consultant"), make_user("consultant")
    psychologist = make_user("psychologist")
    mine = [record(client, first[1])[0], record(client, first[1])[0]]
    theirs, position = record(client, second[1])
    record(client, second[1], phone=OTHER_PHONE)
    record(client, second[1], phone=None)

    as_first = lookup(client, first[1], PHONE, position)
    assert (as_first["earlier_contacts"], sorted(as_first["contacts"])) == (3, sorted(mine))
    assert lookup(client, second[1], PHONE, position)["contacts"] == [theirs]
    # A psychologist learns nothing about anyone else's calls (a victim's number gets no answer).
    assert lookup(client, psychologist[1], PHONE, position) == {"known": False, "earlier_contacts": 0, "contacts": [],
                                                                 "open_referrals": [], "open_referrals_total": 0}
    assert sorted(lookup(client, supervisor[1], PHONE, position)["contacts"]) == sorted([*mine, theirs])
    # The contact being recorded now is not an earlier one.
    assert lookup(client, first[1], PHONE, position, contact_id=mine[1])["earlier_contacts"] == 2


def test_referrals_from_earlier_contacts_show_until_they_end(client, consultant, make_user):
    _, headers = consultant
    contact_id, _ = record(client, headers)
    made = client.post("/api/v1/referrals", headers=headers, json={
        "source": "helpline", "target": "family_service", "reason": "Needs counselling", "urgency": "urgent",
        "consent": {"services": True}, "contact_id": contact_id})
    assert made.status_code == 201, made.json
    referral_id = made.json["id"]
    found = lookup(client, headers, PHONE, made.json["position"])
    assert found["open_referrals"] == [{"id": referral_id, "target": "family_service", "status": "open",
                                        "urgency": "urgent"}]

    _, psychologist = make_user("psychologist")
    claimed = client.post(f"/api/v1/referrals/{referral_id}/claim", headers=psychologist)
    assert claimed.status_code == 200, claimed.json
    assert lookup(client, headers, PHONE, claimed.json["position"])["open_referrals"][0]["status"] == "claimed"

    # Another consultant learns that there is one, and no more: the referral is not theirs to open.
    other = lookup(client, make_user("consultant")[1], PHONE, claimed.json["position"])
    assert (other["open_referrals"], other["open_referrals_total"]) == ([], 1)

    cancelled = client.post(f"/api/v1/referrals/{referral_id}/cancel", json={"reason": "She moved away"},
                            headers=psychologist)
    assert cancelled.status_code == 200, cancelled.json
    assert lookup(client, headers, PHONE, cancelled.json["position"])["open_referrals"] == []


def test_a_corrected_number_moves_the_contact_to_the_new_number(client, consultant):
    _, headers = consultant
    contact_id, _ = record(client, headers)
    amended = client.post(f"/api/v1/contacts/{contact_id}/amendments", headers=headers,
                          json={"changes": {"caller": {"phone": OTHER_PHONE}}, "reason": "Misheard a digit"})
    assert amended.status_code == 201, amended.json
    position = amended.json["position"]
    assert lookup(client, headers, PHONE, position)["known"] is False
    assert lookup(client, headers, OTHER_PHONE, position)["contacts"] == [contact_id]
    cleared = client.post(f"/api/v1/contacts/{contact_id}/amendments", headers=headers,
                          json={"changes": {"caller": {"phone": None}}, "reason": "Not her number"})
    assert lookup(client, headers, OTHER_PHONE, cleared.json["position"])["known"] is False


def test_an_erased_callers_number_is_not_recognised(client, consultant, supervisor):
    _, headers = consultant
    contact_id, _ = record(client, headers)
    person_id = client.get(f"/api/v1/contacts/{contact_id}", headers=headers).json["caller"]["person_id"]
    erased = client.post(f"/api/v1/persons/{person_id}/erasure", json={"reason": "Asked"}, headers=supervisor[1])
    assert erased.status_code == 201
    assert lookup(client, headers, PHONE, erased.json["position"])["known"] is False


def test_the_events_never_hold_the_number_nor_its_hash_readable(senim, client, consultant, database_url):
    _, headers = consultant
    contact_id, position = record(client, headers)
    assert lookup(client, headers, PHONE, position)["known"]
    raw = RawDatabase(database_url)
    events = [table for table in raw.tables() if table in ("stored_events", "senim_events")]
    phone_hash = raw.query("SELECT phone_hash FROM callers WHERE contact_id = %s", (contact_id,))[0][0]
    for text in (PHONE, "7015551234", "+77015551234", "555-12-34", phone_hash):
        assert tables_holding(raw, text, events) == [], f"{text!r} is readable in the events"
    assert tables_holding(raw, phone_hash, ["callers"]) == ["callers"]  # the read model keeps the hash only
    for text in (PHONE, "7015551234", "+77015551234"):
        assert tables_holding(raw, text) == [], f"{text!r} is stored"


def test_the_salt_comes_from_senim_phone_salt_or_is_made_once_and_kept(settings, database_url):
    raw = RawDatabase(database_url)
    first = create_app(settings)
    try:
        salt = first.extensions["senim"].store.keyring.phone_salt()
        assert len(salt) == 32 and raw.query("SELECT count(*) FROM keyring_secrets") == [(1,)]
    finally:
        first.extensions["senim"].close()
    again = create_app(settings)
    try:
        assert again.extensions["senim"].store.keyring.phone_salt() == salt
    finally:
        again.extensions["senim"].close()

    configured = create_app(replace(settings, phone_salt="from-the-environment"))
    try:
        keyring = configured.extensions["senim"].store.keyring
        expected = hmac.new(b"from-the-environment", b"+77015551234", hashlib.sha256).hexdigest()
        assert keyring.phone_hash(PHONE) == expected
    finally:
        configured.extensions["senim"].close()


@pytest.mark.parametrize("phone", ["call me maybe", "12", "+7 701 555 12 34 ext. 5", "1" * 25, ""])
def test_a_number_that_is_no_number_is_refused(client, consultant, phone):
    _, headers = consultant
    refused = client.post("/api/v1/callers/lookup", json={"phone": phone}, headers=headers)
    assert refused.status_code == 422 and "phone" in refused.json["errors"]
    recorded = client.post("/api/v1/contacts", json=a_call(phone), headers=headers)
    assert recorded.status_code == 422 and "caller.phone" in recorded.json["errors"]


def test_admins_do_not_look_callers_up(client, make_user):
    _, headers = make_user("admin")
    assert client.post("/api/v1/callers/lookup", json={"phone": PHONE}, headers=headers).status_code == 403


def test_the_number_is_never_logged(client, consultant, every_log_record):  # noqa: F811 (the fixture)
    _, headers = consultant
    _, position = record(client, headers)
    assert lookup(client, headers, "+7 (701) 555-12-34", position)["known"]
    assert client.post("/api/v1/callers/lookup", json={"phone": "call 8 701 555 12 34"},
                       headers=headers).status_code == 422
    records = every_log_record.records
    assert any(record.name == "senim.requests" for record in records), "the log capture saw nothing"
    for text in (PHONE, "555-12-34", "555 12 34", "7015551234"):
        assert not [record.name for record in records if text in logged_text(record)], f"{text!r} was logged"


def test_a_chat_handle_is_a_caller_like_a_number_whatever_its_case(client, consultant):
    """Telegram and the web chat know a sender by a handle: it is taken, and recognised when written again."""
    _, headers = consultant
    contact_id, position = record(client, headers, "@Aigul_K")
    found = lookup(client, headers, "@aigul_k", position)
    assert found["known"] is True and found["contacts"] == [contact_id]
    assert lookup(client, headers, "@someone_else", position)["known"] is False
    refused = client.post("/api/v1/contacts", json=a_call("@ab"), headers=headers)
    assert refused.status_code == 422 and refused.json["errors"]["caller.phone"]
