"""What every benchmark needs: a PostgreSQL database of its own, the machine, JSON output; and
what the benchmarks of the running system (intake, chaos) share: starting its processes."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
from rq import Worker
from rq.cron_scheduler_registry import get_keys
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def bench_database(name: str, server: str | None = None) -> str:
    """A fresh PostgreSQL database `name` (BENCH_DATABASE instead, so that two people running
    the same bench on one server need not collide) on `server` (default: BENCH_POSTGRES, else
    local)."""
    name = os.environ.get("BENCH_DATABASE") or name
    server = server or os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "postgresql_client": pg}


def write(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **figures}, indent=2, ensure_ascii=False) + "\n")
    return path


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def flask(env: dict[str, str], *args: str, nice: int = 0, **kwargs: Any) -> subprocess.Popen[bytes]:
    """A `flask --app hotline` command at CPU priority `nice`, in a process group of its own
    (so that it can be killed with whatever it started) but in the benchmark's session.

    With the kernel's autogroup scheduling (on by default on these VMs) CPU time is shared
    between sessions first and by nice only inside a session. In gunicorn's session each of its
    four processes weighs 1024 against a worker's 110 (nice 10); in sessions of their own, even
    with each session's group niced, the workers took a larger share: with a worker killed
    midway, 550 accepted/s against 642 and 655 in the same session (2026-12-06, 12,000
    requests)."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", *args], cwd=ROOT,
                            env=env, process_group=0, preexec_fn=lambda: os.nice(nice), **kwargs)


def prepare(env: dict[str, str]) -> str:
    """Schema, reference data, a model trained in seconds on the demo corpus (`quick`: the
    starter `up` trains first), an API token."""
    code = (
        "from hotline import create_app\n"
        "from hotline.app import migrate, unit_of_work\n"
        "from hotline.seed import load as seed\n"
        "from hotline.app.extensions import db\n"
        "from hotline.cli.up import ensure_model\n"
        "app = create_app(); migrate.upgrade(app)\n"
        "with app.app_context():\n"
        "    seed.load_reference(db.session); seed.ensure_users(db.session, 'bench-pass-123')\n"
        "    unit_of_work.commit(db.session)\n"
        "    print(ensure_model(app, quick=True), file=__import__('sys').stderr)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "create-token", "agent"],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def wait_http(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def wait_workers(redis_url: str, workers: int, seconds: float = 120) -> None:
    """Until every worker and the scheduler has registered in Redis, that is, has imported the
    app and is ready: a centre starts its workers before the calls come, and a run whose load
    met several processes still importing numpy, scikit-learn and jieba (2-3 s of CPU each)
    measured their start-up, not the steady state. The killed worker's restart midway is still
    measured, as it should be."""
    conn = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + seconds
    while Worker.count(connection=conn) < workers or not get_keys(conn):
        if time.monotonic() > deadline:
            raise RuntimeError("the workers or the scheduler did not start")
        time.sleep(0.2)
    conn.close()
