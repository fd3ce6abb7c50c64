"""Request-type rules (classifier/request_types.py) against held-out messages labelled by hand.

Run: ``.venv/bin/python bench/request_types/run.py`` (a second). Writes
``bench/results/request_types.json`` and prints accuracy, per-type precision and recall and
the confusion matrix.

The held-out set: 100 messages drawn at random (``random.Random(16)``) from
``tipdm2020c_official_test_unlabeled.csv``, a file the rules were never written against, and
labelled by hand into the six request types from the title and the first 70 characters of
the body, before the rules were run on them (``heldout_labels.csv`` holds only ids and labels:
the texts stay in the shared data folder). The text scored is what an agent would type: the
title, then the body.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import write  # noqa: E402
from classifier.request_types import RequestTypeRules  # noqa: E402

LABELS = Path(__file__).with_name("heldout_labels.csv")
SOURCE = "tipdm2020c_official_test_unlabeled.csv"


DEV = Path(__file__).with_name("dev_labels.csv")


def score(rules: RequestTypeRules, texts: dict[str, str], labels: Path) -> dict[str, Any]:
    with labels.open(encoding="utf-8") as f:
        gold = {r["id"]: r["request_type"] for r in csv.DictReader(f)}
    started = time.perf_counter()
    guessed = {i: rules.guess(texts[i]).code for i in gold}
    per_text_ms = (time.perf_counter() - started) * 1000 / len(gold)
    types = [r.code for r in rules.rules]
    pairs = Counter((gold[i], guessed[i]) for i in gold)
    per_type = {}
    for t in types:
        predicted = sum(n for (_g, p), n in pairs.items() if p == t)
        actual = sum(n for (g, _p), n in pairs.items() if g == t)
        per_type[t] = {"support": actual,
                       "precision": round(pairs[(t, t)] / predicted, 3) if predicted else None,
                       "recall": round(pairs[(t, t)] / actual, 3) if actual else None}
    correct = sum(pairs[(t, t)] for t in types)
    return {"texts": len(gold), "accuracy": round(correct / len(gold), 3),
            "always_complaint": round(sum(v == "complaint" for v in gold.values()) / len(gold), 3),
            "per_type": per_type,
            "confusion": {g: {p: pairs[(g, p)] for p in types} for g in types},
            "ms_per_text": round(per_text_ms, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get(
        "HOTLINE_DATA_DIR", str(REPO.parent / "shared" / "data" / "tipdm2020c")))
    args = parser.parse_args()
    with (Path(args.data_dir) / SOURCE).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rules = RequestTypeRules.default()
    figures: dict[str, Any] = {"what": "request type (诉求类型) cue rules, hand-labelled messages"}
    for name, labels in (("heldout", LABELS), ("dev", DEV)):
        figures[f"{name}_title_and_body"] = score(
            rules, {r["id"]: f"{r['subject']}。{r['detail'] or ''}" for r in rows}, labels)
        figures[f"{name}_title_only"] = score(rules, {r["id"]: r["subject"] for r in rows}, labels)
    write("request_types", figures)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key:24s} accuracy {value['accuracy']:.1%} (always 投诉 "
                  f"{value['always_complaint']:.1%}) on {value['texts']}")


if __name__ == "__main__":
    main()
