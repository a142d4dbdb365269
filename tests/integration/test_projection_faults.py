"""Faults the projections survive with real workers, on the real PostgreSQL and Redis.

Each test breaks something (a worker killed mid-batch, Redis away, two workers, a rebuild, a
poisoned event, a burst of commits) and then checks the read models count every event exactly once.
"""
import dataclasses
import hashlib
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import psycopg
import pytest
from eventsourcing.utils import get_topic
from rq import Queue, Retry, SimpleWorker
from rq.scheduler import RQScheduler

from domain.contact import Contact
from intake import create_app
from intake.adapters import rq_trigger
from intake.adapters.rq_trigger import FAILING_KEY, QUEUE_NAME
from intake.adapters.store import SenimStore
from intake.bootstrap import bootstrap
from intake.config import Settings
from projections import all_projections
from projections.db import ViewDatabase
from projections.runner import Projections
from tests.conftest import ADMIN, service_missing
from tests.helpers.workers import (
    CHANNELS,
    COMMAND,
    ROLES,
    RedisServer,
    WorkerProcess,
    assert_counted_exactly_once,
    clean_env,
    contact_fields,
    lagging,
    record_contacts,
    wait_until,
)
from tests.integration.test_contacts_api import a_call
from workers import context
from workers.jobs import catch_up_projection
from workers.main import schedule_forever

NOW = datetime.now(timezone.utc)
AN_HOUR_AGO = (NOW - timedelta(hours=1)).isoformat()


@pytest.fixture
def database_url(postgres_url):
    """Every test here runs on PostgreSQL (the fixtures below build on this one)."""
    return postgres_url


@pytest.fixture
def settings(postgres_url, redis_url) -> Settings:
    """Production mode: PostgreSQL and RQ workers on the real Redis."""
    return Settings(database_url=postgres_url, redis_url=redis_url, secret_key="test-secret", testing=True)


@pytest.fixture
def workers(tmp_path, postgres_url, redis_url):
    """Starts `senim worker` processes; every one is ended after the test, orphaned scheduler included."""
    started: list[WorkerProcess] = []

    def start(redis=None) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, postgres_url, redis or redis_url, label=f"worker{len(started) + 1}")
        started.append(worker)
        return worker
    start.started = started
    yield start
    for worker in started:
        worker.stop()


def worker_logs(workers) -> str:
    return "".join(worker.log_tail() for worker in workers.started)


def caught_up(senim, workers, timeout: float = 60):
    wait_until(lambda: not lagging(senim), timeout=timeout, what="every projection at the head",
               explain=lambda: f"lag: {lagging(senim)}{worker_logs(workers)}")


# -- a worker killed in the middle of a batch -----------------------------------------------------
def tracking_row_locked(conn) -> bool:
    """True while another session's catch-up transaction (SELECT … FOR UPDATE on the tracking row) is open."""
    return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'projection_tracking'::regclass "
                        "AND mode = 'RowShareLock' AND granted AND pid <> pg_backend_pid())").fetchone()[0]


def batch_in_flight(conn, head: int) -> bool:
    """True while a catch-up transaction is open and some earlier batch is already committed."""
    positions = [position for (position,) in conn.execute("SELECT position FROM projection_tracking")]
    return tracking_row_locked(conn) and any(0 < position < head for position in positions)


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing_after_a_restart(senim, postgres_url, workers):
    channels = record_contacts(senim, 3000)
    head = senim.store.head()
    url, schema = postgres_url.split("?")[0], postgres_url.split("schema=")[1].split("&")[0]
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        first = workers()
        wait_until(lambda: batch_in_flight(conn, head), timeout=30, pause=0.001,
                   what="the worker in the middle of a batch", explain=lambda: worker_logs(workers))
        first.kill()
        # The killed worker's transaction is rolled back by PostgreSQL, never half committed.
        wait_until(lambda: not tracking_row_locked(conn), timeout=10, what="the killed worker's transaction ended")
        positions = dict(conn.execute("SELECT name, position FROM projection_tracking").fetchall())
        assert min(positions.values()) < head, "the worker finished before it was killed"
        assert conn.execute("SELECT COUNT(*) FROM journal_rows").fetchone()[0] == positions["journals"]
        assert conn.execute("SELECT COUNT(*) FROM contact_facts").fetchone()[0] == positions["contact_stats"]

    started = time.monotonic()
    workers()
    caught_up(senim, workers)
    print(f"caught up {time.monotonic() - started:.1f}s after the restart (killed at {positions})")
    assert_counted_exactly_once(senim, channels)


