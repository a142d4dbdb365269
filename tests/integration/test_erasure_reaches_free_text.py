"""Erasure reaches free text everywhere: after a person is erased, no reason or note that named them
can be read, not even by someone holding the master key and reading every stored event raw.

The person is one woman, known to Senim by two pseudonymous ids: the caller of her contact and the
victim of the case opened from it. Every reason and note below names her. On SQLite and PostgreSQL,
with SENIM_CIPHER_KEY set (the raw read decrypts each event with it).
"""
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from eventsourcing.cipher import AESCipher

from domain import instruments
from domain.actor import Actor
from domain.clock import utc_now
from intake.config import Settings
from tests.helpers.raw_store import RawStore
from tests.helpers.web import sign_in

NAME = "Saule Freetextova"
SURNAME = "Freetextova"
AFTER_FIVE_YEARS = timedelta(days=5 * 366 + 2)


@pytest.fixture
def cipher_key() -> str:
    return AESCipher.create_key(32)


@pytest.fixture
def settings(database_url, cipher_key) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", testing=True, cipher_key=cipher_key)


def said(text: str) -> str:
    return f"{text} ({NAME})"


def ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_json()
    return response.get_json()


def aggressor_answers() -> dict:
    return {item["id"]: "yes" if item["id"] == "physical_violence" else "no"
            for item in instruments.get("aggressor_status")["items"]}


def her_whole_story(client, consultant, supervisor, psychologist) -> dict:
    """A contact, a case opened from it, referrals, an assessment and a programme: her name in every text."""
    _, worker = consultant
    _, boss = supervisor
    _, psy = psychologist
    contact = ok(client.post("/api/v1/contacts", headers=worker, json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(),
        "caller": {"role": "victim", "gender": "female", "age": 31, "name": NAME, "phone": "+7 701 555 98 76"},
        "categories": ["physical_assault"], "summary": said("Called about her husband"),
        "consent": {"services": True, "reporting": True}}))
    contact_id = contact["id"]
    ok(client.post(f"/api/v1/contacts/{contact_id}/amendments", headers=worker, json={
        "changes": {"channel": "whatsapp"}, "reason": said("She wrote, she did not call")}))
    caller_id = ok(client.get(f"/api/v1/contacts/{contact_id}", headers=worker))["caller"]["person_id"]

    case_id = ok(client.post("/api/v1/cases", headers=worker, json={
        "contact_id": contact_id, "summary": said("Family case"),
        "persons": [{"role": "victim", "name": NAME, "address": "Freetext street 5"},
                    {"role": "aggressor", "name": "Bolat Husbandov"}]}))["id"]
    persons = ok(client.get(f"/api/v1/cases/{case_id}", headers=worker))["persons"]
    victim_id = next(person["person_id"] for person in persons if person["role"] == "victim")
    ok(client.patch(f"/api/v1/cases/{case_id}/persons/{victim_id}", headers=worker,
                    json={"address": "Freetext shelter", "reason": said("Moved to the shelter")}))
    ok(client.post(f"/api/v1/cases/{case_id}/notes", headers=worker, json={"text": said("Visited")}))

    def referral(**body) -> str:
        return ok(client.post("/api/v1/referrals", headers=boss, json={
            "source": "helpline", "target": "family_service", "urgency": "routine",
            "consent": {"services": True}, "case_id": case_id, "contact_id": contact_id, **body}))["id"]
    declined = referral(reason=said("Needs counselling"),
                        consent={"services": False, "override_reason": said("Her life is at risk")})
    ok(client.post(f"/api/v1/referrals/{declined}/claim", headers=psy))
    ok(client.post(f"/api/v1/referrals/{declined}/release", headers=psy, json={"reason": said("On leave")}))
    ok(client.post(f"/api/v1/referrals/{declined}/decline", headers=psy, json={"reason": said("Not ours")}))
    cancelled = referral(reason=said("Second try"))
    ok(client.post(f"/api/v1/referrals/{cancelled}/cancel", headers=boss, json={"reason": said("She refused")}))

    assessment_id = ok(client.post("/api/v1/assessments", headers=boss, json={
        "instrument": "aggressor_status", "answers": aggressor_answers(), "case_id": case_id}))["id"]
    levels = instruments.level_codes("aggressor_status", instruments.current_version("aggressor_status"))
    current = ok(client.get(f"/api/v1/assessments/{assessment_id}", headers=boss))["level"]
    ok(client.post(f"/api/v1/assessments/{assessment_id}/override", headers=boss, json={
        "level": next(level for level in levels if level != current), "reason": said("Threatened her again")}))
    assessed = ok(client.post("/api/v1/assessments", headers=boss, json={
        "instrument": "aggressor_status", "answers": aggressor_answers(), "case_id": case_id}))["id"]
    participation_id = ok(client.post("/api/v1/programme", headers=boss, json={"assessment_id": assessed}))["id"]
    ok(client.post(f"/api/v1/programme/{participation_id}/sessions", headers=boss, json={
        "at": datetime.now(timezone.utc).isoformat(), "attended": True, "note": said("He blamed")}))
    ok(client.post(f"/api/v1/programme/{participation_id}/drop-out", headers=boss,
                   json={"reason": said("Went back to")}))

    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=boss, json={"reason": said("Safe with")}))
    ok(client.post(f"/api/v1/cases/{case_id}/reopening", headers=boss, json={"reason": said("Called again,")}))
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=boss, json={"reason": said("Safe again,")}))
    return {"contact_id": contact_id, "caller_id": caller_id, "case_id": case_id, "victim_id": victim_id,
            "referrals": (declined, cancelled), "assessment_id": assessment_id,
            "participation_id": participation_id}


