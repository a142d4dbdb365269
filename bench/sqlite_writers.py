"""How the embedded default takes a team: contacts/s and latency of concurrent writers on SQLite.

The real `senim serve` (waitress, 8 threads, projections built by its in-process runner, writing
view rows into the same SQLite file at the same time) on a fresh file in a scratch folder. For 1, 8
and 32 concurrent writers (each a consultant with their own token and keep-alive connection) it
posts a fixed number of contacts and prints contacts/s, p50/p99/max latency and how many were
answered anything but 201; afterwards it counts the contacts in the event store. Figures are
printed, never asserted. Run: `.venv/bin/python bench/sqlite_writers.py [--contacts 600]`.
`--keys` sends an Idempotency-Key with each contact. `--code DIR` serves another checkout of Senim (say, an older commit) for a before/after comparison.
"""
import argparse
import http.client
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench import harness  # noqa: E402

SENIM = Path(sys.executable).with_name("senim")
CONTACT_RECORDED = "domain.contact:Contact.Recorded"


def parse_args() -> argparse.Namespace:
    parser = harness.argument_parser(__doc__, "concurrent writers, comma-separated")
    parser.add_argument("--contacts", type=int, default=600, help="contacts posted per concurrency level")
    parser.add_argument("--threads", type=int, default=8, help="threads of `senim serve` (its default: 8)")
    parser.add_argument("--code", default=None, help="serve this checkout of Senim instead of this one")
    parser.add_argument("--keys", action="store_true", help="send a fresh Idempotency-Key with every contact")
    return harness.parse_with_levels(parser)


def add_consultants(database_url: str, count: int) -> list[str]:
    senim = harness.build_senim(database_url)
    try:
        return [token for _, token in harness.add_consultants(senim, count)]
    finally:
        senim.close()


def start_serve(database_url: str, threads: int, code: str | None, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = harness.free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENIM_")}
    env.update(SENIM_DATABASE_URL=database_url, SENIM_SECRET_KEY="bench-secret")
    if code:
        env["PYTHONPATH"] = code
    command = [str(SENIM)] if SENIM.exists() and not code else [sys.executable, "-m", "intake.cli"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--threads", str(threads)], env=env, stdout=log, stderr=log,
                                   cwd=code or ROOT, start_new_session=True)
    harness.wait_for_readyz(port, process, timeout=60, what="senim serve", see=f"; see {log_path}")
    return process, port


class Writer:
    """One consultant: a keep-alive connection posting contacts; keeps each answer's status and latency."""

    def __init__(self, port: int, token: str, index: int, keys: bool = False):
        self.port, self.index, self.keys = port, index, keys
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection = None

    def post(self, n: int) -> tuple[int, float]:
        body = json.dumps(harness.contact_body(self.index + n), ensure_ascii=False).encode()
        began = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            headers = {**self.headers, **({"Idempotency-Key": str(uuid.uuid4())} if self.keys else {})}
            self.connection.request("POST", harness.CONTACTS_PATH, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection, status = None, 0  # no answer at all
        return status, time.perf_counter() - began


def run_level(port: int, tokens: list[str], writers: int, contacts: int, keys: bool) -> harness.Result:
    share = [contacts // writers + (1 if i < contacts % writers else 0) for i in range(writers)]
    latencies, statuses, lock = [], {}, threading.Lock()
    start = threading.Barrier(writers + 1)

    def consultant(i: int) -> None:
        writer = Writer(port, tokens[i], i * 1000, keys)
        start.wait()
        for n in range(share[i]):
            status, seconds = writer.post(n)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    latencies.append(seconds)
        if writer.connection is not None:
            writer.connection.close()

    threads = [threading.Thread(target=consultant, args=(i,), daemon=True) for i in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    failed = sum(count for status, count in statuses.items() if status != 201)
    first_error = ", ".join(f"{count}x {status or 'no answer'}" for status, count in sorted(statuses.items())
                            if status != 201)
    return harness.Result(f"{writers} writers", writers, len(latencies), seconds, latencies, failed,
                          first_error=first_error)


def stored_contacts(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT COUNT(*) FROM stored_events WHERE topic = ?",
                                  (CONTACT_RECORDED,)).fetchone()[0]


def main() -> None:
    args = parse_args()
    print(f"SQLite writers: `senim serve --threads {args.threads}` on {platform.node()}, "
          f"{os.cpu_count()} cores; {args.contacts} contacts per level"
          + (f"; code from {args.code}" if args.code else "")
          + ("; each with an Idempotency-Key" if args.keys else ""), flush=True)
    print(f"{'writers':>8} {'contacts/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-201':>8}  "
          f"{'in store':>8}", flush=True)
    for writers in args.levels:
        with tempfile.TemporaryDirectory(prefix="senim-sqlite-bench-") as folder:
            path = Path(folder) / "senim.sqlite3"
            database_url = f"sqlite:///{path}"
            tokens = add_consultants(database_url, writers)
            before = stored_contacts(path)
            process, port = start_serve(database_url, args.threads, args.code, Path(folder) / "serve.log")
            try:
                result = run_level(port, tokens, writers, args.contacts, args.keys)
            finally:
                process.terminate()
                process.wait(timeout=30)
            saved = stored_contacts(path) - before
            worst = max(result.latencies) * 1000 if result.latencies else float("nan")
            print(f"{writers:>8} {result.rate:>11.1f} {result.p50:>8.1f} {result.p99:>8.1f} {worst:>8.1f} "
                  f"{result.errors:>8} {saved:>8}" + (f"  ({result.first_error})" if result.errors else ""),
                  flush=True)


if __name__ == "__main__":
    main()
