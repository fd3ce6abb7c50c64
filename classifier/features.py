"""TF-IDF n-gram features computed with numpy instead of scikit-learn's vectorizers.

scikit-learn builds every n-gram as a Python string and looks it up in a dict, which made
feature extraction as slow as jieba itself (about 1,000 bodies/s). Here an n-gram is an integer
key (three 21-bit code points for characters, two vocabulary ids for word pairs) and the
vocabulary is a sorted array searched with ``np.searchsorted``, so the only per-token Python
work left is jieba and one dict lookup per word. The weighting is the one TfidfVectorizer
uses with ``sublinear_tf=True, smooth_idf=True, norm="l2"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp

_CODE_BITS = np.uint64(21)  # every Unicode code point fits in 21 bits, so 3 fit in a uint64


def _counts(docs: np.ndarray, features: np.ndarray, n_docs: int, n_features: int
            ) -> sp.csr_matrix:
    """Term counts, one row per text; repeated (text, feature) pairs are summed.

    Built as CSR directly from one sort of the combined (text, feature) keys: scipy's
    COO -> CSR conversion plus ``sum_duplicates`` took twice as long on the same keys.
    """
    pairs, counts = np.unique(docs.astype(np.int64) * n_features + features,
                              return_counts=True)
    rows = pairs // n_features
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
    return sp.csr_matrix((counts.astype(np.float32), (pairs - rows * n_features).astype(np.int32),
                          indptr), shape=(n_docs, n_features))


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf x idf, each row scaled to unit length."""
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0  # a text with no known n-gram stays all zeros
    counts.data /= np.repeat(norms, np.diff(counts.indptr)).astype(np.float32)
    return counts


