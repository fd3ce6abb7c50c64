"""未诉先办 surge alerts (classifier/surges.py, hotline/reporting/surges.py): how often they cry
wolf, how often they see a real jump, and how long the scheduled scan takes for a city.

Run: ``.venv/bin/python -m bench.surges.run [--quick] [--tune]`` (a few minutes; ``--quick`` a
tenth of the cells; ``--tune`` adds the dev-seed comparison of blends, as long again). Writes
``bench/results/surges.json``.

- **Simulated cells**, where the truth is known: 200 groups (20 for the jumps) of 200 street
  cells (one topic's streets: one pool), each with 8 baseline weeks and a test day drawn from the same distribution, Poisson
  or negative binomial of size r = 10, 3 or 1 (variance mean + mean²/r), at several means (the
  day rule: 0.5, 2, 5, 20 calls a day; the hour rule, urgent calls: 0.05, 0.2, 1 an hour). False
  alerts per 1,000 cell-days are the test days that alert; detection is the share of test days
  that alert when the day's mean is 2× the cell's, or 3× + 5. A "city" scenario mixes it all up
  as a real topic would: cell means log-normal (median 1), each topic its own dispersion, each
  cell's around its topic's; a "mixed" one is the case pooling is worst at: within one topic
  half the streets Poisson, half r = 1.
- Every scenario is scored by the shipped rules (classifier.surges.DAY / HOUR: threshold 4,
  i.e. 1e-4, so a calibrated test raises at most 0.1 false alerts per 1,000 cell-days) with
  three tails: Poisson, the negative binomial fitted per cell (the shipped default) and the
  negative binomial with the cell's dispersion shrunk toward its topic's pool
  (`nb_pool`: `pool_of`, `shrunk_dispersion`, empirical Bayes).
- The blend was chosen on the development seed (``--tune`` runs that comparison, against a
  simple weight mean / (mean + half), and stores it); the other figures are from another
  seed, never tuned on.
- **The demo city's own history** (hotline.demo.history, ~700 tickets over 91 days): the real
  scan on each of its last 35 days, per method: cells with calls, cells reaching 5 calls, alerts.
- **The scan's time**: the real scheduled job (workers.hotspots.scan_surges) on a SQLite file
  with 200 streets × 15 topics and tickets on the 9 days it reads (today and the same weekday
  of the 8 weeks before, 57 days back; about two a cell a day, log-normal across cells and
  negative binomial r = 3 across days, a twentieth urgent; the days between, which its range
  queries on the created_at index skip, are left out to keep seeding short) and a few planted
  jumps; min / max of runs (alerts deleted between runs; the first run also loads jieba).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import write
from classifier.surges import (
    DAY,
    HOUR,
    NEGATIVE_BINOMIAL,
    POISSON,
    POOLED,
    Pool,
    SurgeRule,
    pool_of,
    surge,
)
from classifier.surges import surprise as surprise_of

CELLS = 200  # streets of one topic: one pool
WEEKS = 8
DAY_MEANS = (0.5, 2.0, 5.0, 20.0)
HOUR_MEANS = (0.05, 0.2, 1.0)
TRUTHS: dict[str, float | None] = {"poisson": None, "nb_r10": 10.0, "nb_r3": 3.0, "nb_r1": 1.0}
JUMPS = {"2x": (2.0, 0.0), "3x+5": (3.0, 5.0)}
DEV_SEED, EVAL_SEED = 1, 2
HALVES = (1.0, 5.0, 20.0, 1e9)  # simple_blend's halves tried; 1e9: the pool alone


Blend = Callable[[list[int], Pool], "float | None"]


@dataclass(frozen=True)
class Method:
    name: str
    method: str  # classifier.surges.METHODS: scored by surge() itself
    blend: Blend | None = None  # else (the tuning sweep): this size, surge()'s gates and tail


def methods() -> list[Method]:
    return [Method("poisson", POISSON), Method("nb", NEGATIVE_BINOMIAL), Method("nb_pool", POOLED)]


def simple_blend(half: float) -> Blend:
    """Tried on the dev seed: α = w·max(0, α̂) + (1 − w)·α_pool with w = mean / (mean + half),
    a weight that grows with the cell's mean but ignores how much the pool's cells differ."""
    def size(baseline: list[int], pool: Pool) -> float | None:
        mean = sum(baseline) / len(baseline)
        if mean <= 0:
            alpha = pool.alpha
        else:
            variance = sum((x - mean) ** 2 for x in baseline) / (len(baseline) - 1)
            w = mean / (mean + half)
            alpha = w * max(0.0, (variance - mean) / mean ** 2) + (1 - w) * pool.alpha
        return None if alpha <= 0 else 1.0 / alpha
    return size


def _draw(rng: np.random.Generator, mean: np.ndarray, size: np.ndarray | None) -> np.ndarray:
    """Counts of these means: Poisson where size is None or inf, else NB(mean, size)."""
    if size is None:
        return rng.poisson(mean)
    size = np.broadcast_to(size, mean.shape)
    out = rng.poisson(mean)
    nb = np.isfinite(size)
    if nb.any():
        r = size[nb]
        out[nb] = rng.negative_binomial(r, r / (r + mean[nb]))
    return out


@dataclass
class Cells:
    """groups × CELLS cells: their true means and sizes, baselines (… × WEEKS)."""
    mean: np.ndarray
    size: np.ndarray | None
    baseline: np.ndarray

    def test_days(self, rng: np.random.Generator, factor: float = 1.0, plus: float = 0.0) -> np.ndarray:
        return _draw(rng, self.mean * factor + plus, self.size)


def homogeneous(rng: np.random.Generator, groups: int, mean: float, size: float | None) -> Cells:
    means = np.full((groups, CELLS), mean)
    sizes = None if size is None else np.full((groups, CELLS), size)
    base = _draw(rng, np.repeat(means[..., None], WEEKS, -1),
                 None if sizes is None else np.repeat(sizes[..., None], WEEKS, -1))
    return Cells(means, sizes, base)


def city(rng: np.random.Generator, groups: int, mixed: bool = False) -> Cells:
    """Means log-normal (median 1, σ 1: a few busy streets, many quiet ones); each group (topic)
    its own α from {0, 0.1, 0.3, 1} and each cell's α around it (log-normal σ 0.5); `mixed`:
    in every group half the cells Poisson, half α = 1."""
    means = np.exp(rng.normal(0.0, 1.0, (groups, CELLS)))
    if mixed:
        alpha = np.where(rng.random((groups, CELLS)) < 0.5, 0.0, 1.0)
    else:
        topic = rng.choice([0.0, 0.1, 0.3, 1.0], size=(groups, 1))
        alpha = topic * np.exp(rng.normal(0.0, 0.5, (groups, CELLS)))
    sizes = np.where(alpha > 0, 1.0 / np.maximum(alpha, 1e-12), np.inf)
    base = _draw(rng, np.repeat(means[..., None], WEEKS, -1), np.repeat(sizes[..., None], WEEKS, -1))
    return Cells(means, sizes, base)


def pools(cells: Cells) -> list[Pool]:
    return [pool_of(group.tolist()) for group in cells.baseline]


def alerts(cells: Cells, tests: np.ndarray, rule: SurgeRule, method: Method,
           pooled: list[Pool]) -> int:
    """How many test days the rule alerts on, through classifier.surges.surge itself (the cheap
    gates, count and ratio, are applied with numpy first: surge would refuse the same days)."""
    lam = np.maximum(cells.baseline.mean(-1), rule.floor)
    candidates = np.argwhere((tests >= rule.min_count) & (tests >= rule.min_ratio * lam))
    scored = replace(rule, method=method.method)
    found = 0
    for g, c in candidates:
        baseline = cells.baseline[g, c].tolist()
        observed = int(tests[g, c])
        if method.blend is None:
            found += surge(observed, baseline, scored, pooled[g]) is not None
        else:
            size = method.blend(baseline, pooled[g])
            found += surprise_of(observed, float(lam[g, c]), size) >= rule.threshold
    return found


def scenario(rng: np.random.Generator, cells: Cells, jump_cells: Cells, rule: SurgeRule,
             compared: Iterable[Method]) -> dict[str, Any]:
    pooled, jump_pooled = pools(cells), pools(jump_cells)
    null = cells.test_days(rng)
    jumps = {name: jump_cells.test_days(rng, a, b) for name, (a, b) in JUMPS.items()}
    out: dict[str, Any] = {"cell_days": int(null.size), "jump_cell_days": int(jump_cells.mean.size)}
    for m in compared:
        false = alerts(cells, null, rule, m, pooled)
        row: dict[str, Any] = {"false_alerts": false,
                               "false_per_1000": round(1000 * false / null.size, 3)}
        for name, tests in jumps.items():
            row[f"detected_{name}"] = round(alerts(jump_cells, tests, rule, m, jump_pooled) / tests.size, 4)
        out[m.name] = row
    return out


def simulate(seed: int, scale: float, compared: list[Method]) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    groups, jump_groups = max(1, int(200 * scale)), max(1, int(20 * scale))
    out: dict[str, Any] = {"day": {}, "hour": {}}
    for kind, rule, grid in (("day", DAY, DAY_MEANS), ("hour", HOUR, HOUR_MEANS)):
        for mean in grid:
            for truth, size in TRUTHS.items():
                cells = homogeneous(rng, groups, mean, size)
                jump_cells = homogeneous(rng, jump_groups, mean, size)
                out[kind][f"mean{mean:g}_{truth}"] = scenario(rng, cells, jump_cells, rule, compared)
    for name, mixed in (("city", False), ("mixed", True)):
        out["day"][name] = scenario(rng, city(rng, groups, mixed),
                                    city(rng, max(jump_groups, groups // 4), mixed), DAY, compared)
    return out


def totals(sim: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Per window kind and method: false alerts per 1,000 over all scenarios, mean detection."""
    out: dict[str, Any] = {}
    for kind, scenarios in sim.items():
        out[kind] = {}
        for name in names:
            cell_days = sum(s["cell_days"] for s in scenarios.values())
            false = sum(s[name]["false_alerts"] for s in scenarios.values())
            row = {"false_per_1000": round(1000 * false / cell_days, 3),
                   "worst_false_per_1000": max(s[name]["false_per_1000"] for s in scenarios.values())}
            for jump in JUMPS:
                row[f"detected_{jump}"] = round(statistics.fmean(
                    s[name][f"detected_{jump}"] for s in scenarios.values()), 4)
            out[kind][name] = row
    return out