# -- Redis away --------------------------------------------------------------------------------------
def headers_for(senim, role: str) -> dict:
    written = senim.staff.add_user(username=f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                   password="correct horse 1", actor=ADMIN)
    token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
    return {"Authorization": f"Bearer {token}"}


def post_calls(client, headers, count: int) -> tuple[Counter, int]:
    """POSTs `count` calls through the API; returns them by channel and the last position."""
    channels: Counter = Counter()
    position = 0
    for index in range(count):
        channel = CHANNELS[index % len(CHANNELS)]
        response = client.post("/api/v1/contacts", json=a_call(channel=channel, started_at=AN_HOUR_AGO),
                               headers=headers)
        assert response.status_code == 201, response.json
        channels[channel] += 1
        position = int(response.headers["X-Senim-Position"])
    return channels, position


def assert_api_counts(client, headers, channels: Counter, position: int) -> None:
    total = sum(channels.values())
    journal = client.get(f"/api/v1/journals/helpline?min_position={position}", headers=headers)
    assert journal.status_code == 200, journal.json
    assert [row["registration_number"] for row in journal.json["rows"]] == list(range(1, total + 1))
    stats = client.get(f"/api/v1/stats/contacts?group_by=channel&min_position={position}", headers=headers)
    assert stats.status_code == 200, stats.json
    assert stats.json["total"] == total
    assert {row["channel"]: row["count"] for row in stats.json["rows"]} == dict(channels)


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own, so Redis can really go down and come back on the same address."""
    if not shutil.which("redis-server"):
        service_missing("redis-server", FileNotFoundError("not on PATH"))
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_contacts_are_accepted_while_redis_is_down_and_projected_once_it_is_back(postgres_url, private_redis,
                                                                                  workers):
    senim = bootstrap(Settings(database_url=postgres_url, redis_url=private_redis.url, testing=True))
    try:
        client = create_app(senim.settings, senim=senim).test_client()
        consultant, supervisor = headers_for(senim, "consultant"), headers_for(senim, "supervisor")
        workers(redis=private_redis.url)
        before, _ = post_calls(client, consultant, 4)
        caught_up(senim, workers, timeout=30)

        private_redis.stop()
        started = time.monotonic()
        during, position = post_calls(client, consultant, 20)  # each one 201: the event store is the truth
        assert time.monotonic() - started < 5, "recording waited on the missing Redis"
        assert lagging(senim) == {name: 20 for name in contact_readers(senim)}

        time.sleep(6)  # long enough for the worker's own heartbeat and dequeue to meet the missing Redis
        private_redis.start()  # empty, as after a restart without persistence: the sweep re-enqueues
        caught_up(senim, workers, timeout=45)
        assert_api_counts(client, supervisor, before + during, position)
        assert all(worker.process.poll() is None for worker in workers.started), worker_logs(workers)
    finally:
        senim.close()


def test_a_hung_redis_holds_up_one_commit_not_every_one(postgres_url):
    """A Redis that accepts connections but never answers: one command waits for the socket timeout."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        hung_url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        senim = bootstrap(Settings(database_url=postgres_url, redis_url=hung_url, testing=True))
        try:
            client = create_app(senim.settings, senim=senim).test_client()
            consultant = headers_for(senim, "consultant")
            took = []
            for _ in range(6):
                started = time.monotonic()
                post_calls(client, consultant, 1)
                took.append(time.monotonic() - started)
            assert sum(1 for seconds in took if seconds > 1) <= 1, took
            assert {row["position"] for row in senim.projections.status()} == {0}  # nothing was projected,
            # and nothing was lost:
            assert senim.store.head() == 4 + 6  # two users with a token each, six contacts
        finally:
            senim.close()


def contact_readers(senim) -> list[str]:
    """The projections a recorded contact concerns (journals, statistics, case index, … and the hash chain)."""
    readers = senim.projections.affected_by({get_topic(Contact.Recorded)})
    assert {"journals", "contact_stats", "case_index"} <= set(readers)
    return readers


