"""Retention: the periodic job shreds closed cases and old non-data contacts once their period is over;
on SQLite and on PostgreSQL. Time is injected (`now=`), never slept through: everything here is recorded
now and the job is run as if years had passed."""
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.clock import utc_now
from domain.retention import CLOSED_CASES, NON_DATA_CONTACTS
from intake.bootstrap import bootstrap
from intake.config import Settings
from intake.services.retention import RETENTION_ACTOR, RUN_KEY, AtMostHourly

YEAR = timedelta(days=366)
AFTER_FIVE_YEARS = 5 * YEAR + timedelta(days=2)
AFTER_91_DAYS = timedelta(days=91)
CASE_REASON = "retention: case closed more than 5 years ago"
CONTACT_REASON = "retention: non-data contact (silent, prank, wrong number…) started more than 90 days ago"


@pytest.fixture
def staff(make_user):
    return make_user("consultant")[0], make_user("supervisor")[0]


def a_contact(contact_type: str = "counselling", *, name: str, case_id=None, **overrides) -> dict:
    body = {"service": "helpline", "channel": "phone", "started_at": utc_now() - timedelta(hours=1),
            "contact_type": contact_type, "caller": {"role": "victim", "name": name, "phone": "+7 701 555 12 34"},
            "summary": f"Summary of {name}", "case_id": case_id}
    body.update(overrides)
    return body


def a_case(senim, consultant, label: str) -> dict:
    """A case with a summary, two persons, a note and a contact of its own; plus a contact that left it."""
    case_id = senim.cases.open({"summary": f"{label} summary", "persons": [
        {"role": "victim", "name": f"{label} Victim", "phone": "+7 702 000 11 22", "address": f"{label} street"},
        {"role": "aggressor", "name": f"{label} Aggressor"}]}, actor=consultant).id
    senim.cases.add_note(case_id, text=f"{label} note", actor=consultant)
    contact_id = senim.contacts.record(a_contact(name=f"{label} Caller", case_id=case_id), actor=consultant).id
    left_id = senim.contacts.record(a_contact(name=f"{label} Left", case_id=case_id), actor=consultant).id
    senim.contacts.amend(left_id, changes={"case_id": None}, reason="Belongs to no case", actor=consultant)
    return {"id": case_id, "contact_id": contact_id, "left_id": left_id}


def closed_case(senim, consultant, label: str) -> dict:
    case = a_case(senim, consultant, label)
    senim.cases.close(case["id"], reason="Work finished", actor=consultant)
    return case


def caller_name(senim, contact_id, supervisor) -> str | None:
    return senim.contacts.get(contact_id, actor=supervisor).fields["caller"].get("name")


def subjects_of(senim, case_id, supervisor) -> list[str]:
    case = senim.cases.get(case_id, actor=supervisor)
    return [str(case_id), *(str(person_id) for person_id in case.persons)]


def erasure_count(senim) -> int:
    return sum(1 for notification in senim.store.recorder.select_notifications(start=1, limit=1_000_000)
               if notification.topic.startswith("domain.erasure:"))


