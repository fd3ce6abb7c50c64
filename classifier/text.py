"""Text preparation shared by training, prediction, urgency rules and hot topics.

Every path into the model goes through :func:`normalize` and :class:`Segmenter`, so what the
model saw at training time is exactly what it sees in production.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jieba

# Personal data is replaced by placeholder tokens before any feature is built: the model must
# neither learn from nor leak a caller's number. The placeholders are upper-case ASCII while the
# normalised text is lower-case, so they can never collide with what a citizen wrote.
MASKS: dict[str, re.Pattern[str]] = {
    "URL": re.compile(r"(?:https?://|www\.)[a-z0-9\-._~:/?#@!$&'*+=%]+"),
    "EMAIL": re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"),
    "IDNO": re.compile(r"(?<!\d)\d{17}[\dx](?!\d)|(?<!\d)\d{15}(?!\d)"),
    "PHONE": re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"
                        r"|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),
}
MASK_TOKENS = frozenset(MASKS)
# One pass over the text for all four: the alternation order is the priority order above.
_MASK = re.compile("|".join(f"(?P<{token}>{pattern.pattern})" for token, pattern in MASKS.items()))
# Every character a mask can match is ASCII, a digit or a space, so masking only the runs of
# such characters gives the same result as masking the whole text, three times faster: Python's
# regex engine cannot skip ahead to where an alternation with look-behinds might start, while a
# plain character class it can. No mask is shorter than 5 characters ("a@b.c", "www.x").
_MASKABLE_RUN = re.compile(r"[\x00-\x7f\d\s]{5,}")
# A district or street name must win over the generic split of its characters.
USER_WORD_FREQ = 100_000
_DIGITS = re.compile(r"\d+")
# CJK unified ideographs are their own NFKC form and never compose with a neighbour, so NFKC
# of a text is NFKC of each run between them, joined: a body is mostly ideographs, and
# normalising only the other runs halves NFKC's time (a sixth of a body's prediction).
_NOT_IDEOGRAPHS = re.compile(r"[^\u4e00-\u9fff]+")
_SPACES = re.compile(r"\s+")


def _placeholder(match: re.Match[str]) -> str:
    return f" {match.lastgroup} "


def _nfkc(run: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", run.group())


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation become half-width), lower-case, masked.

    Digit runs become a single ``0`` after masking: dates, amounts and house numbers say
    nothing about the topic, and one token for all of them keeps the vocabulary small.
    """
    text = _NOT_IDEOGRAPHS.sub(_nfkc, text).lower()
    text = _MASKABLE_RUN.sub(lambda run: _MASK.sub(_placeholder, run.group()), text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The stop-word list shipped with the package (``stopwords.txt``)."""
    lines = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    words = {line.strip() for line in lines.splitlines() if not line.startswith("#")}
    return frozenset(words - {""} | {"0"})  # "0" is what every digit run became


@lru_cache(maxsize=1)
def _base_tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _private_tokenizer() -> jieba.Tokenizer:
    """A tokenizer with its own copy of the default dictionary.

    Copying the loaded dictionary takes milliseconds where jieba's own initialisation takes
    about a second, and the copy keeps one model's user words out of every other model.
    """
    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    return tokenizer


def _rjieba() -> Any | None:
    try:
        import rjieba
    except ImportError:
        return None
    return rjieba


class Segmenter:
    """jieba segmentation with the city's own words, isolated from jieba's global dictionary.

    jieba's module-level functions share one process-wide dictionary; the web app, workers and
    tests each train models with different user words, so every model owns its tokenizer.
    When ``rjieba`` (jieba-rs: the same dictionary and algorithm in Rust, 15x faster) is
    installed it does the work: Python jieba alone segments about 1,000 bodies/s, below the
    1,500/s target. Both give the same words except where two splits have exactly the same
    probability, which each breaks its own way (tests/classifier/test_text.py checks this).
    HMM discovery of unknown words is off: the character n-grams already cover them.
    """

    def __init__(self, user_words: Iterable[str] = (), *, engine: str | None = None) -> None:
        self.user_words: tuple[str, ...] = tuple(
            sorted({normalize(w) for w in user_words if w and w.strip()})
        )
        rjieba = _rjieba() if engine in (None, "rjieba") else None
        if engine == "rjieba" and rjieba is None:
            raise ImportError("rjieba is not installed")
        self.engine = "rjieba" if rjieba is not None else "jieba"
        if rjieba is not None:
            tokenizer = rjieba.Jieba()
            for word in self.user_words:
                tokenizer.add_word(word, USER_WORD_FREQ, None)
            self._cut: Callable[[str], list[str]] = lambda text: tokenizer.cut(text, False)
        else:
            fallback = _private_tokenizer()
            for word in self.user_words:
                fallback.add_word(word, freq=USER_WORD_FREQ)
            self._cut = lambda text: fallback.lcut(text, HMM=False)
        self._stop = stop_words()

    def words(self, normalized: str) -> list[str]:
        """Content words of an already normalised text: no punctuation, digits or stop words."""
        stop = self._stop
        return [w for w in self._cut(normalized) if w.isalnum() and w not in stop]

    def words_batch(self, normalized: Sequence[str]) -> list[list[str]]:
        return [self.words(text) for text in normalized]


@lru_cache(maxsize=4)
def _shared(user_words: tuple[str, ...]) -> Segmenter:
    return Segmenter(user_words)


def segmenter_for(user_words: Iterable[str] = ()) -> Segmenter:
    """A shared segmenter per word list: building one loads a dictionary (~0.3 s, ~30 MB),
    and training, cross-validation folds and hot topics ask for the same one again and again.
    Segmenters never change after construction, so sharing is safe."""
    return _shared(tuple(sorted({w for w in user_words if w and w.strip()})))
