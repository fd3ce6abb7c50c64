"""Risk triage rules (classifier/risk.py, the shipped classifier/risk_rules.json): what they find,
what they leave alone, and what the urgency rules alone made of the same texts.

Run: ``.venv/bin/python bench/risk/run.py`` (a few seconds). Writes ``bench/results/risk.json``.

- the phrase table of tests/classifier/test_risk.py (risky phrasings and negated, framed or
  ordinary texts): recall and false alarms of the risk rules, and how many of the risky texts
  the urgency rules (classifier/urgency_rules.json) marked 紧急 before risk triage existed;
- the project's call-note development set (classifier/devsets/call_notes.csv, 350 ordinary
  tickets written for issue 19): every text a rule flags is a false alarm there;
- the TipDM message bodies, where the shared data folder has them: how many long web messages
  get a mark, by rule (a rate to watch, not a score: some of them are real distress);
- the time per text;
- the risk model (classifier/risk_model.py, 可能有风险): on the held-out half of the project's
  risk note set (classifier/devsets/risk_notes.csv, never trained on), the share of
  the risky notes the rules miss that it suggests, and its false alarms on the half's ordinary
  notes; on the TipDM bodies (none of them trained on), the share it suggests where no rule
  matched (a false-alarm rate at most: a few are real distress); and the share of the held-out
  risky notes whose category (the nearest dev note's) is right.
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
from classifier.risk import RiskRules  # noqa: E402
from classifier.risk_model import RiskModel, risk_notes  # noqa: E402
from classifier.urgency import URGENT, UrgencyRules  # noqa: E402
from hotline.intake.triage import intake_risk_model  # noqa: E402
from tests.classifier.test_risk import RISKY, SAFE  # noqa: E402  (one table for both)

DEVSET = REPO / "classifier" / "devsets" / "call_notes.csv"
BODIES = "tipdm2020c_attachment2_details_only.csv"


def flagged(rules: RiskRules, texts: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    found = [(t, rules.assess(t)) for t in texts]
    ms = (time.perf_counter() - started) * 1000 / max(len(texts), 1)
    marks = [f for _t, f in found if f is not None]
    return {"texts": len(texts), "flagged": len(marks),
            "rate": round(len(marks) / max(len(texts), 1), 4),
            "by_rule": dict(Counter(f"{f.rule} ({f.level})" for f in marks).most_common()),
            "examples": [{"text": t[:60], "rule": f.rule, "phrase": f.phrase}
                         for t, f in found if f is not None][:10],
            "ms_per_text": round(ms, 4)}


def suggested(model: RiskModel, rules: RiskRules, texts: list[str]) -> dict[str, Any]:
    """How many of ``texts`` no rule flags, and how many of those the model suggests."""
    missed = [t for t in texts if rules.assess(t) is None]
    started = time.perf_counter()
    hits = [t for t in missed if model.suggest(t) is not None]
    ms = (time.perf_counter() - started) * 1000 / max(len(missed), 1)
    return {"texts": len(texts), "rules_miss": len(missed), "suggested": len(hits),
            "rate": round(len(hits) / max(len(missed), 1), 4), "ms_per_text": round(ms, 3)}


def risk_model_figures(rules: RiskRules, bodies: list[str] | None) -> dict[str, Any]:
    model = intake_risk_model()  # what the intake uses: shipped texts plus the demo corpus
    holdout = risk_notes("holdout")
    risky = suggested(model, rules, [r["text"] for r in holdout if r["risky"] == "1"])
    ordinary = suggested(model, rules, [r["text"] for r in holdout if r["risky"] == "0"])
    held_risky = [r for r in holdout if r["risky"] == "1"]
    categories = [model.category(r["text"]) == r["category"] for r in held_risky]
    out: dict[str, Any] = {
        "threshold": round(model.threshold, 4),
        # The category it would show (the nearest risky note's) for every held-out risky note.
        "holdout_category_accuracy": {"right": sum(categories), "notes": len(categories),
                                      "accuracy": round(sum(categories) / len(categories), 4)},
        "holdout_risky": risky | {"missed_examples": [
            r["text"] for r in holdout if r["risky"] == "1" and rules.assess(r["text"]) is None
            and model.suggest(r["text"]) is None]},
        "holdout_ordinary_false_alarms": ordinary,
    }
    if bodies is not None:
        out["tipdm_bodies_suggested"] = suggested(model, rules, bodies)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get(
        "HOTLINE_DATA_DIR", str(REPO.parent / "shared" / "data" / "tipdm2020c")))
    args = parser.parse_args()
    rules, urgency = RiskRules.default(), UrgencyRules.default()
    right = sum(1 for text, category, level in RISKY
                if (f := rules.assess(text)) and (f.category, f.level) == (category, level))
    figures: dict[str, Any] = {
        "what": "risk triage rules: phrase table, call-note dev set, TipDM bodies; "
                "the risk model: held-out risk notes, TipDM bodies",
        "table": {
            "risky": len(RISKY), "found_with_category_and_level": right,
            "urgent_by_urgency_rules_alone": sum(
                urgency.classify(text)[0] == URGENT for text, _c, _l in RISKY),
            "safe": len(SAFE), "false_alarms": sum(rules.assess(t) is not None for t in SAFE)},
    }
    with DEVSET.open(encoding="utf-8") as f:
        figures["call_notes_devset"] = flagged(rules, [r["text"] for r in csv.DictReader(f)])
    bodies = Path(args.data_dir) / BODIES
    body_texts = None
    if bodies.exists():
        with bodies.open(encoding="utf-8") as f:
            body_texts = [r["text"] for r in csv.DictReader(f)]
        result = flagged(rules, body_texts)
        result.pop("examples")  # TipDM texts stay in the shared folder
        figures["tipdm_bodies"] = result
    figures["risk_model"] = risk_model_figures(rules, body_texts)
    write("risk", figures)
    table = figures["table"]
    print(f"table: {table['found_with_category_and_level']}/{table['risky']} risky found "
          f"(urgency rules alone: {table['urgent_by_urgency_rules_alone']} 紧急), "
          f"{table['false_alarms']}/{table['safe']} false alarms")
    for key in ("call_notes_devset", "tipdm_bodies"):
        if key in figures:
            v = figures[key]
            print(f"{key}: {v['flagged']}/{v['texts']} flagged ({v['rate']:.2%}), "
                  f"{v['ms_per_text']} ms/text")
    cat = figures["risk_model"]["holdout_category_accuracy"]
    print(f"risk model category: {cat['right']}/{cat['notes']} held-out risky notes right")
    for key, v in figures["risk_model"].items():
        if isinstance(v, dict) and "suggested" in v:
            print(f"risk model, {key}: {v['suggested']} of the {v['rules_miss']} the rules miss "
                  f"({v['rate']:.2%}), {v['ms_per_text']} ms/text")


if __name__ == "__main__":
    main()
