"""Grouping of reports of one incident (classifier/incidents.py), against incident groups
labelled by hand, and the lookup time against 100,000 open tickets.

Run: ``.venv/bin/python bench/clusters/run.py`` (a few minutes). Prints and writes
``bench/results/clusters.json``.

The labelled groups:

- ``tipdm_groups.csv``: messages of the TipDM data (``../shared/data/tipdm2020c``) that report
  one problem at one place from different accounts (route 204's re-routing, a kindergarten
  taking a building's light, a building site's noise, ...), found by their place names and
  read by hand, with messages about *another* problem at the same place as hard negatives
  (group left empty). Ids and labels only: the texts stay in the shared folder. 150 further
  messages per half, drawn with ``random.Random(18)`` from the full rows, are singletons, but
  for two pairs among them that report one problem (read by hand: split ``drawn``).
- ``paraphrases.csv``: the project's own data, written for this benchmark: 18 incidents in
  streets of an invented city, each told by several callers in their own words, and other
  problems in the same streets (a burst main and a power cut in the same street are two groups).

Pairs are every pair of texts inside one half (dev or held-out) of a source, so a TipDM pair
is compared across places and topics: stricter than at intake, where only one street's and
topic's open tickets are candidates. The threshold is the lowest whose dev precision is at
least 0.95 (most recall); the held-out half is measured at it, never used to choose.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import percentile, write  # noqa: E402
from classifier.incidents import IncidentIndex  # noqa: E402

HERE = Path(__file__).parent
FILES = {"F": "tipdm2020c_attachment2_fullrows_subset.csv", "T": "tipdm2020c_official_test_unlabeled.csv",
         "R": "tipdm2020c_attachment4_replies.csv"}
THRESHOLDS = [round(0.1 + 0.02 * i, 2) for i in range(41)]
TARGET_PRECISION = 0.95
OPEN_TICKETS = 100_000
QUERIES = 1_000
# A logged call or SMS is short: the open tickets of the lookup are the messages' first 120
# characters (titles with the start of the body).
TICKET_CHARS = 120


def texts(data_dir: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for tag, name in FILES.items():
        with (data_dir / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out[(tag, row["id"])] = row["text"]
    return out


def items(corpus: dict[tuple[str, str], str]) -> list[dict[str, str]]:
    """Every labelled text: source, split, group ("" = a group of its own), text."""
    out = []
    with (HERE / "tipdm_groups.csv").open(encoding="utf-8") as f:
        labelled = list(csv.DictReader(f))
    # Groups among the drawn singletons, found by reading the draw's closest pairs (split "drawn").
    drawn_groups = {(r["file"], r["id"]): r["group"] for r in labelled if r["split"] == "drawn"}
    labelled = [r for r in labelled if r["split"] != "drawn"]
    for row in labelled:
        out.append({"source": "tipdm", "split": row["split"], "group": row["group"],
                    "text": corpus[(row["file"], row["id"])]})
    taken = {(r["file"], r["id"]) for r in labelled}
    pool = sorted(k for k in corpus if k[0] == "F" and k not in taken)
    drawn = random.Random(18).sample(pool, 300)
    for i, key in enumerate(drawn):
        out.append({"source": "tipdm", "split": ("dev", "heldout")[i % 2], "group": drawn_groups.get(key, ""),
                    "text": corpus[key]})
    with (HERE / "paraphrases.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.append({"source": "paraphrases", "split": row["split"], "group": row["group"],
                        "text": row["text"]})
    return out


def pairs(index: IncidentIndex, rows: list[dict[str, str]], keys: list[int]) -> list[tuple[float, bool]]:
    scored = []
    for a, b in itertools.combinations(keys, 2):
        same = bool(rows[a]["group"]) and rows[a]["group"] == rows[b]["group"]
        scored.append((index.pair(a, b), same))
    return scored


def curve(scored: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    positives = sum(same for _, same in scored)
    out = []
    for t in THRESHOLDS:
        predicted = [same for score, same in scored if score >= t]
        tp = sum(predicted)
        out.append({"threshold": t, "precision": round(tp / len(predicted), 4) if predicted else 1.0,
                    "recall": round(tp / positives, 4) if positives else 0.0, "predicted": len(predicted)})
    return out


def lookup(corpus: list[str], buckets: int, queries: list[str]) -> dict[str, Any]:
    """p50/p99 of one `similar` call against OPEN_TICKETS open tickets spread over `buckets`."""
    rng = random.Random(7)
    index = IncidentIndex()
    started = time.perf_counter()
    for i in range(OPEN_TICKETS):
        # The same message told again in another street is another text for the index.
        index.add(i, f"{rng.choice('东南西北中')}{i % 97}号{corpus[i % len(corpus)]}", bucket=i % buckets)
    built = time.perf_counter() - started
    times = []
    for i, text in enumerate(queries):
        t0 = time.perf_counter()
        index.similar(text, bucket=i % buckets)
        times.append((time.perf_counter() - t0) * 1000)
    return {"open_tickets": OPEN_TICKETS, "buckets": buckets, "queries": len(queries),
            "build_s": round(built, 1), "p50_ms": round(percentile(times, 50), 2),
            "p99_ms": round(percentile(times, 99), 2), "max_ms": round(max(times), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get(
        "HOTLINE_DATA_DIR", str(REPO.parent / "shared" / "data" / "tipdm2020c")))
    args = parser.parse_args()
    corpus = texts(Path(args.data_dir))
    rows = items(corpus)
    index = IncidentIndex()
    # Document frequencies as at a centre with a few thousand open tickets.
    for key, text in corpus.items():
        index.add(("background", key), text)
    for i, row in enumerate(rows):
        index.add(i, row["text"])
    figures: dict[str, Any] = {"method": "character 2-3-gram TF-IDF cosine, inverted index (classifier/incidents.py)"}
    scored = {split: {} for split in ("dev", "heldout")}
    for split in scored:
        for source in ("tipdm", "paraphrases"):
            keys = [i for i, r in enumerate(rows) if r["split"] == split and r["source"] == source]
            scored[split][source] = pairs(index, rows, keys)
        scored[split]["all"] = scored[split]["tipdm"] + scored[split]["paraphrases"]
    dev = curve(scored["dev"]["all"])
    chosen = min((p["threshold"] for p in dev if p["precision"] >= TARGET_PRECISION and p["predicted"]),
                 default=THRESHOLDS[-1])
    figures["threshold_chosen_on_dev"] = chosen
    for split in scored:
        for source, values in scored[split].items():
            at = next(p for p in curve(values) if p["threshold"] == chosen)
            figures[f"{split}_{source}"] = {"pairs": len(values),
                                            "positive_pairs": sum(s for _, s in values), **at}
            print(f"{split:8} {source:12} pairs {len(values):6}  positives {sum(s for _, s in values):4}  "
                  f"at {chosen}: precision {at['precision']:.3f} recall {at['recall']:.3f}")
    figures["heldout_curve"] = curve(scored["heldout"]["all"])
    figures["dev_curve"] = dev
    bodies = [t[:TICKET_CHARS] for k, t in corpus.items() if k[0] != "F"]
    queries = [r["text"][:TICKET_CHARS] for r in rows][:QUERIES] + bodies[:max(0, QUERIES - len(rows))]
    figures["lookup_realistic"] = lookup(bodies, 600, queries)
    print("lookup, 100,000 open tickets in 600 street×topic buckets:", figures["lookup_realistic"])
    figures["lookup_one_bucket"] = lookup(bodies, 1, queries)
    print("lookup, 100,000 open tickets in one bucket (worst case):", figures["lookup_one_bucket"])
    print("written", write("clusters", figures))


if __name__ == "__main__":
    main()
