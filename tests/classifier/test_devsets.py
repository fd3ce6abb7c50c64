"""The call-note development set (classifier/devsets/call_notes.csv) is well formed and is
the project's own text, not TipDM's."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp

import config
from classifier import data
from classifier.errors import DataError
from classifier.request_types import RequestTypeRules
from classifier.text import normalize

TIPDM = config.load().data_dir
# A near copy: a shared run of this many characters, or this bigram similarity.
RUN, SIMILAR = 12, 0.6
TOPICS = {"交通运输", "劳动和社会保障", "卫生计生", "商贸旅游", "城乡建设", "教育文体", "环境保护"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return data.read_rows(data.CALL_NOTES)


def test_every_topic_in_both_halves_and_at_least_300_rows(rows) -> None:
    assert len(rows) >= 300 and set(rows[0]) == {"text", "label", "split", "request_type"}
    counts = Counter((r["label"], r["split"]) for r in rows)
    assert {label for label, _ in counts} == TOPICS
    assert all(counts[(label, split)] >= 20 for label in TOPICS for split in data.SPLITS)
    assert {r["split"] for r in rows} == set(data.SPLITS)


def test_every_row_has_a_request_type_of_the_rules(rows) -> None:
    codes = {rule.code for rule in RequestTypeRules.default().rules}
    assert {r["request_type"] for r in rows} <= codes
    counts = Counter((r["request_type"], r["split"]) for r in rows)
    # every type the set has is in both halves, so it is tuned and measured
    assert all(counts[(t, split)] for t, _ in counts for split in data.SPLITS)


def test_no_duplicates_and_call_note_lengths(rows) -> None:
    keys = [normalize(r["text"]) for r in rows]
    assert len(set(keys)) == len(keys)
    assert all(15 <= len(r["text"]) <= 60 for r in rows)


def test_halves_are_read_apart() -> None:
    tune, _ = data.call_notes("tune")
    holdout, labels = data.call_notes("holdout")
    assert not set(tune) & set(holdout) and len(holdout) == len(labels)
    assert len(data.call_notes()[0]) == len(tune) + len(holdout)
    with pytest.raises(DataError, match="unknown split"):
        data.call_notes("test")


def _codes(texts: list[str]) -> np.ndarray:
    """The texts' code points in one array, each text followed by a 0 (normalized texts hold
    no NUL)."""
    return np.frombuffer("\x00".join([*texts, ""]).encode("utf-32-le"), dtype=np.uint32
                         ).astype(np.uint64)


def _run_hashes(texts: list[str], run: int) -> np.ndarray:
    """A 64-bit polynomial hash of every run of ``run`` characters inside each text, in order
    (a set of the runs themselves, over all TipDM texts, would take gigabytes)."""
    codes = _codes(texts)
    n = len(codes) - run + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.zeros(n, dtype=np.uint64)
    clean = np.ones(n, dtype=bool)
    with np.errstate(over="ignore"):
        for k in range(run):
            hashes = hashes * np.uint64(1_000_003) + codes[k:k + n]
            clean &= codes[k:k + n] != 0
    return hashes[clean]


def _bigram_sets(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's set of character bigrams, as (text index, bigram code) pairs sorted and
    without repeats: what a Python set per text holds, for 3 million characters in a second."""
    assert len(texts) < 1 << 22  # the index and a bigram (two 21-bit code points) share 64 bits
    codes = _codes(texts)
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), [len(t) + 1 for t in texts])
    inside = (codes[:-1] != 0) & (codes[1:] != 0)
    keys = np.sort((owner[:-1] << np.uint64(42) | codes[:-1] << np.uint64(21) | codes[1:])[inside])
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    return (keys >> np.uint64(42)).astype(np.int64), keys & np.uint64((1 << 42) - 1)


def near_copies(ours: list[str], theirs: list[str], *, run: int = RUN, similar: float = SIMILAR
                ) -> list[tuple[str, str]]:
    """(our text, why) for each of ours that shares a run of ``run`` characters with one of
    theirs (a copied sentence inside a long message), or whose character bigrams are
    ``similar`` or more alike (Jaccard) to a text of theirs (a lightly edited title); an
    identical text is both. The texts come normalized (``classifier.text.normalize``)."""
    theirs_runs = np.sort(_run_hashes(theirs, run))
    found = []
    for text in ours:
        hashes = _run_hashes([text], run)
        at = np.minimum(np.searchsorted(theirs_runs, hashes), max(len(theirs_runs) - 1, 0))
        copied = np.flatnonzero(theirs_runs[at] == hashes) if len(theirs_runs) else []
        if len(copied):
            j = int(copied[0])
            found.append((text, f"shares {text[j:j + run]!r}"))
    (our_rows, our_grams), (their_rows, their_grams) = _bigram_sets(ours), _bigram_sets(theirs)
    vocab = np.unique(our_grams)  # bigrams none of ours has add to no intersection

    def matrix(rows: np.ndarray, grams: np.ndarray, count: int) -> sp.csr_matrix:
        cols = np.minimum(np.searchsorted(vocab, grams), max(len(vocab) - 1, 0))
        known = vocab[cols] == grams if len(vocab) else np.zeros(len(grams), dtype=bool)
        return sp.csr_matrix((np.ones(int(known.sum()), dtype=np.float32),
                              (rows[known], cols[known])), shape=(count, len(vocab)))

    shared = (matrix(our_rows, our_grams, len(ours))
              @ matrix(their_rows, their_grams, len(theirs)).T).toarray()
    sizes_ours = np.bincount(our_rows, minlength=len(ours)).astype(np.float32)[:, None]
    sizes_theirs = np.bincount(their_rows, minlength=len(theirs)).astype(np.float32)[None, :]
    jaccard = shared / np.maximum(sizes_ours + sizes_theirs - shared, 1)
    found += [(ours[i], f"like {theirs[j]!r}") for i, j in np.argwhere(jaccard >= similar)]
    return found


def test_near_copies_are_found() -> None:
    notes = [normalize(t) for t in ["市民来电反映东湖路的路灯坏了一个月没人修", "来电人称孩子上学太远了不方便"]]
    assert [why for _, why in near_copies(notes, [normalize("据悉，东湖路的路灯坏了一个月没人修，已报")])] == [
        "shares '东湖路的路灯坏了一个月没'"]
    assert len(near_copies(notes, [normalize("来电人称孩子上学太远了很不方便")], run=99)) == 1
    assert near_copies(notes, ["东湖路的路灯亮了", "孩子上学"]) == []
    assert [why for _, why in near_copies(notes, [notes[1]])] == [  # a copy is both
        f"shares {notes[1][:RUN]!r}", f"like {notes[1]!r}"]


@pytest.mark.slow
@pytest.mark.skipif(not data.available(TIPDM), reason="TipDM data absent")
def test_no_tipdm_text_in_the_set(rows) -> None:
    theirs = data.tipdm_bodies(TIPDM)[0] + data.tipdm_titles(TIPDM)[0] + [
        r["subject"] for r in data.read_rows(TIPDM / "tipdm2020c_official_test_unlabeled.csv")]
    # When the set was written the most similar TipDM text had a bigram Jaccard of 0.31. An
    # identical text shares every run and has a Jaccard of 1: near_copies finds copies too.
    assert near_copies([normalize(r["text"]) for r in rows], [normalize(t) for t in theirs]) == []