def test_a_case_closed_longer_than_the_period_is_shredded_and_the_numbers_stay(
        senim, client, staff, supervisor):
    consultant, boss = staff
    case = closed_case(senim, consultant, "Oldcase")
    year = utc_now().year
    query = f"/api/v1/stats/contacts?group_by=contact_type,gender&from={year - 1}-01-01"
    before = client.get(f"{query}&min_position={senim.store.head()}", headers=supervisor[1]).json

    run = senim.retention.run(now=utc_now() + AFTER_FIVE_YEARS)

    assert (run.due, run.erased, run.skipped, run.failed) == (
        {CLOSED_CASES: 4, NON_DATA_CONTACTS: 0}, {CLOSED_CASES: 4, NON_DATA_CONTACTS: 0},
        {CLOSED_CASES: 0, NON_DATA_CONTACTS: 0}, {CLOSED_CASES: 0, NON_DATA_CONTACTS: 0})
    shredded = senim.cases.get(case["id"], actor=boss)
    assert shredded.summary is None and [note["text"] for note in shredded.notes] == [None]
    assert [(p["role"], p["name"], p["phone"], p["address"]) for p in shredded.persons.values()] == [
        ("victim", None, None, None), ("aggressor", None, None, None)]
    # The closing reason may name anyone of the case: it goes with the case.
    assert shredded.status == "closed" and [h["reason"] for h in shredded.history] == [None, None]
    contact = senim.contacts.get(case["contact_id"], actor=boss)
    assert contact.fields["caller"].get("name") is contact.fields["caller"].get("phone") is contact.fields[
        "summary"] is None
    assert contact.fields["contact_type"] == "counselling" and senim.contacts.is_erased(contact)
    assert caller_name(senim, case["left_id"], boss) == "Oldcase Left"  # amended out of the case: kept

    subjects = [*subjects_of(senim, case["id"], boss), str(contact.person_id)]
    for subject_id in subjects:
        erasure = senim.erasure.get(UUID(subject_id))
        assert erasure.reason == CASE_REASON
        assert erasure.performed_by == RETENTION_ACTOR.as_dict() == {
            "user_id": None, "username": "retention", "role": "system"}
    assert {senim.erasure.get(UUID(s)).kind for s in subjects} == {"case", "person"}
    after = client.get(f"{query}&min_position={senim.store.head()}", headers=supervisor[1]).json
    assert after == before and after["total"] == 2


def test_a_case_closed_within_the_period_or_reopened_since_is_kept(senim, staff):
    consultant, boss = staff
    recent = closed_case(senim, consultant, "Recent")
    reopened = closed_case(senim, consultant, "Reopened")
    senim.cases.reopen(reopened["id"], reason="She called again", actor=consultant)
    still_open = a_case(senim, consultant, "Open")
    head = senim.store.head()

    assert senim.retention.run(now=utc_now() + 4 * YEAR).total("due") == 0
    assert senim.retention.run(now=utc_now() + 4 * YEAR + timedelta(days=300)).total("erased") == 0
    assert senim.store.head() == head

    # Six years on, only the case closed (not reopened) then is due.
    run = senim.retention.run(now=utc_now() + 6 * YEAR)
    assert run.erased == {CLOSED_CASES: 4, NON_DATA_CONTACTS: 0}
    assert senim.cases.get(recent["id"], actor=boss).summary is None
    for kept, label in ((reopened, "Reopened"), (still_open, "Open")):
        case = senim.cases.get(kept["id"], actor=boss)
        assert case.summary == f"{label} summary" and case.notes[0]["text"] == f"{label} note"
        assert [p["name"] for p in case.persons.values()] == [f"{label} Victim", f"{label} Aggressor"]
        assert caller_name(senim, kept["contact_id"], boss) == f"{label} Caller"


def test_a_non_data_contact_older_than_the_period_loses_its_callers_data_and_a_data_contact_keeps_it(
        senim, staff):
    consultant, boss = staff
    silent = senim.contacts.record(a_contact("silent", name="Silent Caller"), actor=consultant).id
    prank = senim.contacts.record(a_contact("counselling", name="Prank Caller"), actor=consultant).id
    senim.contacts.amend(prank, changes={"contact_type": "prank"}, reason="It was a prank", actor=consultant)
    counselling = senim.contacts.record(a_contact("counselling", name="Data Caller"), actor=consultant).id
    case_id = senim.cases.open({"summary": "Open case"}, actor=consultant).id
    in_open_case = senim.contacts.record(a_contact("repeat_caller", name="Case Caller", case_id=case_id),
                                         actor=consultant).id

    assert senim.retention.run(now=utc_now() + timedelta(days=89)).total("due") == 0
    run = senim.retention.run(now=utc_now() + AFTER_91_DAYS)

    assert run.erased == {CLOSED_CASES: 0, NON_DATA_CONTACTS: 2}
    for contact_id in (silent, prank):
        contact = senim.contacts.get(contact_id, actor=boss)
        assert contact.fields["caller"].get("name") is contact.fields["caller"].get("phone") is None
        assert contact.fields["summary"] is None and contact.fields["caller"]["role"] == "victim"
        erasure = senim.erasure.get(contact.person_id)
        assert (erasure.reason, erasure.kind, erasure.performed_by["username"]) == (
            CONTACT_REASON, "person", "retention")
    assert caller_name(senim, counselling, boss) == "Data Caller"
    assert caller_name(senim, in_open_case, boss) == "Case Caller"  # kept as long as its case