def _fit_vocabulary(docs: np.ndarray, keys: np.ndarray, n_docs: int, min_df: int
                    ) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
    """Keys present in at least ``min_df`` texts (sorted), their smoothed idf, and the counts."""
    vocab, inverse = np.unique(keys, return_inverse=True)
    counts = _counts(docs, inverse, n_docs, len(vocab))
    df = np.bincount(counts.indices, minlength=len(vocab))
    keep = df >= min_df
    idf = (np.log((1.0 + n_docs) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    return vocab[keep], idf, counts[:, keep]


def lookup(vocab: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in the sorted ``vocab`` and the mask of keys found there.

    Each distinct key is searched once, in sorted order: numpy's binary search starts from the
    previous answer when the needles ascend, and a text repeats many of its n-grams, so this is
    2-3 times faster than searching the keys as they come (a vectorised hash table was tried
    earlier and measured slower than either).
    """
    if len(vocab) == 0:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    distinct, inverse = np.unique(keys, return_inverse=True)
    pos = np.searchsorted(vocab, distinct)
    pos[pos == len(vocab)] = 0
    return pos[inverse], (vocab[pos] == distinct)[inverse]


class CharNgrams:
    """Character 1..3-gram TF-IDF (n-grams never span two texts)."""

    def __init__(self, min_df: int = 2) -> None:
        self.min_df = min_df
        self.vocab = np.zeros(0, dtype=np.uint64)
        self.idf = np.zeros(0, dtype=np.float32)

    @staticmethod
    def _keys(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        joined = "\x00".join(t.replace("\x00", "") for t in texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        doc = np.cumsum(codes == 0)
        zero = codes == 0
        b = _CODE_BITS
        keys = [codes[~zero]]
        docs = [doc[~zero]]
        two = ~(zero[:-1] | zero[1:])
        keys.append(((codes[:-1] << b) | codes[1:])[two])
        docs.append(doc[:-1][two])
        three = two[:-1] & ~zero[2:]
        keys.append(((codes[:-2] << (b + b)) | (codes[1:-1] << b) | codes[2:])[three])
        docs.append(doc[:-2][three])
        return np.concatenate(docs), np.concatenate(keys)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        self.vocab, self.idf, counts = _fit_vocabulary(*self._keys(texts), len(texts), self.min_df)
        return _weigh(counts, self.idf)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._transform(*self._keys(texts), len(texts))

    def _transform(self, docs: np.ndarray, keys: np.ndarray, n_docs: int) -> sp.csr_matrix:
        pos, found = lookup(self.vocab, keys)
        return _weigh(_counts(docs[found], pos[found], n_docs, len(self.idf)), self.idf)

    def get_state(self) -> dict[str, Any]:
        return {"min_df": self.min_df, "vocab": self.vocab, "idf": self.idf}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> CharNgrams:
        obj = cls(int(state["min_df"]))
        obj.vocab, obj.idf = state["vocab"], state["idf"]
        return obj


class WordNgrams:
    """Word 1..2-gram TF-IDF over segmented texts.

    A word pair present in ``min_df`` texts has both words present in ``min_df`` texts, so pairs
    are keyed by the two unigram ids and pairs with an unknown word can be skipped up front.
    """

    def __init__(self, min_df: int = 2) -> None:
        self.min_df = min_df
        self.words: list[str] = []
        self._ids: dict[str, int] = {}
        self.pairs = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0, dtype=np.float32)

    def _keys(self, docs_words: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(doc, feature key) for unigrams (key = word id) and pairs (key = V + a*V + b).

        The ids come from ``map(dict.get, words, repeat(-1))``, which runs in C: a generator
        per text with a lookup per word was half of the word block's time.
        """
        lengths = np.fromiter(map(len, docs_words), dtype=np.int64, count=len(docs_words))
        total = int(lengths.sum())
        ids = np.fromiter(map(self._ids.get, chain.from_iterable(docs_words), repeat(-1, total)),
                          dtype=np.int64, count=total)
        doc = np.repeat(np.arange(len(docs_words)), lengths)
        known = ids >= 0
        both = known[:-1] & known[1:] & (doc[:-1] == doc[1:])  # pairs never span two texts
        n = len(self.words)
        pair_keys = n + ids[:-1][both] * n + ids[1:][both]
        return (np.concatenate([doc[known], doc[:-1][both]]),
                np.concatenate([ids[known], pair_keys]))

    def fit_transform(self, docs_words: Sequence[Sequence[str]]) -> sp.csr_matrix:
        df = Counter(chain.from_iterable(set(words) for words in docs_words))
        self.words = sorted(w for w, n in df.items() if n >= self.min_df)
        self._ids = {w: i for i, w in enumerate(self.words)}
        docs, keys = self._keys(docs_words)
        # Unigram keys are the word ids 0..V-1 and all present, so one vocabulary covers both.
        vocab, self.idf, counts = _fit_vocabulary(docs, keys, len(docs_words), self.min_df)
        self.pairs = vocab[len(self.words):]
        return _weigh(counts, self.idf)

    def transform(self, docs_words: Sequence[Sequence[str]]) -> sp.csr_matrix:
        return self._transform(*self._keys(docs_words), len(docs_words))

    def _transform(self, docs: np.ndarray, keys: np.ndarray, n_docs: int) -> sp.csr_matrix:
        n = len(self.words)
        is_pair = keys >= n
        pos, found = lookup(self.pairs, keys[is_pair])
        features = keys.copy()
        features[is_pair] = n + pos
        keep = ~is_pair
        keep[is_pair] = found
        return _weigh(_counts(docs[keep], features[keep], n_docs, len(self.idf)), self.idf)

    def get_state(self) -> dict[str, Any]:
        return {"min_df": self.min_df, "words": np.array(self.words, dtype=str),
                "pairs": self.pairs, "idf": self.idf}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> WordNgrams:
        obj = cls(int(state["min_df"]))
        obj.words = [str(w) for w in state["words"]]
        obj._ids = {w: i for i, w in enumerate(obj.words)}
        obj.pairs, obj.idf = state["pairs"], state["idf"]
        return obj


def stack(words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
    """One row per text: word block then character block, each already unit length."""
    return sp.hstack([words, chars], format="csr", dtype=np.float32)