# -- two workers ------------------------------------------------------------------------------------
def test_two_workers_started_at_once_count_every_event_once(senim, workers):
    channels = record_contacts(senim, 1500)
    for name in senim.projections.registry:  # a second job of each, as a lost pending flag would allow
        senim.trigger.queue.enqueue(catch_up_projection, name, description=f"catch up projection {name}")
    first, second = workers(), workers()
    wait_until(lambda: any(senim.projections.position(name) for name in senim.projections.registry), timeout=30,
               what="a worker catching up", explain=lambda: worker_logs(workers))
    channels += record_contacts(senim, 300, chunk=30, start=1500)  # and commits while they work
    caught_up(senim, workers)
    assert_counted_exactly_once(senim, channels)
    assert first.process.poll() is None and second.process.poll() is None, worker_logs(workers)


def test_consumers_racing_on_one_projection_without_the_redis_lock_never_count_a_batch_twice(senim):
    """The tracking row, locked for the whole batch, is what makes catch-up exactly once."""
    channels = record_contacts(senim, 1200)
    racers = [Projections(senim.store, senim.views) for _ in range(3)]
    start = threading.Barrier(len(racers))
    failures = []

    def race(projections, names):
        start.wait()
        try:
            for name in names:
                projections.catch_up(name, batch_size=100)
        except Exception as error:  # reported below, with the others
            failures.append(error)
    orders = [("journals", "contact_stats", "case_index"), ("case_index", "contact_stats", "journals"),
              ("contact_stats", "journals", "case_index")]
    threads = [threading.Thread(target=race, args=(racer, names)) for racer, names in zip(racers, orders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    raced = {name for names in orders for name in names}
    assert not {name: lag for name, lag in lagging(senim).items() if name in raced}
    assert_counted_exactly_once(senim, channels)


def test_projection_tables_are_created_once_when_processes_start_at_once(fresh_postgres_url):
    settings = Settings(database_url=fresh_postgres_url, testing=True)
    store = SenimStore(env=settings.event_store_env())
    starting = [ViewDatabase(settings.event_store_env()) for _ in range(4)]
    start = threading.Barrier(len(starting))
    failures = []

    def ensure(views):
        start.wait()
        try:
            Projections(store, views).ensure()
        except Exception as error:
            failures.append(error)
    threads = [threading.Thread(target=ensure, args=(views,)) for views in starting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for views in starting:
        views.close()
    store.close()
    assert not failures, failures


# -- rebuild ----------------------------------------------------------------------------------------
READS = (
    "/api/v1/journals/helpline?format=csv&lang=kk",
    "/api/v1/journals/helpline?format=csv&lang=ru",
    "/api/v1/journals/helpline",
    "/api/v1/journals/family_service?format=csv",
    "/api/v1/journals/family_service",
    "/api/v1/stats/contacts",
    "/api/v1/stats/contacts?group_by=channel",
    "/api/v1/stats/contacts?group_by=category",
    "/api/v1/stats/contacts?group_by=service,caller_role",
    "/api/v1/stats/contacts?group_by=month,region",
    "/api/v1/stats/contacts?group_by=weekday,hour",
    "/api/v1/stats/contacts?group_by=age_group,gender&consented_only=true",
    "/api/v1/stats/contacts?group_by=channel,region,category",
    "/api/v1/stats/contacts?group_by=month,channel,gender",
    "/api/v1/stats/contacts?group_by=service,category,age_group&consented_only=true",
)


def checksums(client, headers) -> dict[str, str]:
    span = f"from={date.today() - timedelta(days=60)}&to={date.today() + timedelta(days=1)}"
    sums = {}
    for read in READS:
        response = client.get(f"{read}{'&' if '?' in read else '?'}{span}", headers=headers)
        assert response.status_code == 200, (read, response.data[:300])
        sums[read] = hashlib.sha256(response.data).hexdigest()
    return sums


def varied_call(index: int) -> dict:
    family = index % 4 == 3
    return a_call(
        service="family_service" if family else "helpline",
        channel=("in_person", "video")[index % 2] if family else CHANNELS[index % len(CHANNELS)],
        started_at=(NOW - timedelta(days=index % 9, hours=index % 5, minutes=index)).isoformat(),
        caller={"role": ROLES[index % len(ROLES)], "gender": ("female", "male", "unknown")[index % 3],
                "age": 15 + 7 * (index % 8), "region": ("almaty", "astana", "shymkent", "abai")[index % 4],
                "language": ("kk", "ru")[index % 2]},
        categories=[["physical_assault"], ["psychological_abuse", "economic_violence"], [], ["stalking"]][index % 4],
        consent={"services": True, "reporting": index % 3 != 0},
    )


AMENDMENTS = (
    {"channel": "whatsapp"},
    {"categories": ["sexual_assault", "physical_assault"]},
    {"consent": {"reporting": False}},
    {"started_at": (NOW - timedelta(days=12, hours=3)).isoformat()},
    {"caller": {"age": 63, "region": "jetisu"}},
    {"caller": {"role": "witness", "gender": "female"}, "contact_type": "information"},
)


def test_a_rebuild_gives_byte_identical_journals_and_statistics(client, senim, consultant, supervisor, tmp_path,
                                                                 run_jobs, postgres_url, redis_url):
    ids = []
    for round_ in range(3):  # projected in several rounds, so amendments land in other batches than records
        for index in range(round_ * 14, round_ * 14 + 14):
            created = client.post("/api/v1/contacts", json=varied_call(index), headers=consultant[1])
            assert created.status_code == 201, created.json
            ids.append(created.json["id"])
        for offset, changes in enumerate(AMENDMENTS):  # earlier rounds' contacts and this round's alike
            target = ids[(round_ * 11 + offset * 5) % len(ids)]
            amended = client.post(f"/api/v1/contacts/{target}/amendments", headers=consultant[1],
                                  json={"changes": changes, "reason": f"correction {round_}.{offset}"})
            assert amended.status_code in (201, 422), amended.json  # 422: that correction changes nothing
        started = client.get(f"/api/v1/contacts/{ids[-1]}", headers=consultant[1]).json["started_at"]
        ended = datetime.fromisoformat(started) + timedelta(minutes=25)
        completed = client.post(f"/api/v1/contacts/{ids[-1]}/completion", json={"ended_at": ended.isoformat()},
                                headers=consultant[1])
        assert completed.status_code == 200, completed.json
        run_jobs()
    assert not lagging(senim)
    built = checksums(client, supervisor[1])

    # A rebuild starts a process per projection, two at a time on two cores: on a busy machine that
    # takes minutes, and only a hang (pytest-timeout's 300 s) is a failure.
    rebuilt = subprocess.run([*COMMAND, "projections", "rebuild"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=240, env=clean_env(SENIM_DATABASE_URL=postgres_url, SENIM_REDIS_URL=redis_url))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "journals: rebuilt from" in rebuilt.stdout and "contact_stats: rebuilt from" in rebuilt.stdout
    assert not lagging(senim)
    assert checksums(client, supervisor[1]) == built


# -- a poisoned event --------------------------------------------------------------------------------
@pytest.fixture
def run_jobs(senim, monkeypatch):
    """Runs the queued jobs in this process with a real RQ worker, as `senim worker` would; returns when idle."""
    monkeypatch.setattr(context, "_services", senim)

    def run() -> None:
        SimpleWorker([QUEUE_NAME], connection=senim.trigger.redis).work(burst=True, logging_level="WARNING")
    return run


def poison(projection, contact_id: UUID, failures: list) -> None:
    """Makes the projection's handler fail for every event of one contact (and only for those)."""
    handle = projection.handle

    def poisoned(event, tx):
        if event.originator_id == contact_id:
            failures.append(time.time())
            raise ValueError("this event cannot be projected")
        return handle(event, tx)
    projection.handle = poisoned


def test_a_poisoned_event_stops_only_its_projection_retries_then_fails_visibly(
        senim, consultant, supervisor, client, monkeypatch, run_jobs, tmp_path, postgres_url, redis_url):
    # Two retries after 1 and 2 seconds; in production five, after 1, 2, 5, 10 and 30 seconds.
    monkeypatch.setattr(rq_trigger, "RETRY", Retry(max=2, interval=[1, 2]))
    actor = consultant[0]
    written = [senim.contacts.record(contact_fields(index), actor=actor) for index in range(30)]
    poisoned_id, poisoned_at = written[11].id, written[11].position
    failures: list[float] = []
    registry = all_projections()
    poison(registry["contact_stats"], poisoned_id, failures)
    monkeypatch.setattr(context, "_services", dataclasses.replace(
        senim, projections=Projections(senim.store, senim.views, registry)))

    queue = senim.trigger.queue
    backoff = []  # how far ahead RQ scheduled each retry
    schedule_job = Queue.schedule_job

    def schedule_retry(self, job, at, **options):
        backoff.append((at - datetime.now(timezone.utc)).total_seconds())
        return schedule_job(self, job, at, **options)
    monkeypatch.setattr(Queue, "schedule_job", schedule_retry)
    stop = threading.Event()
    scheduler = threading.Thread(target=schedule_forever,
                                 args=(RQScheduler([QUEUE_NAME], connection=queue.connection), stop, 0.2))
    scheduler.start()  # what `senim worker` runs beside its jobs: retries go back on the queue when due
    try:
        deadline = time.monotonic() + 30
        while not queue.failed_job_registry.count and time.monotonic() < deadline:
            run_jobs()
            time.sleep(0.1)
    finally:
        stop.set()
        scheduler.join(timeout=10)
    assert queue.failed_job_registry.count, (f"tried {len(failures)} times; scheduled: {backoff}, "
                                             f"waiting: {queue.scheduled_job_registry.get_job_ids()}, "
                                             f"queued: {queue.get_job_ids()}")

    status = {row["name"]: row for row in senim.projections.status()}
    assert status["journals"]["lag"] == 0 and status["journals"]["last_error"] is None
    assert status["contact_stats"]["position"] == poisoned_at - 1
    assert status["contact_stats"]["last_error_position"] == poisoned_at
    assert "ValueError: this event cannot be projected" in status["contact_stats"]["last_error"]

    # Tried three times (once and two retries), waiting out a growing backoff, then left in the failed registry.
    assert len(failures) == 3
    assert [round(seconds, 1) for seconds in backoff] == [1.0, 2.0]
    failed = [queue.fetch_job(job_id) for job_id in queue.failed_job_registry.get_job_ids()]
    assert [(job.args, job.retries_left) for job in failed] == [(("contact_stats",), 0)]

    api = client.get("/api/v1/projections", headers=supervisor[1]).json
    assert api["contact_stats"]["last_error_position"] == poisoned_at and api["contact_stats"]["lag"] > 0
    assert api["journals"]["lag"] == 0
    shown = subprocess.run([*COMMAND, "projections", "status"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=60, env=clean_env(SENIM_DATABASE_URL=postgres_url, SENIM_REDIS_URL=redis_url))
    assert shown.returncode == 0, shown.stderr
    assert "ValueError: this event cannot be projected" in shown.stdout
    assert "failed jobs in RQ's registry: 1" in shown.stdout

    # Later contacts still reach the healthy projection; once the fault is fixed the other catches up too.
    later = senim.contacts.record(contact_fields(30), actor=actor)
    run_jobs()
    assert senim.projections.position("journals") == later.position
    monkeypatch.setattr(context, "_services", senim)
    # No fresh job (and fresh retries) while the failure cools down; the sweep tries again after it.
    assert senim.trigger.enqueue("contact_stats") is False
    senim.trigger.redis.delete(FAILING_KEY.format(name="contact_stats"))  # as if the minute had passed
    assert senim.trigger.enqueue("contact_stats") is True
    run_jobs()
    assert not lagging(senim)
    assert {row["last_error"] for row in senim.projections.status()} == {None}


# -- debounce ---------------------------------------------------------------------------------------
def test_a_burst_of_commits_leaves_at_most_one_pending_job_per_projection(app, senim, consultant, run_jobs):
    statuses = []

    def post(count: int) -> None:
        client = app.test_client()
        for _ in range(count):
            response = client.post("/api/v1/contacts", json=a_call(started_at=AN_HOUR_AGO), headers=consultant[1])
            statuses.append(response.status_code)

    def pending_jobs() -> Counter:
        return Counter(job.args[0] for job in senim.trigger.queue.get_jobs())

    head = senim.store.head()
    burst = [threading.Thread(target=post, args=(10,)) for _ in range(5)]
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join(timeout=60)
    assert statuses == [201] * 50 and senim.store.head() == head + 50
    assert pending_jobs() == {name: 1 for name in contact_readers(senim)}

    run_jobs()  # the jobs catch everything up and clear the flags, so the next commit is heard again
    assert not lagging(senim) and not pending_jobs()
    post(1)
    assert pending_jobs() == {name: 1 for name in contact_readers(senim)}
