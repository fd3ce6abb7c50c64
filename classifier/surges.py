"""Is today's count of calls about one place and topic a jump, against that place's own past?

A street × topic cell has its own normal: a busy street gets twenty calls about roads on a
Monday, a quiet one two. The baseline is the same window on the same weekday of the weeks
before (weekly rhythm: Mondays are busy everywhere), and the question is Poisson's: how unlikely
is at least this many calls if the cell's rate is its baseline mean? The surprise is that upper
tail's -log10, so 4 means "once in 10,000 such windows". A floor on the expected count keeps a
cell that never had a call from alarming at its first two, and a minimum count and ratio keep
small, statistically odd but practically dull, rises off the supervisors' screens.
Pure functions: the job that feeds them counts in SQL (hotline/reporting/surges.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SurgeRule:
    """When a window's count is a surge: all of surprise, count and ratio must be reached."""

    threshold: float  # -log10 of the Poisson upper tail
    min_count: int  # calls in the window, at least
    min_ratio: float  # observed / expected, at least
    floor: float  # the lowest expected count a baseline may give (no history is not zero risk)


# The day: ~2,000 street × topic cells a day at 1e-4 is one false alarm in five days.
DAY = SurgeRule(threshold=4.0, min_count=5, min_ratio=2.0, floor=0.5)
# The hour, for emergencies (urgent tickets only): fewer calls, a stricter ratio, a lower floor.
HOUR = SurgeRule(threshold=4.0, min_count=3, min_ratio=3.0, floor=0.05)


@dataclass(frozen=True)
class Surge:
    observed: int
    expected: float
    surprise: float


def expected_count(baseline: Sequence[int], floor: float) -> float:
    """The baseline windows' mean, never below ``floor``."""
    mean = sum(baseline) / len(baseline) if baseline else 0.0
    return max(mean, floor)


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), accurate far into the tail (no 1 - (1 - tiny))."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_term = -lam + k * math.log(lam) - math.lgamma(k + 1)  # log P(X = k)
    if k > lam:
        # Terms fall from k on: sum them outward until they no longer change the total.
        total, term, i = 0.0, 1.0, k
        while term > 1e-17 * total or total == 0.0:
            total += term
            i += 1
            term *= lam / i
            if i > k + 10_000:
                break
        return min(1.0, math.exp(log_term) * total)
    # At or below the mean the tail is large: one minus the (short) lower sum is exact enough.
    lower, term = 0.0, math.exp(-lam)
    for i in range(k):
        lower += term
        term *= lam / (i + 1)
    return max(0.0, min(1.0, 1.0 - lower))


def surprise(observed: int, expected: float) -> float:
    """-log10 P(X >= observed | Poisson(expected)): 0 for an ordinary count, large for a jump."""
    tail = poisson_tail(observed, expected)
    return 350.0 if tail <= 0.0 else max(0.0, -math.log10(tail))


def surge(observed: int, baseline: Sequence[int], rule: SurgeRule) -> Surge | None:
    """The surge this window's count is, or None when it is within the cell's normal."""
    if observed < rule.min_count:
        return None
    lam = expected_count(baseline, rule.floor)
    if observed < rule.min_ratio * lam:
        return None
    score = surprise(observed, lam)
    if score < rule.threshold:
        return None
    return Surge(observed, round(lam, 3), round(score, 2))
