"""Real `senim worker` processes, a private Redis server, and exact counts of the read models, for fault tests."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from domain.actor import Actor
from domain.contact import Contact
from projections.contact_stats import count_contacts

SENIM = Path(sys.executable).with_name("senim")
COMMAND = [str(SENIM)] if SENIM.exists() else [sys.executable, "-m", "intake.cli"]
CHANNELS = ("phone", "whatsapp", "web_chat", "email")
ROLES = ("victim", "witness", "relative", "aggressor")
EVER = (date(2000, 1, 1), date(2100, 1, 1))


def clean_env(**senim_vars) -> dict:
    """The caller's environment without any SENIM_ setting, so only what the test sets applies."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENIM_")}
    return {**env, **senim_vars}


def wait_until(condition, *, timeout: float, what: str, pause: float = 0.05, explain=lambda: ""):
    """Polls condition() until it returns something truthy; fails with `what` (and explain()) after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s. {explain()}")
        time.sleep(pause)


class WorkerProcess:
    """`senim worker` as an operator starts it, in its own process group (with RQ's scheduler child)."""

    def __init__(self, cwd: Path, database_url: str, redis_url: str, label: str = "worker"):
        self.log_path = cwd / f"{label}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [*COMMAND, "worker", "--sweep-seconds", "1"], cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
            env=clean_env(SENIM_DATABASE_URL=database_url, SENIM_REDIS_URL=redis_url,
                          # Batches small enough that a kill lands in the middle of one.
                          SENIM_PROJECTION_BATCH_SIZE="200"),
            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL to the worker itself: no finally block, no lock release, no rollback by the worker."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ends the whole group, including a scheduler child that a killed worker left orphaned."""
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"\n--- {self.log_path.name} ---\n" + "\n".join(text[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server this test starts and stops, so Redis can really go down and come back."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port} answers")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def a_consultant() -> Actor:
    return Actor(user_id=str(uuid.uuid4()), username="aigerim", role="consultant")


def contact_fields(index: int, now: datetime | None = None) -> dict:
    """The fields of the index-th contact of a varied, deterministic stream of calls and chats."""
    now = now or datetime.now(timezone.utc)
    return {
        "service": "helpline",
        "channel": CHANNELS[index % len(CHANNELS)],
        "started_at": now - timedelta(hours=1, seconds=37 * index),
        "contact_type": "counselling",
        "caller": {"role": ROLES[index % len(ROLES)], "region": "almaty"},
        "categories": ["physical_assault"] if index % 3 else ["psychological_abuse", "economic_violence"],
        "consent": {"services": True, "reporting": index % 5 != 0},
    }


def record_contacts(senim, count: int, *, chunk: int = 500, start: int = 0) -> Counter:
    """Records `count` contacts, several per commit (as ContactService.record does one); returns them by channel."""
    actor, now = a_consultant(), datetime.now(timezone.utc)
    channels: Counter = Counter()
    for first in range(start, start + count, chunk):
        contacts = []
        for index in range(first, min(start + count, first + chunk)):
            fields = contact_fields(index, now)
            channels[fields["channel"]] += 1
            contacts.append(Contact.record(actor=actor, **fields))
        senim.store.commit(*contacts)
    return channels


def lagging(senim) -> dict[str, int]:
    """Per projection, how many events of the types it handles it has yet to read. Events it passes
    over are no work: a projection that no commit concerned is not behind (the sweep moves it on)."""
    behind = {}
    for row in senim.projections.status():
        if not row["lag"]:
            continue
        topics = sorted(senim.projections.get(row["name"]).handled_topics())
        pending = senim.store.recorder.select_notifications(
            start=row["position"], limit=row["lag"], topics=topics, inclusive_of_start=False)
        if pending:
            behind[row["name"]] = len(pending)
    return behind


def assert_counted_exactly_once(senim, channels: Counter) -> None:
    """Journal numbers 1..N gap-free, one row per contact; statistics total and per-channel counts exact."""
    expected = sum(channels.values())
    with senim.views.transaction(write=False) as tx:
        numbered = tx.execute("SELECT year, registration_number FROM journal_rows WHERE service = 'helpline' "
                              "ORDER BY year, registration_number").fetchall()
        last_number = tx.scalar("SELECT SUM(last_number) FROM journal_counters WHERE service = 'helpline'", (), 0)
        facts = tx.scalar("SELECT COUNT(*) FROM contact_facts", (), 0)
        by_channel = count_contacts(tx, date_from=EVER[0], date_to=EVER[1], group_by=["channel"])
        by_role = count_contacts(tx, date_from=EVER[0], date_to=EVER[1], group_by=["caller_role", "channel"])
    assert len(numbered) == expected, f"journal has {len(numbered)} rows for {expected} contacts"
    for year in {year for year, _ in numbered}:  # one year, unless the test ran across New Year in Almaty
        numbers = [number for each, number in numbered if each == year]
        assert numbers == list(range(1, len(numbers) + 1)), f"{year}: registration numbers are not 1..N without gaps"
    assert last_number == expected
    assert facts == expected
    assert by_channel["total"] == expected
    assert {row["channel"]: row["count"] for row in by_channel["rows"]} == dict(channels)
    assert sum(row["count"] for row in by_role["rows"]) == expected
