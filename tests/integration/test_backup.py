"""`senim backup` and `senim restore`, run as an operator would: a copy taken while consultants record
contacts, restored somewhere new, gives the same events, keys and read models and a chain that verifies;
a live store, a changed backup, a lost manifest and a wrong key are refused."""
import hashlib
import json
import sqlite3
import threading
import uuid
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Self
from uuid import UUID

import pytest
from eventsourcing.cipher import AESCipher

from domain import instruments
from domain.clock import SERVICE_TIMEZONE
from domain.erasure import Erasure
from domain.schedule import WEEKDAYS, WeeklySchedule
from intake.bootstrap import bootstrap
from intake.config import Settings
from projections import all_projections
from tests.conftest import ADMIN, service_missing
from tests.helpers.raw_store import RawStore, run_senim

WRITERS = 3
CALLER = {"name": "Айгерим Сәрсенова", "phone": "+7 701 555 12 34", "address": "Абай даңғылы 17, пәтер 4"}


@pytest.fixture(params=["plain", "encrypted"])
def cipher_key(request) -> str | None:
    return AESCipher.create_key(32) if request.param == "encrypted" else None


def sqlite_url_in(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'senim.sqlite3'}"


@pytest.fixture
def source_url(tmp_path) -> str:
    return sqlite_url_in(tmp_path / "centre")


@pytest.fixture
def restored_url(tmp_path) -> str:
    return sqlite_url_in(tmp_path / "new-machine")


@pytest.fixture
def source_settings(source_url, cipher_key) -> Settings:
    return Settings(database_url=source_url, cipher_key=cipher_key, secret_key="test-secret", testing=True)


@pytest.fixture
def senim(source_settings):
    services = bootstrap(source_settings)
    yield services
    services.close()


def cli(tmp_path, url, cipher_key, *args):
    return run_senim(tmp_path, url, *args, cipher_key=cipher_key)


def a_contact(number: int, **caller) -> dict:
    return {"service": "helpline", "channel": ("phone", "whatsapp", "web_chat")[number % 3],
            "started_at": datetime.now(SERVICE_TIMEZONE) - timedelta(minutes=30, seconds=number),
            "contact_type": "counselling",
            "caller": {"role": ("victim", "witness", "relative")[number % 3], "region": "almaty", **caller},
            "categories": ["physical_assault"] if number % 2 else ["psychological_abuse"],
            "consent": {"services": True, "reporting": number % 5 != 0}, "summary": f"Звонок {number}."}


def a_user(senim, role: str):
    written = senim.staff.add_user(username=f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                   password="correct horse 1", actor=ADMIN)
    return senim.staff.get(written.id).as_actor()


def populate(senim) -> dict:
    """A small centre's history: every kind of record the read models show, one person erased."""
    people = {role: a_user(senim, role) for role in ("consultant", "psychologist", "supervisor", "admin")}
    every_day = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})
    senim.staff.set_working_hours(UUID(people["psychologist"].user_id), schedule=every_day, actor=ADMIN)
    contact = senim.contacts.record(a_contact(0, **CALLER), actor=people["consultant"]).id
    case = senim.cases.open({"contact_id": str(contact)}, actor=people["consultant"]).id
    referral = senim.referrals.make({
        "source": "helpline", "target": "family_service", "reason": "Консультация.", "urgency": "urgent",
        "consent": {"services": True}, "subject_role": "aggressor", "contact_id": str(contact),
        "case_id": str(case)}, actor=people["consultant"]).id
    senim.referrals.claim(referral, actor=people["psychologist"])  # which puts the psychologist on the case
    answers = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
    answers["physical_violence"] = "yes"
    assessment = senim.assessments.record({"instrument": "aggressor_status", "answers": answers,
                                           "case_id": str(case)}, actor=people["psychologist"]).id
    senim.programme.enrol({"assessment_id": assessment}, actor=people["psychologist"])
    senim.access.record(people["supervisor"], "case", case)
    senim.access.flush()
    forgotten = senim.contacts.record(a_contact(1, name="Erased Person", phone="+7 702 000 00 01"),
                                      actor=people["consultant"]).id
    person = senim.contacts.get(forgotten, actor=people["consultant"]).person_id
    senim.erasure.erase_subject(person, "Asked to be forgotten", people["supervisor"])
    return {"people": people, "contact": contact, "forgotten": forgotten}


