"""Chaos: API and web-form intakes at a steady rate while Redis, PostgreSQL, the workers and the
scheduler fail, then a check of what issue 14 promises.

The production shape of bench/intake (gunicorn, separate `flask --app hotline worker`s and the
scheduler, PostgreSQL, Redis), on a PostgreSQL cluster and a Redis server this benchmark starts
itself in /tmp/chaos-* on free ports, since it stops them. During the load, at fixed shares of
its duration: each worker SIGKILLed twice (restarted at once, as systemd would), Redis stopped
for 30 s, the scheduler stopped and started, PostgreSQL stopped for a few seconds and started.
The load is open-loop (bench/chaos/load.py): 70 % `POST /api/v1/intakes` with distinct
Idempotency-Keys, retried with the same key after a failure, 30 % the citizen form (GET then
POST /submit). After it, the backlog is given time to drain, then the database is checked:
every 2xx answer has exactly one ticket, no duplicate, every intake a ticket or a dead-letter,
every process the harness did not kill still running. Failures are reported, not raised: the
JSON says what broke. Exit status 1 when a check fails.

Run: `python -m bench.chaos.run` (10,000 intakes at 100/s, under 10 minutes in all);
`--intakes 1000 --rate 50` for development (the fault schedule shrinks with the load).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine

from bench.chaos import checks
from bench.chaos.load import Load
from bench.chaos.processes import Process, children
from bench.chaos.servers import PG_BIN, REDIS_SERVER, Postgres, RedisServer, free_port, version
from bench.common import ROOT, bench_database, flask, prepare, wait_http, wait_workers, write

WORKERS = 2
# Answers sent this long after a fault ended still count in its window: the recovery (shorter
# in a short run, so that windows do not overlap).
SETTLE_SECONDS = 5.0
# The backlog has stopped draining when the count of unprocessed intakes has not moved for
# longer than two sweeps (workers/cron.py, every 30 s) plus the re-queue age.
STALL_SECONDS = 75.0
POLL_SECONDS = 0.2
TIMELINE_SECONDS = 5.0


@dataclass
class Step:
    at: float  # seconds since the load's start
    what: str
    action: Callable[[], str]
    window: str | None = None  # the fault window it opens and/or closes
    edge: str = "both"  # "open", "close" or "both" (an instant fault: a kill)


def done(action: Callable[[], None]) -> Callable[[], str]:
    def run() -> str:
        action()
        return "done"
    return run


def plan(duration: float, *, redis_down: float, pg_down: float, pg: Postgres, redis: RedisServer,
         workers: list[Process], scheduler: Process) -> list[Step]:
    """The faults at fixed shares of the load's duration, one at a time, so each window shows
    one fault's effect; no kill falls in the Redis outage."""
    d = duration
    steps = [
        Step(0.08 * d, "kill worker-1", workers[0].kill, "worker_kills"),
        Step(0.14 * d, "kill worker-2", workers[1].kill, "worker_kills"),
        Step(0.20 * d, "stop Redis", done(redis.stop), "redis_down", "open"),
        Step(0.20 * d + redis_down, "start Redis", done(redis.start), "redis_down", "close"),
        Step(0.56 * d, "kill worker-1", workers[0].kill, "worker_kills"),
        Step(0.62 * d, "stop the scheduler", scheduler.stop, "scheduler_restart", "open"),
        Step(0.62 * d + pg_down, "start the scheduler", scheduler.restart, "scheduler_restart",
             "close"),
        Step(0.72 * d, "kill worker-2", workers[1].kill, "worker_kills"),
        Step(0.80 * d, "stop PostgreSQL", done(pg.stop), "pg_restart", "open"),
        Step(0.80 * d + pg_down, "start PostgreSQL", done(pg.start), "pg_restart", "close"),
    ]
    return sorted(steps, key=lambda s: s.at)


def wait_until(deadline: float, procs: list[Process]) -> None:
    """Sleep, looking at the processes often enough to time an exit to a fraction of a second."""
    while (left := deadline - time.monotonic()) > 0:
        for p in procs:
            p.check()
        time.sleep(min(POLL_SECONDS, left))


def inflict(steps: list[Step], procs: list[Process], t0: float
            ) -> tuple[list[dict[str, Any]], dict[str, list[tuple[float, float]]]]:
    """Run the steps on time; returns what each did and the fault windows (since t0)."""
    events: list[dict[str, Any]] = []
    spans: dict[str, list[list[float]]] = defaultdict(list)
    for step in steps:
        wait_until(t0 + step.at, procs)
        began = time.monotonic()
        try:
            result = step.action()
        except Exception as exc:  # a fault that could not be inflicted is reported, not raised
            result = f"failed: {exc!r}"
        ended = time.monotonic()
        events.append({"at": round(began - t0, 1), "what": step.what,
                       "seconds": round(ended - began, 2), "result": result})
        print(f"  t={began - t0:6.1f} s  {step.what}: {result}", flush=True)
        if step.window and step.edge in ("open", "both"):
            spans[step.window].append([began - t0, ended - t0])
        if step.window and step.edge in ("close", "both"):
            spans[step.window][-1][1] = ended - t0
    return events, {k: [(round(a, 1), round(b, 1)) for a, b in v] for k, v in spans.items()}