def tune(scale: float) -> dict[str, Any]:
    """The blends tried, on the development seed (DEV_SEED) only: the shipped empirical-Bayes
    one against the simple weight mean / (mean + half) at several halves."""
    compared = [Method("nb", NEGATIVE_BINOMIAL), Method("nb_pool", POOLED)] + [
        Method(f"half_{h:g}", NEGATIVE_BINOMIAL, simple_blend(h)) for h in HALVES]
    sim = simulate(DEV_SEED, scale, compared)
    names = [m.name for m in compared]
    return {"seed": DEV_SEED, "totals": totals(sim, names),
            "city": {n: sim["day"]["city"][n] for n in names},
            "mixed": {n: sim["day"]["mixed"][n] for n in names}}


# The scan's time -------------------------------------------------------------------------------

STREETS, TOPICS, DAYS, PER_CELL_DAY, URGENT_SHARE, PLANTED = 200, 15, 57, 2.0, 0.05, 5


def _scan_app(instance: Path) -> Any:
    import config
    from hotline import create_app
    from hotline.app import migrate

    app = create_app(config.load({**os.environ, "DATABASE_URL": f"sqlite:///{instance / 'bench.db'}",
                                  "HOTLINE_INSTANCE_DIR": str(instance),
                                  "HOTLINE_MODEL_DIR": str(instance / "models"),
                                  "SECRET_KEY": "bench"}))
    migrate.upgrade(app)
    return app


