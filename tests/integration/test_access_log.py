"""The access log: every read of a record is noted, written in batches as events, and listed to
supervisors by GET /api/v1/audit/access; on SQLite and on PostgreSQL."""
import logging
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from eventsourcing.persistence import OperationalError
from eventsourcing.utils import get_topic

from domain.access import AccessBatch
from domain.actor import Actor
from intake import create_app
from intake.adapters.store import SenimStore
from intake.bootstrap import bootstrap
from intake.services.access import AccessLog
from tests.integration.test_assessments_api import assess
from tests.integration.test_contacts_api import a_call
from tests.integration.test_referrals_api import a_referral

AUDIT = "/api/v1/audit/access"
CONTACTS = "/api/v1/contacts"
ADMIN = Actor.system("tests")
BATCH_TOPIC = get_topic(AccessBatch.Recorded)


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def record_contact(client, headers) -> str:
    created = client.post(CONTACTS, json=a_call(), headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"]


def audit(client, headers, **query) -> dict:
    response = client.get(AUDIT, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def batches_in(store) -> list:
    """Every AccessBatch event in the store, in log order."""
    notifications = store.recorder.select_notifications(start=1, limit=1_000_000, topics=[BATCH_TOPIC])
    return [store.mapper.to_domain_event(notification) for notification in notifications]


def a_user(senim, role: str) -> tuple[Actor, dict]:
    written = senim.staff.add_user(username=f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                   password="correct horse 1", actor=ADMIN)
    token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
    return senim.staff.get(written.id).as_actor(), {"Authorization": f"Bearer {token}"}


class AwayStore(SenimStore):
    """The real store, whose database can be made to stop answering writes."""

    name = SenimStore.name  # the same events table, not one of its own
    away = False

    def _record(self, processing_event):
        if self.away:
            raise OperationalError("the database is not answering")
        return super()._record(processing_event)


@pytest.fixture
def away_store(settings):
    store = AwayStore(env=settings.event_store_env())
    yield store
    store.close()


# Who read what, when, from where ----------------------------------------------------------------

def test_each_read_of_a_contact_is_listed_with_reader_role_time_and_address(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    before = datetime.now(timezone.utc)
    for _ in range(2):
        assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1], **from_address("10.0.0.7")).status_code == 200
    assert client.get(f"{CONTACTS}/{contact_id}", headers=supervisor[1], **from_address("10.0.0.9")).status_code == 200
    after = datetime.now(timezone.utc)

    entries = audit(client, supervisor[1], record_id=contact_id)["entries"]

    assert [(e["actor"]["username"], e["actor"]["role"], e["actor"]["user_id"], e["remote_addr"]) for e in entries] == [
        (supervisor[0].username, "supervisor", supervisor[0].user_id, "10.0.0.9"),
        (consultant[0].username, "consultant", consultant[0].user_id, "10.0.0.7"),
        (consultant[0].username, "consultant", consultant[0].user_id, "10.0.0.7")]
    assert {(e["kind"], e["record_id"]) for e in entries} == {("contact", contact_id)}
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert all(before <= at <= after for at in times)
    assert times == sorted(times, reverse=True), "newest first"


def test_reading_a_contacts_history_is_a_read_of_the_contact(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    assert client.get(f"{CONTACTS}/{contact_id}/history", headers=consultant[1]).status_code == 200
    [entry] = audit(client, supervisor[1], record_id=contact_id)["entries"]
    assert (entry["kind"], entry["actor"]["role"]) == ("contact", "consultant")


def test_reads_of_referrals_and_assessments_are_listed_with_their_kind(client, consultant, psychologist, supervisor):
    referral = client.post("/api/v1/referrals", json=a_referral(), headers=consultant[1]).json
    assert client.get(f"/api/v1/referrals/{referral['id']}", headers=consultant[1]).status_code == 200
    assessment = assess(client, psychologist[1]).json
    assert client.get(f"/api/v1/assessments/{assessment['id']}", headers=psychologist[1]).status_code == 200
    assert client.get(f"/api/v1/assessments/{assessment['id']}/history", headers=psychologist[1]).status_code == 200

    referrals = audit(client, supervisor[1], kind="referral")["entries"]
    assert [(e["record_id"], e["actor"]["user_id"]) for e in referrals] == [(referral["id"], consultant[0].user_id)]
    assessments = audit(client, supervisor[1], record_id=assessment["id"], kind="assessment")["entries"]
    assert [e["actor"]["role"] for e in assessments] == ["psychologist", "psychologist"]
    by_psychologist = audit(client, supervisor[1], user_id=psychologist[0].user_id)["entries"]
    assert {e["record_id"] for e in by_psychologist} == {assessment["id"]}


def test_a_journal_read_is_one_entry_naming_the_service(client, consultant, supervisor):
    record_contact(client, consultant[1])
    assert client.get("/api/v1/journals/helpline?format=csv", headers=supervisor[1]).status_code == 200
    [entry] = audit(client, supervisor[1], kind="journal")["entries"]
    assert (entry["record_id"], entry["actor"]["role"]) == ("helpline", "supervisor")


def test_a_refused_read_is_listed_as_refused_with_who_when_and_where(client, consultant, make_user, supervisor):
    contact_id = record_contact(client, consultant[1])
    other, other_headers = make_user("consultant")
    assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1]).status_code == 200
    before = datetime.now(timezone.utc)
    assert client.get(f"{CONTACTS}/{contact_id}", headers=other_headers, **from_address("10.0.0.66")).status_code == 403
    after = datetime.now(timezone.utc)
    assert client.get(f"{CONTACTS}/{uuid.uuid4()}", headers=other_headers).status_code == 404  # nothing to refuse

    refused, allowed = audit(client, supervisor[1], kind="contact")["entries"]

    assert (refused["outcome"], refused["record_id"], refused["remote_addr"]) == ("refused", contact_id, "10.0.0.66")
    assert refused["actor"] == {"user_id": other.user_id, "username": other.username, "role": "consultant"}
    assert before <= datetime.fromisoformat(refused["at"]) <= after
    assert (allowed["outcome"], allowed["actor"]["user_id"]) == ("allowed", consultant[0].user_id)


