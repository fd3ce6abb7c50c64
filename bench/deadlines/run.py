"""Deadline scan time with 10k / 100k / 1M open tickets (1,000 of them due), and the routing
step's throughput per worker, excluding the classifier.

PostgreSQL only (a database of its own, `bench_deadlines` or BENCH_DATABASE, recreated each run
so it never collides with the tests). Tickets and their clocks are bulk-loaded with COPY, over
the seeded four levels: a third of the open tickets forwarded once (转派, with the child's task
and its `fsign:1` / `freply:1` clocks), a tenth suspended once (挂起, with its span); a third of
the 1,000 due clocks are the child units'. The scan must cost time in proportion to the due
clocks, not to the open tickets: it reads `deadline_clocks WHERE next_check_at <= now` through a
partial index.
Run: `python -m bench.deadlines.run [--sizes 10000,100000,1000000] [--routing-only]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text

from bench.common import RESULTS, bench_database, write

DUE = 1000
NOW = datetime(2026, 10, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a working Friday
TEXTS = ["小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻，严重扰民",
         "公司拖欠三个月工资，老板联系不上", "A1区东湖街道幸福小区停水两天了",
         "餐馆油烟直排，整栋楼都是油烟味", "A3区南湖街道楼道里闻到煤气味",
         "孩子入学学位分配不合理，想咨询政策", "快递驿站乱收费"]


FORWARDED, SUSPENDED = 3, 10  # one ticket in three forwarded once, one in ten suspended once
STILL_SUSPENDED = 50  # of those, one in fifty tickets still in its span (clocks stopped)
SPAN = timedelta(days=1)  # each span: Thursday 10:00 to Friday 10:00, one working day
SPAN_WORKING = 7 * 3600


@dataclass(frozen=True)
class Units:
    """The seeded four levels: any unit leads a ticket; a forwarded one is led by a district or
    street unit and handed down to one of its streets or communities."""

    leads: list[int]
    forwards: list[tuple[int, int]]  # (parent, child)


def units(session: Any) -> Units:
    from hotline.models import Department, Level

    rows = session.execute(select(Department.id, Department.parent_id, Department.level)).all()
    below = [(r.parent_id, r.id) for r in rows
             if r.parent_id is not None and r.level in (Level.STREET, Level.COMMUNITY)]
    assert below, "the seed has no streets or communities"
    return Units([r.id for r in rows], below)


def _clock(ticket: int, kind: str, unit: int, start: datetime, warn: datetime,
           due_at: datetime, *, stopped: datetime | None = None) -> tuple[Any, ...]:
    return (ticket, kind, unit, start, warn, due_at, due_at + timedelta(hours=24), 0, stopped,
            None if stopped else warn)


def _due_times(rng: random.Random, i: int) -> tuple[datetime, datetime]:
    """A due clock: half only need the yellow warning, half are overdue as well."""
    warn = NOW - timedelta(hours=rng.randint(1, 48))
    return warn, NOW + timedelta(hours=4) if i % 2 else NOW - timedelta(minutes=30)


def _later_times(rng: random.Random) -> tuple[datetime, datetime]:
    warn = NOW + timedelta(hours=rng.randint(1, 24 * 30))
    return warn, warn + timedelta(days=2)


CHUNK = 50_000  # tickets built in memory and copied at a time


def load(conn: Any, start: int, count: int, org: Units, *, due: bool) -> None:
    """COPY `count` open signed tickets with their clocks, in chunks; `due` ones have exactly
    one clock past its warning."""
    for chunk in range(start, start + count, CHUNK):
        rows = _rows(chunk, min(CHUNK, start + count - chunk), org, due=due)
        with conn.cursor() as cur:
            for (table, columns), batch in zip(COLUMNS, rows, strict=True):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
        conn.commit()


COLUMNS = (
    ("tickets", "id, number, line, channel, request_type, confidential, content, status, "
     "created_at, updated_at, urgency, version, department_id, reply_due"),
    ("deadline_clocks", "ticket_id, kind, department_id, started_at, warn_at, due_at, "
     "escalate_at, stage, stopped_at, next_check_at"),
    ("forward_tasks", "ticket_id, seq, department_id, parent_id, status, forwarded_by, "
     "created_at, sign_due, reply_due, signed_at"),
    ("ticket_suspensions", "ticket_id, department_id, reason, status, requested_by, "
     "requested_at, decided_by, decided_at, started_at, ended_at, ended_by, clocks, "
     "working_seconds, calendar_seconds"),
)


def _rows(start: int, count: int, org: Units, *, due: bool) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of COLUMNS' tables for tickets `start`.. (`start` seeds the randomness).

    A third are forwarded once (转派, to a street or community below the lead): a task with its
    `fsign:1` / `freply:1` clocks on the child unit, half of them signed (the sign clock
    stopped). A due forwarded ticket's due clock is the child's (its sign clock when the task is
    still unsigned, else its reply clock), so the scan reads the child clocks as the parent's.
    A tenth were suspended once (挂起): an ended span a working day long, or, for one in fifty
    tickets (none of the due ones), a span still running, their clocks stopped at its start.
    """
    rng = random.Random(start)
    created = NOW - timedelta(days=3)
    tickets: list[tuple[Any, ...]] = []
    clocks: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []
    for i in range(start, start + count):
        forwarded, active = i % FORWARDED == 0, i % STILL_SUSPENDED == 0 and not due
        parent, child = org.forwards[i % len(org.forwards)] if forwarded else \
            (org.leads[i % len(org.leads)], None)
        tickets.append((i, f"B{i:012d}", "12345", "web", "complaint", False, TEXTS[i % len(TEXTS)],
                        "signed", created, created, "normal", 1, parent, NOW + timedelta(days=5)))
        span_start = created + timedelta(hours=12)
        stopped = span_start if active else None
        if i % SUSPENDED == 0:
            spans.append((i, parent, "等待市民补充材料", "active" if active else "ended",
                          "bench", span_start, "bench", span_start, span_start,
                          None if active else span_start + SPAN, None if active else "bench",
                          '["reply", "fsign:1", "freply:1"]' if forwarded else '["reply"]',
                          0 if active else SPAN_WORKING,
                          0 if active else int(SPAN.total_seconds())))
        warn, due_at = _due_times(rng, i) if due and not forwarded else _later_times(rng)
        clocks.append(_clock(i, "reply", parent, created, warn, due_at, stopped=stopped))
        if not forwarded:
            continue
        signed = i % 2 == 0
        forwarded_at = created + timedelta(hours=1)
        signed_at = forwarded_at + timedelta(minutes=30)
        tasks.append((i, 1, child, parent, "signed" if signed else "pending", "bench",
                      forwarded_at, forwarded_at + timedelta(hours=2), NOW + timedelta(days=4),
                      signed_at if signed else None))
        if signed:  # met in time: stopped
            sign_warn, sign_due = forwarded_at + timedelta(hours=1), forwarded_at + timedelta(hours=2)
        else:
            sign_warn, sign_due = _due_times(rng, i) if due else _later_times(rng)
        clocks.append(_clock(i, "fsign:1", child, forwarded_at, sign_warn, sign_due,
                             stopped=signed_at if signed else stopped))
        reply_warn, reply_due = _due_times(rng, i) if due and signed else _later_times(rng)
        clocks.append(_clock(i, "freply:1", child, forwarded_at, reply_warn, reply_due,
                             stopped=stopped))
    return tickets, clocks, tasks, spans


