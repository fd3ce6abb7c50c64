"""Classifier benchmark: the full protocol on TipDM bodies and titles, the held-out half of the
project's own call-note set, plus speed and size.

Run: ``.venv/bin/python bench/classifier/run.py`` (about 15 minutes on 2 cores). Everything
is measured on one core (BLAS threads pinned to 1) except training, whose binary SVMs fit in
``classifier.linear.jobs()`` processes (the cores available; ``--train-jobs`` to set). Writes
``bench/results/classifier.json`` and prints a table. The data directory comes from
``--data-dir`` or ``HOTLINE_DATA_DIR``.

The bodies and titles figures are the training recipe's, each cross-validated on its own data
(the same protocol and folds as always). The short-text figures, speed and memory are those of
the model production trains: bodies + titles + the demo corpus (``hotline/seed/corpus.csv``,
the city's own labelled call notes), scored on the call-note set's ``holdout`` half, which
nothing was chosen on (``tune`` is reported beside it, marked as the half looked at).
Speed is measured ``--repeats`` times (default 3) and reported with its spread, with the load
average before and after, because the machine may be shared.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import classifier  # noqa: E402
import config  # noqa: E402
from classifier import data, linear  # noqa: E402
from classifier.card import library_versions  # noqa: E402
from classifier.evaluation import figures  # noqa: E402

RESULT = REPO / "bench" / "results" / "classifier.json"
TARGETS = {"bodies_macro_f1": 0.92, "titles_macro_f1": 0.88, "short_texts_accuracy": 0.85,
           "train_seconds": 45, "bodies_per_second": 2500, "p99_ms": 5, "model_mb": 50,
           "rss_mb": 300, "hot_topics_seconds": 2}
DEMO_CORPUS = REPO / "hotline" / "seed" / "corpus.csv"
RSS_PROBE = """
import resource, sys, json
sys.path.insert(0, {repo!r})
import classifier
texts = json.load(open({texts!r}, encoding="utf-8"))
model = classifier.load({model!r})
for start in range(0, len(texts), 500):
    model.predict(texts[start:start + 500])
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, hwm)
"""


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average": os.getloadavg(),
            "platform": platform.platform(), "libraries": library_versions()}


def unseen_bodies(directory: Path) -> list[str]:
    """The official test set's bodies: real messages the model never saw."""
    rows = data.read_rows(directory / "tipdm2020c_official_test_unlabeled.csv")
    return [r["detail"] for r in rows if (r.get("detail") or "").strip()]


def production_data(directory: Path) -> tuple[list[str], list[str]]:
    """What ``hotline/classifier_models/registry.py`` trains on when the TipDM folder exists."""
    texts, labels = data.tipdm_bodies_and_titles(directory)
    corpus, topics = data.columns(data.read_rows(DEMO_CORPUS), DEMO_CORPUS, "text", "topic")
    return texts + corpus, labels + topics


def short_texts(model: classifier.Model) -> dict[str, Any]:
    """Figures on each half of the call-note set (``holdout`` is the one that counts)."""
    out = {}
    for split in data.SPLITS:
        texts, labels = data.call_notes(split)
        y = np.array([model.labels.index(label) for label in labels])
        probs = model.probabilities(texts)
        out[split] = figures(y, probs, model.labels, np.full(len(texts), model.threshold))
    return out


def speed_runs(model: classifier.Model, texts: list[str], repeats: int) -> dict[str, Any]:
    """``speed`` ``repeats`` times, each with its load average, and the spread of the runs."""
    runs = []
    for _ in range(repeats):
        run = speed(model, texts)
        run["load_average"] = os.getloadavg()
        runs.append(run)
    rates = [r["batch_bodies_per_second"]["median"] for r in runs]
    p99 = [r["single_ms"]["p99"] for r in runs]
    return {"runs": runs, "texts": len(texts), "mean_chars": runs[0]["mean_chars"],
            "batch_bodies_per_second": {"min": min(rates), "median": statistics.median(rates),
                                        "max": max(rates)},
            "single_ms_p99": {"min": min(p99), "median": statistics.median(p99),
                              "max": max(p99)}}


