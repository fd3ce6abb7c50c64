"""Search on 5,000,000 tickets: p50/p99 of a two-character word, a phone tail and a whole
ticket number through the real search service (count of all matches + the first page), and
the index build time and size.

PostgreSQL only, in a database of its own (`bench_search`, recreated each run). The schema
comes from the migrations; the tickets are generated inside the server with INSERT ... SELECT
generate_series: about three years (4,566 a day), the content and address drawn from the demo
corpus (hotline/seed/corpus.csv, 420 real-looking requests), names from a small list, a mobile
number each, units, districts, statuses. The search index (hotline.search.tokens) of each
corpus text is computed once in Python and joined in, so the rows hold what the ORM listener
writes. The two GIN indexes are dropped before the load and built after it, timed, as the
migration would on an existing database; then VACUUM ANALYZE.
Queries: ≥ 200 of each kind, the words drawn at random from the corpus's bigrams (so a few
match hundreds of thousands of tickets and most match a few thousand), the tails and numbers
from existing rows. Target: p99 < 300 ms.
Run: `python -m bench.search.run [--tickets 5000000] [--queries 200]`.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

import config
from bench.common import ROOT, bench_database, percentile, write

PER_DAY = 4566
CORPUS = ROOT / "hotline" / "seed" / "corpus.csv"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
         "超", "秀英", "桂兰", "建华", "志强"]
STATUSES = ["closed"] * 16 + ["replied", "signed", "dispatched", "pending_dispatch"]


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load(conn: Any, count: int, unit_ids: list[int]) -> float:
    """Fill `tickets` with `count` rows inside the server; returns the seconds it took."""
    from hotline.search.tokens import body_tokens, name_tokens

    rows = corpus()
    names = [s + g for s in SURNAMES for g in GIVEN]
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE texts (i int, content text, address text, district text, "
                    "line text, channel text, tokens text)")
        with cur.copy("COPY texts FROM STDIN") as copy:
            for i, r in enumerate(rows):
                copy.write_row((i, r["text"], r["address"] or None, r["district"] or None,
                                r["line"] or "12345", r["channel"] or "phone",
                                body_tokens([r["text"], r["address"]])))
        cur.execute("CREATE TEMP TABLE names (i int, name text, tokens text)")
        with cur.copy("COPY names FROM STDIN") as copy:
            for i, n in enumerate(names):
                copy.write_row((i, n, " ".join(name_tokens(n))))
        cur.execute("CREATE TEMP TABLE units (i int, id int)")
        with cur.copy("COPY units FROM STDIN") as copy:
            for i, u in enumerate(unit_ids):
                copy.write_row((i, u))
        statuses = "ARRAY[" + ",".join(f"'{s}'" for s in STATUSES) + "]"
        # Multiplicative hashes of g spread texts, names, phones and units independently.
        cur.execute(f"""
            INSERT INTO tickets (id, number, line, channel, request_type, citizen_name, phone,
                confidential, content, address, district, department_id, urgency, status,
                created_at, updated_at, reply_due, version, search_body, search_person)
            SELECT g,
                to_char(day, 'YYYYMMDD') || '-' || lpad((g % {PER_DAY} + 1)::text, 6, '0'),
                t.line, t.channel, 'complaint', n.name, '+86' || phone, false, t.content,
                t.address, t.district, u.id, 'normal',
                ({statuses})[1 + (g * 7) % {len(STATUSES)}],
                at, at, at + interval '7 days', 1, t.tokens,
                n.tokens || ' p' || phone || ' t' || right(phone, 4)
            FROM generate_series(0, {count - 1}) AS g
            CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 00:00+08'
                + (g / {PER_DAY}) * interval '1 day' AS day) d
            CROSS JOIN LATERAL (SELECT d.day + (g % {PER_DAY}) * interval '18 seconds' AS at,
                '1' || (3 + (g * 2654435761::bigint) % 7)::text
                    || lpad(((g * 40503::bigint + 12345) % 1000000000)::text, 9, '0') AS phone) p
            JOIN texts t ON t.i = (g * 7919::bigint) % {len(rows)}
            JOIN names n ON n.i = (g * 104729::bigint) % {len(names)}
            JOIN units u ON u.i = (g * 31::bigint) % {len(unit_ids)}
        """)
        cur.execute(f"SELECT setval('tickets_id_seq', {count})")
    conn.commit()
    return time.perf_counter() - t0


def build_indexes(conn: Any) -> dict[str, Any]:
    """The migration's GIN indexes, built on the loaded table: time and size each."""
    out: dict[str, Any] = {}
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for field in ("search_body", "search_person"):
            t0 = time.perf_counter()
            cur.execute(f"CREATE INDEX ix_tickets_{field} ON tickets USING gin ({field}_tsv)")
            conn.commit()
            seconds = time.perf_counter() - t0
            cur.execute(f"SELECT pg_relation_size('ix_tickets_{field}')")
            out[field] = {"build_seconds": round(seconds, 1),
                          "size_mb": round(cur.fetchone()[0] / 2**20, 1)}
        cur.execute("SELECT pg_relation_size('tickets'), pg_total_relation_size('tickets')")
        heap, total = cur.fetchone()
        out["table_mb"] = round(heap / 2**20, 1)
        out["table_with_indexes_mb"] = round(total / 2**20, 1)
    return out


