"""Supervisor dashboard on 1,000,000 tickets: every query and the whole page, p50/p99.

PostgreSQL only, in a database of its own (`bench_dashboard` or BENCH_DATABASE, recreated each
run). A year of
tickets ending now (about 2,700 a day) is generated inside the server with generate_series —
statuses, units, districts, topics, lines, channels, repeats, sign and reply clocks (some late),
follow-up verdicts (some not rated, some redone), returns, forward tasks (a third of the
dispatched tickets handed down to a street of their district), 挂起 spans (a tenth of the
signed tickets suspended once), pending extensions and supervision orders — then VACUUM
ANALYZE, as a production database would be. The daily rollup is built once (every day) and
then refreshed after a minute's worth of changes, both timed; the page is timed as opened and
drilled down to district a1's streets, and the map drilled into street a1-s1's communities
(beside the plain page, alternately).
Target: the page answers in < 500 ms (p50) for the default period (last 7 days).
Run: `python -m bench.dashboard.run [--tickets 1000000] [--repeat 20]`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.common import bench_database, percentile, write

TEXTS = ["小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻严重扰民",
         "公司拖欠三个月工资老板联系不上", "幸福小区停水两天了没有通知", "餐馆油烟直排整栋楼都是油烟味",
         "楼道里闻到煤气味担心燃气泄漏", "孩子入学学位分配不合理想咨询政策", "快递驿站乱收费",
         "夜间施工噪音扰民影响休息", "共享单车乱停放堵塞人行道"]
HOT = "暴雨后地下车库积水严重电梯停运"  # the last week's surge the hot topics should find

LOAD = [
    # tickets: id = g; a year ending at :now, oldest first; recent ones still being worked on.
    """
    INSERT INTO tickets (id, number, line, channel, request_type, confidential, content, district,
        topic_id, department_id, urgency, status, created_at, updated_at, reply_due, version,
        repeat_of_id)
    SELECT g, 'D' || lpad(g::text, 12, '0'),
        (ARRAY['12345','12345','12345','12345','12345','12345','12345','12315','12315','12319'])
            [1 + (g / 3) % 10],
        (ARRAY['phone','phone','phone','sms','web','web','voice','open311','import'])[1 + (g / 11) % 9],
        'complaint', false,
        CASE WHEN age < 7 AND g % 4 = 0 THEN CAST(:hot AS text) ELSE (CAST(:texts AS text[]))[1 + (g * 13) % 10] END,
        CASE WHEN g % 20 = 0 THEN NULL ELSE (CAST(:districts AS text[]))[1 + (g / 7) % cardinality(CAST(:districts AS text[]))] END,
        (CAST(:topics AS integer[]))[1 + (g * 7) % cardinality(CAST(:topics AS integer[]))],
        CASE WHEN st IN ('pending_dispatch', 'returned') THEN NULL
             ELSE (CAST(:units AS integer[]))[1 + (g / 5) % cardinality(CAST(:units AS integer[]))] END,
        'normal', st, at, at,
        CASE WHEN st = 'pending_dispatch' THEN NULL ELSE at + interval '7 days' END, 1,
        CASE WHEN g % 33 = 0 AND g > 1 THEN g - 1 END
    FROM (SELECT g, at, extract(epoch FROM CAST(:now AS timestamptz) - at) / 86400 AS age,
            CASE WHEN at > CAST(:now AS timestamptz) - interval '30 days' THEN
                (ARRAY['pending_dispatch','dispatched','dispatched','signed','signed','replied',
                       'closed','closed','closed','closed'])[1 + g % 10]
             WHEN g % 500 = 0 THEN 'signed' WHEN g % 997 = 0 THEN 'returned'
             ELSE 'closed' END AS st
          FROM (SELECT g, CAST(:now AS timestamptz) - (CAST(:n AS integer) - g) * (interval '365 days' / CAST(:n AS integer)) AS at
                FROM generate_series(1, CAST(:n AS integer)) g) s) t
    """,
    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), CAST(:n AS integer))",
    # sign clocks: every dispatched ticket; one in five signed late; returns stop it unsigned.
    """
    INSERT INTO deadline_clocks (ticket_id, kind, department_id, started_at, warn_at, due_at,
        escalate_at, stage, stopped_at, next_check_at)
    SELECT id, 'sign', department_id, created_at, created_at + interval '2 hours',
        created_at + interval '3 hours', created_at + interval '5 hours', 0, stopped,
        CASE WHEN stopped IS NULL THEN created_at + interval '2 hours' END
    FROM (SELECT id, department_id, created_at,
            CASE WHEN status IN ('signed', 'replied', 'closed') THEN created_at +
                     CASE WHEN id % 5 = 0 THEN interval '4 hours' ELSE interval '90 minutes' END
                 WHEN status = 'returned' THEN created_at + interval '2 hours' END AS stopped
          FROM tickets WHERE status <> 'pending_dispatch') c
    """,
    # reply clocks: one in ten answered after the deadline.
    """
    INSERT INTO deadline_clocks (ticket_id, kind, department_id, started_at, warn_at, due_at,
        escalate_at, stage, stopped_at, next_check_at)
    SELECT id, 'reply', department_id, created_at, created_at + interval '6 days', reply_due,
        reply_due + interval '1 day', 0, stopped,
        CASE WHEN stopped IS NULL THEN created_at + interval '6 days' END
    FROM (SELECT id, department_id, created_at, reply_due,
            CASE WHEN status IN ('replied', 'closed') THEN created_at +
                     CASE WHEN id % 10 = 0 THEN interval '8 days' ELSE interval '5 days' END
            END AS stopped
          FROM tickets WHERE reply_due IS NOT NULL) c
    """,
    # follow-ups: closed tickets; one in ten not rated; one in a hundred redone after 未解决.
    """
    INSERT INTO follow_ups (ticket_id, department_id, round, status, solved, satisfied,
        clarifications, created_at, asked_at, answered_at, channel)
    SELECT id, department_id, 1, CASE WHEN id % 10 = 3 THEN 'not_rated' ELSE 'answered' END,
        CASE WHEN id % 10 = 3 THEN NULL WHEN id % 100 = 7 THEN 3
             WHEN id % 20 IN (1, 2) THEN 2 WHEN id % 20 = 4 THEN 3 ELSE 1 END,
        CASE WHEN id % 10 = 3 THEN NULL WHEN id % 100 = 7 THEN 3
             WHEN id % 25 IN (1, 2, 5) THEN 2 WHEN id % 25 = 6 THEN 3 ELSE 1 END,
        0, created_at + interval '5 days', created_at + interval '5 days',
        created_at + interval '6 days', 'sms'
    FROM tickets WHERE status = 'closed' AND department_id IS NOT NULL
    """,
    """
    INSERT INTO follow_ups (ticket_id, department_id, round, status, solved, satisfied,
        clarifications, created_at, asked_at, answered_at, channel)
    SELECT ticket_id, department_id, 2, 'answered', 1, 2, 0, answered_at + interval '3 days',
        answered_at + interval '3 days', answered_at + interval '4 days', 'sms'
    FROM follow_ups WHERE ticket_id % 100 = 7 AND round = 1
    """,
    # 转派/下派: a third of the dispatched tickets handed down once, to a street of their district
    # (round robin); some of those tasks returned (id % 30 = 0), so the unit kept the ticket.
    """
    WITH streets AS (SELECT id, district, row_number() OVER (PARTITION BY district ORDER BY id) - 1 AS k,
            count(*) OVER (PARTITION BY district) AS n FROM departments WHERE level = 'street' AND active)
    INSERT INTO forward_tasks (ticket_id, seq, department_id, parent_id, status, forwarded_by, created_at)
    SELECT t.id, 1, s.id, t.department_id, CASE WHEN t.id % 30 = 0 THEN 'returned' ELSE 'accepted' END,
        'bench', t.created_at + interval '1 hour'
    FROM tickets t JOIN streets s ON s.district = t.district AND s.k = (t.id / 3) % s.n
    WHERE t.id % 3 = 0 AND t.department_id IS NOT NULL
    """,
    # Where the tickets are (the map): nine in ten of a district's tickets in one of its streets
    # (round robin), and in a street with communities, two in three in one of them (the rest
    # named no community), as the gazetteer and 下派社区 leave them.
    """
    WITH streets AS (SELECT code, district_code, row_number() OVER (PARTITION BY district_code
                ORDER BY code) - 1 AS k, count(*) OVER (PARTITION BY district_code) AS n
            FROM places WHERE kind = 'street' AND active)
    UPDATE tickets t SET street = s.code
    FROM streets s WHERE s.district_code = t.district AND s.k = (t.id / 11) % s.n AND t.id % 10 <> 0
    """,
    """
    WITH communities AS (SELECT code, street_code, row_number() OVER (PARTITION BY street_code
                ORDER BY code) - 1 AS k, count(*) OVER (PARTITION BY street_code) AS n
            FROM places WHERE kind = 'community' AND active)
    UPDATE tickets t SET community = c.code
    FROM communities c WHERE c.street_code = t.street AND c.k = (t.id / 13) % c.n AND t.id % 3 <> 0
    """,
    # 挂起: a tenth of the signed tickets suspended once, a working day's span (one in five of
    # the open ones still in it: the overdue count leaves those out).
    """
    INSERT INTO ticket_suspensions (ticket_id, department_id, reason, status, requested_by,
        requested_at, decided_by, decided_at, started_at, ended_at, ended_by, clocks,
        working_seconds, calendar_seconds)
    SELECT id, department_id, '等待市民补充材料', span, 'bench', created_at + interval '1 day',
        'bench', created_at + interval '1 day', created_at + interval '1 day',
        CASE WHEN span = 'ended' THEN created_at + interval '2 days' END,
        CASE WHEN span = 'ended' THEN 'bench' END, '["reply"]',
        CASE WHEN span = 'ended' THEN 7 * 3600 ELSE 0 END,
        CASE WHEN span = 'ended' THEN 86400 ELSE 0 END
    FROM (SELECT id, department_id, created_at,
            CASE WHEN status = 'signed' AND id % 50 = 0 THEN 'active' ELSE 'ended' END AS span
          FROM tickets WHERE status IN ('signed', 'replied', 'closed') AND id % 10 = 0) s
    """,
    # a running span stopped the ticket's running clocks at its start (lifecycle.decide_suspension)
    """
    UPDATE deadline_clocks c SET stopped_at = s.started_at, next_check_at = NULL
    FROM ticket_suspensions s
    WHERE s.status = 'active' AND c.ticket_id = s.ticket_id AND c.stopped_at IS NULL
    """,
    # what waits for supervisors: two returns each, pending extensions, replies, orders.
    """
    INSERT INTO ticket_events (ticket_id, at, actor, kind, data, public)
    SELECT id, created_at + k * interval '1 hour', 'bench', 'returned', '{}', false
    FROM tickets, generate_series(1, 2) k WHERE status = 'returned'
    """,
    """
    INSERT INTO extension_requests (ticket_id, department_id, days, reason, status, requested_by,
        requested_at, old_due)
    SELECT id, department_id, 3, '需要现场勘查', 'pending', 'bench', created_at + interval '1 day',
        reply_due
    FROM tickets WHERE status = 'signed' AND id % 37 = 0
    """,
    """
    INSERT INTO supervision_orders (ticket_id, seq, note, due, issued_by, issued_at, resolved_at)
    SELECT id, 1, '请加快办理', created_at + interval '4 days', 'bench', created_at + interval '1 day',
        CASE WHEN status IN ('replied', 'closed') THEN created_at + interval '5 days' END
    FROM tickets WHERE id % 211 = 0 AND created_at > CAST(:now AS timestamptz) - interval '90 days'
    """,
]


def load(app: Any, n: int, now: datetime) -> dict[str, Any]:
    from hotline.app.extensions import db

    with app.app_context():
        params = {
            "n": n, "now": now, "hot": HOT, "texts": TEXTS,
            "units": list(db.session.scalars(text(
                "SELECT id FROM departments WHERE active ORDER BY id"))),
            "districts": list(db.session.scalars(text(
                "SELECT code FROM places WHERE kind = 'district' ORDER BY code"))),
            "topics": list(db.session.scalars(text("SELECT id FROM topics ORDER BY id"))),
        }
        assert params["units"] and params["districts"] and params["topics"], "seed missing"
        steps = []
        for sql in LOAD:
            t0 = time.perf_counter()
            used = {k: v for k, v in params.items() if f":{k}" in sql}
            rows = db.session.execute(text(sql), used).rowcount
            db.session.commit()
            steps.append({"rows": rows, "seconds": round(time.perf_counter() - t0, 1)})
            print(steps[-1], sql.strip().splitlines()[0][:80], flush=True)
        t0 = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                  ("tickets", "deadline_clocks", "follow_ups", "extension_requests",
                   "supervision_orders", "forward_tasks", "ticket_suspensions")}
    return {"steps": steps, "vacuum_seconds": round(time.perf_counter() - t0, 1), "rows": counts}


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(times, 50), 1), "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1)}


def refresh_figures(app: Any, now: datetime) -> dict[str, Any]:
    """The rollup's first build (every day), then one minute's worth of changes: 300 tickets
    signed or answered and 100 follow-up verdicts, spread over the last 30 days."""
    from hotline.app import unit_of_work
    from hotline.app.extensions import db
    from hotline.reporting import figures

    with app.app_context():
        t0 = time.perf_counter()
        first = figures.refresh(db.session, now)
        unit_of_work.commit(db.session)
        full = time.perf_counter() - t0
        later = now + timedelta(minutes=1)
        db.session.execute(text(
            "UPDATE tickets SET status = 'signed', updated_at = :at WHERE id IN (SELECT id FROM "
            "tickets WHERE status = 'dispatched' ORDER BY id DESC LIMIT 300)"), {"at": later})
        db.session.execute(text(
            "UPDATE follow_ups SET answered_at = :at WHERE id IN (SELECT id FROM follow_ups "
            "ORDER BY id DESC LIMIT 100)"), {"at": later})
        db.session.commit()
        t0 = time.perf_counter()
        step = figures.refresh(db.session, later + timedelta(seconds=30))
        unit_of_work.commit(db.session)
        incremental = time.perf_counter() - t0
        rows = db.session.scalar(text("SELECT count(*) FROM figures_daily"))
    out = {"full_seconds": round(full, 1), "full": first, "rollup_rows": rows,
           "minute_of_changes_seconds": round(incremental, 2), "minute_of_changes": step}
    print("refresh", out, flush=True)
    return out


def query_figures(app: Any, periods: dict[str, Any], repeat: int) -> dict[str, Any]:
    from hotline.app.extensions import db
    from hotline.reporting import dashboard, figures

    out: dict[str, Any] = {}
    with app.app_context():
        s = db.session
        now = datetime.now(UTC)
        roots = dashboard.Dashboard(s, periods["7d"], now).topic_roots
        for name, period in periods.items():
            out[f"breakdowns_{name}"] = timed(
                lambda p=period: figures.breakdowns(s, p, roots), repeat)
            out[f"daily_trend_{name}"] = timed(lambda p=period: figures.daily_trend(s, p),
                                               repeat)
            out[f"supervision_orders_{name}"] = timed(
                lambda p=period: figures.supervision_orders(s, p, now), repeat)
        out["district_load"] = timed(lambda: figures.district_load(s, now), repeat)
        out["deadlines_due"] = timed(lambda: figures.deadlines_due(s, now), repeat)
        out["overdue_count"] = timed(lambda: figures.overdue_count(s, now), repeat)
        out["pending_extensions"] = timed(lambda: figures.pending_extensions(s), repeat)
        out["awaiting_arbitration"] = timed(lambda: figures.awaiting_arbitration(s), repeat)
        out["awaiting_review"] = timed(lambda: figures.awaiting_review(s), repeat)
        board = dashboard.Dashboard(s, periods["7d"], now)
        out["hot_topics_cold"] = timed(lambda: (dashboard._hot_cache.clear(), board.hot_topics()), 3)
        out["hot_topics_week"] = [h.phrase for h in board.hot_topics()[:5]]
        total = figures.breakdowns(s, periods["30d"], roots).total
        out["figures_30d"] = {"volume": total.volume, "repeats": total.repeats,
                              "response_rate": total.response_rate,
                              "on_time_rate": total.on_time_rate,
                              "solution_rate": total.solution_rate,
                              "satisfaction_rate": total.satisfaction_rate,
                              "not_rated": total.not_rated, "overdue": total.overdue}
        s.rollback()
    for key, value in out.items():
        print(key, value, flush=True)
    return out


def page_figures(app: Any, periods: dict[str, Any], repeat: int) -> dict[str, Any]:
    """The whole page through Flask (queries, labels, template) as the supervisor sees it."""
    from hotline.reporting import dashboard
    from tests.conftest import PASSWORD, login

    client = app.test_client()
    login(client, "supervisor", PASSWORD)
    out: dict[str, Any] = {}
    dashboard._hot_cache.clear()
    for name, period in periods.items():
        url = f"/supervise?start={period.start}&end={period.end}"
        t0 = time.perf_counter()
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        cold = (time.perf_counter() - t0) * 1000

        def get(u: str = url) -> None:
            assert client.get(u).status_code == 200

        out[f"page_{name}"] = {**timed(get, repeat), "first_request_ms": round(cold, 1),
                               "bytes": len(first.data)}
        print(f"page_{name}", out[f"page_{name}"], flush=True)
    for name, period in periods.items():  # the street drill-down of the first district
        url = f"/supervise?start={period.start}&end={period.end}&district=a1"
        assert client.get(url).status_code == 200

        def drill(u: str = url) -> None:
            assert client.get(u).status_code == 200

        out[f"page_drill_{name}"] = timed(drill, repeat)
        print(f"page_drill_{name}", out[f"page_drill_{name}"], flush=True)
    # The map drilled into a street (its communities, one grouped query more), beside the
    # plain page again, taken alternately so the load falls on both alike.
    p = periods["7d"]
    plain, drilled = [], []
    for _ in range(repeat):
        for u, into in ((f"/supervise?start={p.start}&end={p.end}", plain),
                        (f"/supervise?start={p.start}&end={p.end}&map_street=a1-s1", drilled)):
            t0 = time.perf_counter()
            assert client.get(u).status_code == 200
            into.append((time.perf_counter() - t0) * 1000)
    for name, values in (("page_7d_alternate", plain), ("page_map_street_7d", drilled)):
        out[name] = {"p50_ms": round(percentile(values, 50), 1),
                     "p99_ms": round(percentile(values, 99), 1), "max_ms": round(max(values), 1)}
        print(name, out[name], flush=True)
    p = periods["30d"]
    out["export_ranking_xlsx_30d"] = timed(lambda: client.get(
        f"/supervise/export/ranking.xlsx?start={p.start}&end={p.end}"), 5)
    out["export_by_topic_csv_30d"] = timed(lambda: client.get(
        f"/supervise/export/by_topic.csv?start={p.start}&end={p.end}"), 5)
    print({k: v for k, v in out.items() if k.startswith("export")}, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--results", default="dashboard",
                        help="bench/results/NAME.json (a smaller run need not replace the 1M one)")
    args = parser.parse_args()
    url = bench_database("bench_dashboard")
    import config
    from hotline import create_app
    from hotline.app import migrate, unit_of_work
    from hotline.app.extensions import db
    from hotline.reporting.figures import Period, today_in_shanghai
    from hotline.seed import load as seed
    from tests.conftest import PASSWORD

    app = create_app(config.load({
        **os.environ, "DATABASE_URL": url, "HOTLINE_INSTANCE_DIR": tempfile.mkdtemp(),
        "RATELIMIT_ENABLED": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")}), {"TESTING": True})
    migrate.upgrade(app)
    with app.app_context():
        seed.load_reference(db.session)
        seed.ensure_users(db.session, PASSWORD)
        unit_of_work.commit(db.session)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    loaded = load(app, args.tickets, now)
    today = today_in_shanghai(now)
    periods = {"7d": Period(today - timedelta(days=6), today),
               "30d": Period(today - timedelta(days=29), today),
               "365d": Period(today - timedelta(days=364), today)}
    refreshed = refresh_figures(app, now)
    queries = query_figures(app, periods, args.repeat)
    pages = page_figures(app, periods, args.repeat)
    result = {"tickets": args.tickets, "load": loaded, "refresh": refreshed, "queries": queries,
              "pages": pages,
              "targets": {"page_7d_p50_ms": 500},
              "total_seconds": round(time.perf_counter() - started, 1)}
    path = write(args.results, result)
    print(f"written {path}")


if __name__ == "__main__":
    main()
