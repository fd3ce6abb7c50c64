"""Live updates: the server cost of one connected user's polling, per minute.

Each open page polls `GET /live` every `POLL_SECONDS` (hotline/workbench/live.py) with the ETag
of its last answer, so most polls are 304s. With 20,000 tickets (a quarter of them waiting at the
centre or in one unit's hands) and 2,000 notices, this times, through the whole Flask stack in
process, one at a time: a poll answered 304 (nothing changed), a poll answered 200 (something
moved), for an agent (badge + dispatch queue) and a unit's staff (badge + inbox); and, for
comparison, reloading the page itself (what a page without the poll would need to see a change).
Server CPU per user per minute = polls per minute × the mean server time of a poll (the process
is single-threaded here, so its time is its CPU), assuming one change a minute (one 200, the
rest 304). PostgreSQL by default (database `bench_queues_live`); `--sqlite` on a temporary file.
Run: `python -m bench.live.run [--tickets 20000] [--polls 300] [--sqlite]`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

import config
from bench.common import bench_database, percentile, write

PASSWORD = "bench-pass-123"


def _app(url: str, instance: Path) -> Any:
    from hotline import create_app
    from hotline.app import migrate

    app = create_app(config.load({
        **os.environ, "DATABASE_URL": url, "HOTLINE_INSTANCE_DIR": str(instance),
        "HOTLINE_MODEL_DIR": str(instance / "models"), "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "0"}))
    migrate.upgrade(app)
    return app


def _load(tickets: int, notices: int) -> None:
    from hotline.app.extensions import db
    from hotline.models import (
        Channel,
        Department,
        Line,
        Notification,
        RequestType,
        Status,
        Ticket,
        utcnow,
    )
    from hotline.seed import load as seed

    seed.load_reference(db.session)
    seed.ensure_users(db.session, PASSWORD)
    units = list(db.session.scalars(select(Department.id)))
    zjj = db.session.scalar(select(Department.id).where(Department.code == "zjj"))
    rng = random.Random(7)
    now = utcnow()
    statuses = [Status.PENDING_DISPATCH, Status.DISPATCHED, Status.SIGNED, Status.CLOSED]
    rows = []
    for i in range(tickets):
        status = rng.choice(statuses)
        rows.append({
            "number": f"20990101-{i:06d}", "line": Line.L12345, "channel": Channel.PHONE,
            "request_type": RequestType.COMPLAINT, "content": "小区门口路灯坏了很久没人修",
            "phone": f"+86139{rng.randrange(10**8):08d}", "district": f"a{rng.randrange(1, 8)}",
            "status": status, "confidential": False,
            "department_id": None if status == Status.PENDING_DISPATCH
            else (zjj if rng.random() < 0.05 else rng.choice(units)),
            "created_at": now - timedelta(minutes=rng.randrange(90 * 24 * 60)),
            "updated_at": now - timedelta(minutes=rng.randrange(90 * 24 * 60)), "version": 1})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Ticket), rows[start:start + 2000])
    db.session.execute(insert(Notification), [
        {"role": rng.choice(["agent", None]), "department_id": None if i % 3 else zjj,
         "kind": "deadline_overdue", "level": "red", "body": f"工单 {i} 答复时限已超期",
         "created_at": now - timedelta(minutes=i)} for i in range(notices)])
    db.session.commit()


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    return client


def _time(client: Any, path: str, n: int, expect: int, headers: dict[str, str] | None = None
          ) -> dict[str, float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (path, response.status_code)
    return {"requests": n, "mean_ms": round(sum(times) / n, 2),
            "p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2)}


def run(url: str, instance: Path, tickets: int, polls: int) -> dict[str, Any]:
    from hotline.workbench.live import POLL_SECONDS

    app = _app(url, instance)
    with app.app_context():
        _load(tickets, tickets // 10)
    figures: dict[str, Any] = {"tickets": tickets, "notices": tickets // 10,
                               "poll_seconds": POLL_SECONDS}
    for username, page in (("agent", "/dispatch"), ("zjj", "/inbox")):
        client = _signed_in(app, username)
        etag = client.get("/live").headers["ETag"]
        _time(client, "/live", 20, 200)  # warm-up
        changed = _time(client, "/live", polls, 200)
        unchanged = _time(client, "/live", polls, 304, {"If-None-Match": etag})
        reload = _time(client, page, max(20, polls // 10), 200)
        per_minute = 60 / POLL_SECONDS
        poll_ms = ((per_minute - 1) * unchanged["mean_ms"] + changed["mean_ms"]) / per_minute
        figures[username] = {
            "poll_304": unchanged, "poll_200": changed, f"reload {page}": reload,
            "server_ms_per_user_minute": round(per_minute * poll_ms, 1),
            "server_ms_per_user_minute_reloading_instead": round(per_minute * reload["mean_ms"], 1),
            "users_per_core_at_half_load": int(30_000 / (per_minute * poll_ms)),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    random.seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        url = f"sqlite:///{instance / 'bench.db'}" if args.sqlite \
            else bench_database("bench_queues_live")
        figures = run(url, instance, args.tickets, args.polls)
    figures["database"] = "sqlite" if args.sqlite else "postgresql"
    figures["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    path = write("live_sqlite" if args.sqlite else "live", figures)
    for user in ("agent", "zjj"):
        f = figures[user]
        print(f"{user:6} 304 mean {f['poll_304']['mean_ms']:.1f} ms, 200 mean "
              f"{f['poll_200']['mean_ms']:.1f} ms -> {f['server_ms_per_user_minute']:.1f} ms "
              f"server time per user per minute (reloading instead: "
              f"{f['server_ms_per_user_minute_reloading_instead']:.1f} ms)")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