class Writers:
    """Consultants recording contacts through the services, until told to stop."""

    def __init__(self, senim, actor, count: int = WRITERS):
        self.senim, self.actor = senim, actor
        self.recorded: list[tuple[UUID, int, str]] = []  # (contact id, position, caller's name)
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(each,)) for each in range(count)]

    def _write(self, writer: int) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            name = f"Caller {writer}-{number}"
            try:
                written = self.senim.contacts.record(a_contact(number, name=name, phone=f"+7 705 {writer:03} {number:04}"),
                                                     actor=self.actor)
            except BaseException as error:
                self.errors.append(error)
                return
            with self._lock:
                self.recorded.append((written.id, written.position, name))

    def count(self) -> int:
        with self._lock:
            return len(self.recorded)

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def wait_for_more(writers: Writers, than: int, timeout: float = 60) -> None:
    """Until the writers have recorded more contacts than `than` (a state, not a time)."""
    done = threading.Event()

    def watch():
        while not done.is_set() and writers.count() <= than and not writers.errors:
            done.wait(0.01)
        done.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join(timeout)
    done.set()
    assert not writers.errors, writers.errors
    assert writers.count() > than, f"the writers recorded {writers.count()} contacts in {timeout} s"


def manifest_of(backup: Path) -> dict:
    return json.loads(backup.with_name(backup.name + ".manifest.json").read_text())


def sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite:///"):])


def copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def read_model_tables(url: str) -> dict[str, list[tuple]]:
    """Every read model's rows, in a stable order."""
    tables = {table for projection in all_projections().values() for table in projection.tables}
    with sqlite3.connect(sqlite_path(url)) as connection:
        found = {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    connection.close()
    return found


def the_store_as_it_was_at(source_url: str, position: int, folder: Path, settings: Settings) -> str:
    """The source store cut back to `position`, its read models rebuilt: what a restore must show."""
    url = sqlite_url_in(folder)
    copy_sqlite(sqlite_path(source_url), sqlite_path(url))
    with sqlite3.connect(sqlite_path(url)) as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid > ?", (position,))
    connection.close()
    reference = bootstrap(replace(settings, database_url=url))
    try:
        reference.trigger.stop()
        reference.projections.rebuild()
    finally:
        reference.close()
    return url


def test_a_backup_taken_while_consultants_record_contacts_restores_the_same_store(
        tmp_path, senim, source_settings, source_url, restored_url, cipher_key):
    world = populate(senim)
    backup = tmp_path / "backups" / "senim-monday.sqlite3"
    backup.parent.mkdir()
    with Writers(senim, world["people"]["consultant"]) as writers:
        wait_for_more(writers, than=5)
        head_before = senim.store.head()
        done = cli(tmp_path, source_url, cipher_key, "backup", str(backup))
        recorded_during = writers.count()
        wait_for_more(writers, than=recorded_during + 5)  # the app goes on writing after the backup
    assert not writers.errors, writers.errors
    assert done.returncode == 0, done.stderr
    manifest = manifest_of(backup)
    head = manifest["head_position"]
    assert head_before <= head < senim.store.head()
    assert manifest["store"] == "sqlite" and manifest["encrypted"] is bool(cipher_key)
    assert manifest["format"] == "senim-backup" and manifest["format_version"] == 1
    assert len(manifest["sha256"]) == 64 and manifest["size"] == backup.stat().st_size
    assert manifest["chain_head"] in done.stdout
    senim.projections.catch_up("hash_chain")
    assert RawStore(source_url).links()[head] == manifest["chain_head"]
    contacts = list(writers.recorded)
    senim.close()

    restoring = cli(tmp_path, restored_url, cipher_key, "restore", str(backup))
    assert restoring.returncode == 0, restoring.stderr
    assert f"Restored {head} events" in restoring.stdout

    # The events, exactly those up to the backup's head, byte for byte.
    source_events = RawStore(source_url).rows()
    assert RawStore(restored_url).rows() == {position: row for position, row in source_events.items()
                                             if position <= head}
    # Every read model as the source store's were it rebuilt from the same events.
    reference_url = the_store_as_it_was_at(source_url, head, tmp_path / "reference", source_settings)
    restored_tables, reference_tables = read_model_tables(restored_url), read_model_tables(reference_url)
    assert restored_tables == reference_tables
    assert len(restored_tables["journal_rows"]) == 2 + sum(1 for _, position, _ in contacts if position <= head)
    assert restored_tables["referral_queue"] and restored_tables["case_list"] and restored_tables["access_log"]

    verified = cli(tmp_path, restored_url, cipher_key, "audit", "verify", "--anchor", manifest["chain_head"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"OK: {head} links verified; head {manifest['chain_head']} at position {head}" in verified.stdout

    # The person keys came along: names recorded before the backup open; the erased one stays erased.
    with closing(bootstrap(replace(source_settings, database_url=restored_url))) as restored:
        consultant = world["people"]["consultant"]
        before = [(contact, name) for contact, position, name in contacts if position <= head]
        assert before
        for contact, name in before[:20]:
            assert restored.contacts.get(contact, actor=consultant).fields["caller"]["name"] == name
        assert restored.contacts.get(world["contact"], actor=consultant).fields["caller"]["name"] == CALLER["name"]
        assert restored.contacts.get(world["forgotten"], actor=consultant).fields["caller"].get("name") is None


def test_restore_reapplies_an_erasure_whose_key_was_still_there_when_the_backup_was_taken(
        tmp_path, senim, source_url, restored_url, source_settings, cipher_key):
    consultant, supervisor = a_user(senim, "consultant"), a_user(senim, "supervisor")
    contact = senim.contacts.record(a_contact(1, **CALLER), actor=consultant).id
    person = senim.contacts.get(contact, actor=consultant).person_id
    # The erasure's event is committed, and the process died before the key was destroyed.
    senim.store.commit(Erasure.perform(subject_id=person, kind="person", reason="Art. 16", actor=supervisor))
    assert senim.contacts.get(contact, actor=consultant).fields["caller"]["name"] == CALLER["name"]
    senim.close()
    backup = tmp_path / "backup.sqlite3"
    assert cli(tmp_path, source_url, cipher_key, "backup", str(backup)).returncode == 0

    restoring = cli(tmp_path, restored_url, cipher_key, "restore", str(backup))
    assert restoring.returncode == 0, restoring.stderr
    assert "1 erasures applied again" in restoring.stdout
    with closing(bootstrap(replace(source_settings, database_url=restored_url))) as restored:
        assert restored.contacts.get(contact, actor=consultant).fields["caller"].get("name") is None
        assert not restored.store.keyring.db.query("SELECT 1 FROM person_keys WHERE subject_id = %s", (str(person),))


def test_an_erasure_made_after_the_backup_must_be_made_again_after_restoring_it(
        tmp_path, senim, source_url, restored_url, source_settings, cipher_key):
    consultant, supervisor = a_user(senim, "consultant"), a_user(senim, "supervisor")
    contact = senim.contacts.record(a_contact(1, **CALLER), actor=consultant).id
    person = senim.contacts.get(contact, actor=consultant).person_id
    backup = tmp_path / "backup.sqlite3"
    assert cli(tmp_path, source_url, cipher_key, "backup", str(backup)).returncode == 0
    senim.erasure.erase_subject(person, "Art. 16", supervisor)
    senim.close()

    assert cli(tmp_path, restored_url, cipher_key, "restore", str(backup)).returncode == 0
    with closing(bootstrap(replace(source_settings, database_url=restored_url))) as restored:
        # What the README says: the backup predates the erasure, so the key is back with it ...
        assert restored.contacts.get(contact, actor=consultant).fields["caller"]["name"] == CALLER["name"]
        # ... and the erasure, made again from the centre's erasure register, takes it away for good.
        restored.erasure.erase_subject(person, "Art. 16, again after the restore", supervisor)
        assert restored.contacts.get(contact, actor=consultant).fields["caller"].get("name") is None


@pytest.fixture
def backed_up(tmp_path, senim, source_url, cipher_key) -> Path:
    populate(senim)
    backup = tmp_path / "backup.sqlite3"
    done = cli(tmp_path, source_url, cipher_key, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    return backup


def refused(done, message: str) -> None:
    assert done.returncode != 0, done.stdout
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def nothing_restored(url: str) -> None:
    path = sqlite_path(url)
    # Reading the settings makes the store's file, empty and private (config.private_sqlite_file).
    assert not path.exists() or path.stat().st_size == 0 or not RawStore(url).rows()
    assert not list(path.parent.glob("*.restoring*"))


def test_restore_refuses_a_store_that_holds_events(tmp_path, senim, backed_up, source_url, cipher_key):
    events = RawStore(source_url).rows()
    senim.close()
    done = cli(tmp_path, source_url, cipher_key, "restore", str(backed_up))
    refused(done, f"already holds {len(events)} events")
    assert RawStore(source_url).rows() == events


def test_restore_refuses_a_store_a_running_senim_has_open(tmp_path, backed_up, restored_url, source_settings,
                                                          cipher_key):
    running = bootstrap(replace(source_settings, database_url=restored_url))  # a new, empty store in use
    try:
        refused(cli(tmp_path, restored_url, cipher_key, "restore", str(backed_up)), "is in use")
    finally:
        running.close()
    nothing_restored(restored_url)
    done = cli(tmp_path, restored_url, cipher_key, "restore", str(backed_up))
    assert done.returncode == 0, done.stderr


def test_a_backup_changed_by_one_byte_is_refused(tmp_path, backed_up, restored_url, cipher_key):
    content = bytearray(backed_up.read_bytes())
    content[len(content) // 2] ^= 0x01
    backed_up.write_bytes(bytes(content))
    refused(cli(tmp_path, restored_url, cipher_key, "restore", str(backed_up)), "corrupted or was changed")
    nothing_restored(restored_url)


def test_a_backup_whose_event_and_checksum_were_both_changed_fails_the_hash_chain(
        tmp_path, backed_up, restored_url, cipher_key):
    raw = RawStore(f"sqlite:///{backed_up}")
    erasure = next(position for position, row in raw.rows().items() if "Erasure" in row[2])
    raw.rewrite(erasure, lambda plain: plain.replace(b"Asked to be forgotten", b"Asked to be forgotteN"), cipher_key)
    manifest_file = backed_up.with_name(backed_up.name + ".manifest.json")
    manifest = json.loads(manifest_file.read_text())
    manifest.update(sha256=hashlib.sha256(backed_up.read_bytes()).hexdigest(), size=backed_up.stat().st_size)
    manifest_file.write_text(json.dumps(manifest))
    refused(cli(tmp_path, restored_url, cipher_key, "restore", str(backed_up)), "hash chain is broken")
    nothing_restored(restored_url)


def test_a_backup_without_its_manifest_is_refused(tmp_path, backed_up, restored_url, cipher_key):
    backed_up.with_name(backed_up.name + ".manifest.json").unlink()
    refused(cli(tmp_path, restored_url, cipher_key, "restore", str(backed_up)), "manifest")
    nothing_restored(restored_url)


def test_a_backup_restored_with_the_wrong_key_is_refused(tmp_path, backed_up, restored_url, cipher_key):
    refused(cli(tmp_path, restored_url, AESCipher.create_key(32), "restore", str(backed_up)), "SENIM_CIPHER_KEY")
    nothing_restored(restored_url)
    if cipher_key:
        refused(cli(tmp_path, restored_url, None, "restore", str(backed_up)), "SENIM_CIPHER_KEY")
        nothing_restored(restored_url)


def test_a_backup_never_overwrites_an_earlier_one(tmp_path, backed_up, source_url, cipher_key):
    before = backed_up.read_bytes()
    refused(cli(tmp_path, source_url, cipher_key, "backup", str(backed_up)), "exists already")
    assert backed_up.read_bytes() == before
    assert backed_up.stat().st_mode & 0o077 == 0  # every event and key: the owner's only


# PostgreSQL ----------------------------------------------------------------------------------------

@pytest.fixture
def postgres_url(postgres_database):
    """A database of its own, not a schema in the shared test database: pg_dump reads the whole
    database's catalogue, and other test workers creating and dropping schemas there meanwhile
    could fail it ("cache lookup failed") through no fault of the code under test."""
    import psycopg
    from psycopg import sql

    admin = postgres_database.rsplit("/", 1)[0] + "/postgres"
    name = "senim_backup_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA senim")
    yield f"{url}?schema=senim&pool_size=2&max_overflow=8"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_settings(postgres_url) -> Settings:
    return Settings(database_url=postgres_url, secret_key="test-secret", testing=True)


@pytest.fixture
def pg_client():
    import shutil
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        service_missing("the PostgreSQL client (pg_dump, pg_restore)", FileNotFoundError("not on the PATH"))


def postgres_read_models(url: str) -> dict[str, list[tuple]]:
    raw = RawStore(url)
    tables = {table for projection in all_projections().values() for table in projection.tables}
    return {table: sorted(raw.execute(f"SELECT * FROM {raw.prefix}{table}"), key=repr) for table in tables}


def test_a_postgres_backup_under_load_restores_the_same_store_once_the_old_one_is_gone(
        tmp_path, pg_client, postgres_settings, postgres_url):
    source = bootstrap(postgres_settings)
    try:
        world = populate(source)
        backup = tmp_path / "senim.pgdump"
        with Writers(source, world["people"]["consultant"]) as writers:
            wait_for_more(writers, than=5)
            head_before = source.store.head()
            done = run_senim(tmp_path, postgres_url, "backup", str(backup))
            wait_for_more(writers, than=writers.count() + 5)
        assert done.returncode == 0, done.stderr
        manifest = manifest_of(backup)
        head = manifest["head_position"]
        assert manifest["store"] == "postgres" and head_before <= head < source.store.head()
        source.projections.catch_up("hash_chain")
        assert RawStore(postgres_url).links()[head] == manifest["chain_head"]
        refused(run_senim(tmp_path, postgres_url, "restore", str(backup)), "already holds")
        source.trigger.stop()
        # What a restore must show: the source's events up to the backup's head, its read models rebuilt.
        RawStore(postgres_url).execute(f"DELETE FROM {RawStore(postgres_url).events} WHERE notification_id > %s",
                                       (head,))
        source.projections.rebuild()
    finally:
        source.close()
    events, read_models = RawStore(postgres_url).rows(), postgres_read_models(postgres_url)
    schema = RawStore(postgres_url).prefix.rstrip(".")
    RawStore(postgres_url).execute(f"DROP SCHEMA {schema} CASCADE")  # the server is lost
    RawStore(postgres_url).execute(f"CREATE SCHEMA {schema}")  # a new, empty one of the same name

    restoring = run_senim(tmp_path, postgres_url, "restore", str(backup))
    assert restoring.returncode == 0, restoring.stderr
    assert RawStore(postgres_url).rows() == events
    assert postgres_read_models(postgres_url) == read_models
    verified = run_senim(tmp_path, postgres_url, "audit", "verify", "--anchor", manifest["chain_head"])
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_changed_postgres_backup_is_refused_and_leaves_the_schema_empty(tmp_path, pg_client, postgres_settings,
                                                                         postgres_url):
    source = bootstrap(postgres_settings)
    try:
        populate(source)
    finally:
        source.close()
    backup = tmp_path / "senim.pgdump"
    done = run_senim(tmp_path, postgres_url, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    raw = RawStore(postgres_url)
    schema = raw.prefix.rstrip(".")
    raw.execute(f"DROP SCHEMA {schema} CASCADE")
    raw.execute(f"CREATE SCHEMA {schema}")
    manifest = manifest_of(backup)
    manifest["chain_head"] = "0" * 64  # an edited manifest: the restored chain does not end there
    backup.with_name(backup.name + ".manifest.json").write_text(json.dumps(manifest))
    refused(run_senim(tmp_path, postgres_url, "restore", str(backup)), "hash chain")
    assert not raw.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