def due_by_kind(session: Any) -> dict[str, int]:
    """The due clocks by kind (`fsign:1` counted as `fsign`): what the scan is about to read."""
    rows = session.execute(text(
        "SELECT split_part(kind, ':', 1) AS k, count(*) FROM deadline_clocks "
        "WHERE next_check_at <= :now GROUP BY 1 ORDER BY 1"), {"now": NOW})
    return {k: n for k, n in rows}


def marked_by_kind(session: Any, lo: int) -> dict[str, int]:
    """The clocks of the due tickets that took a step, by kind: the child clocks among them."""
    rows = session.execute(text(
        "SELECT split_part(deadline_kind, ':', 1) AS k, count(DISTINCT ticket_id) "
        "FROM escalation_marks WHERE ticket_id >= :lo GROUP BY 1 ORDER BY 1"), {"lo": lo})
    return {k: n for k, n in rows}


def scan_figures(app: Any, sizes: list[int]) -> list[dict[str, Any]]:
    from hotline.app import unit_of_work
    from hotline.app.extensions import db
    from hotline.tickets.escalation import scan

    results = []
    with app.app_context():
        org = units(db.session)
        raw = db.engine.raw_connection()
        conn = raw.driver_connection
        loaded, next_id = 0, 10_000_000
        for size in sizes:
            t0 = time.perf_counter()
            load(conn, next_id, size - DUE - loaded, org, due=False)
            next_id += size - DUE - loaded
            loaded = size - DUE
            load(conn, next_id, DUE, org, due=True)
            next_id += DUE
            conn.execute("ANALYZE tickets")
            for table, _ in COLUMNS[1:]:
                conn.execute(f"ANALYZE {table}")
            conn.commit()
            load_seconds = time.perf_counter() - t0
            plan = [r[0] for r in db.session.execute(text(
                "EXPLAIN SELECT id FROM deadline_clocks WHERE next_check_at <= :now"),
                {"now": NOW})]
            due_kinds = due_by_kind(db.session)
            timings = []
            for attempt in range(3):  # the machine is shared: report the median of three
                if attempt:  # make the same 1,000 clocks due again
                    db.session.execute(text(
                        "DELETE FROM escalation_marks WHERE ticket_id >= :lo"), {"lo": next_id - DUE})
                    db.session.execute(text(
                        "UPDATE deadline_clocks SET stage = 0, next_check_at = warn_at "
                        "WHERE ticket_id >= :lo AND stopped_at IS NULL"), {"lo": next_id - DUE})
                    db.session.commit()
                t0 = time.perf_counter()
                result = scan(db.session, NOW, commit=unit_of_work.commit)
                timings.append(time.perf_counter() - t0)
            scan_seconds = sorted(timings)[1]
            t0 = time.perf_counter()
            again = scan(db.session, NOW, commit=unit_of_work.commit)
            idle_seconds = time.perf_counter() - t0
            row = {"open_tickets": size, "due": DUE, "due_by_kind": due_kinds,
                   "stepped_by_kind": marked_by_kind(db.session, next_id - DUE),
                   "rows": {t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))
                            for t, _ in COLUMNS},
                   "scan_seconds": round(scan_seconds, 3),
                   "scan_seconds_all": [round(t, 3) for t in timings],
                   "steps": result.as_dict(), "second_scan_seconds": round(idle_seconds, 4),
                   "second_scan_steps": again.as_dict(), "load_seconds": round(load_seconds, 1),
                   "plan": plan[0]}
            print(row, flush=True)
            results.append(row)
        raw.close()
    return results


