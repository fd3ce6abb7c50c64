"""Is today's count of calls about one place and topic a jump, against that place's own past?

A street × topic cell has its own normal: a busy street gets twenty calls about roads on a
Monday, a quiet one two. The baseline is the same window on the same weekday of the weeks
before (weekly rhythm: Mondays are busy everywhere), and the question is: how unlikely is at
least this many calls if the cell's rate is its baseline mean? The surprise is that upper tail's
-log10, so 4 means "once in 10,000 such windows". Poisson assumes a cell's weeks vary only by
chance (variance = mean); real street × topic counts vary more (a market day, a building site
that comes and goes), and on such a noisy cell Poisson calls every busy day a surge. So a rule
may say ``nb``: the negative binomial with the same mean and the baseline's own variance
(method of moments), which widens the tail exactly as much as the cell's weeks do; a baseline
no more variable than Poisson's (variance <= mean, e.g. all zeros) falls back to Poisson. A floor on the expected count keeps a
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

    threshold: float  # -log10 of the upper tail
    min_count: int  # calls in the window, at least
    min_ratio: float  # observed / expected, at least
    floor: float  # the lowest expected count a baseline may give (no history is not zero risk)
    method: str = "nb"  # one of METHODS: the tail's distribution


POISSON, NEGATIVE_BINOMIAL = "poisson", "nb"
METHODS = (POISSON, NEGATIVE_BINOMIAL)

# The day: ~2,000 street × topic cells a day at 1e-4 is one false alarm in five days.
DAY = SurgeRule(threshold=4.0, min_count=5, min_ratio=2.0, floor=0.5)
# The hour, for emergencies (urgent tickets only): fewer calls, a stricter ratio, a lower floor.
HOUR = SurgeRule(threshold=4.0, min_count=3, min_ratio=3.0, floor=0.05)
# The shipped rule of each window kind, until the administrators save their own (surge_rules).
SHIPPED = {"day": DAY, "hour": HOUR}


@dataclass(frozen=True)
class Surge:
    observed: int
    expected: float
    surprise: float
    size: float | None  # the negative binomial's size r (None: Poisson was used)


def expected_count(baseline: Sequence[int], floor: float) -> float:
    """The baseline windows' mean, never below ``floor``."""
    mean = sum(baseline) / len(baseline) if baseline else 0.0
    return max(mean, floor)


def dispersion(baseline: Sequence[int]) -> float | None:
    """The negative binomial's size r = mean² / (variance − mean) fitted to the baseline, or
    None when the baseline varies no more than Poisson allows (or has fewer than two values)."""
    if len(baseline) < 2:
        return None
    mean = sum(baseline) / len(baseline)
    variance = sum((x - mean) ** 2 for x in baseline) / (len(baseline) - 1)
    if variance <= mean or mean <= 0:
        return None
    return mean * mean / (variance - mean)


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


def nbinom_tail(k: int, mean: float, size: float) -> float:
    """P(X >= k) for the negative binomial with this mean and size r (variance mean + mean²/r).

    P(X = i) = Γ(i + r) / (Γ(r) i!) p^r (1 − p)^i with p = r / (r + mean); like `poisson_tail`
    it sums the tail outward from k, so a tail of 1e-30 is not lost to 1 − (1 − tiny)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    p = size / (size + mean)
    q = 1.0 - p
    if k > mean:
        log_term = (math.lgamma(k + size) - math.lgamma(size) - math.lgamma(k + 1)
                    + size * math.log(p) + k * math.log(q))  # log P(X = k)
        total, term, i = 0.0, 1.0, k
        while True:
            total += term
            ratio = (i + size) / (i + 1) * q  # term(i + 1) / term(i), tends to q
            term *= ratio
            i += 1
            # Every later ratio is below max(ratio, q) < 1: the rest is a geometric sum's bound.
            bound = max(ratio, q)
            if term * bound / (1.0 - bound) <= 1e-15 * total or i > k + 1_000_000:
                break
        return min(1.0, math.exp(log_term) * total)
    lower, term = 0.0, p ** size
    for i in range(k):
        lower += term
        term *= (i + size) / (i + 1) * q
    return max(0.0, min(1.0, 1.0 - lower))


def surprise(observed: int, expected: float, size: float | None = None) -> float:
    """-log10 P(X >= observed): 0 for an ordinary count, large for a jump. Poisson(expected),
    or the negative binomial of that mean and `size` when one is given."""
    tail = poisson_tail(observed, expected) if size is None else nbinom_tail(observed, expected, size)
    return 350.0 if tail <= 0.0 else max(0.0, -math.log10(tail))


def surge(observed: int, baseline: Sequence[int], rule: SurgeRule) -> Surge | None:
    """The surge this window's count is, or None when it is within the cell's normal."""
    if observed < rule.min_count:
        return None
    lam = expected_count(baseline, rule.floor)
    if observed < rule.min_ratio * lam:
        return None
    size = dispersion(baseline) if rule.method == NEGATIVE_BINOMIAL else None
    score = surprise(observed, lam, size)
    if score < rule.threshold:
        return None
    return Surge(observed, round(lam, 3), round(score, 2), None if size is None else round(size, 3))
