"""Group commit on PostgreSQL: concurrent commands share transactions, and nothing else changes."""
import threading

import pytest
from eventsourcing.persistence import IntegrityError

from domain.errors import Conflict
from intake.adapters.group_commit import GroupCommitter, _Request
from tests.helpers.threads import run_together
from tests.integration.test_contacts_api import a_call


@pytest.fixture
def database_url(postgres_url):
    return postgres_url  # group commit is PostgreSQL's: SQLite serialises writers by itself


def contact_fields(senim, **overrides):
    from intake.api.schemas import ContactIn
    return ContactIn().load(a_call(**overrides))


def test_concurrent_commands_each_get_their_own_committed_position(senim, consultant):
    actor, _ = consultant
    positions, errors = [], []

    def record_many():
        for _ in range(25):
            try:
                positions.append(senim.contacts.record(contact_fields(senim), actor=actor).position)
            except Exception as error:  # any failure is a test failure, reported below
                errors.append(error)

    run_together(record_many, [()] * 16)
    assert errors == []
    assert len(positions) == len(set(positions)) == 400
    stored = senim.store.recorder.select_notifications(start=min(positions), limit=1000)
    assert sorted(n.id for n in stored if n.id in set(positions)) == sorted(positions)
    committer = senim.store.group_committer
    assert committer.requests >= 400 and committer.batches <= committer.requests


def test_a_command_that_loses_a_race_fails_alone_and_the_rest_of_its_batch_commits(senim, consultant):
    from domain.contact import Contact

    actor, _ = consultant
    first = Contact.record(actor=actor, **contact_fields(senim))
    second = Contact.record(actor=actor, **contact_fields(senim))
    encode = senim.store.mapper.to_stored_event
    winner = _Request([encode(e) for e in first.collect_events()])
    bystander = _Request([encode(e) for e in second.collect_events()])
    loser = _Request(list(winner.events))  # the same aggregate and version again: a lost race
    committer = GroupCommitter(senim.store.recorder.insert_events)
    committer._write([winner, loser, bystander])
    assert winner.error is None and bystander.error is None
    assert isinstance(loser.error, IntegrityError)
    assert len(set(winner.ids) | set(bystander.ids)) == 2
    assert senim.store.repository.get(first.id).version == 1
    assert senim.store.repository.get(second.id).version == 1


def test_concurrent_amendments_of_one_contact_conflict_for_all_but_one(senim, consultant):
    actor, _ = consultant
    contact_id = senim.contacts.record(contact_fields(senim), actor=actor).id
    barrier = threading.Barrier(8)
    outcomes = []

    def amend(index):
        barrier.wait()
        try:
            senim.contacts.amend(contact_id, changes={"summary": f"version {index}"}, reason="race", actor=actor)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    run_together(amend, [(i,) for i in range(8)])
    contact = senim.store.repository.get(contact_id)
    assert outcomes.count("saved") == contact.version - 1 >= 1
    assert outcomes.count("saved") + outcomes.count("conflict") == 8