def timed(app: Any, username: str, queries: list[dict[str, str]]) -> dict[str, Any]:
    """Each query through the search service as `username`: count + first page, in ms."""
    from hotline.app.extensions import db
    from hotline.models import User
    from hotline.search import params
    from hotline.search.service import search

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        times, totals, slowest = [], [], (0.0, "", 0)
        for raw in queries:
            t0 = time.perf_counter()
            found = search(db.session, user, params.load(raw))
            ms = (time.perf_counter() - t0) * 1000
            db.session.rollback()
            times.append(ms)
            totals.append(found.total)
            slowest = max(slowest, (ms, raw["q"], found.total))
    return {"queries": len(times), "p50_ms": round(percentile(times, 50), 1),
            "p99_ms": round(percentile(times, 99), 1), "max_ms": round(max(times), 1),
            "matches_median": int(percentile(totals, 50)), "matches_max": max(totals),
            "slowest": {"q": slowest[1], "ms": round(slowest[0], 1), "matches": slowest[2]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    url = bench_database("bench_search")
    from hotline import create_app
    from hotline.app import migrate
    from hotline.app.extensions import db
    from hotline.models import Department
    from hotline.search.tokens import word_tokens
    from hotline.seed import load as seed

    app = create_app(config.load({
        **os.environ, "DATABASE_URL": url, "HOTLINE_INSTANCE_DIR": tempfile.mkdtemp(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")}), {"TESTING": True})
    migrate.upgrade(app)
    started = time.perf_counter()
    with app.app_context():
        seed.load_reference(db.session)
        seed.ensure_users(db.session, "bench-pass-123")
        db.session.commit()
        unit_ids = list(db.session.scalars(select(Department.id)))
        raw = db.engine.raw_connection()
        conn = raw.driver_connection
        with conn.cursor() as cur:
            cur.execute("DROP INDEX ix_tickets_search_body, ix_tickets_search_person")
        conn.commit()
        load_seconds = load(conn, args.tickets, unit_ids)
        print({"loaded": args.tickets, "seconds": round(load_seconds, 1)}, flush=True)
        index = build_indexes(conn)
        print({"index": index}, flush=True)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE tickets")
        conn.autocommit = False
        rng = random.Random(16)
        with conn.cursor() as cur:
            cur.execute("SELECT number, right(phone, 4) FROM tickets TABLESAMPLE SYSTEM (0.1) "
                        "LIMIT %s", (args.queries,))
            sample = cur.fetchall()
        raw.close()
    bigrams = Counter(t for r in corpus() for t in word_tokens(r["text"]) if len(t) == 2
                      and not t.isascii())
    words = rng.sample(sorted(bigrams), args.queries)
    kinds = {
        "word_2_chars": [{"q": w} for w in words],
        "phone_tail": [{"q": tail} for _, tail in sample],
        "ticket_number": [{"q": number} for number, _ in sample],
    }
    figures: dict[str, Any] = {"tickets": args.tickets, "load_seconds": round(load_seconds, 1),
                               "index": index, "target_p99_ms": 300}
    for name, queries in kinds.items():
        timed(app, "agent", queries[:20])  # warm the caches the way a running server has them
        figures[name] = timed(app, "agent", queries)
        print({name: figures[name]}, flush=True)
    figures["word_2_chars_unit_staff"] = timed(app, "zjj", kinds["word_2_chars"])
    print({"word_2_chars_unit_staff": figures["word_2_chars_unit_staff"]}, flush=True)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    path = write("search", figures)
    print(f"written {path}")


if __name__ == "__main__":
    main()
