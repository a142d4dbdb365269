"""Compare variants fairly on a shared, noisy machine: their loads alternate in short slices.

Other people's test runs come and go on the same two cores; a variant measured for 10 s after
another sees different interference. Here every variant gets its own fresh schema (and its own
gunicorn for `http`), and the slices go round-robin (A B C A B C ...), so each variant sees the
same mix of noise. Variants:
  raw           store.recorder.insert_events([one event]) per transaction, as bench/intake.py (c)
  service       ContactService.record in-process, as bench/intake.py (a)
  http[@WxT]    POST /api/v1/contacts against `gunicorn wsgi:app` (W workers x T threads, default 2x8)
e.g. `.venv/bin/python bench/interleave.py --clients 8 --variants raw,http@2x8,http@4x4`.
Add `--redis redis://127.0.0.1:6379/13` to run the http variants in production mode (a Redis db
of the bench's own: its senim:* and rq:* keys are deleted at the end).
"""
import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench import harness  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default="raw,service,http")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slice", type=float, default=3.0, help="seconds measured per slice")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--paced", type=float, default=None,
                        help="open loop at this many operations/s (latency from when each was due)")
    return parser.parse_args()


def raw_op(senim, state: bytes):
    from eventsourcing.persistence import StoredEvent

    recorder = senim.store.recorder

    def make_op(_: int):
        return lambda: recorder.insert_events([StoredEvent(uuid4(), 1, "domain.contact:Contact.Recorded", state)])
    return make_op


def service_op(senim, staff):
    from intake.api.schemas import ContactIn

    def make_op(i: int):
        fields, actor = ContactIn().load(harness.contact_body(i)), staff[i % len(staff)][0]
        return lambda: senim.contacts.record(fields, actor=actor)
    return make_op


def http_op(server, staff):
    def make_op(i: int):
        return harness.ContactClient(server.port, staff[i % len(staff)][1], harness.contact_body(i)).post
    return make_op


def event_state(senim, actor) -> bytes:
    from domain.contact import Contact
    from intake.api.schemas import ContactIn

    contact = Contact.record(actor=actor, **ContactIn().load(harness.contact_body(0)))
    return senim.store.mapper.to_stored_event(contact.collect_events()[0]).state


def set_up(stack: ExitStack, spec: str, args) -> tuple:
    """(make_op, probe) of one variant, on a fresh schema; everything is undone by STACK."""
    kind, _, shape = spec.partition("@")
    workers, threads = (int(n) for n in shape.split("x")) if shape else (args.workers, args.threads)
    schema = stack.enter_context(harness.scratch_schema("i"))
    in_process = kind != "http"  # an http variant's bench-side Senim only creates the users
    senim = harness.build_senim(harness.database_url(schema, pool_size=2 if in_process else 1,
                                                     max_overflow=args.clients if in_process else 1))
    staff = harness.add_consultants(senim, args.clients)
    if in_process:
        stack.callback(senim.close)
    else:
        senim.close()
    if kind == "raw":
        return raw_op(senim, event_state(senim, staff[0][0])), harness.CpuProbe()
    if kind == "service":
        return service_op(senim, staff), harness.CpuProbe()
    if kind == "http":
        env = harness.server_env(schema, threads, args.redis, lazy_pool=True)
        server = stack.enter_context(harness.gunicorn(env, workers=workers, threads=threads))
        return http_op(server, staff), harness.CpuProbe(lambda: [server.process.pid, *server.worker_pids])
    raise SystemExit(f"unknown variant kind {kind!r}")


def merge(spec: str, slices: list) -> harness.Result:
    merged = harness.Result(spec, slices[0].concurrency, sum(s.count for s in slices),
                            sum(s.seconds for s in slices), [x for s in slices for x in s.latencies],
                            sum(s.errors for s in slices))
    merged.cpu = {key: sum(s.cpu.get(key, 0.0) for s in slices) for key in slices[0].cpu}
    return merged


def main() -> None:
    args = parse_args()
    specs = [spec.strip() for spec in args.variants.split(",") if spec.strip()]
    pace = f", paced at {args.paced:.0f}/s" if args.paced else ""
    print(f"{args.clients} clients/threads{pace}, {args.rounds} rounds of {args.slice:.0f} s slices: {', '.join(specs)}")
    slices: dict[str, list] = {spec: [] for spec in specs}
    with ExitStack() as stack:
        stack.callback(harness.clear_redis, args.redis)
        variants = {spec: set_up(stack, spec, args) for spec in specs}
        for round_number in range(args.rounds):
            for spec, (make_op, probe) in variants.items():
                if args.paced:
                    result = harness.paced(spec, make_op, rate=args.paced, threads=args.clients,
                                           duration=args.slice, warmup=0.5, probe=probe)
                else:
                    result = harness.closed_loop(spec, make_op, threads=args.clients, duration=args.slice,
                                                 warmup=0.5, probe=probe)
                slices[spec].append(result)
                print(f"  round {round_number + 1} {spec:<32}{result.rate:7.0f}/s  p99 {result.p99:6.1f} ms"
                      f"  others {result.others_busy:4.0%}", flush=True)
    report(specs, slices, args)


def report(specs: list[str], slices: dict, args) -> None:
    print(f"\n{'variant':<34}{'ops/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'err':>5}"
          f"{'cpu ms/op: bench':>18}{'gunicorn':>9}{'pg':>6}{'others':>7}")
    merged = {spec: merge(spec, slices[spec]) for spec in specs}
    for spec, r in merged.items():
        print(f"{spec:<34}{r.rate:8.0f}{r.p50:8.1f}{r.p99:8.1f}{r.errors:5}{r.cpu_ms_per_op('bench'):18.2f}"
              f"{r.cpu_ms_per_op('server'):9.2f}{r.cpu_ms_per_op('postgres'):6.2f}{r.others_busy:7.0%}")
    first = merged[specs[0]]
    for spec in specs[1:]:
        print(f"{spec} / {specs[0]}: {merged[spec].rate / first.rate:5.2f}")


if __name__ == "__main__":
    main()