def _seed_tickets(streets: int, topics_n: int) -> int:
    from sqlalchemy import insert, select

    from hotline.app import unit_of_work
    from hotline.app.extensions import db
    from hotline.models import (
        Channel,
        Line,
        Place,
        RequestType,
        Status,
        Ticket,
        Topic,
        Urgency,
        utcnow,
    )
    from hotline.seed import load as seed

    seed.load_reference(db.session)
    unit_of_work.commit(db.session)
    codes = [f"bs{i:03d}" for i in range(streets)]
    db.session.execute(insert(Place), [{"code": c, "name": f"测试街道{i}", "kind": "street",
                                        "district_code": "a1", "aliases": "", "active": True}
                                       for i, c in enumerate(codes)])
    topics = db.session.scalars(select(Topic.id).order_by(Topic.id).limit(topics_n)).all()
    assert len(topics) == topics_n, f"the reference data has only {len(topics)} topics"
    rng = random.Random(11)
    nprng = np.random.default_rng(11)
    now = utcnow()
    texts = ["小区门口道路破损，车辆难行", "楼下餐馆油烟很大，晚上噪音扰民", "自来水停水两天了，没有通知",
             "路灯坏了一个月没人修", "小区垃圾没人清运，气味很大"]
    rows: list[dict[str, Any]] = []
    number = 0
    means = np.exp(nprng.normal(np.log(PER_CELL_DAY) - 0.5, 1.0, (streets, topics_n)))
    for day in range(0, DAYS, 7):  # the days the scan reads: today and the same weekday before
        counts = nprng.negative_binomial(3.0, 3.0 / (3.0 + means))
        if day == 0:  # today: a few planted jumps (so the alert path, phrases and notices, runs)
            for s in range(PLANTED):
                counts[s * 7 % streets, s % topics_n] += 25
        for (s, t), n in np.ndenumerate(counts):
            for _ in range(int(n)):
                number += 1
                rows.append({
                    "number": f"20990101-{number:07d}", "line": Line.L12345, "channel": Channel.PHONE,
                    "request_type": RequestType.COMPLAINT, "content": rng.choice(texts),
                    "district": "a1", "street": codes[s], "topic_id": topics[t],
                    "status": Status.CLOSED, "confidential": False,
                    "urgency": Urgency.URGENT if rng.random() < URGENT_SHARE else Urgency.NORMAL,
                    "created_at": now - timedelta(days=day, seconds=rng.randrange(1, 86_400)),
                    "updated_at": now, "version": 1})
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Ticket), rows[start:start + 5000])
        rows.clear()
    db.session.commit()
    return number