def test_the_outcome_filter_lists_only_refusals_or_only_reads(client, consultant, make_user, supervisor):
    contact_id = record_contact(client, consultant[1])
    other, other_headers = make_user("consultant")
    assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1]).status_code == 200
    assert client.get(f"{CONTACTS}/{contact_id}/history", headers=other_headers).status_code == 403
    assert client.get(f"/api/v1/cases/{uuid.uuid4()}/history", headers=other_headers).status_code == 403  # role

    refused = audit(client, supervisor[1], outcome="refused")["entries"]
    allowed = audit(client, supervisor[1], outcome="allowed", kind="contact")["entries"]

    assert [(e["kind"], e["actor"]["user_id"]) for e in refused] == [("case", other.user_id), ("contact", other.user_id)]
    assert {e["outcome"] for e in refused} == {"refused"}
    assert [(e["record_id"], e["outcome"]) for e in allowed] == [(contact_id, "allowed")]
    answer = client.get(AUDIT, query_string={"outcome": "maybe"}, headers=supervisor[1])
    assert answer.status_code == 422 and "outcome" in answer.json["errors"]


def test_entries_written_before_outcomes_were_noted_read_as_allowed(client, senim, consultant, supervisor):
    """An AccessBatch event as the previous version wrote it: entries without an outcome."""
    old_entry = {"kind": "contact", "record_id": str(uuid.uuid4()), "user_id": consultant[0].user_id,
                 "username": consultant[0].username, "role": "consultant",
                 "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"), "remote_addr": "10.0.0.5"}
    senim.store.commit(AccessBatch(entries=[old_entry], actor=Actor.system("access-log").as_dict()))

    [entry] = audit(client, supervisor[1], record_id=old_entry["record_id"])["entries"]
    assert entry["outcome"] == "allowed"
    assert audit(client, supervisor[1], record_id=old_entry["record_id"], outcome="refused")["entries"] == []


def test_reading_the_access_log_is_itself_listed(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    audit(client, supervisor[1], record_id=contact_id)
    [entry] = audit(client, supervisor[1], record_id=contact_id)["entries"]
    assert (entry["kind"], entry["actor"]["username"]) == ("audit", supervisor[0].username)
    audit(client, supervisor[1])
    assert audit(client, supervisor[1], kind="audit", limit=1)["entries"][0]["record_id"] == "all"


# Filters and pages --------------------------------------------------------------------------------

def test_pages_follow_the_cursor_newest_first_without_repeats(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    for _ in range(5):
        client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1])
    seen, cursor = [], None
    for expected in (2, 2, 1):
        page = audit(client, supervisor[1], record_id=contact_id, kind="contact", limit=2,
                     **({"cursor": cursor} if cursor else {}))
        assert len(page["entries"]) == expected
        seen += [(e["position"], e["seq"]) for e in page["entries"]]
        cursor = page["next_cursor"]
    assert seen == sorted(set(seen), reverse=True) and len(seen) == 5


