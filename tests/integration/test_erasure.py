"""Erasure by crypto-shredding: a person's personal data goes for good, the numbers stay, and it is audited.

On SQLite and PostgreSQL, with and without SENIM_CIPHER_KEY.
"""
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from eventsourcing.cipher import AESCipher

from domain.actor import Actor
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.raw_database import RawDatabase, holds_bytes, tables_holding

NOW = datetime.now(timezone.utc)
NAME = "Zhanar Qyzmarker"
PHONE = "8 (701) 555-12-34"
ADDRESS = "Abay avenue 17, flat 4, Qyzmarker town"
SUMMARY = "Qyzmarker-summary: her husband hits her; Күйеуі ұрады."
NEW_ADDRESS = "Qyzmarker shelter, room 9"
NEW_SUMMARY = "Qyzmarker-amended: she left with the children."
PERSONAL = (NAME, ADDRESS, SUMMARY, NEW_ADDRESS, NEW_SUMMARY, "Qyzmarker", PHONE, "7015551234", "+77015551234")
OTHER_NAME = "Aigul Otherperson"


@pytest.fixture(params=["no cipher key", "SENIM_CIPHER_KEY"])
def settings(request, database_url) -> Settings:
    key = AESCipher.create_key(32) if request.param == "SENIM_CIPHER_KEY" else None
    return Settings(database_url=database_url, secret_key="test-secret", testing=True, cipher_key=key)


@pytest.fixture
def raw(database_url) -> RawDatabase:
    return RawDatabase(database_url)


def a_call(**overrides) -> dict:
    body = {
        "service": "helpline", "channel": "phone", "started_at": (NOW - timedelta(minutes=30)).isoformat(),
        "contact_type": "counselling",
        "caller": {"role": "victim", "gender": "female", "age": 33, "region": "almaty",
                   "name": NAME, "phone": PHONE, "address": ADDRESS},
        "categories": ["physical_assault"], "summary": SUMMARY, "consent": {"services": True, "reporting": True},
    }
    body.update(overrides)
    return body


