"""Load-generation helpers shared by the benchmarks: a scratch schema, gunicorn, timed loops, stats.

Everything here measures and reports; nothing asserts a timing.
"""
import argparse
import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("SENIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DATABASE = "senim_bench"
CONTACTS_PATH = "/api/v1/contacts"


# --- a realistic contact ------------------------------------------------------------------------

SUMMARIES = (
    "Күйеуі ішіп келіп, балалардың көзінше ұрып-соғады, үйден қуамын деп қорқытады. "
    "Муж пьёт, бьёт при детях, угрожает выгнать из дома. Обсудили план безопасности, "
    "дала номер кризисного центра и участкового; согласна на консультацию психолога.",
    "Звонит соседка: за стеной каждую ночь крики, женщина просит о помощи. Адрес известен, "
    "рекомендовали позвонить 102, объяснили, как зафиксировать. Көршісі көмек сұрайды.",
    "Бывший партнёр преследует, пишет с разных номеров, угрожает выложить фото. Объяснили "
    "порядок обращения в полицию и охранное предписание, направлена к юристу.",
)


def contact_body(index: int = 0, now: datetime | None = None) -> dict:
    """A consultant's typical record of a helpline call, in the JSON shape the API takes."""
    now = now or datetime.now(timezone.utc)
    return {
        "service": "helpline",
        "channel": ("phone", "whatsapp", "web_chat")[index % 3],
        "started_at": (now - timedelta(minutes=25)).isoformat(),
        "ended_at": (now - timedelta(minutes=3)).isoformat(),
        "contact_type": "counselling",
        "caller": {"role": ("victim", "witness", "relative")[index % 3], "gender": "female",
                   "age": 24 + index % 30, "language": ("kk", "ru")[index % 2],
                   "region": ("almaty", "astana", "karaganda", "turkistan")[index % 4]},
        "categories": ["physical_assault", "psychological_abuse", "economic_violence"][: 1 + index % 3],
        "risk": ["immediate_danger", "children_at_risk"][: index % 3],
        "summary": SUMMARIES[index % len(SUMMARIES)],
        "outcome": ["safety_planning", "psychological_support", "referral_made"][: 1 + index % 3],
        "consent": {"services": True, "reporting": index % 5 != 0},
    }


# --- a scratch database and schema --------------------------------------------------------------

def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def database_url(schema: str, pool_size: int = 8, max_overflow: int = 40) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    return f"{base}?schema={schema}&pool_size={pool_size}&max_overflow={max_overflow}"


@contextmanager
def scratch_schema(prefix: str = "b"):
    """A fresh schema in the bench database, dropped afterwards; the database is created if missing."""
    import psycopg

    try:
        _admin(f"CREATE DATABASE {BENCH_DATABASE}")
    except psycopg.errors.DuplicateDatabase:
        pass
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    base = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# --- the application under test ----------------------------------------------------------------

def build_senim(url: str):
    """Senim on the bench schema, built by the product's composition root."""
    from intake.bootstrap import bootstrap
    from intake.config import Settings

    return bootstrap(Settings(database_url=url, secret_key="bench-secret"))


def add_consultants(senim, count: int) -> list:
    """COUNT consultants, each with a bearer token, as (actor, token)."""
    from domain.actor import Actor

    admin, staff = Actor.system("bench"), []
    for i in range(count):
        written = senim.staff.add_user(username=f"bench-consultant-{i}", role="consultant",
                                       password="correct horse battery", actor=admin)
        token, _ = senim.staff.issue_token(written.id, actor=admin)
        staff.append((senim.staff.get(written.id).as_actor(), token))
    return staff


def server_env(schema: str, threads: int, redis_url: str | None = None, lazy_pool: bool = False) -> dict:
    """What `gunicorn wsgi:app` reads: the bench schema, a pool as big as the worker's threads.

    Without a Redis URL each worker builds projections in a thread (the embedded default); with
    one, commits only enqueue catch-up jobs (production mode; no RQ worker runs in the bench).
    A LAZY_POOL opens connections on demand: several idle servers then fit in max_connections.
    """
    pool_size, overflow = (2, threads) if lazy_pool else (threads, 2)
    return {"SENIM_DATABASE_URL": database_url(schema, pool_size=pool_size, max_overflow=overflow),
            "SENIM_SECRET_KEY": "bench-secret", "SENIM_REDIS_URL": redis_url or ""}


def clear_redis(redis_url: str | None) -> None:
    """Removes the bench's projection jobs and flags from ITS OWN Redis database (never a shared one)."""
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    for pattern in ("senim:*", "rq:*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            client.delete(*keys)


def argument_parser(doc: str, concurrency_help: str) -> argparse.ArgumentParser:
    """A bench's command line: the first line of its docstring, and --concurrency (comma-separated levels)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--concurrency", default="1,8,32", help=concurrency_help)
    return parser


def parse_with_levels(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments, with args.levels: the concurrency levels as numbers."""
    args = parser.parse_args()
    args.levels = [int(n) for n in args.concurrency.split(",")]
    return args


# --- gunicorn -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Gunicorn:
    args: list
    port: int
    process: subprocess.Popen

    @property
    def worker_pids(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                             capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


@contextmanager
def gunicorn(env: dict, *, workers: int = 2, threads: int = 8, log_path: Path | None = None,
             attempts: int = 3):
    """Runs `gunicorn wsgi:app` (gthread) on a free port until the block ends, even on error.

    Workers booting at once on a fresh schema no longer race in CREATE TABLE / CREATE FUNCTION
    (bootstrap holds ViewDatabase.setup_lock); a failed start is still retried, and said so.
    """
    log_path = log_path or Path("/tmp") / f"senim-bench-gunicorn-{uuid.uuid4().hex[:8]}.log"
    for attempt in range(1, attempts + 1):
        port = free_port()
        args = [str(ROOT / ".venv/bin/gunicorn"), "wsgi:app", "--chdir", str(ROOT),
                "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                "--keep-alive", "75", "--backlog", "2048", "--log-level", "warning"]
        with open(log_path, "ab") as log:
            process = subprocess.Popen(args, env={**os.environ, **env}, stdout=log, stderr=log,
                                       start_new_session=True)
        try:
            _wait_ready(port, process)
        except RuntimeError as error:
            _stop(process)
            if attempt == attempts:
                raise
            print(f"  gunicorn did not start ({error}; {_last_error(log_path)}); retrying", flush=True)
            continue
        try:
            yield Gunicorn(args=args[1:], port=port, process=process)
        finally:
            _stop(process)
        return


def _last_error(log_path: Path) -> str:
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if "Error" in line]
    return lines[-1].strip()[:160] if lines else f"see {log_path}"


def wait_for_readyz(port: int, process: subprocess.Popen, *, timeout: float, what: str, see: str = "") -> None:
    """Until the server on PORT answers /readyz with 200; raises if PROCESS exits or TIMEOUT s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}{see}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not become ready{see}")


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 30, settle: float = 3.0) -> None:
    """Until /readyz answers 200 and the master is still up SETTLE s later (all workers booted)."""
    wait_for_readyz(port, process, timeout=timeout, what="gunicorn")
    time.sleep(settle)
    if process.poll() is not None:
        raise RuntimeError(f"gunicorn exited with {process.returncode} after a worker failed to boot")


def _stop(process: subprocess.Popen) -> None:
    """TERM to the gunicorn master we started (it stops its workers), KILL its group if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class ContactClient:
    """One keep-alive HTTP connection per thread posting the same prepared contact."""

    def __init__(self, port: int, token: str, body: dict):
        self.port = port
        self.body = json.dumps(body, ensure_ascii=False).encode()
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection = None

    def post(self) -> None:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("POST", CONTACTS_PATH, body=self.body, headers=self.headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.status != 201:
                raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
            return

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# --- timed loops --------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0


def _machine_ticks() -> tuple[float, float]:
    """(busy, total) seconds of all cores of the machine since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def _bench_backends() -> list[int]:
    """Server processes of the bench database (the pools keep them for the whole scenario)."""
    import psycopg

    base = ADMIN_URL.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    with psycopg.connect(base, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (BENCH_DATABASE,)).fetchall()
    return [row[0] for row in rows]


class CpuProbe:
    """CPU seconds spent by the bench process, the server processes and the bench's Postgres backends,
    and by the machine as a whole: the difference is other people's work on a shared box."""

    def __init__(self, server_pids=list):
        self.server_pids = server_pids

    def read(self) -> dict:
        busy, total = _machine_ticks()
        return {
            "machine": busy, "capacity": total,
            "bench": _proc_cpu_seconds(os.getpid()),
            "server": sum(_proc_cpu_seconds(pid) for pid in self.server_pids()),
            "postgres": sum(_proc_cpu_seconds(pid) for pid in _bench_backends()),
        }


@dataclass
class Result:
    name: str
    concurrency: int
    count: int
    seconds: float
    latencies: list = field(repr=False)
    errors: int = 0
    cpu: dict = field(default_factory=dict, repr=False)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def machine_busy(self) -> float:
        """Share of all cores busy during the window, whoever used them."""
        return self.cpu["machine"] / self.cpu["capacity"] if self.cpu.get("capacity") else float("nan")

    @property
    def others_busy(self) -> float:
        """Share of all cores used by processes that are not part of this benchmark."""
        if not self.cpu.get("capacity"):
            return float("nan")
        ours = self.cpu["bench"] + self.cpu["server"] + self.cpu["postgres"]
        return max(0.0, self.cpu["machine"] - ours) / self.cpu["capacity"]

    def cpu_ms_per_op(self, part: str) -> float:
        return 1000 * self.cpu.get(part, 0.0) / self.count if self.count else float("nan")


class _Window:
    """Collects latencies of operations that started inside the measured window."""

    def __init__(self, start: float, end: float):
        self.start, self.end = start, end
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""

    def record(self, began: float, finished: float, error: Exception | None) -> None:
        if not (self.start <= began < self.end):
            return
        with self.lock:
            if error is None:
                self.latencies.append(finished - began)
            else:
                self.errors += 1
                self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:300]


def _run_threads(target, threads: int) -> None:
    workers = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _timed(op, window: _Window, began: float) -> None:
    """Runs one operation and records its latency from BEGAN, or its error; a benchmark keeps going."""
    error = None
    try:
        op()
    except Exception as exc:  # counted and shown
        error = exc
    window.record(began, time.perf_counter(), error)


def closed_loop(name: str, make_op, *, threads: int, duration: float, warmup: float,
                probe: CpuProbe | None = None) -> Result:
    """THREADS callers each run OP back to back; counts only what starts after the warm-up."""
    ops = [make_op(i) for i in range(threads)]
    begin = time.perf_counter()
    window = _Window(begin + warmup, begin + warmup + duration)

    def loop(i: int) -> None:
        while (began := time.perf_counter()) < window.end:
            _timed(ops[i], window, began)

    cpu = _run_metered(loop, threads, window, probe or CpuProbe())
    _close(ops)
    return Result(name, threads, len(window.latencies), duration, window.latencies, window.errors,
                  cpu, window.first_error)


def paced(name: str, make_op, *, rate: float, duration: float, warmup: float, threads: int = 16,
          probe: CpuProbe | None = None) -> Result:
    """Open loop: the i-th operation is due at start + i/RATE; latency counts from when it was due,
    so a slow response delays the next ones and shows up (no coordinated omission)."""
    ops = [make_op(i) for i in range(threads)]
    tickets = itertools.count()
    begin = time.perf_counter() + 0.05
    window = _Window(begin + warmup, begin + warmup + duration)
    ticket_lock = threading.Lock()

    def loop(i: int) -> None:
        while True:
            with ticket_lock:
                due = begin + next(tickets) / rate
            if due >= window.end:
                return
            time.sleep(max(0.0, due - time.perf_counter()))
            _timed(ops[i], window, due)

    cpu = _run_metered(loop, threads, window, probe or CpuProbe())
    _close(ops)
    return Result(name, threads, len(window.latencies), duration, window.latencies, window.errors,
                  cpu, window.first_error)


def _run_metered(loop, threads: int, window: _Window, probe: CpuProbe) -> dict:
    """Runs the threads; reads the CPU counters when the measured window opens and closes."""
    readings = {}

    def read_cpu_at(moment: float, key: str) -> None:
        time.sleep(max(0.0, moment - time.perf_counter()))
        try:
            readings[key] = probe.read()
        except Exception as error:  # e.g. Postgres out of connections: report, do not hide
            print(f"  (CPU probe failed: {type(error).__name__}: {error})", flush=True)

    samplers = [threading.Thread(target=read_cpu_at, args=(moment, key), daemon=True)
                for moment, key in ((window.start, "start"), (window.end, "end"))]
    for sampler in samplers:
        sampler.start()
    _run_threads(loop, threads)
    for sampler in samplers:
        sampler.join()
    if "start" not in readings or "end" not in readings:
        return {}
    return {key: readings["end"][key] - readings["start"][key] for key in readings["start"]}


def _close(ops) -> None:
    for op in ops:
        close = getattr(getattr(op, "__self__", None), "close", None)
        if close:
            close()