def routing_figures(app: Any, count: int) -> dict[str, Any]:
    """Tickets per second through route() — place, catalogue, deadlines, dispatch — with the
    per-job catalogue check, and with inserting the routed tickets (commit every 500)."""
    from hotline.app.extensions import db
    from hotline.catalogue import snapshot
    from hotline.domain import lifecycle
    from hotline.intake.triage import route
    from hotline.models import Channel, Line, RequestType, Status, Ticket

    with app.app_context():
        snap = snapshot.current(db.session)
        roots = list(snap.root_topics.values())
        rng = random.Random(7)
        stamp = f"{int(time.time()) % 100000:05d}"

        def tickets(prefix: str) -> list[Ticket]:
            made = []
            for i in range(count):
                t = Ticket(number=f"{prefix}{stamp}{i:07d}", line=Line.L12345, channel=Channel.WEB,
                           request_type=RequestType.COMPLAINT, content=rng.choice(TEXTS),
                           status=Status.PENDING_DISPATCH, created_at=NOW, confidential=False,
                           address=rng.choice([None, "A2区西山街道", "A5区"]))
                t.topic_id = rng.choice(roots)
                lifecycle.open_ticket(t, lifecycle.SYSTEM)
                made.append(t)
            return made

        rates, cpu_rates, loads = [], [], []
        statements = [0]

        def counted(*_args: Any) -> None:
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        for attempt in range(3):  # the machine is shared: report the median of three
            batch = tickets(f"R{attempt}")
            loads.append(round(os.getloadavg()[0], 1))
            t0, cpu0 = time.perf_counter(), time.process_time()
            decisions = {"dispatched": 0, "manual": 0}
            for t in batch:
                current = snapshot.current(db.session)  # what each job does
                decision = route(db.session, t, confident=True, snapshot=current)
                decisions["manual" if decision.manual else "dispatched"] += 1
            rates.append(count / (time.perf_counter() - t0))
            # CPU time: what the step costs a worker whatever else the machine runs.
            cpu_rates.append(count / (time.process_time() - cpu0))
            db.session.rollback()
        event.remove(db.engine, "before_cursor_execute", counted)
        route_only = sorted(rates)[1]
        batch = tickets("S")
        t0 = time.perf_counter()
        for i, t in enumerate(batch, 1):
            db.session.add(t)
            route(db.session, t, confident=True, snapshot=snapshot.current(db.session))
            if i % 500 == 0:
                db.session.commit()
        db.session.commit()
        with_insert = count / (time.perf_counter() - t0)
    return {"tickets": count, "route_per_second": round(route_only),
            "route_per_second_all": [round(r) for r in rates],
            "route_per_cpu_second": round(sorted(cpu_rates)[1]),
            "route_per_cpu_second_all": [round(r) for r in cpu_rates],
            "statements_per_ticket": round(statements[0] / (3 * count), 4),
            "load_average": loads,
            "route_and_insert_per_second": round(with_insert), "decisions": decisions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--routing", type=int, default=5000)
    parser.add_argument("--routing-only", action="store_true",
                        help="measure routing only; keep the results file's scan figures "
                             "(marked scan_from_earlier_run)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url = bench_database("bench_deadlines")
    os.environ.setdefault("RQ_ASYNC", "0")
    import config
    from hotline import create_app
    from hotline.app import migrate, unit_of_work
    from hotline.app.extensions import db
    from hotline.seed import load as seed

    app = create_app(config.load({
        **os.environ, "DATABASE_URL": url, "HOTLINE_INSTANCE_DIR": tempfile.mkdtemp(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")}), {"TESTING": True})
    migrate.upgrade(app)
    with app.app_context():
        seed.load_reference(db.session)
        unit_of_work.commit(db.session)
    started = time.perf_counter()
    routing = routing_figures(app, args.routing)
    print({"routing": routing}, flush=True)
    earlier = {}
    if args.routing_only:
        previous = json.loads((RESULTS / "deadlines.json").read_text(encoding="utf-8"))
        earlier = {"scan_from_earlier_run": True}
    scans = previous["scan"] if args.routing_only else scan_figures(app, sizes)
    figures = {"scan": scans, **earlier, "routing": routing,
               "targets": {"scan_seconds_at_1m": 1.0, "route_per_second": 1000},
               "total_seconds": round(time.perf_counter() - started, 1)}
    path = write("deadlines", figures)
    print(f"written {path}")


if __name__ == "__main__":
    main()