def events_naming(database_url: str, cipher_key: str, text: str) -> list[str]:
    """The topics of stored events whose content, decrypted with the master key, holds `text`."""
    raw = RawStore(database_url)
    return [topic for position, (_, _, topic, _) in raw.rows().items()
            if text.encode() in raw.plaintext(position, cipher_key)
            or text.encode("unicode_escape") in raw.plaintext(position, cipher_key)]


def erase(client, supervisor, person_id):
    return ok(client.post(f"/api/v1/persons/{person_id}/erasure", headers=supervisor[1],
                          json={"reason": "She asked to be forgotten"}), 201)


def test_after_her_erasure_no_stored_event_names_her_even_decrypted_with_the_master_key(
        client, database_url, cipher_key, consultant, supervisor, psychologist):
    story = her_whole_story(client, consultant, supervisor, psychologist)
    # Sealed, but not yet erased: the raw read finds no name, the application reads every text.
    assert events_naming(database_url, cipher_key, SURNAME) == []
    referral = ok(client.get(f"/api/v1/referrals/{story['referrals'][0]}", headers=supervisor[1]))
    assert referral["reason"] == said("Needs counselling") and referral["end_reason"] == said("Not ours")

    erase(client, supervisor, story["caller_id"])
    erase(client, supervisor, story["victim_id"])

    assert events_naming(database_url, cipher_key, SURNAME) == []
    boss = supervisor[1]
    history = ok(client.get(f"/api/v1/cases/{story['case_id']}/history", headers=boss))
    rendered = repr(history)
    assert SURNAME not in rendered
    reasons = [entry["data"].get("reason") for entry in history["events"] if "reason" in entry["data"]]
    assert reasons and all(reason is None for reason in reasons), reasons
    for url in (f"/api/v1/referrals/{story['referrals'][0]}", f"/api/v1/referrals/{story['referrals'][1]}",
                f"/api/v1/assessments/{story['assessment_id']}/history",
                f"/api/v1/programme/{story['participation_id']}",
                f"/api/v1/contacts/{story['contact_id']}/history", f"/api/v1/cases/{story['case_id']}"):
        assert SURNAME not in repr(ok(client.get(url, headers=boss))), url
    referral = ok(client.get(f"/api/v1/referrals/{story['referrals'][0]}", headers=boss))
    assert referral["reason"] is referral["end_reason"] is referral["consent"]["override_reason"] is None
    programme = ok(client.get(f"/api/v1/programme/{story['participation_id']}", headers=boss))
    assert programme["drop_out_reason"] is None and programme["sessions"][0]["note"] is None
    assert programme["sessions"][0]["attended"] is True and programme["status"] == "dropped_out"


