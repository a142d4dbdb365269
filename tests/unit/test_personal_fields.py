"""Sealing personal fields per data subject, on the mapper alone with an in-memory keyring (no I/O)."""
import os
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from eventsourcing.utils import get_topic, resolve_topic

from domain.actor import Actor
from domain.contact import Contact
from domain.personal import PERSONAL_FIELDS
from domain.phone import normalise_phone, phone_problem
from intake.adapters.keyring import Keyring, SubjectErased, subject_text
from intake.adapters.personal import PersonalDataError, PersonalMapper, is_sealed
from tests.helpers.events import replay

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=timezone.utc)
CONSULTANT = Actor(user_id=str(uuid4()), username="aigerim", role="consultant")
NAME, PHONE, SUMMARY = "Gulnara Sealtest", "+7 701 555 12 34", "Sealtest: he threatens her."


class MemoryKeyring(Keyring):
    """The keyring's interface over a dict: keys made on first use, destroyed for good."""

    def __init__(self):
        super().__init__(db=None)
        self.stored: dict[str, bytes] = {}
        self.destroyed: set[str] = set()
        self.lookups = 0

    def key_for_sealing(self, subject_id, kind):
        subject = subject_text(subject_id)
        if subject in self.destroyed:
            raise SubjectErased()
        return self.stored.setdefault(subject, os.urandom(32))

    def key_for_opening(self, subject_id):
        self.lookups += 1
        return self.stored.get(subject_text(subject_id))

    def destroy(self, subject_id, kind):
        self.stored.pop(subject_text(subject_id), None)
        self.destroyed.add(subject_text(subject_id))


@pytest.fixture
def keyring():
    return MemoryKeyring()


@pytest.fixture
def mapper(keyring):
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    return PersonalMapper(transcoder=transcoder, keyring=keyring)


def a_contact() -> Contact:
    return Contact.record(actor=CONSULTANT, now=NOW, service="helpline", channel="phone",
                          started_at=NOW - timedelta(minutes=20), contact_type="counselling",
                          caller={"role": "victim", "name": NAME, "phone": PHONE, "phone_hash": "ab" * 32},
                          summary=SUMMARY)


def test_every_registered_topic_of_an_existing_event_class_resolves():
    for topic in PERSONAL_FIELDS:
        module = topic.split(":")[0]
        try:
            __import__(module)
        except ImportError:
            continue  # registered ahead of its class, on purpose
        assert get_topic(resolve_topic(topic)) == topic


def test_personal_fields_are_stored_sealed_and_read_back(mapper):
    contact = a_contact()
    event = contact.collect_events()[0]
    stored = mapper.to_stored_event(event)
    for text in (NAME, PHONE, SUMMARY, "ab" * 32):
        assert text.encode() not in stored.state
    assert event.caller["name"] == NAME and event.summary == SUMMARY  # the event itself is left as it was
    read = mapper.to_domain_event(stored)
    assert (read.caller["name"], read.caller["phone"], read.summary) == (NAME, PHONE, SUMMARY)
    assert read.caller["role"] == "victim" and read.caller["person_id"] == contact.person_id


def test_a_destroyed_key_reads_as_none_and_the_rest_still_reads(mapper, keyring):
    contact = a_contact()
    contact.amend(changes={"caller": {"address": "Sealtest street"}, "summary": "More"}, reason="Called back",
                  actor=CONSULTANT, now=NOW)
    stored = [mapper.to_stored_event(event) for event in contact.collect_events()]
    keyring.destroy(contact.person_id, "person")
    events = [mapper.to_domain_event(each) for each in stored]
    assert events[0].caller["name"] is None and events[0].summary is None
    assert events[1].changes == {"caller": {"address": None}, "summary": None}
    replayed = replay(events)
    assert replayed.fields["caller"]["role"] == "victim" and replayed.fields["summary"] is None


def test_read_models_get_none_without_any_key_look_up(mapper, keyring):
    stored = mapper.to_stored_event(a_contact().collect_events()[0])
    event = mapper.to_domain_event_without_personal_fields(stored)
    assert event.caller["name"] is None and event.summary is None and keyring.lookups == 0


def test_an_erased_subject_takes_no_new_personal_data_but_other_changes(mapper, keyring):
    contact = a_contact()
    mapper.to_stored_event(contact.collect_events()[0])
    keyring.destroy(contact.person_id, "person")
    contact.amend(changes={"channel": "whatsapp"}, reason="Wrong channel", actor=CONSULTANT, now=NOW)
    mapper.to_stored_event(contact.collect_events()[0])
    contact.amend(changes={"caller": {"name": "Another"}}, reason="Again", actor=CONSULTANT, now=NOW)
    with pytest.raises(SubjectErased):
        mapper.to_stored_event(contact.collect_events()[0])


def test_an_amendment_written_before_subject_ids_still_reads_and_replays(mapper):
    contact = a_contact()
    contact.amend(changes={"channel": "whatsapp"}, reason="Wrong channel", actor=CONSULTANT, now=NOW)
    recorded, amended = contact.collect_events()
    old_amended = object.__new__(type(amended))
    object.__setattr__(old_amended, "__dict__", {k: v for k, v in vars(amended).items() if k != "subject_id"})
    events = [mapper.to_domain_event(mapper.to_stored_event(event)) for event in (recorded, old_amended)]
    assert not hasattr(events[1], "subject_id")
    assert replay(events).fields["channel"] == "whatsapp"


