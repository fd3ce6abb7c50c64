"""Short call-note style training rows cut from long messages (length and register augmentation).

The labelled data are web messages of a few hundred characters; what the hotline classifies
most are agents' call notes and citizens' SMS of 15-60 characters ("市民来电反映…", "来电人称…").
A model fitted on long texts only spreads its weight over many features that a short note never
has, and it never sees the agents' framing words. So :func:`windows` cuts each long training
text into a few windows of call-note length and puts one of the agents' openings in front.
The windows join the SVMs' training rows only: the vocabulary, idf, calibration, threshold
and class offsets still come from the real texts, and a window always sits in the same inner
fold as the text it was cut from (see ``classifier.model``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# Texts at most this long (normalised characters) are already call-note sized: no windows.
LONG = 80
# Windows per long text and their length range, in characters of the normalised text.
PER_TEXT = 2
SHORTEST, LONGEST = 15, 60
# A window's weight in the SVMs' loss, against 1 for a real text: at 1 the windows cost the
# bodies 0.01 macro-F1 (0.9196 -> 0.9101 without the nearest-texts vote).
WINDOW_WEIGHT = 0.3
# Openings an agent or a citizen writes before the matter itself; "" keeps some windows bare.
# They occur in every class alike, so they teach the SVMs to give them no weight.
OPENINGS = ("市民来电反映", "来电人称", "来电人反映", "市民反映", "市民来电称", "举报", "咨询",
            "你好", "")


def windows(normalized: Sequence[str], *, seed: int = 0) -> tuple[list[str], list[int]]:
    """Call-note sized windows of the long texts in ``normalized`` and, for each, the index of
    the text it was cut from. Deterministic for a seed."""
    rng = random.Random(seed)
    texts: list[str] = []
    sources: list[int] = []
    for index, text in enumerate(normalized):
        if len(text) <= LONG:
            continue
        for _ in range(PER_TEXT):
            length = rng.randint(SHORTEST, LONGEST)
            start = rng.randrange(len(text) - length + 1)
            texts.append(rng.choice(OPENINGS) + text[start:start + length])
            sources.append(index)
    return texts, sources
