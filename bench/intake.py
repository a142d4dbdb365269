"""How fast can Senim record contacts on PostgreSQL, and how close does it get to the event store?

Three layers are timed on one fresh schema in the `senim_bench` database (dropped afterwards):
  (a) service  ContactService.record, in-process, with 1/8/32 threads;
  (b) http     POST /api/v1/contacts against `gunicorn wsgi:app -w 2 -k gthread --threads 8` (a worker
               per core, threads to overlap database round trips; 2x4, 4x4 and 3x8 measured within
               noise of it), with 1/8/32 keep-alive clients each using its own consultant's token,
               plus a paced run at 100 contacts/s (latency counted from when each was due);
  (c) raw      store.recorder.insert_events([one StoredEvent]) per transaction, 1/8/32 threads,
               with the state of a real encoded Contact.Recorded event.
(c) is the ceiling of one-event transactions with the library's Postgres recorder (it locks the
events table per insert), so (b)/(c) at the same concurrency says how much of it the HTTP path uses.
(a) and (b) go through the product as it is: on PostgreSQL SenimStore group-commits the commands of
concurrent threads of one process (intake/adapters/group_commit.py), so they may exceed (c), which does not.
Figures are printed, never asserted. Run: `.venv/bin/python bench/intake.py [--quick]`.
`--redis redis://127.0.0.1:6379/13` runs (b) in production mode: commits enqueue projection jobs
instead of each gunicorn worker building projections in a thread (use a Redis db of its own).
"""
import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # this script is bench/intake.py: keep it from shadowing the intake package

from eventsourcing.persistence import StoredEvent  # noqa: E402

from bench import harness  # noqa: E402
from domain.actor import Actor  # noqa: E402
from domain.contact import Contact  # noqa: E402
from intake.api.schemas import ContactIn  # noqa: E402
from intake.bootstrap import Senim  # noqa: E402

PACED_RATE = 100.0
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.8


def parse_args() -> argparse.Namespace:
    parser = harness.argument_parser(__doc__, "threads/clients, comma-separated")
    parser.add_argument("--quick", action="store_true", help="3 s per scenario instead of 10 s")
    parser.add_argument("--duration", type=float, help="seconds measured per scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 cores)")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn gthread threads per worker")
    parser.add_argument("--redis", default=None, help="SENIM_REDIS_URL for gunicorn (a Redis db of its own)")
    parser.add_argument("--only", default="abc", help="which of the scenarios a, b, c to run")
    args = harness.parse_with_levels(parser)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = 1.0 if args.quick else 2.0
    return args


# --- setup --------------------------------------------------------------------------------------

def recorded_event_state(body: dict, actor: Actor, senim: Senim) -> bytes:
    """The stored state of a real Contact.Recorded event, so (c) writes rows of the same size."""
    contact = Contact.record(actor=actor, **ContactIn().load(body))
    return senim.store.mapper.to_stored_event(contact.collect_events()[0]).state


# --- scenarios ----------------------------------------------------------------------------------

def service_scenario(senim: Senim, staff, args) -> list:
    def make_op(i: int):
        fields, actor = ContactIn().load(harness.contact_body(i)), staff[i][0]
        return lambda: senim.contacts.record(fields, actor=actor)

    return [harness.closed_loop("(a) service", make_op, threads=n, duration=args.duration,
                                warmup=args.warmup) for n in args.levels]


def raw_scenario(senim: Senim, state: bytes, args) -> list:
    recorder = senim.store.recorder
    topic = f"{Contact.__module__}:{Contact.__qualname__}.Recorded"

    def make_op(_: int):
        return lambda: recorder.insert_events([StoredEvent(originator_id=uuid4(), originator_version=1,
                                                           topic=topic, state=state)])

    return [harness.closed_loop("(c) raw recorder", make_op, threads=n, duration=args.duration,
                                warmup=args.warmup) for n in args.levels]


def http_scenario(schema: str, staff, args) -> tuple[list, str]:
    env = harness.server_env(schema, args.threads, args.redis)
    log = Path("/tmp") / f"senim-bench-gunicorn-{schema}.log"
    with harness.gunicorn(env, workers=args.workers, threads=args.threads, log_path=log) as server:
        described = "gunicorn " + " ".join(server.args) + (
            f" (SENIM_REDIS_URL={args.redis})" if args.redis else " (no Redis: in-process projections)")
        print(f"  server: {described}", flush=True)

        def make_op(i: int):
            return harness.ContactClient(server.port, staff[i % len(staff)][1], harness.contact_body(i)).post

        probe = harness.CpuProbe(lambda: [server.process.pid, *server.worker_pids])
        results = [harness.closed_loop("(b) http", make_op, threads=n, duration=args.duration,
                                       warmup=args.warmup, probe=probe) for n in args.levels]
        results.append(harness.paced(f"(b) http paced {PACED_RATE:.0f}/s", make_op, rate=PACED_RATE,
                                     duration=args.duration, warmup=1.0, probe=probe))
    return results, described


