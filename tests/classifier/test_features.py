from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.features import CharNgrams, WordNgrams, lookup
from tests.classifier.conftest import synthetic_corpus


def _same_rows(ours, theirs) -> None:
    """Same weights per row (column order differs between the two vocabularies)."""
    assert ours.shape == theirs.shape and ours.nnz == theirs.nnz
    for i in range(ours.shape[0]):
        assert np.allclose(np.sort(ours[i].data), np.sort(theirs[i].data), atol=1e-6)


def test_char_ngrams_equal_scikit_learn_tfidf() -> None:
    texts, _ = synthetic_corpus(per_label=8)
    train, test = texts[:40], [*texts[40:], "", "全新的字符😀"]
    ours = CharNgrams()
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                             lowercase=False)
    _same_rows(ours.fit_transform(train), theirs.fit_transform(train))
    _same_rows(ours.transform(test), theirs.transform(test))


def test_word_ngrams_equal_scikit_learn_tfidf() -> None:
    rng = np.random.default_rng(0)
    vocab = [f"词{i}" for i in range(30)]
    docs = [list(rng.choice(vocab, size=rng.integers(0, 12))) for _ in range(60)]
    ours = WordNgrams()
    theirs = TfidfVectorizer(analyzer=lambda ws: ws + [f"{a} {b}" for a, b in pairwise(ws)],
                             sublinear_tf=True, min_df=2)
    _same_rows(ours.fit_transform(docs[:40]), theirs.fit_transform(docs[:40]))
    _same_rows(ours.transform(docs[40:]), theirs.transform(docs[40:]))


def test_state_round_trip_keeps_the_features() -> None:
    texts, _ = synthetic_corpus(per_label=5)
    chars = CharNgrams()
    chars.fit_transform(texts)
    again = CharNgrams.from_state(chars.get_state())
    assert (again.transform(texts) != chars.transform(texts)).nnz == 0


@settings(max_examples=50, deadline=None)
@given(st.sets(st.integers(0, 2**63 - 1), max_size=300),
       st.lists(st.integers(0, 2**63 - 1), max_size=100))
def test_lookup_finds_exactly_the_vocabulary(vocab: set[int], others: list[int]) -> None:
    keys = np.array(sorted(vocab), dtype=np.uint64)
    queries = np.array(sorted(vocab) + others, dtype=np.uint64)
    pos, found = lookup(keys, queries)
    expected = {k: i for i, k in enumerate(sorted(vocab))}
    for q, p, f in zip(queries.tolist(), pos.tolist(), found.tolist(), strict=True):
        assert f == (q in expected) and (not f or p == expected[q])