def speed(model: classifier.Model, texts: list[str]) -> dict[str, Any]:
    batch_rates = []
    for _ in range(3):
        started = time.perf_counter()
        model.predict(texts)
        batch_rates.append(len(texts) / (time.perf_counter() - started))
    latencies = []
    for text in texts[:1000]:
        started = time.perf_counter()
        model.predict([text])
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "mean_chars": round(statistics.mean(len(t) for t in texts), 1),
        "batch_bodies_per_second": {"best": round(max(batch_rates)),
                                    "median": round(statistics.median(batch_rates))},
        "single_ms": {"p50": round(latencies[len(latencies) // 2], 2),
                      "p99": round(latencies[int(len(latencies) * 0.99)], 2),
                      "max": round(latencies[-1], 2)},
    }


def peak_rss_mb(model_dir: Path, texts: list[str], workdir: Path) -> dict[str, float]:
    """Peak RSS of a fresh process that loads the model and predicts ``texts``.

    Linux carries ``ru_maxrss`` over from the parent at fork, so after training in this
    process getrusage in the child reports the parent's size; VmHWM (the high-water mark of
    the child's own memory) is the figure that counts, getrusage is kept for reference.
    """
    texts_file = workdir / "texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    code = RSS_PROBE.format(repo=str(REPO), texts=str(texts_file), model=str(model_dir))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=os.environ)
    maxrss, hwm = out.stdout.strip().splitlines()[-1].split()
    return {"vm_hwm": round(int(hwm) / 1024, 1), "getrusage_maxrss": round(int(maxrss) / 1024, 1)}


def hot_topic_seconds(texts: list[str]) -> float:
    classifier.hot_topics(texts[:10])  # dictionaries load once per process
    started = time.perf_counter()
    classifier.hot_topics(texts[:2000], texts[2000:])
    return round(time.perf_counter() - started, 2)


def table(result: dict[str, Any]) -> str:
    b, t, s = result["bodies"], result["titles"], result["speed"]
    h, tune = result["short_texts"]["holdout"], result["short_texts"]["tune"]
    rate, p99 = s["batch_bodies_per_second"], s["single_ms_p99"]
    rows = [
        ("bodies macro-F1 / accuracy", f"{b['macro_f1']:.4f} / {b['accuracy']:.4f}", "≥ 0.92"),
        ("titles macro-F1 / accuracy", f"{t['macro_f1']:.4f} / {t['accuracy']:.4f}", "≥ 0.88"),
        ("call notes holdout accuracy / macro-F1",
         f"{h['accuracy']:.4f} / {h['macro_f1']:.4f}", "acc ≥ 0.85"),
        ("call notes tune (looked at) acc / F1",
         f"{tune['accuracy']:.4f} / {tune['macro_f1']:.4f}", ""),
        ("bodies ECE / threshold", f"{b['ece']:.4f} / {b['threshold']:.3f}", ""),
        ("bodies auto-dispatch share / acc.",
         f"{b['auto_dispatch']['share']:.3f} / {b['auto_dispatch']['accuracy']:.4f}", ""),
        ("titles ECE / threshold", f"{t['ece']:.4f} / {t['threshold']:.3f}", ""),
        ("titles auto-dispatch share / acc.",
         f"{t['auto_dispatch']['share']:.3f} / {t['auto_dispatch']['accuracy']:.4f}", ""),
        ("train on all bodies (s)",
         f"{result['train_seconds']:.1f} ({result['train_jobs']} jobs)", "< 45"),
        ("train production model (s)", f"{result['production_train_seconds']:.1f}", ""),
        ("batch bodies/s (min, median, max)",
         f"{rate['min']}, {rate['median']}, {rate['max']}", "≥ 2500"),
        ("single text p99 ms (min, median, max)",
         f"{p99['min']}, {p99['median']}, {p99['max']}", "< 5"),
        ("model dir (MB)", f"{result['model_mb']}", "< 50"),
        ("peak RSS load+predict (MB)", f"{result['rss_mb']['vm_hwm']}", "< 300"),
        ("hot topics 2,000 vs 801 texts (s)", f"{result['hot_topics_seconds']}", "< 2"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:<{width}}  {value:<22} {target}" for name, value, target in rows]
    m = result["machine"]
    lines.append(f"machine: {m['cpu']}, {m['cores']} cores, load {m['load_average']} "
                 f"-> {m['load_average_end']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULT)
    parser.add_argument("--reuse-protocol", action="store_true",
                        help="keep the bodies/titles cross-validation figures already in --out "
                             "(they are deterministic) and measure only time, speed and memory")
    parser.add_argument("--repeats", type=int, default=3, help="speed measurements")
    parser.add_argument("--train-jobs", type=int, default=None,
                        help="processes fitting the SVMs in training (default: the cores)")
    args = parser.parse_args()
    directory = args.data_dir or config.load().data_dir
    if not data.available(directory):
        print(f"error: TipDM data not found in {directory}", file=sys.stderr)
        return 2
    linear.JOBS = args.train_jobs
    result: dict[str, Any] = {"machine": machine(), "targets": TARGETS,
                              "train_jobs": linear.jobs()}
    bodies, body_labels = data.tipdm_bodies(directory)
    titles, title_labels = data.tipdm_titles(directory)
    if args.reuse_protocol:
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        result["bodies"], result["titles"] = previous["bodies"], previous["titles"]
    else:
        result["bodies"] = classifier.evaluate(bodies, body_labels)
        result["titles"] = classifier.evaluate(titles, title_labels)
    started, cpu = time.perf_counter(), time.process_time()
    classifier.train(bodies, body_labels)
    result["train_seconds"] = round(time.perf_counter() - started, 1)
    # This process only: with train_jobs > 1 the workers' CPU time is not in it.
    result["train_cpu_seconds_this_process"] = round(time.process_time() - cpu, 1)
    result["train_load_average"] = os.getloadavg()
    texts, labels = production_data(directory)
    started = time.perf_counter()
    model = classifier.train(texts, labels)
    result["production_train_seconds"] = round(time.perf_counter() - started, 1)
    result["production_texts"] = len(texts)
    result["short_texts"] = short_texts(model)
    unseen = unseen_bodies(directory)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = classifier.save(model, Path(tmp) / "model")
        result["model_mb"] = round(sum(f.stat().st_size for f in model_dir.iterdir()) / 2**20, 2)
        result["rss_mb"] = peak_rss_mb(model_dir, unseen, Path(tmp))
        result["speed"] = speed_runs(classifier.load(model_dir), unseen, args.repeats)
    result["hot_topics_seconds"] = hot_topic_seconds(unseen)
    result["machine"]["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