def test_from_and_to_narrow_by_the_time_of_the_read(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1])
    now = datetime.now(timezone.utc)
    hour = timedelta(hours=1)
    inside = {"from": (now - hour).isoformat(), "to": (now + hour).isoformat()}
    assert len(audit(client, supervisor[1], record_id=contact_id, kind="contact", **inside)["entries"]) == 1
    later = {"from": (now + hour).isoformat()}
    assert audit(client, supervisor[1], record_id=contact_id, kind="contact", **later)["entries"] == []
    yesterday = (now - timedelta(days=2)).date().isoformat()
    assert audit(client, supervisor[1], record_id=contact_id, kind="contact", to=yesterday)["entries"] == []


def test_only_supervisors_read_the_access_log(client, consultant, psychologist, make_user):
    _, admin = make_user("admin")
    for headers in (consultant[1], psychologist[1], admin):
        response = client.get(AUDIT, headers=headers)
        assert response.status_code == 403 and response.content_type == "application/problem+json"
    assert client.get(AUDIT).status_code == 401


@pytest.mark.parametrize("query, field", [
    ({"record_id": "not-a-uuid"}, "record_id"),
    ({"user_id": "42"}, "user_id"),
    ({"from": "2025-02-30"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2025-03-02", "to": "2025-03-01"}, "to"),
    ({"limit": "0"}, "limit"),
    ({"limit": "1001"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"kind": "contacts"}, "kind"),
    ({"cursor": "12;drop"}, "cursor"),
    ({"min_position": "99999999"}, "min_position"),
])
def test_a_bad_query_is_refused_naming_the_field(client, supervisor, query, field):
    response = client.get(AUDIT, query_string=query, headers=supervisor[1])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


# Written as events, in batches --------------------------------------------------------------------

def test_many_reads_become_few_events(client, senim, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    for _ in range(60):
        assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1]).status_code == 200
    senim.access.flush()
    [batch] = batches_in(senim.store)
    assert len(batch.entries) == 60
    for _ in range(1_200):
        senim.access.record(consultant[0], "contact", contact_id, remote_addr="10.0.0.7")
    senim.access.flush()
    assert [len(b.entries) for b in batches_in(senim.store)] == [60, 500, 500, 200]


def test_entries_survive_closing_the_app_and_are_events_in_the_store(settings):
    senim = bootstrap(settings)
    client = create_app(settings, senim=senim).test_client()
    consultant, headers = a_user(senim, "consultant")
    contact_id = record_contact(client, headers)
    client.get(f"{CONTACTS}/{contact_id}", headers=headers, **from_address("192.0.2.4"))
    senim.close()  # no flush asked for: closing writes what is buffered

    reopened = bootstrap(settings)
    try:
        [batch] = batches_in(reopened.store)
        [entry] = batch.entries
        assert {key: entry[key] for key in ("kind", "record_id", "user_id", "username", "role", "remote_addr")} == {
            "kind": "contact", "record_id": contact_id, "user_id": consultant.user_id,
            "username": consultant.username, "role": "consultant", "remote_addr": "192.0.2.4"}
        _, supervisor = a_user(reopened, "supervisor")
        client = create_app(settings, senim=reopened).test_client()
        [listed] = audit(client, supervisor, record_id=contact_id)["entries"]
        assert listed["actor"]["username"] == consultant.username
        # The table is a projection: dropped and rebuilt from the events, it lists the same.
        reopened.projections.rebuild("access_log")
        assert [e["at"] for e in audit(client, supervisor, record_id=contact_id, kind="contact")["entries"]] == [
            listed["at"]]
    finally:
        reopened.close()


def test_the_flusher_writes_within_its_interval_without_being_asked(senim, consultant):
    access = AccessLog(senim.store, flush_seconds=0.1)
    try:
        access.record(consultant[0], "contact", uuid.uuid4(), remote_addr="10.0.0.7")
        deadline = time.monotonic() + 5
        while not batches_in(senim.store) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(batches_in(senim.store)) == 1 and access.pending == 0
    finally:
        access.close()


def test_the_flusher_writes_early_once_a_batch_is_waiting(senim, consultant):
    access = AccessLog(senim.store, flush_seconds=60, batch_entries=10)
    try:
        for _ in range(10):
            access.record(consultant[0], "contact", uuid.uuid4())
        deadline = time.monotonic() + 5
        while not batches_in(senim.store) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [len(b.entries) for b in batches_in(senim.store)] == [10]
    finally:
        access.close()


# When the database is away ------------------------------------------------------------------------

def test_a_read_never_fails_when_the_access_log_cannot_be_written(client, senim, consultant, supervisor, away_store,
                                                                  caplog):
    contact_id = record_contact(client, consultant[1])
    senim.access = AccessLog(away_store, background=False)
    away_store.away = True
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1],
                              **from_address("10.0.0.7")).status_code == 200
        assert senim.access.flush() == 0
    assert senim.access.pending == 3 and senim.access.failed_flushes == 1
    assert "3 read entries" in caplog.text
    for personal in (consultant[0].username, consultant[0].user_id, contact_id, "10.0.0.7"):
        assert personal not in caplog.text

    away_store.away = False  # the database is back: the kept entries are written, none lost
    listed = audit(client, supervisor[1], record_id=contact_id, kind="contact")
    assert len(listed["entries"]) == 3 and listed["pending"] == 0
    senim.access.close()