def drain(database_url: str, workers: list[Process], procs: list[Process], timeout: float
          ) -> dict[str, Any]:
    """Wait (bounded) until every intake is a ticket or a dead-letter, polling the database."""
    engine = create_engine(database_url, pool_pre_ping=True)
    start = last_change = time.monotonic()
    before, ended = -1, "drained"
    with engine.connect() as conn:
        while (left := checks.pending(conn)) > 0:
            now = time.monotonic()
            if left != before:
                before, last_change = left, now
            if not any(w.alive for w in workers):
                ended = "no worker left alive"
            elif now - last_change > STALL_SECONDS:
                ended = f"no progress for {STALL_SECONDS:.0f} s"
            elif now - start > timeout:
                ended = f"timed out after {timeout:.0f} s"
            else:
                wait_until(now + 2, procs)
                continue
            break
    engine.dispose()
    return {"seconds_after_load": round(time.monotonic() - start, 1), "ended": ended,
            "left_unprocessed": left}


def versions() -> dict[str, str]:
    packages = ("flask", "sqlalchemy", "psycopg", "rq", "redis", "gunicorn", "flask-limiter")
    return {"postgresql": version(PG_BIN / "postgres"), "redis_server": version(REDIS_SERVER),
            **{p: importlib.metadata.version(p) for p in packages}}


def run(args: argparse.Namespace, root: Path, pg: Postgres, redis: RedisServer,
        procs: list[Process]) -> dict[str, Any]:
    pg.init()
    pg.start()
    redis.start()
    database_url = bench_database("chaos", pg.server_url)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis.url,
           "RATELIMIT_STORAGE_URI": redis.url, "WEB_INTAKE_RATE_LIMIT": "1000000 per minute",
           "INTAKE_REQUEUE_AFTER_SECONDS": str(args.requeue_after),
           "HOTLINE_INSTANCE_DIR": str(root / "instance"), "LOG_LEVEL": "WARNING",
           "SECRET_KEY": "chaos"}
    print(f"PostgreSQL on :{pg.port}, Redis on :{redis.port}, in {root}; preparing", flush=True)
    token = prepare(env)
    logs = root / "logs"
    logs.mkdir()
    port = free_port()

    def web(log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.web_workers), "-b",
                                 f"127.0.0.1:{port}", "--backlog", "2048", "hotline:create_app()"],
                                cwd=ROOT, env=env, process_group=0, stdout=log, stderr=log)

    def background(command: str) -> Callable[[IO[bytes]], subprocess.Popen[bytes]]:
        return lambda log: flask(env, command, nice=args.worker_nice, stdout=log, stderr=log)

    gunicorn = Process("gunicorn", web, logs)
    workers = [Process(f"worker-{n}", background("worker"), logs) for n in range(1, WORKERS + 1)]
    scheduler = Process("scheduler", background("scheduler"), logs)
    procs.extend([gunicorn, *workers, scheduler])
    for p in procs:
        p.start()
    wait_http(port, seconds=60)
    wait_workers(redis.url, WORKERS)
    web_workers_at_start = children(gunicorn.lives[0].pid)

    duration = args.intakes / args.rate
    redis_down = args.redis_down if args.redis_down is not None else 0.3 * duration
    pg_down = min(5.0, 0.1 * duration)
    settle = min(SETTLE_SECONDS, 0.05 * duration)
    load = Load(port, token, intakes=args.intakes, rate=args.rate, api_share=args.api_share,
                retries=args.retries, timeout=args.timeout)
    # The machine's load average (1, 5, 15 min): on a shared VM, other people's work.
    machine_load = {"before_load": os.getloadavg()}
    t0 = time.monotonic() + 1
    print(f"load: {args.intakes} intakes at {args.rate:g}/s for {duration:.0f} s; faults:", flush=True)
    sender = threading.Thread(target=load.run, args=(t0,), name="load")
    sender.start()
    events, spans = inflict(plan(duration, redis_down=redis_down, pg_down=pg_down, pg=pg,
                                 redis=redis, workers=workers, scheduler=scheduler), procs, t0)
    while sender.is_alive():
        wait_until(time.monotonic() + 0.5, procs)
    load_seconds = round(time.monotonic() - t0, 1)
    machine_load["after_load"] = os.getloadavg()
    print(f"load done after {load_seconds} s; waiting for the backlog", flush=True)
    backlog = drain(database_url, workers, procs, timeout=args.drain_timeout)
    machine_load["after_backlog"] = os.getloadavg()
    engine = create_engine(database_url)
    with engine.connect() as conn:
        database = checks.database(conn, load.answers)
    engine.dispose()
    processes = {p.name: p.report(t0) for p in procs}
    processes["gunicorn"]["web_workers_at_start"] = web_workers_at_start
    processes["gunicorn"]["web_workers_at_end"] = children(gunicorn.lives[0].pid)
    return {
        "versions": versions(),
        "settings": {"intakes": args.intakes, "rate": args.rate, "api_share": args.api_share,
                     "web_workers": args.web_workers, "workers": WORKERS,
                     "worker_nice": args.worker_nice, "api_retries": args.retries,
                     "timeout_seconds": args.timeout,
                     "intake_requeue_after_seconds": args.requeue_after,
                     "redis_down_seconds": round(redis_down, 1), "pg_down_seconds": pg_down,
                     "window_settle_seconds": settle},
        "load_average": machine_load, "load_seconds": load_seconds, "client_worst_start_lateness_ms":
            round(load.latest_start * 1000, 1),
        "faults": events, "fault_windows": spans,
        "client": checks.client_figures(load.answers, args.intakes, args.api_share),
        "answers": checks.by_endpoint(load.answers),
        "answers_by_fault_window": checks.windows(load.answers, spans, settle),
        "timeline": checks.timeline(load.answers, TIMELINE_SECONDS),
        "backlog": backlog, "database": database, "processes": processes,
        "checks": checks.verdicts(database, processes),
    }


