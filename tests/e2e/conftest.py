"""End-to-end fixtures: the real `senim serve` (and `senim worker` on PostgreSQL), driven by
Debian's headless Chromium through Playwright.

Screenshots of every main page land in tests/e2e/artifacts/ (ignored by git) for a person to look at.
Every page a test visits can be checked with axe-core (vendored from npm in tests/e2e/vendor/).
"""
import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from domain.actor import Actor
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.conftest import IN_CI, service_missing
from tests.helpers.workers import COMMAND, clean_env, free_port

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE = (HERE / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM = os.environ.get("SENIM_TEST_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"]
PASSWORD = "correct horse 1"
ADMIN = Actor.system("e2e")

pytestmark = pytest.mark.browser


@dataclass
class Site:
    """A running Senim: its URL, its database, and the staff created for the tests."""
    url: str
    database_url: str
    store: str
    processes: list = field(default_factory=list)
    users: dict = field(default_factory=dict)

    def user(self, role: str, language: str = "ru") -> str:
        """A user of this role with a saved language; made once per (role, language)."""
        key = (role, language)
        if key not in self.users:
            username = f"{role[:5]}-{language}-{uuid.uuid4().hex[:4]}"
            senim = bootstrap(Settings(database_url=self.database_url, testing=True))
            try:
                written = senim.staff.add_user(username=username, role=role, password=PASSWORD, actor=ADMIN)
                senim.staff.choose_language(written.id, language, actor=ADMIN)
            finally:
                senim.close()
            self.users[key] = username
        return self.users[key]

    @contextlib.contextmanager
    def services(self):
        """This site's services in the test's process; on PostgreSQL they tell the site's worker of
        each write, as the server's own writes do."""
        redis_url = os.environ.get("SENIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15") if self.store == "postgres" else None
        senim = bootstrap(Settings(database_url=self.database_url, redis_url=redis_url, testing=True))
        try:
            yield senim
        finally:
            senim.close()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _start(database_url: str, store: str, redis_url: str | None, log_dir: Path) -> Site:
    port = free_port()
    env = clean_env(SENIM_DATABASE_URL=database_url, SENIM_SECRET_KEY=uuid.uuid4().hex,
                    **({"SENIM_REDIS_URL": redis_url} if redis_url else {}))
    site = Site(url=f"http://127.0.0.1:{port}", database_url=database_url, store=store)
    log_dir.mkdir(parents=True, exist_ok=True)
    serve_log = (log_dir / f"serve-{store}.log").open("w")
    site.processes.append(subprocess.Popen([*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                           env=env, stdout=serve_log, stderr=subprocess.STDOUT))
    if redis_url:
        worker_log = (log_dir / f"worker-{store}.log").open("w")
        site.processes.append(subprocess.Popen([*COMMAND, "worker"], env=env, stdout=worker_log,
                                               stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(site.url + "/readyz", timeout=2).status_code == 200:
                return site
        except requests.RequestException:
            pass
        if site.processes[0].poll() is not None:
            break
        time.sleep(0.2)
    site.stop()
    raise AssertionError(f"senim serve did not become ready; see {log_dir}/serve-{store}.log")


@pytest.fixture(scope="module", params=("sqlite", "postgres"))
def site(request, tmp_path_factory):
    """The app on the embedded default (SQLite, in-process projections) and on PostgreSQL with an RQ worker."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("site")
        site = _start(f"sqlite:///{folder / 'senim.sqlite3'}", "sqlite", None, folder)
        yield site
        site.stop()
        return
    import psycopg
    import redis

    postgres_database = request.getfixturevalue("postgres_database")
    schema = "e2e_" + uuid.uuid4().hex[:10]
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    redis_url = os.environ.get("SENIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        service_missing("Redis", error)
    folder = tmp_path_factory.mktemp("site-pg")
    # Small pools: the server and its worker each hold their own, and the tests of other xdist
    # workers share the server's 100 connections.
    site = _start(f"{postgres_database}?schema={schema}&pool_size=2&max_overflow=4", "postgres", redis_url, folder)
    yield site
    site.stop()
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (scripts/test installs Debian's chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Opens a fresh browser context (its own cookies and storage) and returns its page."""
    contexts = []

    def open_page(locale: str = "ru"):
        # bypass_csp: axe-core is injected as an inline script, which the app's CSP rightly forbids.
        context = browser.new_context(locale=locale, bypass_csp=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, site: Site, username: str, password: str = PASSWORD) -> None:
    page.goto(site.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    # The form's answer is a new page: wait for it to load (never for the network to go quiet, which
    # can happen before the navigation has even started).
    with page.expect_navigation():
        page.click("main button[type=submit]")


def check_accessibility(page, what: str) -> None:
    """axe-core on the page as it stands: no serious or critical violation."""
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [violation for violation in result["violations"] if violation["impact"] in ("serious", "critical")]
    summary = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                "nodes": [node["target"] for node in v["nodes"][:5]]} for v in bad]
    assert not bad, f"axe-core on {what}: " + json.dumps(summary, ensure_ascii=False, indent=1)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