def time_scan(runs: int, streets: int = STREETS, topics: int = TOPICS) -> dict[str, Any]:
    from sqlalchemy import delete

    from hotline.app.extensions import db
    from hotline.models import Notification, SurgeAlert
    from workers.hotspots import scan_surges

    with tempfile.TemporaryDirectory() as tmp:
        app = _scan_app(Path(tmp))
        with app.app_context():
            started = time.perf_counter()
            tickets = _seed_tickets(streets, topics)
            seeded = time.perf_counter() - started
            times, raised = [], []
            for _ in range(runs):
                db.session.execute(delete(Notification))
                db.session.execute(delete(SurgeAlert))
                db.session.commit()
                started = time.perf_counter()
                raised.append(scan_surges()["alerts"])
                times.append(time.perf_counter() - started)
                db.session.remove()
    return {"database": "sqlite", "streets": streets, "topics": topics, "days_back": DAYS,
            "days_seeded": len(range(0, DAYS, 7)),
            "tickets": tickets, "planted_jumps": PLANTED, "alerts": raised, "seed_s": round(seeded, 1),
            "runs_s": [round(t, 3) for t in times], "min_s": round(min(times), 3),
            "max_s": round(max(times), 3), "median_s": round(statistics.median(times), 3)}


def demo_history(days_scored: int = 35) -> dict[str, Any]:
    """The demo city's own seeded history (hotline.demo.history, as `up` builds it, on SQLite):
    the real scan at the same hour on each of the last `days_scored` days (each has its 8 weeks
    of history before it), once per method, rolled back after each: how many street × topic
    cells had calls, how many reached the count and ratio gates, and how many alerts."""
    from sqlalchemy import func, select

    from hotline.app import settings as app_settings
    from hotline.app import unit_of_work
    from hotline.app.extensions import db
    from hotline.classifier_models import registry
    from hotline.demo import history
    from hotline.models import SurgeRuleRow, Ticket, utcnow
    from hotline.reporting import surges as scan_module
    from hotline.seed import load as seed

    with tempfile.TemporaryDirectory() as tmp:
        app = _scan_app(Path(tmp))
        with app.app_context():
            seed.load_reference(db.session)
            seed.ensure_users(db.session, "bench-pass-123")
            configured = app_settings.current(app)
            texts, labels, source = registry.training_data(configured.data_dir, corpus_only=True)
            registry.train_and_activate(configured.model_dir, db.session, texts, labels, source=source)
            unit_of_work.commit(db.session)
            now = utcnow()
            summary = history.build(db.session, now=now)
            unit_of_work.commit(db.session)
            located = db.session.scalar(select(func.count()).where(
                Ticket.street.is_not(None), Ticket.topic_id.is_not(None), Ticket.repeat_of_id.is_(None)))
            out: dict[str, Any] = {"tickets": summary.tickets, "with_street_and_topic": located,
                                   "days_scored": days_scored}
            cells_with_calls = gated = 0
            for d in range(days_scored):
                at = now - timedelta(days=d)
                counts = scan_module._counts(db.session, at - timedelta(days=1), at, False)
                cells_with_calls += len(counts)
                gated += sum(n >= DAY.min_count for n in counts.values())
            out |= {"day_cells_with_calls": cells_with_calls, "day_cells_reaching_min_count": gated}
            for method in (POISSON, NEGATIVE_BINOMIAL, POOLED):
                raised = 0
                for d in range(days_scored):
                    for row in db.session.scalars(select(SurgeRuleRow)):
                        row.method = method
                    raised += len(scan_module.scan(db.session, now - timedelta(days=d)))
                    db.session.rollback()
                out[f"alerts_{method}"] = raised
    return out


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the simulated cells")
    parser.add_argument("--tune", action="store_true", help="also compare the blends on the dev seed")
    parser.add_argument("--scan-runs", type=int, default=3)
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    figures: dict[str, Any] = {"load_before": _load(),
                               "rules": {"day": DAY.__dict__, "hour": HOUR.__dict__}}
    if args.tune:
        started = time.perf_counter()
        figures["tuning"] = tune(scale)
        print(f"tuning (seed {DEV_SEED}) in {time.perf_counter() - started:.0f} s:")
        for kind, rows in figures["tuning"]["totals"].items():
            for name, row in rows.items():
                print(f"  {kind:4} {name:12} {row}")
        for kind in ("city", "mixed"):
            for name, row in figures["tuning"][kind].items():
                print(f"  {kind:5} {name:12} {row}")
    started = time.perf_counter()
    compared = methods()
    sim = simulate(EVAL_SEED, scale, compared)
    figures |= {"seed": EVAL_SEED, "scale": scale, "simulated": sim,
                "totals": totals(sim, [m.name for m in compared]),
                "simulation_s": round(time.perf_counter() - started, 1)}
    for kind, scenarios in sim.items():
        for name, s in scenarios.items():
            print(f"{kind:4} {name:18} " + "  ".join(
                f"{m.name}: {s[m.name]['false_per_1000']:.3f}‰ "
                f"{s[m.name]['detected_2x']:.2f}/{s[m.name]['detected_3x+5']:.2f}" for m in compared))
    for kind, rows in figures["totals"].items():
        for name, row in rows.items():
            print(f"total {kind:4} {name:10} {row}")
    figures["demo_history"] = demo_history()
    print(f"demo city's history: {figures['demo_history']}")
    figures["load_before_scan"] = _load()
    figures["scan"] = time_scan(args.scan_runs)
    figures["load_after"] = _load()
    scan = figures["scan"]
    print(f"scan_surges on SQLite, {scan['streets']} streets × {scan['topics']} topics, "
          f"{scan['tickets']} tickets: {scan['min_s']}–{scan['max_s']} s (runs {scan['runs_s']}), "
          f"alerts {scan['alerts']}; load {figures['load_before_scan']} → {figures['load_after']}")
    print(f"wrote {write('surges', figures)}")


if __name__ == "__main__":
    main()
