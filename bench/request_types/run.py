"""Request-type rules (classifier/request_types.py) and their confidence, against texts
labelled by hand.

Run: ``.venv/bin/python bench/request_types/run.py`` (a second). Writes
``bench/results/request_types.json`` and prints, per set, accuracy, macro-F1, the calibration
error and how many guesses are confident. ``--calibrate`` first measures the confidence table
again on the development texts and writes ``classifier/request_type_calibration.json``: run it
after editing ``classifier/request_type_rules.json`` (tests/classifier fail until it is done).

The texts:

- the project's call-note set (``classifier/devsets/call_notes.csv``, its ``request_type``
  column, labelled by hand: classifier/devsets/README.md), its ``tune`` half for development and
  its ``holdout`` half measured only;
- 100 held-out messages drawn at random (``random.Random(16)``) from
  ``tipdm2020c_official_test_unlabeled.csv``, labelled by hand from the title and the first 70
  characters of the body before the rules were run on them (``heldout_labels.csv``: ids and
  labels only, the texts stay in the shared data folder), and 50 others for development
  (``dev_labels.csv``), each scored as an agent would type it, title then body, and as the
  title alone;
- the demo corpus (``hotline/seed/corpus.csv``, 420 call notes with their 诉求类型, 表扬 among
  them), labelled by its authors in November 2026, before the rules existed: development texts
  for the calibration only, the one labelled set the cues were never edited on.

The rules' cues are tuned on the ``tune`` half and ``dev_labels.csv`` only; the calibration
is fitted on those and the demo corpus, each set a source of its own (random-effects mean per
bucket, chosen over the pooled count by leave-one-source-out on these sets alone, reported as
``calibration_choice``); the held-out ones are measured, never read while editing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import write  # noqa: E402
from classifier import data  # noqa: E402
from classifier.request_types import CALIBRATION, Calibration, RequestTypeRules  # noqa: E402

LABELS = Path(__file__).with_name("heldout_labels.csv")
DEV = Path(__file__).with_name("dev_labels.csv")
SOURCE = "tipdm2020c_official_test_unlabeled.csv"
CALIBRATION_FILE = REPO / "classifier" / CALIBRATION
CORPUS = REPO / "hotline" / "seed" / "corpus.csv"
DEVELOPMENT = ("call_notes_tune", "dev_title_and_body", "dev_title_only", "demo_corpus")
HELDOUT = ("call_notes_holdout", "heldout_title_and_body", "heldout_title_only")


def labelled_sets(data_dir: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Each set's texts and gold request types, by name (DEVELOPMENT and HELDOUT)."""
    with (data_dir / SOURCE).open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    sets: dict[str, tuple[list[str], list[str]]] = {}
    for split in data.SPLITS:
        notes = [r for r in data.read_rows(data.CALL_NOTES) if r["split"] == split]
        sets[f"call_notes_{split}"] = ([r["text"] for r in notes],
                                       [r["request_type"] for r in notes])
    for name, labels in (("heldout", LABELS), ("dev", DEV)):
        with labels.open(encoding="utf-8") as f:
            gold = [(r["id"], r["request_type"]) for r in csv.DictReader(f)]
        sets[f"{name}_title_and_body"] = (
            [f"{rows[i]['subject']}。{rows[i]['detail'] or ''}" for i, _ in gold],
            [g for _, g in gold])
        sets[f"{name}_title_only"] = ([rows[i]["subject"] for i, _ in gold], [g for _, g in gold])
    codes = {r.label: r.code for r in RequestTypeRules.default().rules}
    corpus = data.read_rows(CORPUS)
    sets["demo_corpus"] = ([r["text"] for r in corpus], [codes[r["request_type"]] for r in corpus])
    return sets


def fitted(rules: RequestTypeRules, sets: dict[str, tuple[list[str], list[str]]],
           names: tuple[str, ...], *, by_source: bool = True) -> Calibration:
    """The confidence table fitted on the sets ``names``, each a source (or pooled as one)."""
    plain = rules.uncalibrated()
    texts = [t for name in names for t in sets[name][0]]
    gold = [g for name in names for g in sets[name][1]]
    sources = [name for name in names for _ in sets[name][0]] if by_source else None
    return Calibration.fit([plain.guess(t) for t in texts], gold, sources=sources,
                           rules_sha256=rules.sha256)


def calibration_choice(rules: RequestTypeRules, sets: dict[str, tuple[list[str], list[str]]]
                       ) -> dict[str, float]:
    """Leave-one-source-out on the development sets: each set's ECE under the table fitted on
    the others, weighted by its size, for the pooled count and the random-effects mean."""
    out = {}
    for method, by_source in (("pooled", False), ("random_effects", True)):
        errors = 0.0
        for left in DEVELOPMENT:
            table = fitted(rules, sets, tuple(n for n in DEVELOPMENT if n != left),
                           by_source=by_source)
            calibrated = RequestTypeRules(rules.rules, rules.fallback.code, rules.lead_chars,
                                          table, rules.sha256)
            texts, gold = sets[left]
            guesses = [calibrated.guess(t) for t in texts]
            right = [g.code == y for g, y in zip(guesses, gold, strict=True)]
            errors += reliability(guesses, right)["ece"] * len(texts)
        out[method] = round(errors / sum(len(sets[n][0]) for n in DEVELOPMENT), 3)
    return out


