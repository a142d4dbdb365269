"""Shared fixtures: real SQLite files, an empty PostgreSQL schema per test, the real Redis.

With CI=true a test that needs a service fails when the service is missing; elsewhere it is
skipped with the reason, so a laptop without PostgreSQL can still run the unit tests.

Under pytest-xdist each worker process has its own Redis database and its own PostgreSQL schemas,
so workers never flush or read each other's data (see worker_redis_url and SchemaPool).
"""
import os
import threading
import uuid
from contextlib import closing
from urllib.parse import urlsplit

import pytest

from domain.actor import Actor
from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import Settings

POSTGRES_ADMIN_URL = os.environ.get("SENIM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DATABASE = "senim_test"
REDIS_DATABASES = 16  # Redis's default number of databases


def worker_redis_url(base_url: str, worker: str | None, workers: int) -> str:
    """The Redis database of one xdist worker: the given one for the first worker, the next ones
    (8, 9, 10, 11 from 8) for the others, or the ones below when those would run past the last
    database (15, 14, 13, 12 from CI's default 15). Without xdist: the given database itself."""
    if not worker:
        return base_url
    parts = urlsplit(base_url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    step = 1 if base + workers - 1 < REDIS_DATABASES else -1
    database = base + step * index
    if not 0 <= database < REDIS_DATABASES:
        raise pytest.UsageError(f"{workers} xdist workers need {workers} Redis databases from {base}; "
                                "use fewer workers (-n) or another SENIM_TEST_REDIS_URL")
    return parts._replace(path=f"/{database}").geturl()


# Set for the whole process, so every fixture and test that reads the variable (the e2e sites, the
# worker fault tests) uses this worker's database.
REDIS_URL = os.environ["SENIM_TEST_REDIS_URL"] = worker_redis_url(
    os.environ.get("SENIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    os.environ.get("PYTEST_XDIST_WORKER"), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STORES = ("sqlite", "postgres")


def service_missing(what: str, error: Exception):
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if IN_CI:
        pytest.fail(message + "; CI needs it (scripts/test starts it).", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """The URL of a test database on the real server (created once per run)."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEST_DATABASE,)).fetchone()
            if not exists:
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))
                except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                    pass  # another xdist worker (or test run) made it at the same moment
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", error)
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DATABASE


def schema_url(postgres_database: str, schema: str) -> str:
    return f"{postgres_database}?schema={schema}&pool_size=2&max_overflow=8"


@pytest.fixture(scope="session")
def schema_pool(postgres_database):
    from tests.helpers.schema_pool import SchemaPool

    pool = SchemaPool(postgres_database)
    yield pool
    pool.drop_all()


@pytest.fixture
def postgres_url(postgres_database, schema_pool):
    """An empty schema for one test: no events, no keys, no read-model rows, no tracking positions.

    Schemas are reused: the tables Senim creates at start are kept and emptied after each test
    (creating them took most of a test's time), so a test never sees another's data. A schema a
    test changed in shape (a dropped or altered table, a new one) is dropped and made afresh. A
    test that needs a schema without any table asks for fresh_postgres_url.
    """
    schema = schema_pool.take()
    yield schema_url(postgres_database, schema)
    stop_runners_left_running()  # or one would go on projecting into the schema's next test
    schema_pool.give_back(schema)


def stop_runners_left_running() -> None:
    """Stops the embedded projection runners of apps a test built and did not close (create_app
    without senim=): their threads would otherwise sweep every 2 s for the rest of the run."""
    for thread in threading.enumerate():
        if thread.name == "senim-projections":
            runner = getattr(getattr(thread, "_target", None), "__self__", None)  # the runner whose _run it runs
            if runner is not None:
                runner.stop()


@pytest.fixture(autouse=True)
def _no_runner_outlives_its_test():
    yield
    stop_runners_left_running()


@pytest.fixture
def fresh_postgres_url(postgres_database):
    """A new schema without a single table, dropped afterwards (slower than postgres_url)."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield schema_url(postgres_database, schema)
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'senim.sqlite3'}"


@pytest.fixture(params=STORES)
def database_url(request):
    """Runs a test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        service_missing("Redis", error)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", testing=True)


@pytest.fixture
def senim(settings):
    with closing(bootstrap(settings)) as services:
        yield services


@pytest.fixture
def app(settings, senim):
    return create_app(settings, senim=senim)


@pytest.fixture
def client(app):
    return app.test_client()


ADMIN = Actor.system("tests")


@pytest.fixture
def make_user(senim):
    """Creates a user with a role and returns (actor, bearer headers)."""
    def make(role: str, username: str | None = None):
        username = username or f"{role}-{uuid.uuid4().hex[:6]}"
        written = senim.staff.add_user(username=username, role=role, password="correct horse 1", actor=ADMIN)
        token, _ = senim.staff.issue_token(written.id, actor=ADMIN)
        actor = senim.staff.get(written.id).as_actor()
        return actor, {"Authorization": f"Bearer {token}"}
    return make


def a_new_user(role: str):
    """A fixture named after the role: a new user of it, as (actor, API headers)."""
    @pytest.fixture(name=role)
    def new_user(make_user):
        return make_user(role)
    return new_user


consultant = a_new_user("consultant")
supervisor = a_new_user("supervisor")
psychologist = a_new_user("psychologist")
admin = a_new_user("admin")


def pytest_collection_modifyitems(config, items):
    """Under xdist, the tests of one browser module run in one worker, in order: they share the
    module's running sites (started once) and some count what the module wrote before them."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