def record(client, headers, body) -> tuple[str, int]:
    created = client.post("/api/v1/contacts", json=body, headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"], int(created.headers["X-Senim-Position"])


def numbers(client, headers, position: int) -> dict:
    """What the read models say: statistics and the journal, at least as new as `position`."""
    year = NOW.year
    stats = client.get(f"/api/v1/stats/contacts?group_by=channel,gender&from={year - 1}-01-01&min_position={position}",
                       headers=headers)
    journal = client.get(f"/api/v1/journals/helpline?from={year - 1}-01-01&min_position={position}", headers=headers)
    assert stats.status_code == journal.status_code == 200, (stats.json, journal.json)
    return {"stats": stats.json, "journal": journal.json}


@pytest.fixture
def recorded(client, consultant, supervisor):
    """One caller with every personal field, corrected once; another caller beside them."""
    _, headers = consultant
    contact_id, _ = record(client, headers, a_call())
    amended = client.post(f"/api/v1/contacts/{contact_id}/amendments", headers=headers, json={
        "changes": {"caller": {"address": NEW_ADDRESS}, "summary": NEW_SUMMARY}, "reason": "Called back"})
    assert amended.status_code == 201, amended.json
    other_id, position = record(client, headers, a_call(caller={"role": "witness", "name": OTHER_NAME},
                                                        summary="A neighbour called."))
    person_id = client.get(f"/api/v1/contacts/{contact_id}", headers=headers).json["caller"]["person_id"]
    return {"contact_id": contact_id, "other_id": other_id, "person_id": person_id, "position": position}


def rebuild_every_projection(senim) -> None:
    senim.trigger.stop()  # dropping tables under the running catch-up thread could deadlock on PostgreSQL
    senim.projections.rebuild()


def erase(client, supervisor, person_id, reason="The person asked to be forgotten (Art. 16)"):
    return client.post(f"/api/v1/persons/{person_id}/erasure", json={"reason": reason}, headers=supervisor[1])


def test_erasing_a_person_leaves_no_trace_of_them_anywhere_while_the_numbers_stay(
        client, senim, consultant, supervisor, recorded, raw):
    _, headers = consultant
    contact = client.get(f"/api/v1/contacts/{recorded['contact_id']}", headers=headers).json
    assert (contact["caller"]["name"], contact["caller"]["address"], contact["summary"]) == (
        NAME, NEW_ADDRESS, NEW_SUMMARY)
    assert contact["erased"] is False
    before = numbers(client, supervisor[1], recorded["position"])
    (stored_key,) = raw.query("SELECT key FROM person_keys WHERE subject_id = %s", (recorded["person_id"],))[0]
    stored_key = bytes(stored_key)
    assert holds_bytes(raw, stored_key), "the scan must see the key while it exists"

    erased = erase(client, supervisor, recorded["person_id"])
    assert erased.status_code == 201, erased.json
    position = int(erased.headers["X-Senim-Position"])
    assert erased.json["position"] == position

    rebuild_every_projection(senim)  # rebuilt from the log after the erasure, they count the same
    assert holds_bytes(raw, stored_key) == []
    for text in PERSONAL:
        assert tables_holding(raw, text) == [], f"{text!r} is stored"
        if raw.sqlite:
            assert not any(needle in raw.file_bytes() for needle in (text.encode(),)), f"{text!r} is on disk"
    assert raw.query("SELECT count(*) FROM person_keys WHERE subject_id = %s", (recorded["person_id"],)) == [(0,)]
    assert numbers(client, supervisor[1], position) == before


def test_an_erased_contact_still_reads_with_its_history_and_its_personal_fields_null(
        client, consultant, supervisor, recorded):
    _, headers = consultant
    assert erase(client, supervisor, recorded["person_id"]).status_code == 201

    contact = client.get(f"/api/v1/contacts/{recorded['contact_id']}", headers=headers)
    assert contact.status_code == 200
    body = contact.json
    assert body["erased"] is True
    assert body["caller"]["name"] is body["caller"]["phone"] is body["caller"]["address"] is body["summary"] is None
    assert (body["caller"]["role"], body["caller"]["age_group"], body["categories"]) == (
        "victim", "25_34", ["physical_assault"])
    assert body["caller"]["person_id"] == recorded["person_id"]

    history = client.get(f"/api/v1/contacts/{recorded['contact_id']}/history", headers=headers).json["events"]
    assert [event["type"] for event in history] == ["Recorded", "Amended"]
    assert history[0]["data"]["caller"]["name"] is None and history[0]["data"]["summary"] is None
    assert history[1]["data"]["changes"] == {"caller": {"address": None}, "summary": None}
    assert history[1]["data"]["reason"] is None  # a correction's reason may name the caller: it goes with them

    other = client.get(f"/api/v1/contacts/{recorded['other_id']}", headers=headers).json
    assert other["caller"]["name"] == OTHER_NAME and other["erased"] is False


def test_the_erasure_is_an_audited_event_with_its_actor_and_reason(client, supervisor, recorded):
    written = erase(client, supervisor, recorded["person_id"], reason="Retention period over")
    record_ = client.get(f"/api/v1/persons/{recorded['person_id']}/erasure", headers=supervisor[1])
    assert record_.status_code == 200
    body = record_.json
    assert body["id"] == written.json["id"]
    assert (body["subject_id"], body["kind"], body["reason"]) == (recorded["person_id"], "person",
                                                                   "Retention period over")
    assert body["performed_by"]["username"] == supervisor[0].username
    assert [(event["type"], event["actor"]["role"]) for event in body["events"]] == [("Performed", "supervisor")]


def test_a_second_erasure_of_the_same_person_conflicts(client, supervisor, recorded):
    assert erase(client, supervisor, recorded["person_id"]).status_code == 201
    again = erase(client, supervisor, recorded["person_id"])
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"


@pytest.mark.parametrize("role", ["consultant", "psychologist", "admin"])
def test_only_a_supervisor_erases(client, make_user, recorded, role):
    _, headers = make_user(role)
    refused = client.post(f"/api/v1/persons/{recorded['person_id']}/erasure", json={"reason": "x"}, headers=headers)
    assert refused.status_code == 403
    assert client.get(f"/api/v1/persons/{recorded['person_id']}/erasure", headers=headers).status_code == 403


def test_erasing_an_unknown_person_is_404_and_a_reason_is_required(client, supervisor, recorded):
    assert erase(client, supervisor, uuid4()).status_code == 404
    assert client.get(f"/api/v1/persons/{uuid4()}/erasure", headers=supervisor[1]).status_code == 404
    refused = client.post(f"/api/v1/persons/{recorded['person_id']}/erasure", json={"reason": "  "},
                          headers=supervisor[1])
    assert refused.status_code == 422 and "reason" in refused.json["errors"]
    contact_is_no_person = erase(client, supervisor, recorded["contact_id"])
    assert contact_is_no_person.status_code == 404


def test_an_erased_person_gets_no_new_personal_data_but_other_corrections_go_on(client, consultant, supervisor,
                                                                                 recorded):
    _, headers = consultant
    assert erase(client, supervisor, recorded["person_id"]).status_code == 201
    url = f"/api/v1/contacts/{recorded['contact_id']}/amendments"
    refused = client.post(url, json={"changes": {"caller": {"name": NAME}}, "reason": "Typed it again"},
                          headers=headers)
    assert refused.status_code == 409
    allowed = client.post(url, json={"changes": {"channel": "whatsapp"}, "reason": "Wrong channel"}, headers=headers)
    assert allowed.status_code == 201
    assert client.get(f"/api/v1/contacts/{recorded['contact_id']}", headers=headers).json["channel"] == "whatsapp"


def test_another_process_stops_showing_an_erased_person_within_a_second(settings, client, consultant, supervisor,
                                                                        recorded):
    other_process = bootstrap(settings)
    try:
        actor = consultant[0]
        contact_id = UUID(recorded["contact_id"])
        assert other_process.contacts.get(contact_id, actor=actor).fields["caller"]["name"] == NAME
        assert erase(client, supervisor, recorded["person_id"]).status_code == 201
        time.sleep(1.1)
        contact = other_process.contacts.get(contact_id, actor=actor)
        assert contact.fields["caller"].get("name") is None and other_process.contacts.is_erased(contact)
    finally:
        other_process.close()


def test_erase_subject_is_what_the_retention_job_calls(senim, client, consultant, recorded):
    retention = Actor.system("retention")
    written = senim.erasure.erase_subject(recorded["person_id"], "Retention period over", retention)
    assert written.position == senim.store.head()
    contact = client.get(f"/api/v1/contacts/{recorded['contact_id']}", headers=consultant[1]).json
    assert contact["erased"] is True and contact["caller"]["name"] is None


def test_every_projection_table_is_free_of_personal_text(senim, client, consultant, supervisor, recorded, raw):
    """Read models are built from events whose personal fields they never see: nothing to erase there."""
    rebuild_every_projection(senim)
    tables = raw.projection_tables()
    assert {"journal_rows", "callers"} <= set(tables)
    for text in (*PERSONAL, OTHER_NAME):
        assert tables_holding(raw, text, tables) == [], f"{text!r} is in a read model"


def test_case_persons_notes_and_summary_are_sealed_and_erased_per_subject(senim, raw):
    case_module = pytest.importorskip("domain.case")
    worker = Actor(user_id=str(uuid4()), username="psy-1", role="consultant")
    case = case_module.Case.open(actor=worker, summary="Qyzcase summary of the family")
    person_id = case.add_person(role="victim", name="Qyzcase Person", phone="+7 702 000 11 22",
                                address="Qyzcase street 1", actor=worker)
    case.add_note(text="Qyzcase note about the visit", actor=worker)
    senim.store.commit(case)
    for text in ("Qyzcase summary", "Qyzcase Person", "Qyzcase street", "Qyzcase note"):
        assert tables_holding(raw, text) == [], f"{text!r} is stored readable"

    other_id = case.add_person(role="child", name="Qyzcase Child", actor=worker)
    senim.store.commit(case)
    senim.erasure.erase_subject(other_id, "Asked to be forgotten", Actor.system("tests"), kind="person")
    reread = senim.store.load(case.id, case_module.Case)
    assert reread.persons[person_id]["name"] == "Qyzcase Person" and reread.persons[other_id]["name"] is None
    assert reread.notes[0]["text"] == "Qyzcase note about the visit"  # written before the child was on the case
    assert reread.summary == "Qyzcase summary of the family"

    senim.erasure.erase_subject(person_id, "Asked to be forgotten", Actor.system("tests"), kind="person")
    reread = senim.store.load(case.id, case_module.Case)
    person = reread.persons[person_id]
    assert (person["name"], person["phone"], person["address"]) == (None, None, None)
    assert reread.notes[0]["text"] is None  # a note may name anyone on the case: it goes with each of them

    senim.erasure.erase_subject(case.id, "Retention period over", Actor.system("tests"), kind="case")
    reread = senim.store.load(case.id, case_module.Case)
    assert reread.notes[0]["text"] is None and reread.summary is None
    assert reread.persons[person_id]["role"] == "victim"


def test_rotating_the_master_key_rewraps_the_person_keys(settings, client, consultant, recorded, raw):
    from intake import create_app
    from intake.services.key_rotation import Target, rotate

    before = {row[0]: bytes(row[1]) for row in raw.query("SELECT subject_id, key FROM person_keys")}
    client.application.extensions["senim"].close()  # `senim keys rotate` runs with the app stopped
    target = Target(settings)
    new_key = AESCipher.create_key(32)
    try:
        rotate(target, new_key)
    finally:
        target.close()
    after = {row[0]: bytes(row[1]) for row in raw.query("SELECT subject_id, key FROM person_keys")}
    assert after.keys() == before.keys() and not set(after.values()) & set(before.values())

    rotated = create_app(replace(settings, cipher_key=new_key))
    try:
        contact = rotated.test_client().get(f"/api/v1/contacts/{recorded['contact_id']}", headers=consultant[1])
        assert contact.status_code == 200 and contact.json["caller"]["name"] == NAME
    finally:
        rotated.extensions["senim"].close()
