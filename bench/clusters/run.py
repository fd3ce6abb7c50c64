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
- ``paraphrases.csv``: the project's own data, written for this benchmark: 43 incidents in
  streets of an invented city, each told by one to four callers in their own words, and other
  problems in the same streets (a burst main and a power cut in the same street are two groups;
  so are two estates without water, or two buildings' lifts). The four streets added last
  (A4区–A7区) lie wholly in one half each, so their hard negatives meet their look-alikes.
  77 dev rows added later (groups d01–d34, three more streets: A1区青山, A2区望江, A3区金沙, and
  the dev streets A4区平安, A6区桂花) are hard negatives on purpose: another problem at one
  estate, road or market (门禁 and 停水 at 翠湖华庭, a KTV's and a bar's noise on 平安路), one
  problem kind at two estates, buildings, schools or markets of one street, with more
  paraphrases, so dev shows where precision breaks.
- ``fresh.csv``: a third, blind set (split ``fresh`` on every row), written on 2026-12-07 by
  the helper session ``groupfresh`` while another session tuned the method on dev. Its writer
  read no grouping code, no problem list and no test of them, never ran this script, and read
  of this file only this docstring and the loading and split handling; of paraphrases.csv only
  its header and its streets and topics. 47 incidents in twelve streets of the demo city (some
  of paraphrases.csv's, mostly the seed city's), each told by two to five callers as a call
  note, an SMS or a web message (16–119 characters, the place named as a crossing, an estate, a
  landmark or a building number); 75 hard negatives, each a group of its own at the street and
  topic of an incident (two estates without water, a burst main and a power cut at one
  crossing, a building site's noise and a KTV's, the lifts of buildings 3 and 5, unpaid wages
  at two firms of one industrial park, a shop's noise and its smoke); 34 ordinary one-off
  messages. Seven first-level topics (the taxonomy has no eighth). It is read only with
  ``--fresh``, after the dev threshold is fixed, and measured once at the thresholds dev chose
  (``fresh_precision``, ``fresh_recall``, ``fresh_curve``, ``fresh_linkage``): it never takes
  part in choosing. Its rows join the index after every dev and held-out figure is computed.

Every labelled row carries a place (the street; for TipDM the masked district in the text) and
a first-level topic (the dataset's label, else read by hand). Gated pairs are those of one place
and topic, as at intake (hotline/intake/incidents.py); a positive pair across the gate counts as
missed. Ungated figures (every pair inside one half of a source) are reported too, and so are
the pairs gated by the topic the classifier gives (``predicted_topics``: intake files a ticket
under the classifier's topic), and the groups intake would form taking the tickets one by one
(``linked``: joining a group by its master, its best member or most members). The
threshold is the lowest whose gated dev precision is at least 0.95 (most recall); the held-out
half is measured at it, never used to choose (``--dev-only`` prints dev alone, for tuning).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import percentile, write  # noqa: E402
from classifier.incidents import CONFLICT_PENALTY, PROBLEM_WEIGHT, IncidentIndex  # noqa: E402

HERE = Path(__file__).parent
FILES = {"F": "tipdm2020c_attachment2_fullrows_subset.csv", "T": "tipdm2020c_official_test_unlabeled.csv",
         "R": "tipdm2020c_attachment4_replies.csv"}
THRESHOLDS = [round(0.02 * i, 2) for i in range(46)]
TARGET_PRECISION = 0.95
# How pairs are gated, and the suffix of their figures: the hand-labelled topic, the
# classifier's (as intake files a ticket), none.
GATES = {"topic": "", "predicted": "_predicted_topic", None: "_ungated"}
LINKAGES = ("master", "member", "most")
OPEN_TICKETS = 100_000
QUERIES = 1_000
# A logged call or SMS is short: the open tickets of the lookup are the messages' first 120
# characters (titles with the start of the body).
TICKET_CHARS = 120


# The masked district of a TipDM message (A7县, K2区, D12市): its place at intake when no street
# is known.
DISTRICT = re.compile(r"[A-Z][0-9]*\s?[区县市]")


def texts(data_dir: Path) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for tag, name in FILES.items():
        with (data_dir / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out[(tag, row["id"])] = row["text"]
    return out


def labels(data_dir: Path) -> dict[str, str]:
    """The first-level topic of each full row (the drawn singletons' topic at intake)."""
    with (data_dir / FILES["F"]).open(encoding="utf-8") as f:
        return {row["id"]: row["label"] for row in csv.DictReader(f)}


def district(text: str) -> str:
    found = DISTRICT.search(text)
    return found.group().replace(" ", "") if found else ""


def items(corpus: dict[tuple[str, str], str], topics: dict[str, str]) -> list[dict[str, str]]:
    """Every labelled text: source, split, group ("" = a group of its own), place, topic, text."""
    out = []
    with (HERE / "tipdm_groups.csv").open(encoding="utf-8") as f:
        labelled = list(csv.DictReader(f))
    # Groups among the drawn singletons, found by reading the draw's closest pairs (split "drawn").
    drawn_groups = {(r["file"], r["id"]): r["group"] for r in labelled if r["split"] == "drawn"}
    labelled = [r for r in labelled if r["split"] != "drawn"]
    for row in labelled:
        text = corpus[(row["file"], row["id"])]
        out.append({"source": "tipdm", "split": row["split"], "group": row["group"],
                    "place": district(text), "topic": row["topic"], "text": text})
    taken = {(r["file"], r["id"]) for r in labelled}
    pool = sorted(k for k in corpus if k[0] == "F" and k not in taken)
    drawn = random.Random(18).sample(pool, 300)
    for i, key in enumerate(drawn):
        out.append({"source": "tipdm", "split": ("dev", "heldout")[i % 2], "group": drawn_groups.get(key, ""),
                    "place": district(corpus[key]), "topic": topics[key[1]], "text": corpus[key]})
    with (HERE / "paraphrases.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.append({"source": "paraphrases", "split": row["split"], "group": row["group"],
                        "place": row["street"], "topic": row["topic"], "text": row["text"]})
    return out


def fresh_items(path: Path | None = None) -> list[dict[str, str]]:
    """The rows of fresh.csv as their own split ("fresh"), never part of dev or held-out: the
    blind set measured once at the thresholds dev chose (see the docstring). Source
    "paraphrases" (the project's own texts, gated by their street and topic as paraphrases.csv's)."""
    out = []
    with (path or HERE / "fresh.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] != "fresh":
                raise ValueError(f"fresh.csv holds only split 'fresh', not {row['split']!r}: {row['text'][:30]}")
            out.append({"source": "paraphrases", "split": "fresh", "group": row["group"],
                        "place": row["street"], "topic": row["topic"], "text": row["text"]})
    return out


def fresh_figures(index: IncidentIndex, rows: list[dict[str, str]], fresh: list[dict[str, str]],
                  chosen: float, linkage: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The fresh set at the thresholds dev chose (`chosen`, and each linkage's dev threshold):
    its rows join `index` after `rows`, once every dev and held-out figure is computed."""
    both = rows + fresh
    for i in range(len(rows), len(both)):
        index.add(i, both[i]["text"])
    out: dict[str, Any] = {"fresh_threshold": chosen}
    for gate, suffix in GATES.items():
        out[f"fresh{suffix}"] = at_threshold(scored_pairs(index, both, "fresh", gate)["paraphrases"], chosen)
    out["fresh_precision"], out["fresh_recall"] = out["fresh"]["precision"], out["fresh"]["recall"]
    out["fresh_curve"] = curve(scored_pairs(index, both, "fresh", "topic")["paraphrases"])
    out["fresh_linkage"] = {name: next(p for p in linkage_curve(index, both, "fresh", name)
                                       if p["threshold"] == by_split["dev"]["threshold"])
                            for name, by_split in linkage.items()}
    out["fresh_topic_accuracy"] = round(sum(r["predicted"] == r["topic"] for r in fresh) / len(fresh), 4)
    return out


def predicted_topics(rows: list[dict[str, str]], data_dir: Path) -> list[str]:
    """The first-level topic the classifier gives each labelled text, as intake files it: a
    model trained on the production training data without any TipDM message this benchmark
    evaluates (a body or title found inside an evaluated text is left out)."""
    from classifier.data import tipdm_bodies_and_titles
    from classifier.model import train
    from hotline.seed.load import corpus_rows

    evaluated = "\n".join(r["text"] for r in rows if r["source"] == "tipdm")
    texts, topics = tipdm_bodies_and_titles(data_dir)
    kept = [(t, y) for t, y in zip(texts, topics, strict=True) if t.strip()[:40] not in evaluated]
    corpus = list(corpus_rows())
    model = train([t for t, _ in kept] + [r["text"] for r in corpus],
                  [y for _, y in kept] + [r["topic"] for r in corpus])
    return [p.label for p in model.predict([r["text"] for r in rows])]


def one_incident(rows: list[dict[str, str]], a: int, b: int) -> bool:
    return bool(rows[a]["group"]) and rows[a]["group"] == rows[b]["group"]


def gate_score(index: IncidentIndex, rows: list[dict[str, str]], a: int, b: int, gate: str | None) -> float:
    """The pair's score, or -inf when `gate` (the row's "topic", hand-labelled, or "predicted",
    the classifier's) puts them in other buckets: a pair of another place or topic is never
    proposed, as at intake. None: ungated."""
    if gate and (rows[a]["place"] != rows[b]["place"] or rows[a][gate] != rows[b][gate]):
        return -math.inf
    return index.pair(a, b)


def pairs(index: IncidentIndex, rows: list[dict[str, str]], keys: list[int],
          gate: str | None) -> list[tuple[float, bool]]:
    """Every pair's score and whether it is one incident; a positive across the gate counts as
    missed."""
    return [(gate_score(index, rows, a, b, gate), one_incident(rows, a, b))
            for a, b in itertools.combinations(keys, 2)]


def linked(scores: dict[tuple[int, int], float], order: list[int], threshold: float,
           linkage: str) -> list[list[int]]:
    """The groups intake would form taking the tickets in `order`: a ticket joins the group
    whose master it matches best ("master", as hotline/intake/incidents.py compares with open
    tickets that are no members), whose best member it matches ("member"), or most of whose
    members it matches ("most"); else it opens a group of its own."""
    groups: list[list[int]] = []
    for key in order:
        best, best_score = None, threshold
        for group in groups:
            with_each = [scores[min(key, m), max(key, m)] for m in group]
            score = {"master": with_each[0], "member": max(with_each)}.get(linkage)
            if linkage == "most":
                score = sorted(with_each)[len(with_each) // 2] if len(with_each) > 1 else with_each[0]
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            groups.append([key])
        else:
            best.append(key)
    return groups


def linkage_curve(index: IncidentIndex, rows: list[dict[str, str]], split: str,
                  linkage: str) -> list[dict[str, Any]]:
    """Pairwise precision and recall of the groups `linked` forms at each threshold inside the
    hand-labelled gate, each source's tickets arriving in a fixed random order."""
    scores, orders = {}, []
    for source in ("tipdm", "paraphrases"):
        keys = keys_of(rows, split, source)
        scores |= {(a, b): gate_score(index, rows, a, b, "topic") for a, b in itertools.combinations(keys, 2)}
        random.Random(18).shuffle(keys)
        orders.append(keys)
    out = []
    for t in THRESHOLDS:
        grouped = {(min(a, b), max(a, b)) for order in orders for g in linked(scores, order, t, linkage)
                   for a, b in itertools.combinations(g, 2)}
        scored = [(1.0 if pair in grouped else 0.0, one_incident(rows, *pair)) for pair in scores]
        out.append(point(scored, 1.0) | {"threshold": t})
    return out


def point(scored: list[tuple[float, bool]], threshold: float) -> dict[str, Any]:
    """Pairwise precision and recall of the pairs scoring at least `threshold`."""
    positives = sum(same for _, same in scored)
    predicted = [same for score, same in scored if score >= threshold]
    tp = sum(predicted)
    return {"threshold": threshold, "precision": round(tp / len(predicted), 4) if predicted else 1.0,
            "recall": round(tp / positives, 4) if positives else 0.0, "predicted": len(predicted)}


def curve(scored: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    return [point(scored, t) for t in THRESHOLDS]


def lowest_precise(points: list[dict[str, Any]]) -> float:
    """The lowest threshold whose precision reaches the target (the most recall)."""
    return min((p["threshold"] for p in points if p["precision"] >= TARGET_PRECISION and p["predicted"]),
               default=THRESHOLDS[-1])


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


def keys_of(rows: list[dict[str, str]], split: str, source: str) -> list[int]:
    return [i for i, r in enumerate(rows) if r["split"] == split and r["source"] == source]


def scored_pairs(index: IncidentIndex, rows: list[dict[str, str]], split: str,
                 gate: str | None) -> dict[str, list[tuple[float, bool]]]:
    out = {}
    for source in ("tipdm", "paraphrases"):
        out[source] = pairs(index, rows, keys_of(rows, split, source), gate)
    out["all"] = out["tipdm"] + out["paraphrases"]
    return out


def at_threshold(values: list[tuple[float, bool]], threshold: float) -> dict[str, Any]:
    return {"pairs": len(values), "positive_pairs": sum(s for _, s in values), **point(values, threshold)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get(
        "HOTLINE_DATA_DIR", str(REPO.parent / "shared" / "data" / "tipdm2020c")))
    parser.add_argument("--dev-only", action="store_true",
                        help="print the dev figures only (for tuning: the held-out half stays unseen)")
    parser.add_argument("--fresh", action="store_true",
                        help="also measure the blind fresh.csv at the dev thresholds (once, after they are fixed)")
    args = parser.parse_args()
    if args.fresh and args.dev_only:
        parser.error("--fresh is measured at the thresholds of a full run, not with --dev-only")
    fresh = fresh_items() if args.fresh else []
    corpus = texts(Path(args.data_dir))
    rows = items(corpus, labels(Path(args.data_dir)))
    index = IncidentIndex()
    # Document frequencies as at a centre with a few thousand open tickets.
    for key, text in corpus.items():
        index.add(("background", key), text)
    for i, row in enumerate(rows):
        index.add(i, row["text"])
    figures: dict[str, Any] = {
        "method": f"character 2-3-gram TF-IDF cosine: {1 - PROBLEM_WEIGHT:g} × the whole text's + "
                  f"{PROBLEM_WEIGHT:g} × the text's without its named places, each problem's words read as "
                  "its name (classifier/incident_problems.txt), minus "
                  f"{CONFLICT_PENALTY} when the named places (classifier/incident_places.txt; an estate and a "
                  "facility are both spots), numbers, problems or venues (classifier/incident_venues.txt) "
                  "conflict; inverted index (classifier/incidents.py)",
        "gate": "gated pairs: same place (street; district for TipDM) and first-level topic, as at intake"}
    # The fresh rows' topics come from the same model (its training data leaves out TipDM rows only).
    for row, topic in zip(rows + fresh, predicted_topics(rows + fresh, Path(args.data_dir)), strict=True):
        row["predicted"] = topic
    splits = ("dev",) if args.dev_only else ("dev", "heldout")
    scored = {(split, gate): scored_pairs(index, rows, split, gate)
              for split in splits for gate in GATES}
    dev = curve(scored[("dev", "topic")]["all"])
    chosen = lowest_precise(dev)
    figures["threshold_chosen_on_dev"] = chosen
    for (split, gate), by_source in scored.items():
        for source, values in by_source.items():
            name = f"{split}_{source}{GATES[gate]}"
            figures[name] = at_threshold(values, chosen)
            print(f"{name:36} pairs {len(values):6}  positives {figures[name]['positive_pairs']:4}  "
                  f"at {chosen}: precision {figures[name]['precision']:.3f} "
                  f"recall {figures[name]['recall']:.3f}")
    figures["dev_curve"] = dev
    figures["topic_accuracy"] = {f"{split}_{source}": round(
        sum(rows[i]["predicted"] == rows[i]["topic"] for i in keys_of(rows, split, source))
        / len(keys_of(rows, split, source)), 4) for split in splits for source in ("tipdm", "paraphrases")}
    print("classifier's topic = hand-labelled topic:", figures["topic_accuracy"])
    figures["linkage"] = {}
    for linkage in LINKAGES:
        linkage_dev = linkage_curve(index, rows, "dev", linkage)
        at = lowest_precise(linkage_dev)
        figures["linkage"][linkage] = {split: next(p for p in (linkage_dev if split == "dev" else linkage_curve(
            index, rows, split, linkage)) if p["threshold"] == at) for split in splits}
        print(f"linkage {linkage:7}", figures["linkage"][linkage])
    if args.dev_only:
        for p in dev[:20]:
            print(p)
        return
    figures["heldout_curve"] = curve(scored[("heldout", "topic")]["all"])
    bodies = [t[:TICKET_CHARS] for k, t in corpus.items() if k[0] != "F"]
    queries = [r["text"][:TICKET_CHARS] for r in rows][:QUERIES] + bodies[:max(0, QUERIES - len(rows))]
    figures["lookup_realistic"] = lookup(bodies, 600, queries)
    print("lookup, 100,000 open tickets in 600 street×topic buckets:", figures["lookup_realistic"])
    figures["lookup_one_bucket"] = lookup(bodies, 1, queries)
    print("lookup, 100,000 open tickets in one bucket (worst case):", figures["lookup_one_bucket"])
    if fresh:
        figures |= fresh_figures(index, rows, fresh, chosen, figures["linkage"])
        for name in ("fresh", "fresh_predicted_topic", "fresh_ungated"):
            print(f"{name:36} pairs {figures[name]['pairs']:6}  positives {figures[name]['positive_pairs']:4}  "
                  f"at {chosen}: precision {figures[name]['precision']:.3f} recall {figures[name]['recall']:.3f}")
        print("fresh linkage", figures["fresh_linkage"], "topic accuracy", figures["fresh_topic_accuracy"])
    print("written", write("clusters", figures))


if __name__ == "__main__":
    main()