def test_the_pages_that_show_reasons_show_none_of_hers_after_her_erasure(
        app, client, consultant, supervisor, psychologist):
    story = her_whole_story(client, consultant, supervisor, psychologist)
    erase(client, supervisor, story["caller_id"])
    erase(client, supervisor, story["victim_id"])
    pages = {
        supervisor[0].username: [f"/cases/{story['case_id']}", f"/referrals/{story['referrals'][0]}",
                                 f"/referrals/{story['referrals'][1]}", f"/assessments/{story['assessment_id']}",
                                 f"/programme/{story['participation_id']}"],
        consultant[0].username: [f"/contacts/{story['contact_id']}"],
        psychologist[0].username: [f"/referrals/{story['referrals'][0]}"],
    }
    for username, urls in pages.items():
        browser = app.test_client()
        assert sign_in(browser, username).status_code == 302
        for url in urls:
            page = browser.get(url, headers={"Accept-Language": "en"})
            assert page.status_code == 200, (username, url)
            assert SURNAME not in page.get_data(as_text=True), (username, url)
            assert "None" not in page.get_data(as_text=True), (username, url)
            if url.startswith("/referrals/"):
                assert '<dd class="reason">erased</dd>' in page.get_data(as_text=True)


def test_erasing_one_person_of_a_case_leaves_the_others_data_but_not_text_that_may_name_her(
        client, consultant, supervisor, psychologist):
    story = her_whole_story(client, consultant, supervisor, psychologist)
    erase(client, supervisor, story["victim_id"])
    case = ok(client.get(f"/api/v1/cases/{story['case_id']}", headers=supervisor[1]))
    aggressor = next(person for person in case["persons"] if person["role"] == "aggressor")
    assert aggressor["name"] == "Bolat Husbandov"
    assert [note["text"] for note in case["notes"]] == [None]
    assert case["summary"] is None  # written with the case's opening, for the persons it was opened with
    contact = ok(client.get(f"/api/v1/contacts/{story['contact_id']}", headers=consultant[1]))
    assert contact["caller"]["name"] == NAME  # her other id: erased on its own request


def test_retention_of_a_closed_case_erases_the_reasons_and_notes_of_everything_in_it(
        senim, client, database_url, cipher_key, consultant, supervisor, psychologist):
    story = her_whole_story(client, consultant, supervisor, psychologist)
    assert events_naming(database_url, cipher_key, SURNAME) == []

    run = senim.retention.run(now=utc_now() + AFTER_FIVE_YEARS)

    assert sum(run.erased.values()) >= 4 and sum(run.failed.values()) == 0
    boss = Actor(user_id=supervisor[0].user_id, username=supervisor[0].username, role="supervisor")
    case = senim.cases.get(UUID(story["case_id"]), actor=boss)
    assert [entry["reason"] for entry in case.history] == [None, None, None, None]
    declined = senim.referrals.get(UUID(story["referrals"][0]), actor=boss)
    assert declined.reason is declined.end_reason is declined.consent["override_reason"] is None
    participation = senim.programme.get(UUID(story["participation_id"]), actor=boss)
    assert participation.drop_out_reason is None and participation.sessions[0]["note"] is None
    assessment = senim.assessments.get(UUID(story["assessment_id"]), actor=boss)
    assert [override["reason"] for override in assessment.overrides] == [None]