def calibrate(rules: RequestTypeRules, sets: dict[str, tuple[list[str], list[str]]]
              ) -> Calibration:
    """The confidence table measured on the development sets, written beside the rules."""
    table = fitted(rules, sets, DEVELOPMENT)
    texts = sum(len(sets[name][0]) for name in DEVELOPMENT)
    record = {"_comment": (
        "How often a request-type guess was right, by its margin over the runner-up type "
        "(margin_from: this margin or more, up to the next bucket's; null: no cue matched, the "
        "fallback), on the development texts: " + ", ".join(DEVELOPMENT) + f" ({texts} "
        "texts). confidence: each set's (right + 1) / (texts + 2), averaged across the sets "
        "with random-effects weights (right and texts are the sum), made non-decreasing in the "
        "margin; a guess at confident_at or above is preselected in the agent console. "
        "rules_sha256 names the rules it was measured on. Written by bench/request_types/run.py "
        "--calibrate: run it again after editing request_type_rules.json."), **table.to_data()}
    CALIBRATION_FILE.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return Calibration.from_data(record)


def score(rules: RequestTypeRules, texts: list[str], gold: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    guesses = [rules.guess(t) for t in texts]
    per_text_ms = (time.perf_counter() - started) * 1000 / len(texts)
    types = [r.code for r in rules.rules]
    pairs = Counter((g, p.code) for g, p in zip(gold, guesses, strict=True))
    per_type = {}
    f1s = []
    for t in types:
        predicted = sum(n for (_g, p), n in pairs.items() if p == t)
        actual = sum(n for (g, _p), n in pairs.items() if g == t)
        precision = pairs[(t, t)] / predicted if predicted else 0.0
        recall = pairs[(t, t)] / actual if actual else 0.0
        if predicted or actual:  # as scikit-learn: the types in the gold or the guesses
            f1s.append(2 * precision * recall / (precision + recall) if pairs[(t, t)] else 0.0)
        per_type[t] = {"support": actual,
                       "precision": round(precision, 3) if predicted else None,
                       "recall": round(recall, 3) if actual else None}
    right = [p.code == g for p, g in zip(guesses, gold, strict=True)]
    return {"texts": len(texts), "accuracy": round(sum(right) / len(texts), 3),
            "macro_f1": round(sum(f1s) / len(f1s), 3),
            "always_complaint": round(sum(g == "complaint" for g in gold) / len(gold), 3),
            **reliability(guesses, right),
            "per_type": per_type,
            "confusion": {g: {p: pairs[(g, p)] for p in types} for g in types},
            "ms_per_text": round(per_text_ms, 3)}


def reliability(guesses: list[Any], right: list[bool]) -> dict[str, Any]:
    """Accuracy per confidence value the calibration gives, the expected calibration error
    (the gap between confidence and accuracy, weighted by each value's share of the texts),
    and how the confident guesses fare."""
    by_value: dict[float, list[bool]] = defaultdict(list)
    for guess, ok in zip(guesses, right, strict=True):
        by_value[round(guess.confidence, 3)].append(ok)
    table = [{"confidence": value, "texts": len(oks), "accuracy": round(sum(oks) / len(oks), 3)}
             for value, oks in sorted(by_value.items())]
    n = len(right)
    ece = sum(len(oks) / n * abs(sum(oks) / len(oks) - value) for value, oks in by_value.items())
    confident = [ok for guess, ok in zip(guesses, right, strict=True) if guess.confident]
    return {"ece": round(ece, 3), "reliability": table,
            "confident_share": round(len(confident) / n, 3),
            "confident_accuracy": round(sum(confident) / len(confident), 3) if confident else None}


def pooled(rules: RequestTypeRules, sets: dict[str, tuple[list[str], list[str]]],
           names: tuple[str, ...]) -> dict[str, Any]:
    texts = [t for name in names for t in sets[name][0]]
    gold = [g for name in names for g in sets[name][1]]
    figures = score(rules, texts, gold)
    return {k: figures[k] for k in ("texts", "accuracy", "macro_f1", "ece", "reliability",
                                    "confident_share", "confident_accuracy")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get(
        "HOTLINE_DATA_DIR", str(REPO.parent / "shared" / "data" / "tipdm2020c")))
    parser.add_argument("--calibrate", action="store_true", help=(
        f"measure the confidence table on the development texts and write {CALIBRATION_FILE}"))
    args = parser.parse_args()
    sets = labelled_sets(Path(args.data_dir))
    rules = RequestTypeRules.default()
    if args.calibrate:
        rules = RequestTypeRules(rules.rules, rules.fallback.code, rules.lead_chars,
                                 calibrate(rules, sets), rules.sha256)
        print(f"wrote {CALIBRATION_FILE.relative_to(REPO)}")
    elif rules.calibration is not None and rules.calibration.rules_sha256 != rules.sha256:
        print("warning: the rules changed since the calibration; run with --calibrate",
              file=sys.stderr)
    assert rules.calibration is not None
    figures: dict[str, Any] = {
        "what": "request type (诉求类型) cue rules and their calibrated confidence, "
                "hand-labelled call notes and messages",
        "confident_at": rules.calibration.confident_at,
        "calibration": rules.calibration.to_data()["buckets"],
        "calibration_choice": {"leave_one_source_out_ece": calibration_choice(rules, sets),
                               "sources": list(DEVELOPMENT)},
        # the call notes' held-out half and the held-out messages as typed, each text once
        "heldout": pooled(rules, sets, HELDOUT[:2]),
        "development": pooled(rules, sets, DEVELOPMENT[:2]),
    }
    for name in (*HELDOUT, *DEVELOPMENT):
        figures[name] = score(rules, *sets[name])
    write("request_types", figures)
    for key, value in figures.items():
        if isinstance(value, dict) and "accuracy" in value:
            confident = value["confident_accuracy"]
            print(f"{key:24s} accuracy {value['accuracy']:.1%} macro-F1 {value['macro_f1']:.3f} "
                  f"ECE {value['ece']:.3f}, confident {value['confident_share']:.0%} of "
                  f"{value['texts']} ({'—' if confident is None else f'{confident:.1%}'} right)")


if __name__ == "__main__":
    main()