def test_personal_values_without_a_subject_are_refused(mapper):
    contact = a_contact()
    contact.amend(changes={"summary": "More"}, reason="Called back", actor=CONSULTANT, now=NOW)
    amended = contact.collect_events()[1]
    orphan = object.__new__(type(amended))
    object.__setattr__(orphan, "__dict__", {**vars(amended), "subject_id": None})
    with pytest.raises(PersonalDataError):
        mapper.to_stored_event(orphan)


def test_a_tampered_sealed_value_reads_as_none(mapper):
    stored = mapper.to_stored_event(a_contact().collect_events()[0])
    state = mapper.transcoder.decode(stored.state)
    assert is_sealed(state["summary"])
    state["summary"]["v"] = state["summary"]["v"][:-4] + ("AAAA" if not state["summary"]["v"].endswith("AAAA")
                                                         else "BBBB")
    tampered = type(stored)(originator_id=stored.originator_id, originator_version=stored.originator_version,
                            topic=stored.topic, state=mapper.transcoder.encode(state))
    assert mapper.to_domain_event(tampered).summary is None


def test_the_person_id_is_random_and_cannot_be_amended():
    first, second = a_contact(), a_contact()
    assert first.person_id != second.person_id
    with pytest.raises(Exception, match="cannot be amended"):
        first.amend(changes={"caller": {"person_id": uuid4()}}, reason="x", actor=CONSULTANT, now=NOW)


@pytest.mark.parametrize("typed", ["8 701 555 12 34", "+7 (701) 555-12-34", "87015551234", "77015551234",
                                   "7015551234", "+77015551234", " 8-701-555-1234 "])
def test_kazakh_numbers_are_one_number_however_typed(typed):
    assert normalise_phone(typed) == "+77015551234"


@pytest.mark.parametrize("typed, problem", [("call me", "digits"), ("12-34", "5 to 20"), ("+7 701 555 12 34", None),
                                            ("(727) 250-00-00", None), ("1" * 21, "5 to 20")])
def test_phone_numbers_are_checked_loosely(typed, problem):
    found = phone_problem(typed)
    assert (found is None) if problem is None else (problem in found)


# Free text sealed for several subjects (domain/personal.py `also`) -------------------------------

def a_case_with_two_persons():
    from domain.case import Case
    case = Case.open(actor=CONSULTANT, summary="Sealtest family", now=NOW)
    victim = case.add_person(role="victim", name=NAME, actor=CONSULTANT, now=NOW)
    aggressor = case.add_person(role="aggressor", name="Bolat Sealtest", actor=CONSULTANT, now=NOW)
    return case, victim, aggressor


def test_a_note_is_sealed_for_the_case_and_every_person_and_erased_with_any_one(mapper, keyring):
    case, victim, aggressor = a_case_with_two_persons()
    for event in case.collect_events():
        mapper.to_stored_event(event)
    case.add_note(text=f"Sealtest: {NAME} came with bruises", actor=CONSULTANT, now=NOW)
    stored = mapper.to_stored_event(case.collect_events()[0])
    sealed = mapper.transcoder.decode(stored.state)["text"]
    assert is_sealed(sealed) and sealed["__sealed__"] == str(case.id)
    assert sealed["also"] == [str(victim), str(aggressor)] and b"Sealtest" not in stored.state
    assert mapper.to_domain_event(stored).text == f"Sealtest: {NAME} came with bruises"

    keyring.destroy(aggressor, "person")
    assert mapper.to_domain_event(stored).text is None


def test_text_written_after_a_persons_erasure_is_sealed_for_the_others(mapper, keyring):
    case, victim, aggressor = a_case_with_two_persons()
    for event in case.collect_events():
        mapper.to_stored_event(event)
    keyring.destroy(victim, "person")
    case.close(reason="Sealtest: work done", actor=CONSULTANT, now=NOW)
    stored = mapper.to_stored_event(case.collect_events()[0])
    assert mapper.transcoder.decode(stored.state)["reason"]["also"] == [str(aggressor)]
    assert mapper.to_domain_event(stored).reason == "Sealtest: work done"
    keyring.destroy(case.id, "case")
    assert mapper.to_domain_event(stored).reason is None


def test_a_reason_written_before_reasons_were_sealed_reads_as_it_was(mapper):
    from domain.case import Case
    case = Case.open(actor=CONSULTANT, now=NOW)
    case.close(reason="Old reason", actor=CONSULTANT, now=NOW)
    opened, closed = case.collect_events()
    old = object.__new__(type(closed))
    object.__setattr__(old, "__dict__", {k: v for k, v in vars(closed).items() if k != "sealed_for"})
    plain = mapper.personal_fields
    mapper.personal_fields = {}  # written by the old code: nothing sealed
    try:
        stored = [mapper.to_stored_event(event) for event in (opened, old)]
    finally:
        mapper.personal_fields = plain
    events = [mapper.to_domain_event(event) for event in stored]
    assert events[1].reason == "Old reason" and replay(events).history[-1]["reason"] == "Old reason"


def test_a_case_summary_is_sealed_for_the_persons_the_case_is_opened_with(mapper, keyring):
    from domain.case import Case
    victim = uuid4()
    case = Case.open(actor=CONSULTANT, summary=f"Sealtest: {NAME} and her son", concerning=[victim], now=NOW)
    assert case.add_person(role="victim", name=NAME, actor=CONSULTANT, now=NOW, person_id=victim) == victim
    opened, added = [mapper.to_stored_event(event) for event in case.collect_events()]
    assert mapper.transcoder.decode(opened.state)["summary"]["also"] == [str(victim)]
    assert mapper.to_domain_event(opened).summary == f"Sealtest: {NAME} and her son"
    keyring.destroy(victim, "person")
    assert mapper.to_domain_event(opened).summary is None and mapper.to_domain_event(added).name is None