def test_a_second_run_does_nothing(senim, staff):
    consultant, _ = staff
    closed_case(senim, consultant, "Twice")
    senim.contacts.record(a_contact("wrong_number", name="Wrong Number"), actor=consultant)
    later = utc_now() + AFTER_FIVE_YEARS
    assert senim.retention.run(now=later).total("erased") == 5
    head, erasures = senim.store.head(), erasure_count(senim)

    again = senim.retention.run(now=later + timedelta(hours=1))

    assert (again.total("due"), again.total("erased"), again.total("skipped"), again.total("failed")) == (0, 0, 0, 0)
    assert senim.store.head() == head and erasures == erasure_count(senim) == 5


def test_off_disables_a_rule(senim, staff):
    consultant, boss = staff
    case = closed_case(senim, consultant, "Offcase")
    silent = senim.contacts.record(a_contact("silent", name="Off Caller"), actor=consultant).id
    later = utc_now() + AFTER_FIVE_YEARS
    senim.retention.rules[CLOSED_CASES] = None  # SENIM_RETENTION_CLOSED_CASES=off

    run = senim.retention.run(now=later)

    assert run.rules[CLOSED_CASES] is None and CLOSED_CASES not in run.due
    assert run.erased == {NON_DATA_CONTACTS: 1}
    assert senim.cases.get(case["id"], actor=boss).summary == "Offcase summary"
    assert caller_name(senim, silent, boss) is None
    senim.retention.rules[NON_DATA_CONTACTS] = None
    head = senim.store.head()
    assert senim.retention.run(now=later).due == {} and senim.store.head() == head


def test_a_changed_period_applies_to_what_was_recorded_before(senim, staff):
    consultant, boss = staff
    silent = senim.contacts.record(a_contact("hang_up", name="Early Caller"), actor=consultant).id
    senim.retention.rules[NON_DATA_CONTACTS] = Settings.from_env(
        {"SENIM_RETENTION_NON_DATA_CONTACTS": "1m"}).retention_non_data_contacts
    assert senim.retention.run(now=utc_now() + timedelta(days=32)).erased[NON_DATA_CONTACTS] == 1
    assert caller_name(senim, silent, boss) is None


def test_a_subject_erased_by_hand_or_meanwhile_is_skipped_quietly(senim, staff, monkeypatch, caplog):
    consultant, boss = staff
    case = closed_case(senim, consultant, "Race")
    victim = next(iter(senim.cases.get(case["id"], actor=boss).persons))
    senim.erasure.erase_subject(victim, "The person asked to be forgotten", boss)  # no key left: not due
    real = senim.erasure.erase_subject
    raced = []

    def erased_meanwhile(subject_id, reason, actor, **options):
        if not raced:  # a supervisor erases this one between the job's look-up and its erasure
            raced.append(subject_id)
            real(subject_id, "The person asked to be forgotten", boss, **options)
        return real(subject_id, reason, actor, **options)

    monkeypatch.setattr(senim.erasure, "erase_subject", erased_meanwhile)
    with caplog.at_level("DEBUG"):
        run = senim.retention.run(now=utc_now() + AFTER_FIVE_YEARS)

    assert (run.due[CLOSED_CASES], run.erased[CLOSED_CASES], run.skipped[CLOSED_CASES]) == (3, 2, 1)
    assert run.failed[CLOSED_CASES] == 0
    assert "409" not in caplog.text and "erased already" not in caplog.text
    assert senim.erasure.get(victim).reason == "The person asked to be forgotten"
    assert senim.erasure.get(UUID(str(raced[0]))).performed_by["role"] == "supervisor"
    assert senim.cases.get(case["id"], actor=boss).summary is None


