"""The incident grouping: paraphrases of one incident are found, another problem in the same
street is not, and only the same bucket and window count."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from classifier.incidents import THRESHOLD, IncidentIndex

# The benchmark's own texts (bench/clusters/paraphrases.csv), in another bucket, give the index
# document frequencies as at a centre with open tickets: idf over two texts means nothing.
PARAPHRASES = Path(__file__).resolve().parents[2] / "bench" / "clusters" / "paraphrases.csv"

STREET = ("A1区东风街道", "供水")
BURST = "东风路和建设路口的自来水管爆了，水一直往外冒，路面都淹了"
PARAPHRASE = "东风路建设路口那里自来水管爆裂了，水流了一地，车都过不去"
OTHER = "东风街道幸福小区门口路灯坏了好几盏，晚上一片漆黑"
NOW = datetime(2026, 12, 7, 12, 0)


def index_with(*texts: tuple[str, str], bucket=STREET, at=NOW) -> IncidentIndex:
    index = IncidentIndex()
    with PARAPHRASES.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if row["group"] not in ("p01", "p03"):
                index.add(("background", i), row["text"], "elsewhere", at)
    for key, text in texts:
        index.add(key, text, bucket, at)
    return index


def test_a_paraphrase_of_an_open_ticket_is_found() -> None:
    index = index_with(("T1", BURST), ("T2", OTHER))
    found = index.similar(PARAPHRASE, STREET, now=NOW)
    assert [n.key for n in found] == ["T1"]
    assert found[0].score >= THRESHOLD


def test_another_problem_in_the_same_street_is_not_grouped() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(OTHER, STREET, now=NOW) == []


def test_only_the_same_bucket_and_window_are_candidates() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(PARAPHRASE, ("A2区新城街道", "供水"), now=NOW) == []
    assert index.similar(PARAPHRASE, STREET, now=NOW + timedelta(hours=73)) == []
    assert [n.key for n in index.similar(PARAPHRASE, STREET, now=NOW + timedelta(hours=71))] == ["T1"]


def test_a_removed_ticket_is_no_longer_found_and_the_ticket_itself_is_excluded() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(BURST, STREET, exclude="T1") == []
    index.remove("T1")
    assert index.similar(PARAPHRASE, STREET) == []
    assert "T1" not in index.docs and not any(bucket == STREET for bucket, _ in index.postings)
