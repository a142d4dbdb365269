"""Shared fixtures: real SQLite files, a fresh PostgreSQL schema per test, the real Redis.

With CI=true a test that needs a service fails when the service is missing; elsewhere it is
skipped with the reason, so a laptop without PostgreSQL can still run the unit tests.
"""
import os
import uuid

import pytest

from domain.actor import Actor
from intake import create_app
from intake.bootstrap import bootstrap
from intake.config import Settings

POSTGRES_ADMIN_URL = os.environ.get("SENIM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DATABASE = "senim_test"
REDIS_URL = os.environ.get("SENIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
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
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))
    except psycopg.OperationalError as error:
        service_missing("PostgreSQL", error)
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + TEST_DATABASE


@pytest.fixture
def postgres_url(postgres_database):
    """A fresh schema for one test, dropped afterwards: tests never see each other's events."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_database}?schema={schema}&pool_size=2&max_overflow=8"
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
    services = bootstrap(settings)
    yield services
    services.close()


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


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")