def test_one_failure_stops_nothing_and_logs_no_personal_data(senim, staff, monkeypatch, caplog):
    consultant, boss = staff
    case = closed_case(senim, consultant, "Qyzfail")
    real = senim.erasure.erase_subject
    failed = []

    def failing_once(subject_id, reason, actor, **options):
        if not failed:
            failed.append(subject_id)
            raise RuntimeError("the database went away for a moment")
        return real(subject_id, reason, actor, **options)

    monkeypatch.setattr(senim.erasure, "erase_subject", failing_once)
    later = utc_now() + AFTER_FIVE_YEARS
    with caplog.at_level("DEBUG", logger="intake.services.retention"):
        run = senim.retention.run(now=later)

    assert (run.erased[CLOSED_CASES], run.failed[CLOSED_CASES]) == (3, 1)
    assert "erasing a" in caplog.text and "RuntimeError" in caplog.text
    assert "Qyzfail" not in caplog.text and "+7 70" not in caplog.text
    again = senim.retention.run(now=later)  # the next run takes the one that failed
    assert (again.due[CLOSED_CASES], again.erased[CLOSED_CASES], again.failed[CLOSED_CASES]) == (1, 1, 0)
    assert senim.cases.get(case["id"], actor=boss).summary is None


def test_a_run_erases_a_bounded_batch_and_the_next_run_the_rest(senim, staff):
    consultant, _ = staff
    for index in range(3):
        senim.contacts.record(a_contact("silent", name=f"Batch {index}"), actor=consultant)
    later = utc_now() + AFTER_91_DAYS
    first = senim.retention.run(now=later, limit=2)
    assert (first.due[NON_DATA_CONTACTS], first.erased[NON_DATA_CONTACTS]) == (3, 2)
    second = senim.retention.run(now=later, limit=2)
    assert (second.due[NON_DATA_CONTACTS], second.erased[NON_DATA_CONTACTS]) == (1, 1)


def test_a_dry_run_counts_and_changes_nothing(senim, staff):
    consultant, boss = staff
    closed_case(senim, consultant, "Dry")
    silent = senim.contacts.record(a_contact("silent", name="Dry Caller"), actor=consultant).id
    senim.projections.catch_up("retention")
    head = senim.store.head()
    run = senim.retention.run(now=utc_now() + AFTER_FIVE_YEARS, dry_run=True)
    assert run.due == {CLOSED_CASES: 4, NON_DATA_CONTACTS: 1} and run.total("erased") == 0
    assert senim.store.head() == head and caller_name(senim, silent, boss) == "Dry Caller"


def test_the_projection_holds_ids_and_moments_and_rebuilds_the_same(senim, staff):
    consultant, _ = staff
    closed_case(senim, consultant, "Qyzrebuild")
    senim.contacts.record(a_contact("silent", name="Qyzrebuild Caller"), actor=consultant)
    senim.projections.catch_up("retention")

    def rows():
        with senim.views.transaction(write=False) as tx:
            return (sorted(tx.execute("SELECT * FROM retention_subjects").fetchall()),
                    sorted(tx.execute("SELECT * FROM retention_cases").fetchall()))
    before = rows()
    assert not any("Qyzrebuild" in str(cell) for table in before for row in table for cell in row)
    assert len(before[0]) == 6 and len(before[1]) == 1
    senim.projections.rebuild("retention")
    assert rows() == before


# Schedule --------------------------------------------------------------------------------------