def test_a_read_never_fails_when_the_store_is_closed(client, senim, consultant, settings):
    contact_id = record_contact(client, consultant[1])
    closed = SenimStore(env=settings.event_store_env())
    closed.close()
    senim.access = AccessLog(closed, flush_seconds=0.05)
    assert client.get(f"{CONTACTS}/{contact_id}", headers=consultant[1]).status_code == 200
    senim.access.flush()
    senim.access.close()
    assert senim.access.pending == 1


def test_a_full_buffer_drops_the_oldest_and_says_only_how_many(senim, consultant, away_store, caplog):
    access = AccessLog(away_store, background=False, max_buffered=5)
    away_store.away = True
    ids = [str(uuid.uuid4()) for _ in range(8)]
    with caplog.at_level(logging.WARNING):
        for record_id in ids:
            access.record(consultant[0], "contact", record_id, remote_addr="10.0.0.7")
        access.flush()
    assert (access.pending, access.dropped) == (5, 3)
    assert "3 read entries were dropped" in caplog.text
    assert not any(record_id in caplog.text for record_id in ids)
    away_store.away = False
    access.close()
    [batch] = batches_in(senim.store)
    assert [entry["record_id"] for entry in batch.entries] == ids[3:], "the newest are kept, in order"


def test_behind_a_trusted_proxy_the_clients_address_is_recorded_not_the_proxys(settings, consultant, supervisor):
    from dataclasses import replace
    senim = bootstrap(replace(settings, trusted_proxies=1))
    try:
        client = create_app(senim.settings, senim=senim).test_client()
        staff = a_user(senim, "consultant")[1]
        contact_id = record_contact(client, staff)
        client.get(f"{CONTACTS}/{contact_id}", headers={**staff, "X-Forwarded-For": "203.0.113.9"},
                   **from_address("10.0.0.2"))
        entries = audit(client, a_user(senim, "supervisor")[1], record_id=contact_id)["entries"]
        assert [entry["remote_addr"] for entry in entries] == ["203.0.113.9"]
    finally:
        senim.close()


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client, consultant, supervisor):
    contact_id = record_contact(client, consultant[1])
    client.get(f"{CONTACTS}/{contact_id}", headers={**consultant[1], "X-Forwarded-For": "203.0.113.9"},
               **from_address("10.0.0.2"))
    entries = audit(client, supervisor[1], record_id=contact_id)["entries"]
    assert [entry["remote_addr"] for entry in entries] == ["10.0.0.2"]


# Every refused read of a record, whichever check refused it ---------------------------------------

RECORD_PLACEHOLDERS = {"{contact_id}": "contact", "{case_id}": "case", "{referral_id}": "referral",
                       "{assessment_id}": "assessment", "{participation_id}": "programme", "{service}": "journal",
                       "{conference_id}": "conference", "{group_id}": "group", "{training_id}": "training"}


def refused_record_of(world, template: str) -> tuple[str, str] | None:
    """(kind, record id) the access log should note for a refused GET of this path, if it names a record."""
    if template.startswith("/api/v1/audit/access"):
        return "audit", "all"
    for placeholder, kind in RECORD_PLACEHOLDERS.items():
        if placeholder in template:
            return kind, world.path(placeholder)
    return None


def test_every_refused_read_of_the_permission_matrix_is_in_the_access_log(client, make_user, supervisor):
    """Refused by role (up front) or by the record (who may see it): each 403 on a record is one entry."""
    from tests.integration.test_permission_matrix import MATRIX, ROLES, World

    world = World(client, make_user)
    expected = Counter()
    for (method, template), (expectations, _) in MATRIX.items():
        if method != "GET":
            continue
        for role in ROLES:
            response = client.get(world.path(template), headers=world.headers[role])
            if expectations[role] in (401, 403):
                assert response.status_code == expectations[role], (template, role)
            else:
                assert response.status_code in (200, 404), (template, role)  # 404: an erasure not yet asked for
            record = refused_record_of(world, template)
            if response.status_code == 403 and record is not None:
                expected[(world.ids[role], *record)] += 1
    assert len(expected) > 20  # every record kind, refused to several roles

    entries = audit(client, supervisor[1], outcome="refused", limit=1000)["entries"]
    assert Counter((e["actor"]["user_id"], e["kind"], e["record_id"]) for e in entries) == expected
