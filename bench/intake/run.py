"""Intake throughput: HTTP accepts per second and accept-to-ticket time, with 1 and 2 workers.

The production shape on one machine: gunicorn, PostgreSQL, Redis, separate `rq` worker processes
and the scheduler (whose sweeper re-queues what a killed worker dropped). The load comes from
`wrk` (Debian package `wrk`; C, so the client barely competes for the two cores) with
`load.lua`: distinct texts, a fixed number of requests, a new connection for each (gunicorn's
sync workers close after every response). Workers run at a lower CPU priority (`nice`), as on
a shared host the web tier should be: citizens are never turned away while the backlog drains.
Afterwards the database is checked for lost or duplicated tickets. A first run without workers
measures the web tier alone, because these VMs' speed varies by a third from day to day.
Run: `python -m bench.intake.run [--requests 20000]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text

from bench.common import (
    ROOT,
    bench_database,
    flask,
    percentile,
    prepare,
    wait_http,
    wait_workers,
    write,
)

PORT = 18765
LOAD = Path(__file__).with_name("load.lua")
# One wrk thread (epoll in C: thousands of requests/s, far above what is measured). With two,
# the thread that reaches its share first stops with its connections open, and gunicorn's
# sync workers linger up to 2 s on each for the client's FIN (`util.close_graceful`, RFC 9112
# 9.6): with 4 web workers that stalled the whole server 2 s or 4 s at the end of a run, and
# wrk's correction for coordinated omission turned those few requests into a p99 of 1-2 s.
WRK_THREADS = 1


def reset(database_url: str, redis_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ticket_events, tickets, intakes, ticket_counters, messages "
                          "RESTART IDENTITY CASCADE"))
    engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()


def count(conn: Any, table: str) -> int:
    conn.commit()
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def load(env: dict[str, str], token: str, *, requests: int, concurrency: int,
         on_half: Any = None) -> dict[str, Any]:
    """Run wrk until every request is answered; `on_half` runs once half are accepted."""
    wrk_env = {**env, "TOKEN": token, "PER_THREAD": str(requests // WRK_THREADS)}
    wrk = subprocess.Popen(["wrk", f"-t{WRK_THREADS}", f"-c{concurrency}", "-d3600s", "--timeout", "10s",
                            "-s", str(LOAD), f"http://127.0.0.1:{PORT}/"],
                           env=wrk_env, stdout=subprocess.PIPE, text=True)
    engine = create_engine(env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            # wrk runs for its whole -d even when every thread has stopped: end it when all is
            # answered. Polled twice a second: a count(*) every few milliseconds would itself
            # take a noticeable share of the two cores under measurement.
            while (done := count(conn, "intakes")) < requests and wrk.poll() is None:
                if on_half is not None and done >= requests // 2:
                    on_half()
                    on_half = None
                time.sleep(0.5)
            time.sleep(0.5)  # the last responses reach wrk
            wrk.send_signal(signal.SIGINT)
            out, _ = wrk.communicate(timeout=30)
            # Requests in flight when wrk stopped may still commit: wait until the count settles.
            before = -1
            while (now := count(conn, "intakes")) != before:
                before = now
                time.sleep(1)
    finally:
        if wrk.poll() is None:
            wrk.kill()
        engine.dispose()
    return json.loads(out.strip().splitlines()[-1])


def scenario(env: dict[str, str], token: str, *, requests: int, concurrency: int, workers: int,
             web_workers: int, kill_midway: bool, nice: int) -> dict[str, Any]:
    """One load run. With no worker (and no scheduler) it measures the web tier alone: the
    machine's own speed, against which the runs with workers can be read."""
    reset(env["DATABASE_URL"], env["REDIS_URL"])
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(web_workers), "-b",
                            f"127.0.0.1:{PORT}", "--backlog", "2048", "hotline:create_app()"],
                           cwd=ROOT, env=env, **quiet)
    procs = [flask(env, "worker", nice=nice, **quiet) for _ in range(workers)]
    if workers:
        procs.append(flask(env, "scheduler", nice=nice, **quiet))

    def kill_a_worker() -> None:
        # A worker dies in the middle of the load, with its work horse (same process group).
        os.killpg(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        procs[0] = flask(env, "worker", nice=nice, **quiet)

    try:
        wait_http(PORT)
        if workers:
            wait_workers(env["REDIS_URL"], workers)
        client = load(env, token, requests=requests, concurrency=concurrency,
                      on_half=kill_a_worker if kill_midway else None)
        accepted = measure_accepts(env["DATABASE_URL"])
        if workers:
            drained = wait_processed(env["DATABASE_URL"], accepted["intakes"], timeout=900)
            figures = measure(env["DATABASE_URL"])
    finally:
        for p in [web, *procs]:
            p.terminate()
        for p in [web, *procs]:
            p.wait(timeout=30)
    run = {
        "workers": workers, "web_workers": web_workers, "concurrency": concurrency,
        "worker_killed_midway": kill_midway, "worker_nice": nice, "requests": requests,
        "answered_202": client["accepted"],
        "errors": client["requests"] - client["accepted"] + client["connect_errors"]
        + client["timeouts"],
        "accepted_per_second": accepted["per_second"],
        "accept_ms": {k: client[f"{k}_ms"] for k in ("p50", "p90", "p99", "max")},
    }
    if workers:
        run.update(drained_seconds_after_load=round(drained, 1), **figures,
                   lost_tickets=figures["intakes"] - figures["tickets"])
    return run


def describe(run: dict[str, Any]) -> str:
    accepts = f"{run['accepted_per_second']} accepted/s, accept p99 {run['accept_ms']['p99']} ms"
    if not run["workers"]:
        return f"web tier alone: {accepts}, errors {run['errors']}"
    killed = " (one killed midway)" if run["worker_killed_midway"] else ""
    return (f"{run['workers']} worker(s){killed}: {accepts}, "
            f"accept→ticket p50 {run['accept_to_ticket_ms']['p50']} ms "
            f"p99 {run['accept_to_ticket_ms']['p99']} ms, lost {run['lost_tickets']}, "
            f"duplicated {run['duplicate_tickets']}, errors {run['errors']}")


def measure_accepts(database_url: str) -> dict[str, Any]:
    """Committed intakes and their rate, from the accept timestamps the server recorded."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        n, seconds = conn.execute(text(
            "SELECT count(*), extract(epoch FROM max(received_at) - min(received_at)) FROM intakes"
        )).one()
    engine.dispose()
    return {"intakes": n, "per_second": round(n / max(float(seconds or 0), 1e-9), 1)}


def wait_processed(database_url: str, expected: int, timeout: float) -> float:
    engine = create_engine(database_url)
    start = time.monotonic()
    with engine.connect() as conn:
        while time.monotonic() - start < timeout:
            done = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
            if done >= expected:
                break
            time.sleep(0.5)
            conn.commit()
    engine.dispose()
    return time.monotonic() - start


def measure(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        tickets = conn.execute(text("SELECT count(*), count(DISTINCT number) FROM tickets")).one()
        numbers = conn.execute(text("SELECT count(*) - count(DISTINCT ticket_number) FROM intakes")
                               ).scalar_one()
        delays = [float(s) * 1000 for (s,) in conn.execute(text(
            "SELECT extract(epoch FROM processed_at - received_at) FROM intakes "
            "WHERE processed_at IS NOT NULL"))]
        intakes = conn.execute(text("SELECT count(*) FROM intakes")).scalar_one()
    engine.dispose()
    return {
        "intakes": intakes, "tickets": tickets[0], "duplicate_tickets": tickets[0] - tickets[1],
        "duplicate_numbers_given": numbers,
        "accept_to_ticket_ms": {"p50": round(percentile(delays, 50), 1),
                                "p99": round(percentile(delays, 99), 1),
                                "max": round(max(delays, default=0), 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-nice", type=int, default=10,
                        help="CPU priority (nice) of workers and scheduler")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/intake needs wrk: apt-get install wrk")
    database_url = bench_database("bench_intake")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    instance = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "HOTLINE_INSTANCE_DIR": str(instance), "INTAKE_REQUEUE_AFTER_SECONDS": "5",
           "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench"}
    token = prepare(env)
    runs = []
    for workers, kill in ((0, False), (1, False), (2, False), (2, True)):
        run = scenario(env, token, requests=args.requests, concurrency=args.concurrency,
                       workers=workers, web_workers=args.web_workers, kill_midway=kill,
                       nice=args.worker_nice)
        runs.append(run)
        print(describe(run))
    path = write("intake", {"target": {"accepted_per_second": 500, "accept_p99_ms": 100}, "runs": runs})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
