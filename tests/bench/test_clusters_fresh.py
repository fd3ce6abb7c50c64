"""The blind fresh set of bench/clusters (fresh.csv): read as its own split, never part of dev
or held-out, and measured only among its own rows at the threshold dev chose."""

from __future__ import annotations

import collections
import csv
import itertools
from pathlib import Path

import pytest

from bench.clusters import run

HEADER = "group,street,topic,split,text\n"


class OracleIndex:
    """Stands in for IncidentIndex: scores a pair by its labels, and records what it is asked."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows, self.added, self.asked = rows, [], []

    def add(self, key: object, text: str) -> None:
        self.added.append(key)

    def pair(self, a: int, b: int) -> float:
        self.asked.append((a, b))
        same = self.rows[a]["group"] and self.rows[a]["group"] == self.rows[b]["group"]
        return 0.9 if same else 0.1


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "fresh.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_loader_reads_every_row_of_fresh_csv_as_split_fresh() -> None:
    with (run.HERE / "fresh.csv").open(encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    fresh = run.fresh_items()
    assert len(fresh) == len(raw) > 0
    assert {r["split"] for r in fresh} == {"fresh"}
    assert [(r["group"], r["place"], r["topic"], r["text"]) for r in fresh] == [
        (r["group"], r["street"], r["topic"], r["text"]) for r in raw]
    # Among the other rows, keys_of finds the fresh ones under split "fresh" only.
    rows = [{"source": "paraphrases", "split": s, "group": "", "place": "", "topic": "", "text": ""}
            for s in ("dev", "heldout")] + fresh
    assert run.keys_of(rows, "dev", "paraphrases") == [0]
    assert run.keys_of(rows, "heldout", "paraphrases") == [1]
    assert run.keys_of(rows, "fresh", "paraphrases") == list(range(2, len(rows)))


def test_the_fresh_set_has_the_shape_the_brief_asks_for() -> None:
    fresh = run.fresh_items()
    sizes = collections.Counter(r["group"] for r in fresh)
    incidents = {g: n for g, n in sizes.items() if n > 1}
    assert len(incidents) >= 45 and set(incidents.values()) <= {2, 3, 4, 5}
    gates = {(r["place"], r["topic"]) for r in fresh if r["group"] in incidents}
    hard = [r for r in fresh if r["group"].startswith("h")]
    assert len(hard) >= 60 and all((r["place"], r["topic"]) in gates for r in hard)
    assert all(sizes[r["group"]] == 1 for r in hard)
    assert sum(1 for r in fresh if r["group"].startswith("s") and sizes[r["group"]] == 1) >= 30
    assert len({r["text"] for r in fresh}) == len(fresh)
    assert all(15 <= len(r["text"]) <= 120 for r in fresh)


def test_a_row_of_another_split_in_fresh_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ["g01,A1区东湖街道,城乡建设,fresh,翠湖花园小区停水一整天了",
                            "g01,A1区东湖街道,城乡建设,dev,翠湖花园没水了，水龙头不出水"])
    with pytest.raises(ValueError, match="dev"):
        run.fresh_items(path)


def test_fresh_is_measured_among_its_own_rows_at_the_dev_threshold(tmp_path: Path) -> None:
    fresh = run.fresh_items(write(tmp_path, [
        "g01,A1区东湖街道,城乡建设,fresh,翠湖花园小区停水一整天了",
        "g01,A1区东湖街道,城乡建设,fresh,翠湖花园没水了，水龙头不出水",
        "h01,A1区东湖街道,城乡建设,fresh,金桂苑小区今天也停水了",
        "s01,A2区枫林街道,环境保护,fresh,枫林站工地夜里施工太吵"]))
    # A dev row labelled like a fresh incident: paired with it, it would add a positive pair.
    rows = [{"source": "paraphrases", "split": "dev", "group": "g01", "place": "A1区东湖街道",
             "topic": "城乡建设", "text": "翠湖花园停水", "predicted": "城乡建设"}]
    for r in fresh:
        r["predicted"] = r["topic"]
    index = OracleIndex(rows + fresh)
    dev_linkage = {name: {"dev": {"threshold": 0.5}} for name in run.LINKAGES}
    figures = run.fresh_figures(index, rows, fresh, 0.5, dev_linkage)
    assert index.added == [1, 2, 3, 4]  # the fresh rows only, after the others
    assert {k for pair in index.asked for k in pair} <= {1, 2, 3, 4}
    assert figures["fresh"] == {"pairs": 6, "positive_pairs": 1, "threshold": 0.5, "precision": 1.0,
                                "recall": 1.0, "predicted": 1}
    assert (figures["fresh_precision"], figures["fresh_recall"], figures["fresh_threshold"]) == (1.0, 1.0, 0.5)
    assert [p["threshold"] for p in figures["fresh_curve"]] == run.THRESHOLDS
    assert figures["fresh_ungated"]["positive_pairs"] == 1
    assert set(figures["fresh_linkage"]) == set(run.LINKAGES)
    assert all(p["threshold"] == 0.5 and p["recall"] == 1.0 for p in figures["fresh_linkage"].values())
    assert len(list(itertools.combinations(fresh, 2))) == figures["fresh_predicted_topic"]["pairs"]
