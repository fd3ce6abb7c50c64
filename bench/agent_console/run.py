"""Agent console: server time of the live endpoints the page calls while an agent types.

Target: p99 under 300 ms for `/agent/suggest` (classifier + catalogue + similar open tickets),
with 20,000 open tickets in the last 30 days (so the same-caller, same-district and recent
lookups read real indexes) and the demo knowledge base. Requests go through the whole Flask
stack in process (routing, session, CSRF, JSON), one at a time, so the figure is server time
without the network. PostgreSQL by default (its own database, `bench_agent_console`);
`--sqlite` runs on a temporary SQLite file instead.
Run: `python -m bench.agent_console.run [--tickets 20000] [--requests 400] [--sqlite]`.
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

from bench.common import bench_database, percentile, write

TARGET_P99_MS = 300.0


def _app(url: str, instance: Path) -> Any:
    import config
    from hotline import create_app
    from hotline.app import migrate

    app = create_app(config.load({**os.environ, "DATABASE_URL": url,
                                  "HOTLINE_INSTANCE_DIR": str(instance),
                                  "HOTLINE_MODEL_DIR": str(instance / "models"),
                                  "SECRET_KEY": "bench", "RATELIMIT_ENABLED": "0"}),
                     {"WTF_CSRF_ENABLED": True})
    migrate.upgrade(app)
    return app


def _load(app: Any, tickets: int) -> list[str]:
    """Reference data, accounts, a model, the demo articles and `tickets` open tickets."""
    from hotline.app import settings as app_settings
    from hotline.app.extensions import db
    from hotline.classifier_models import registry as model_registry
    from hotline.knowledge import service as knowledge
    from hotline.models import Channel, Line, RequestType, Status, Ticket, utcnow
    from hotline.seed import load as seed

    seed.load_reference(db.session)
    seed.ensure_users(db.session, "bench-pass-123")
    configured = app_settings.current(app)
    texts, labels, _source = model_registry.training_data(configured.data_dir, corpus_only=True)
    model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                      source="corpus")
    knowledge.seed_demo(db.session, seed.read_json("knowledge.json"))
    rng = random.Random(7)
    now = utcnow()
    districts = [f"a{i}" for i in range(1, 8)]
    phones = [f"+86139{rng.randrange(10**8):08d}" for _ in range(tickets // 4)]
    rows = [{"number": f"20990101-{i:06d}", "line": Line.L12345, "channel": Channel.PHONE,
             "request_type": RequestType.COMPLAINT, "content": texts[i % len(texts)],
             "phone": rng.choice(phones), "district": rng.choice(districts),
             "status": Status.DISPATCHED, "confidential": False,
             "created_at": now - timedelta(minutes=rng.randrange(30 * 24 * 60)),
             "updated_at": now, "version": 1} for i in range(tickets)]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Ticket), rows[start:start + 2000])
    db.session.commit()
    return texts


def _measure(client: Any, calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, float]:
    times = []
    for method, path, kwargs in calls:
        started = time.perf_counter()
        response = client.open(path, method=method, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.data[:200])
    return {"requests": len(times), "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1), "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1)}


def run(url: str, instance: Path, tickets: int, requests: int) -> dict[str, Any]:
    from hotline.app.extensions import db
    from hotline.models import Ticket

    app = _app(url, instance)
    with app.app_context():
        texts = _load(app, tickets)
        phones = list(db.session.scalars(select(Ticket.phone).limit(200)))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "agent", "password": "bench-pass-123",
                                "csrf_token": token})
    rng = random.Random(11)
    headers = {"X-CSRFToken": token}

    def typed(text: str) -> str:  # what the agent has typed so far: a prefix of the call
        return text[: max(6, rng.randrange(len(text) + 1))]

    suggest = [("POST", "/agent/suggest", {"json": {
        "text": typed(rng.choice(texts)), "address": rng.choice(["", "A1区东湖街道", "A3区"]),
        "line": "12345", "phone": rng.choice(phones)}, "headers": headers})
        for _ in range(requests)]
    callers = [("GET", "/agent/callers", {"query_string": {"phone": rng.choice(phones)}})
               for _ in range(requests // 2)]
    articles = [("GET", "/agent/knowledge", {"query_string": {"q": q}})
                for q in rng.choices(["公积金提取", "居住证怎么办", "医保卡丢了", "噪音扰民",
                                      "燃气味", "查询工单进度"], k=requests // 2)]
    _measure(client, suggest[:20])  # warm-up: model load, jieba dictionary, snapshot
    return {"open_tickets": tickets, "suggest": _measure(client, suggest),
            "callers": _measure(client, callers), "knowledge": _measure(client, articles)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        url = f"sqlite:///{instance / 'bench.db'}" if args.sqlite \
            else bench_database("bench_agent_console")
        figures = run(url, instance, args.tickets, args.requests)
    figures |= {"database": "sqlite" if args.sqlite else "postgresql",
                "target_p99_ms": TARGET_P99_MS,
                "met": figures["suggest"]["p99_ms"] < TARGET_P99_MS}
    name = "agent_console_sqlite" if args.sqlite else "agent_console"
    path = write(name, figures)
    for endpoint in ("suggest", "callers", "knowledge"):
        f = figures[endpoint]
        print(f"{endpoint:10} n={f['requests']:4} p50={f['p50_ms']:6.1f} ms "
              f"p95={f['p95_ms']:6.1f} ms p99={f['p99_ms']:6.1f} ms max={f['max_ms']:6.1f} ms")
    print(f"target p99 < {TARGET_P99_MS:.0f} ms for suggest: "
          f"{'met' if figures['met'] else 'NOT met'} ({figures['database']}); wrote {path}")


if __name__ == "__main__":
    main()
