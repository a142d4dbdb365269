"""How fast do the projections keep up, rebuild and answer, on PostgreSQL?

On one fresh schema of the `senim_bench` database (dropped afterwards), in one run:
  1. a year of contacts (default 1,000,000) is written straight to the event store in batches;
  2. scan:    a raw select_notifications(limit=1000) scan of the whole log, events/s;
  3. rebuild: `senim projections rebuild [NAME]` in a subprocess (one process, as a worker would run it):
              seconds, events/s per projection next to the raw scan, and the peak RSS of that process;
              then all of them together, in one pass over the log (issue 18);
  4. query:   12-month statistics with two group-by dimensions, p50/p95 over many pairs;
  5. lag:     a real `senim worker` with Redis while contacts are recorded at 100/s: p50/p99 from
              commit to visible in the journal.
Targets (printed beside the figures, never asserted): scan ratio ≥ 0.5, rebuild ≤ 60 s and
≤ 300 MB, query p95 ≤ 100 ms, lag p99 ≤ 1 s.
Run: `.venv/bin/python bench/projections.py [--contacts N] [--quick]`.
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # keep bench/ from shadowing the packages

from bench import harness  # noqa: E402
from domain.actor import Actor  # noqa: E402
from domain.contact import Contact  # noqa: E402
from intake.config import Settings  # noqa: E402

YEAR = 2025
REDIS_URL = os.environ.get("SENIM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
WEIGHTED = {  # skewed like a real helpline: most calls are by phone, from women, about violence at home
    "channel": (["phone", "whatsapp", "web_chat", "telegram", "in_person", "video"], [60, 20, 10, 5, 3, 2]),
    "contact_type": (["counselling", "information", "silent", "hang_up", "prank", "wrong_number"],
                     [55, 20, 10, 8, 4, 3]),
    "role": (["victim", "witness", "relative", "aggressor", "potential_victim", "professional"],
             [55, 10, 15, 8, 8, 4]),
    "gender": (["female", "male", "unknown"], [78, 18, 4]),
    "language": (["kk", "ru", "en"], [48, 50, 2]),
    "settlement": (["urban", "rural", "unknown"], [60, 30, 10]),
}
REGIONS = ["abai", "akmola", "aktobe", "almaty_region", "atyrau", "east_kazakhstan", "jambyl", "jetisu",
           "karaganda", "kostanay", "kyzylorda", "mangystau", "north_kazakhstan", "pavlodar", "turkistan",
           "ulytau", "west_kazakhstan", "astana", "almaty", "shymkent"]
CATEGORIES = ["physical_assault", "psychological_abuse", "economic_violence", "sexual_assault", "stalking",
              "family_conflict", "information_request", "mental_health"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 contacts and a short lag run")
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--only-all", action="store_true", help="skip the rebuilds of one projection at a time")
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.lag_seconds, args.queries = 50_000, 8.0, 30
    return args


def a_year_of_contacts(count: int, actor: Actor, seed: int = 2025):
    """Contacts spread over the year (more at night and in winter), as the consultant recorded them."""
    rng = random.Random(seed)
    start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
    seconds = 365 * 24 * 3600
    recorded_at = datetime(YEAR + 1, 1, 2, tzinfo=timezone.utc)
    offsets = sorted(rng.randrange(seconds) for _ in range(count))
    for offset in offsets:
        pick = {key: rng.choices(values, weights)[0] for key, (values, weights) in WEIGHTED.items()}
        began = start + timedelta(seconds=offset)
        yield Contact.record(
            actor=actor, now=recorded_at, service="helpline" if rng.random() < 0.9 else "family_service",
            channel=pick["channel"], started_at=began, ended_at=began + timedelta(minutes=rng.randrange(1, 60)),
            contact_type=pick["contact_type"],
            caller={"role": pick["role"], "gender": pick["gender"], "age": rng.randrange(12, 80),
                    "language": pick["language"], "region": rng.choice(REGIONS), "settlement": pick["settlement"]},
            categories=rng.sample(CATEGORIES, rng.choice([0, 1, 1, 1, 2, 2, 3])),
            risk=["immediate_danger"] if rng.random() < 0.1 else [],
            summary="Қоңырау шалушы көмек сұрады. Звонившая просила о помощи.",
            outcome=["psychological_support"], consent={"services": True, "reporting": rng.random() < 0.85},
        )


def write_log(senim, count: int) -> float:
    actor = Actor(user_id=None, username="bench-consultant", role="consultant")
    began = time.perf_counter()
    batch = []
    for contact in a_year_of_contacts(count, actor):
        batch.append(contact)
        if len(batch) == 2000:
            senim.store.save(*batch)
            batch.clear()
    if batch:
        senim.store.save(*batch)
    return time.perf_counter() - began


def raw_scan(senim) -> tuple[int, float]:
    """The ceiling for a catch-up: reading the log in pages of 1,000, doing nothing with it."""
    began, position, read = time.perf_counter(), 0, 0
    while True:
        page = senim.store.recorder.select_notifications(start=position, limit=1000, inclusive_of_start=False)
        if not page:
            return read, time.perf_counter() - began
        read += len(page)
        position = page[-1].id


def rebuild(url: str, name: str | None) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `senim projections rebuild [NAME]` (all: together, one pass over the log)."""
    env = {**os.environ, "SENIM_DATABASE_URL": url}
    env.pop("SENIM_REDIS_URL", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "intake.cli", "projections", "rebuild", *([name] if name else [])],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far, in KB
    return seconds, max(before, peak) / 1024


