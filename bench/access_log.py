"""What does noting every read in the access log cost a read? GET /api/v1/contacts/{id}, timed through
Flask's test client (no network), with access recording on (the real AccessLog, its flusher thread
writing batches meanwhile) and off (a log that notes nothing), in alternating rounds so drift hits
both alike; on SQLite, and on PostgreSQL when it answers. Also the cost of record() alone.

Run: `.venv/bin/python bench/access_log.py [--reads 3000] [--rounds 10] [--sqlite-only]`.
Measures and prints; asserts nothing.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench import harness  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=3000, help="GETs per mode")
    parser.add_argument("--rounds", type=int, default=10, help="alternations of the two modes")
    parser.add_argument("--sqlite-only", action="store_true")
    return parser.parse_args()


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, statistics.fmean(ordered)


def measure(url: str, label: str, reads: int, rounds: int) -> None:
    from intake import create_app
    from intake.services.access import AccessLog

    senim = harness.build_senim(url)
    try:
        app = create_app(senim.settings, senim=senim)
        client = app.test_client()
        actor, token = harness.add_consultants(senim, 1)[0]
        headers = {"Authorization": f"Bearer {token}"}
        created = client.post(harness.CONTACTS_PATH, json=harness.contact_body(), headers=headers)
        assert created.status_code == 201, created.json
        path = f"{harness.CONTACTS_PATH}/{created.json['id']}"
        recording, silent = senim.access, AccessLog(None)  # the real log; one that notes nothing
        for _ in range(200):  # warm caches and connections
            client.get(path, headers=headers)
        timings = {"on": [], "off": []}
        per_round = max(reads // rounds, 1)
        for _ in range(rounds):
            for mode, log in (("off", silent), ("on", recording)):
                senim.access = log
                for _ in range(per_round):
                    began = time.perf_counter()
                    response = client.get(path, headers=headers)
                    timings[mode].append(time.perf_counter() - began)
                    assert response.status_code == 200
        senim.access = recording
        written_before = recording.written_entries
        recording.flush()
        events, entries = recording.written_events, recording.written_entries

        began = time.perf_counter()
        n = 100_000
        probe = AccessLog(senim.store, background=False, max_buffered=n)
        for _ in range(n):
            probe.record(actor, "contact", created.json["id"], remote_addr="127.0.0.1")
        record_us = (time.perf_counter() - began) / n * 1e6

        flush_ms, project_ms = [], []  # the background work per batch, timed in the foreground
        batcher = AccessLog(senim.store, background=False)
        for _ in range(20):
            for _ in range(batcher.batch_entries):
                batcher.record(actor, "contact", created.json["id"], remote_addr="127.0.0.1")
            began = time.perf_counter()
            batcher.flush()
            flush_ms.append((time.perf_counter() - began) * 1e3)
            began = time.perf_counter()
            senim.projections.catch_up("access_log")
            project_ms.append((time.perf_counter() - began) * 1e3)

        print(f"\n{label}: GET {harness.CONTACTS_PATH}/{{id}}, {len(timings['on'])} reads per mode, Flask test client")
        print(f"  {'access log':<12} {'median ms':>10} {'p99 ms':>8} {'mean ms':>8}")
        for mode in ("off", "on"):
            median, p99, mean = quantiles(timings[mode])
            print(f"  {mode:<12} {median * 1e3:>10.3f} {p99 * 1e3:>8.3f} {mean * 1e3:>8.3f}")
        (m_off, p_off, _), (m_on, p_on, _) = quantiles(timings["off"]), quantiles(timings["on"])
        print(f"  difference   median {1e3 * (m_on - m_off):+.3f} ms ({100 * (m_on - m_off) / m_off:+.1f}%), "
              f"p99 {1e3 * (p_on - p_off):+.3f} ms")
        print(f"  record() alone: {record_us:.2f} µs per read (100,000 reads into the buffer)")
        print(f"  background, per batch of {recording.batch_entries} reads: write {statistics.median(flush_ms):.1f} ms, "
              f"access_log projection {statistics.median(project_ms):.1f} ms (medians of 20), i.e. "
              f"{1e3 * (statistics.median(flush_ms) + statistics.median(project_ms)) / recording.batch_entries:.1f} µs per read")
        print(f"  written: {entries} entries in {events} events "
              f"({written_before} by the background flusher during the run)")
    finally:
        senim.close()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as directory:
        measure(f"sqlite:///{directory}/bench.sqlite3", "SQLite", args.reads, args.rounds)
    if args.sqlite_only:
        return
    import psycopg

    try:
        psycopg.connect(harness.ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:  # no PostgreSQL here: the SQLite figures stand alone
        print(f"\nPostgreSQL skipped ({harness.ADMIN_URL} does not answer: {type(error).__name__})")
        return
    with harness.scratch_schema("access") as schema:
        measure(harness.database_url(schema), "PostgreSQL", args.reads, args.rounds)


if __name__ == "__main__":
    main()