def describe(r: dict[str, Any]) -> str:
    c, db = r["client"], r["database"]
    lat = c["latency_ms_2xx"]["all"]
    lines = [
        f"accepted {c['accepted']} of {c['intakes']} intakes, {c['accepted_per_second']} accepted/s, "
        f"2xx p50 {lat['p50']} ms p99 {lat['p99']} ms (max {lat['max']} ms); "
        f"not accepted: {c['not_accepted'] or 'none'}; API retries {c['api_retries']}",
        "answers by fault window (answered during the fault or up to "
        f"{r['settings']['window_settle_seconds']:g} s after):",
        *(f"  {kind}: {counts['all']}  (api {counts['api']}, form {counts['form']}, "
          f"submit {counts['submit']}; 2xx p99 {counts['latency_ms_2xx']['p99']} ms)"
          for kind, counts in r["answers_by_fault_window"].items()),
        f"backlog: {r['backlog']['ended']} {r['backlog']['seconds_after_load']} s after the load, "
        f"{r['backlog']['left_unprocessed']} unprocessed",
        f"intakes {db['intakes']}: tickets {db['tickets']}, dead letters {db['dead_letters']}, "
        f"neither {db['neither_ticket_nor_dead_letter']}; 2xx numbers {db['numbers_given_2xx']}: "
        f"{db['numbers_given_2xx_by_state']}; duplicates: numbers {db['duplicate_ticket_numbers']}, "
        f"keys {db['idempotency_keys_with_several_intakes']}; accept→ticket p50 "
        f"{db['accept_to_ticket_ms']['p50']} ms p99 {db['accept_to_ticket_ms']['p99']} ms",
    ]
    for name, p in r["processes"].items():
        lives = ", ".join(f"{life['pid']} ({life['end'] or 'running'})" for life in p["lives"])
        lines.append(f"  {name}: {lives}")
        if p.get("log_tail"):
            lines.append(f"    last log line: {p['log_tail'][-1]}")
    lines += [f"{'✓' if ok else '✗'} {name}" for name, ok in r["checks"].items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intakes", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=100, help="intakes per second")
    parser.add_argument("--api-share", type=float, default=0.7)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--worker-nice", type=int, default=10)
    parser.add_argument("--redis-down", type=float, help="seconds (default: 30 %% of the load)")
    parser.add_argument("--retries", type=int, default=2, help="API retries with the same key")
    parser.add_argument("--timeout", type=float, default=10, help="client timeout, seconds")
    parser.add_argument("--requeue-after", type=int, default=10,
                        help="INTAKE_REQUEUE_AFTER_SECONDS, so the sweeper recovers quickly")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--keep", action="store_true", help="keep /tmp/chaos-* (logs, data)")
    args = parser.parse_args()
    duration = args.intakes / args.rate
    if args.redis_down is not None and not 0 < args.redis_down <= 0.34 * duration:
        parser.error("--redis-down must end before the next kill: at most 34 % of the load")
    root = Path(tempfile.mkdtemp(prefix="chaos-", dir="/tmp"))
    pg, redis = Postgres(root), RedisServer(root)
    procs: list[Process] = []
    try:
        result = run(args, root, pg, redis, procs)
    finally:
        for p in procs:
            p.terminate()
        redis.stop()
        if pg.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.stop()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    path = write("chaos", result)
    print(describe(result))
    print(f"written {path.relative_to(ROOT)}")
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