def test_the_sweeps_run_it_at_most_hourly(senim, redis_url):
    import redis

    assert any(isinstance(job, AtMostHourly) for job in senim.trigger.periodic)
    runs = []

    def job(limit):
        runs.append(limit)
    in_process = AtMostHourly(job, limit=7)
    in_process(), in_process()
    assert runs == [7]
    client = redis.Redis.from_url(redis_url)
    workers = [AtMostHourly(job, redis=client) for _ in range(3)]
    for worker in workers * 2:
        worker()
    assert runs == [7, 500] and 0 < client.ttl(RUN_KEY) <= 3600
    client.delete(RUN_KEY)  # an hour later
    workers[2]()
    assert runs == [7, 500, 500]


def test_a_failing_run_is_logged_and_the_sweep_goes_on(senim, caplog):
    def job(limit):
        raise RuntimeError("database away")
    with caplog.at_level("WARNING", logger="intake.services.retention"):
        AtMostHourly(job)()
    assert "retention sweep failed" in caplog.text


# The command line --------------------------------------------------------------------------------

SENIM = Path(sys.executable).with_name("senim")
COMMAND = [str(SENIM)] if SENIM.exists() else [sys.executable, "-m", "intake.cli"]


def cli(tmp_path, database_url: str, *args: str, **senim_vars: str) -> subprocess.CompletedProcess:
    import os
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENIM_")}
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={**env, "SENIM_DATABASE_URL": database_url, **senim_vars})


def test_the_command_counts_on_a_dry_run_and_erases_on_a_real_one(tmp_path, sqlite_url):
    senim = bootstrap(Settings(database_url=sqlite_url, testing=True))
    try:
        consultant = Actor(user_id="4c1f1b0e-0000-4000-8000-000000000001", username="c1", role="consultant")
        silent = senim.contacts.record(a_contact("silent", name="Cli Caller",
                                                 started_at=utc_now() - timedelta(days=40)), actor=consultant).id
        kept = senim.contacts.record(a_contact("silent", name="Cli Recent"), actor=consultant).id
    finally:
        senim.close()

    def names():
        reader = bootstrap(Settings(database_url=sqlite_url, testing=True))
        try:
            reading = Actor(user_id=None, username="reader", role="supervisor")
            return [caller_name(reader, contact_id, reading) for contact_id in (silent, kept)]
        finally:
            reader.close()

    dry = cli(tmp_path, sqlite_url, "retention", "run", "--dry-run", SENIM_RETENTION_NON_DATA_CONTACTS="30d")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == ["rule\tperiod\tdue\terased\tskipped\tfailed",
                                       "closed_cases\t5y\t0\t0\t0\t0", "non_data_contacts\t30d\t1\t0\t0\t0"]
    assert "Dry run: nothing was erased." in dry.stderr
    assert names() == ["Cli Caller", "Cli Recent"]

    done = cli(tmp_path, sqlite_url, "retention", "run", SENIM_RETENTION_NON_DATA_CONTACTS="30d",
               SENIM_RETENTION_CLOSED_CASES="off")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["closed_cases\toff\t-\t-\t-\t-", "non_data_contacts\t30d\t1\t1\t0\t0"]
    assert names() == [None, "Cli Recent"]
    again = cli(tmp_path, sqlite_url, "retention", "run", SENIM_RETENTION_NON_DATA_CONTACTS="30d")
    assert again.stdout.splitlines()[2] == "non_data_contacts\t30d\t0\t0\t0\t0"


def test_the_command_refuses_an_invalid_period_naming_the_variable(tmp_path, sqlite_url):
    done = cli(tmp_path, sqlite_url, "retention", "run", SENIM_RETENTION_CLOSED_CASES="5 years")
    assert done.returncode != 0
    assert "SENIM_RETENTION_CLOSED_CASES: Write a whole number and a unit" in done.stderr
    assert "Traceback" not in done.stderr