# --- report -------------------------------------------------------------------------------------

def environment() -> str:
    import psycopg

    with psycopg.connect(harness.ADMIN_URL) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return (f"senim {commit}, Python {platform.python_version()}, PostgreSQL {pg} "
            f"(synchronous_commit={sync}), {os.cpu_count()} cores")


COLUMNS = (f"{'scenario':<24}{'conc':>5}{'ops/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'err':>5}"
           f"{'cpu ms/op: bench':>18}{'gunicorn':>9}{'pg':>6}{'busy':>6}{'others':>7}")


def row(r) -> str:
    return (f"{r.name:<24}{r.concurrency:>5}{r.rate:>8.0f}{r.p50:>8.1f}{r.p99:>8.1f}{r.errors:>5}"
            f"{r.cpu_ms_per_op('bench'):>18.2f}{r.cpu_ms_per_op('server'):>9.2f}"
            f"{r.cpu_ms_per_op('postgres'):>6.2f}{r.machine_busy:>6.0%}{r.others_busy:>7.0%}")


def print_result(result) -> None:
    print("  " + row(result), flush=True)
    if result.first_error:
        print(f"    first error: {result.first_error}", flush=True)


def print_table(results: list, server: str, args) -> None:
    width = len(COLUMNS)
    print("\n" + "=" * width)
    print(COLUMNS)
    print("-" * width)
    for r in results:
        print(row(r))
    print("-" * width)
    print("cpu ms/op: CPU time per contact of the bench process (the app itself in (a) and (c), the HTTP\n"
          "clients in (b)), of the gunicorn processes and of the bench's Postgres backends. busy: share of\n"
          "both cores used during the window; others: the part of it not used by those processes, i.e.\n"
          "other people's work on a shared machine plus kernel time (WAL flushes) and Postgres' own\n"
          "background processes. With high 'others', compare variants with bench/interleave.py.")
    by = {(r.name, r.concurrency): r for r in results}
    for n in args.levels:
        http, raw, svc = by.get(("(b) http", n)), by.get(("(c) raw recorder", n)), by.get(("(a) service", n))
        if raw and http:
            print(f"(b)/(c) at {n:>2}: {http.rate / raw.rate:5.2f}  (target >= {TARGET_RATIO})"
                  + (f"   (a)/(c): {svc.rate / raw.rate:5.2f}" if svc else ""))
    paced_run = next((r for r in results if "paced" in r.name), None)
    if paced_run:
        verdict = "meets" if paced_run.p99 <= TARGET_P99_MS else "misses"
        print(f"paced {PACED_RATE:.0f}/s: p99 {paced_run.p99:.1f} ms ({verdict} the {TARGET_P99_MS:.0f} ms target)")
    if server:
        print(f"server: {server}")
    print("=" * width)


def main() -> None:
    args = parse_args()
    print(environment())
    print(f"{args.duration:.0f} s measured per scenario after {args.warmup:.0f} s warm-up", flush=True)
    results, server = [], ""
    with harness.scratch_schema() as schema:
        senim = harness.build_senim(harness.database_url(schema, pool_size=max(args.levels)))
        try:
            staff = harness.add_consultants(senim, max(args.levels))
            state = recorded_event_state(harness.contact_body(0), staff[0][0], senim)
            print(f"schema {schema}; {len(staff)} consultants; event state {len(state)} bytes", flush=True)
            print("  " + COLUMNS, flush=True)
            if "a" in args.only:
                results += run_and_print(lambda: service_scenario(senim, staff, args))
            if "c" in args.only:
                results += run_and_print(lambda: raw_scenario(senim, state, args))
            if "b" in args.only:
                http_results, server = http_scenario(schema, staff, args)
                for r in http_results:
                    print_result(r)
                results += http_results
        finally:
            senim.close()
            harness.clear_redis(args.redis)
    print_table(results, server, args)


def run_and_print(scenario) -> list:
    started = time.perf_counter()
    results = scenario()
    for r in results:
        print_result(r)
    print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    return results


if __name__ == "__main__":
    main()
