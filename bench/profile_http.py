"""Where does POST /api/v1/contacts spend its time, and what would lift it toward the recorder's ceiling?

1. Step costs, in-process and single-threaded (no contention): auth, validation, domain, encoding,
   a pool checkout, the commit, the raw insert, and a whole request through Flask's test client.
2. py-spy on the gunicorn workers under load: CPU per request by category (`--rate` samples/s of
   each thread's on-CPU time), and, with --idle, how the request threads' wall time splits.
3. pg_stat_activity sampled every 10 ms: what the bench's Postgres backends are doing (waiting
   for the events-table lock, flushing WAL, waiting for the app inside a transaction, idle).

Run: `.venv/bin/python bench/profile_http.py [--clients 8] [--duration 10] [--redis URL]`.
py-spy is not a project dependency: pass --py-spy PATH (default: `py-spy` on PATH).
"""
import argparse
import collections
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench import harness  # noqa: E402

# First matching category wins; its markers are looked up anywhere in the stack. Decorators that wrap
# every view (webargs' and flask-smorest's wrappers, the thread pool's _worker) are in every request's
# stack, so only the innermost, specific frames may serve as markers (or come last, as gunicorn does).
CATEGORIES = (
    ("in-process projection runner (not the request)", ("InProcessRunner",)),
    ("auth: User (the ApiToken is read once per process)", ("authenticate_token",)),
    ("pool checkout + pre-ping", ("getconn (psycopg_pool", "check_connection")),
    ("event encoding (mapper)", ("to_stored_event",)),
    ("after-commit trigger", ("_announce",)),
    ("store: commit (group commit: leading a batch or waiting)",
     ("commit (intake/adapters/store.py", "intake/adapters/group_commit.py", "insert_events (eventsourcing")),
    ("domain: Contact.record", ("record (domain/contact.py",)),
    ("request parse + marshmallow load", ("Parser.parse (webargs", "Schema._do_load", "get_json")),
    ("response (marshmallow dump, json)", ("Schema.dump (marshmallow", "JSONProvider.response", "JSONProvider.dumps")),
    ("flask/werkzeug", ("flask/", "werkzeug/")),
    ("gunicorn (http, sockets, loop, thread hand-off)", ("gunicorn/", "_worker (concurrent/futures")))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/tools/bin/py-spy")
    parser.add_argument("--redis", default=None, help="SENIM_REDIS_URL for gunicorn (a Redis db of its own)")
    parser.add_argument("--shared-token", action="store_true", help="all clients use one token")
    return parser.parse_args()


# --- 1. step costs ------------------------------------------------------------------------------

def per_call_ms(fn, n: int = 400) -> tuple[float, float]:
    """(wall, CPU of this thread) milliseconds per call: CPU time is what other load cannot inflate much."""
    for _ in range(20):
        fn()
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - wall) / n * 1000, (time.thread_time() - cpu) / n * 1000


def step_costs(senim, staff) -> list[tuple[str, float]]:
    from uuid import UUID, uuid4

    from eventsourcing.persistence import StoredEvent

    from domain.contact import Contact
    from intake import create_app
    from intake.api.schemas import ContactIn

    actor, token = staff[0]
    body = harness.contact_body(0)
    schema = ContactIn()  # built once, as the API does
    fields = schema.load(body)
    store, user_id = senim.store, UUID(actor.user_id)
    state = store.mapper.to_stored_event(Contact.record(actor=actor, **fields).collect_events()[0]).state
    senim.start_background = lambda: None  # the request alone: the projection runner is timed in 2a
    client = create_app(senim.settings, senim=senim).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    def post():
        response = client.post("/api/v1/contacts", json=body, headers=headers)
        assert response.status_code == 201, response.json

    def pool_checkout():
        with store.recorder.datastore.get_connection():
            pass

    return [
        ("pool checkout (with pre-ping round trip)", per_call_ms(pool_checkout)),
        ("load User (aggregate cache: fast-forward SELECT, deepcopy)", per_call_ms(lambda: senim.staff.get(user_id))),
        ("authenticate_token (cached ApiToken + User)", per_call_ms(lambda: senim.staff.authenticate_token(token))),
        ("ContactIn.load(body) (marshmallow)", per_call_ms(lambda: schema.load(body))),
        ("Contact.record + to_stored_event (no I/O)",
         per_call_ms(lambda: store.mapper.to_stored_event(Contact.record(actor=actor, **fields).collect_events()[0]))),
        ("raw insert_events, 1 event", per_call_ms(lambda: store.recorder.insert_events(
            [StoredEvent(uuid4(), 1, "domain.contact:Contact.Recorded", state)]))),
        ("ContactService.record (domain + commit)", per_call_ms(lambda: senim.contacts.record(fields, actor=actor))),
        ("POST via Flask test client (everything but gunicorn)", per_call_ms(post)),
    ]


# --- 2. py-spy ----------------------------------------------------------------------------------

def py_spy(pyspy: str, pid: int, seconds: float, rate: int, out: Path, idle: bool) -> subprocess.Popen:
    args = [pyspy, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", str(rate),
            "--duration", str(int(seconds)), "--nonblocking", "--output", str(out)]
    if idle:
        args.append("--idle")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def categorise(stack: str) -> str:
    for name, markers in CATEGORIES:
        if any(marker in stack for marker in markers):
            return name
    return "other"


def read_profile(path: Path, only_requests: bool) -> collections.Counter:
    """Samples per category; with ONLY_REQUESTS, only threads that are inside a request."""
    samples = collections.Counter()
    for line in path.read_text().split("\n"):
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # py-spy wraps a sample's line when a frame name holds a newline
            continue
        if only_requests and "handle_request (gunicorn" not in stack:
            continue
        samples[categorise(stack)] += int(count)
    return samples