def query_timings(senim, runs: int) -> list[float]:
    from projections.contact_stats import STORED_DIMENSIONS, count_contacts

    pairs = list(combinations([d for d in STORED_DIMENSIONS], 2)) + [("month", "channel"), ("service", "region")]
    rng = random.Random(1)
    timings = []
    for _ in range(runs):
        pair = list(rng.choice(pairs))
        began = time.perf_counter()
        with senim.views.transaction(write=False) as tx:
            count_contacts(tx, date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), group_by=pair)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def lag_under_load(url: str, seconds: float, rate: float = 100.0, workers: int = 1) -> list[float]:
    """Commit-to-journal lag of contacts recorded at `rate` per second with real workers running."""
    from intake.bootstrap import bootstrap

    harness.clear_redis(REDIS_URL)
    env = {**os.environ, "SENIM_DATABASE_URL": url, "SENIM_REDIS_URL": REDIS_URL}
    running = [subprocess.Popen([sys.executable, "-m", "intake.cli", "worker", "--sweep-seconds", "1"], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    senim = bootstrap(Settings(database_url=url, redis_url=REDIS_URL, secret_key="bench"))
    try:
        _wait_caught_up(senim, timeout=600)
        committed: dict[int, float] = {}
        seen: list[float] = []
        done = threading.Event()

        def watch():
            while not done.is_set() or committed:
                position = senim.projections.position("journals")
                now = time.perf_counter()
                for pos in [p for p in committed if p <= position]:
                    seen.append((now - committed.pop(pos)) * 1000)
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        actor = Actor(user_id=None, username="bench-consultant", role="consultant")
        body = harness.contact_body()
        body = {k: v for k, v in body.items()}
        from intake.api.schemas import ContactIn
        fields = ContactIn().load(body)
        began = time.perf_counter()
        for i in range(int(seconds * rate)):
            time.sleep(max(0.0, began + i / rate - time.perf_counter()))
            written = senim.contacts.record(dict(fields), actor=actor)
            committed[written.position] = time.perf_counter()
        deadline = time.perf_counter() + 30
        while committed and time.perf_counter() < deadline:
            time.sleep(0.05)
        done.set()
        watcher.join(timeout=5)
        return seen
    finally:
        for worker in running:
            worker.terminate()
            worker.wait(timeout=30)
        senim.close()


def _wait_caught_up(senim, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(row["lag"] for row in senim.projections.status()):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not catch up")
        time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def main():
    args = parse_args()
    print(f"bench/projections.py: {args.contacts:,} contacts, PostgreSQL, {os.cpu_count()} cores")
    with harness.scratch_schema("p") as schema:
        url = harness.database_url(schema, pool_size=2, max_overflow=4)
        senim = harness.build_senim(url)
        try:
            wrote = write_log(senim, args.contacts)
            print(f"wrote {args.contacts:,} events in {wrote:.1f} s ({args.contacts / wrote:,.0f}/s)")
            read, scan_seconds = raw_scan(senim)
            scan_rate = read / scan_seconds
            print(f"\nraw scan      {read:,} events in {scan_seconds:.1f} s = {scan_rate:,.0f} events/s")
            for name in [] if args.only_all else senim.projections.registry:
                seconds, rss = rebuild(url, name)
                rate = read / seconds
                print(f"rebuild {name:<14} {seconds:6.1f} s = {rate:,.0f} events/s, ratio to scan "
                      f"{rate / scan_rate:.2f} (target ≥ 0.5), peak RSS {rss:.0f} MB")
            seconds, peak = rebuild(url, None)
            print(f"rebuild all (one pass) {seconds:6.1f} s = {read / seconds:,.0f} events/s, ratio to scan "
                  f"{read / seconds / scan_rate:.2f} (target ≥ 0.5), ≤ 60 s for a million; peak RSS {peak:.0f} MB "
                  f"(target ≤ 300 MB)")
            timings = query_timings(senim, args.queries)
            print(f"\n12-month stats, two dimensions, {len(timings)} queries: p50 {statistics.median(timings):.1f} ms, "
                  f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms (target p95 ≤ 100 ms)")
        finally:
            senim.close()
        print()
        for workers in (1, 2):
            lags = lag_under_load(url, args.lag_seconds, workers=workers)
            print(f"lag commit → journal at 100 contacts/s, {workers} worker(s), {len(lags)} contacts: "
                  f"p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms, max {max(lags):.0f} ms "
                  f"(target p99 ≤ 1000 ms)")


if __name__ == "__main__":
    main()
