"""The worker's CPU seconds per intake: process CPU time (not wall time, so that other load on
the machine matters less) of `process_intakes` over a batch of accepted intakes, in batches of
`workers.jobs.BATCH` as the relay queues them, plus the CPU time of this database's PostgreSQL
backends. The same texts as bench/intake's load. `--profile out.txt` writes a cProfile.
Run: `python -m bench.intake.cpu [--intakes 2000]` (PostgreSQL and Redis as bench/intake).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import bench_database, prepare

TEXTS = ("小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻，严重扰民",
         "公司拖欠三个月工资，老板联系不上", "公交12路晚上九点以后就没车了，建议延长运营时间",
         "餐馆油烟直排，整栋楼都是油烟味", "孩子入学学位分配不合理，想咨询政策")


def backend_cpu(session: object, database: str) -> float:
    """CPU seconds (user + system) of the PostgreSQL backends serving `database` (same host)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),  # type: ignore[attr-defined]
                           {"d": database}).scalars().all()
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=2000)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    database_url = bench_database("bench_intake_cpu")
    os.environ.update({"DATABASE_URL": database_url,
                       "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
                       "HOTLINE_INSTANCE_DIR": tempfile.mkdtemp(prefix="bench-intake-cpu-"),
                       "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench"})
    prepare(dict(os.environ))

    from hotline import create_app
    from hotline.app.extensions import db
    from hotline.intake import accept
    from hotline.models import Channel
    from workers import context, jobs, runner

    app = create_app()
    context.bind(app)
    with app.app_context():
        ids = [accept.accept(db.session, accept.Request(
            channel=Channel.WEB, line="12345", content=f"{TEXTS[i % len(TEXTS)]}（1-{i}）",
            phone=f"+86139{i:08d}"))[0].id for i in range(args.intakes)]
        # One batch first (after `warm`, which older commits lack): the caches a long-running
        # worker has filled by then.
        if hasattr(runner, "warm"):
            runner.warm(app)
        jobs.process_intakes(ids[:jobs.BATCH])
        rest = ids[jobs.BATCH:]
        name = database_url.rsplit("/", 1)[1]
        pg_before, cpu_before, wall_before = backend_cpu(db.session, name), time.process_time(), \
            time.monotonic()
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        for start in range(0, len(rest), jobs.BATCH):
            jobs.process_intakes(rest[start:start + jobs.BATCH])
        if profile:
            profile.disable()
        cpu, wall = time.process_time() - cpu_before, time.monotonic() - wall_before
        pg = backend_cpu(db.session, name) - pg_before
        tickets = db.session.execute(text("SELECT count(*) FROM tickets")).scalar_one()
    print(f"{len(rest)} intakes ({tickets} tickets): worker {1000 * cpu / len(rest):.2f} ms CPU "
          f"per intake, PostgreSQL {1000 * pg / len(rest):.2f} ms, wall {1000 * wall / len(rest):.2f} ms; "
          f"load {os.getloadavg()[0]:.2f}")
    if profile:
        with args.profile.open("w") as out:
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