# --- 3. Postgres activity -----------------------------------------------------------------------

class PgActivity:
    """Samples what the bench database's backends are doing, until stopped."""

    def __init__(self):
        self.counts = collections.Counter()
        self.ticks = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        base = harness.ADMIN_URL.rsplit("/", 1)[0] + "/" + harness.BENCH_DATABASE
        with psycopg.connect(base, autocommit=True) as conn:
            while not self.stopping.wait(0.01):
                self.ticks += 1
                for row in conn.execute(
                        "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                        (harness.BENCH_DATABASE,)):
                    self.counts[self.describe(*row)] += 1

    @staticmethod
    def describe(state, wait_type, wait_event, query) -> str:
        statement = " ".join((query or "").split()[:2]).upper()
        if state == "active" and wait_type == "Lock" and statement.startswith("LOCK TABLE"):
            return "waiting for the events-table lock (LOCK TABLE)"
        if state == "active" and wait_type:
            return f"active, {wait_type}:{wait_event} ({statement or '?'})"
        if state == "active":
            return f"active, on CPU ({statement or '?'})"
        if state == "idle in transaction":
            return f"idle in transaction, waiting for the app (after {statement or '?'})"
        return state or "unknown"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


# --- the run ------------------------------------------------------------------------------------

def print_shares(title: str, counts: collections.Counter, per_request_ms: float | None = None) -> None:
    total = sum(counts.values()) or 1
    print(f"\n{title}")
    for name, count in counts.most_common():
        extra = f"  {per_request_ms * count / total:6.2f} ms/request" if per_request_ms else ""
        print(f"  {name:<60}{count / total:6.1%}{extra}")


def print_backends(activity: PgActivity, top: int = 10) -> None:
    """The average number of the bench's client backends in each state, busiest first."""
    ticks = activity.ticks or 1
    print(f"\n3. Postgres client backends of the bench database: average number in each state "
          f"({activity.ticks} samples of pg_stat_activity)")
    ranked = activity.counts.most_common()
    for name, count in ranked[:top]:
        print(f"  {name:<68}{count / ticks:6.2f}")
    rest = sum(count for _, count in ranked[top:])
    if rest:
        print(f"  {'everything else':<68}{rest / ticks:6.2f}")


def load_under_profile(server, staff, args, out_dir: Path) -> dict:
    """Closed-loop load for warm-up + 2 profiles; py-spy CPU, then py-spy wall, plus PG sampling."""
    def make_op(i):
        token = staff[0 if args.shared_token else i % len(staff)][1]
        return harness.ContactClient(server.port, token, harness.contact_body(i)).post

    results = {}
    loader = threading.Thread(target=lambda: results.setdefault("load", harness.closed_loop(
        "http", make_op, threads=args.clients, duration=3 * args.duration + 20, warmup=2,
        probe=harness.CpuProbe(lambda: [server.process.pid, *server.worker_pids]))))
    t0 = time.perf_counter()
    loader.start()
    time.sleep(2)
    with PgActivity() as activity:
        cpu = py_spy(args.py_spy, server.process.pid, args.duration, args.rate, out_dir / "cpu.txt", idle=False)
        cpu.wait()
        print(f"  cpu profile done at {time.perf_counter() - t0:.1f} s, rc {cpu.returncode}", flush=True)
        wall = py_spy(args.py_spy, server.process.pid, args.duration, args.rate, out_dir / "wall.txt", idle=True)
        wall.wait()
        print(f"  wall profile done at {time.perf_counter() - t0:.1f} s, rc {wall.returncode}", flush=True)
    loader.join()
    results["pg"] = activity
    return results


def main() -> None:
    args = parse_args()
    out_dir = Path("/tmp/senim-profile")
    out_dir.mkdir(exist_ok=True)
    with harness.scratch_schema("p") as schema:
        senim = harness.build_senim(harness.database_url(schema, pool_size=4))
        try:
            staff = harness.add_consultants(senim, max(1, args.clients))
            print(f"1. step costs, in-process, one thread      {'wall ms':>8}{'cpu ms':>8}")
            for name, (wall, cpu) in step_costs(senim, staff):
                print(f"  {name:<56}{wall:8.2f}{cpu:8.2f}")
        finally:
            senim.close()
        env = harness.server_env(schema, args.threads, args.redis)
        with harness.gunicorn(env, workers=args.workers, threads=args.threads) as server:
            print(f"\nserver: gunicorn {' '.join(server.args)}; {args.clients} clients"
                  f"{' sharing one token' if args.shared_token else ', one token each'}")
            try:
                results = load_under_profile(server, staff, args, out_dir)
            finally:
                harness.clear_redis(args.redis)
    load = results["load"]
    print(f"load while profiling: {load.rate:.0f} contacts/s, p50 {load.p50:.1f} ms, p99 {load.p99:.1f} ms, "
          f"gunicorn CPU {load.cpu_ms_per_op('server'):.2f} ms/request, Postgres backends "
          f"{load.cpu_ms_per_op('postgres'):.2f} ms/request, others used {load.others_busy:.0%} of the cores")
    print_shares("2a. gunicorn on-CPU samples by category (all threads)",
                 read_profile(out_dir / "cpu.txt", only_requests=False), load.cpu_ms_per_op("server"))
    print_shares("2b. wall time of request-handling threads by category (py-spy --idle)",
                 read_profile(out_dir / "wall.txt", only_requests=True), load.p50)
    print_backends(results["pg"])
    print(f"\nraw py-spy stacks: {out_dir}/cpu.txt, {out_dir}/wall.txt")


if __name__ == "__main__":
    main()
