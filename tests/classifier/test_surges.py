"""The surge statistics: the Poisson and negative-binomial tails against known values, and when
a count is a jump."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from scipy.stats import nbinom

from classifier.surges import (
    DAY,
    HOUR,
    NEGATIVE_BINOMIAL,
    POISSON,
    POOLED,
    Pool,
    Surge,
    SurgeRule,
    dispersion,
    expected_count,
    nbinom_tail,
    poisson_tail,
    pool_of,
    shrunk_dispersion,
    surge,
    surprise,
)

NOISY = [1, 6, 0, 5, 2, 7, 1, 4]  # mean 3.25, variance 6.96: a street whose weeks vary a lot


@pytest.mark.parametrize(("k", "lam", "tail"), [
    (0, 3.0, 1.0),
    (1, 3.0, 1 - math.exp(-3)),
    (3, 3.0, 1 - math.exp(-3) * (1 + 3 + 4.5)),
    (10, 2.0, 4.6498075e-05),  # exact sums (decimal, 50 digits)
    (40, 2.0, 1.9171583e-37),  # deep in the tail, where 1 - cdf would be 0
])
def test_poisson_tail_matches_known_values(k: int, lam: float, tail: float) -> None:
    # Compared as -log10 (the surprise), so a tail wrongly computed as 0 or 1 cannot pass.
    assert -math.log10(poisson_tail(k, lam)) == pytest.approx(-math.log10(tail), rel=1e-3, abs=1e-6)


def test_the_tail_falls_as_the_count_rises() -> None:
    tails = [poisson_tail(k, 4.0) for k in range(30)]
    assert tails == sorted(tails, reverse=True) and tails[0] == 1.0


def test_surprise_is_minus_log10_of_the_tail() -> None:
    assert surprise(10, 2.0) == pytest.approx(4.33, abs=0.01)
    assert surprise(2, 2.0) < 1.0
    assert surprise(500, 0.05) > 100  # never infinite, never an error


def test_the_baseline_mean_has_a_floor() -> None:
    assert expected_count([2, 4, 3, 3], 0.5) == 3.0
    assert expected_count([0] * 8, 0.5) == 0.5
    assert expected_count([], 0.5) == 0.5


def test_a_jump_against_the_cells_own_normal_is_a_surge() -> None:
    quiet = [1, 0, 2, 1, 0, 1, 1, 2]
    found = surge(12, quiet, replace(DAY, method=NEGATIVE_BINOMIAL))
    assert isinstance(found, Surge) and found.observed == 12 and found.expected == 1.0
    assert found.surprise >= DAY.threshold


def test_an_ordinary_day_is_not_a_surge() -> None:
    busy = [20, 18, 25, 22, 19, 21, 24, 23]
    assert surge(26, busy, DAY) is None  # many calls, but as many as on other Mondays
    assert surge(3, [1, 0, 2, 1, 0, 1, 1, 2], DAY) is None  # below the minimum count


def test_count_ratio_and_surprise_must_all_be_reached() -> None:
    assert surge(6, [0] * 8, DAY) is not None  # floor 0.5: six calls from nowhere
    assert surge(5, [0] * 8, DAY) is None  # surprise 3.8, below 4
    assert surge(4, [0] * 8, SurgeRule(threshold=0.0, min_count=5, min_ratio=1.0, floor=0.5)) is None
    lenient = SurgeRule(threshold=0.0, min_count=1, min_ratio=3.0, floor=0.5)
    assert surge(5, [2] * 8, lenient) is None  # 2.5 x the normal, below the ratio
    strict = SurgeRule(threshold=50.0, min_count=1, min_ratio=1.0, floor=0.5)
    assert surge(12, [1] * 8, strict) is None  # surprising, but not that surprising


def test_the_hour_for_emergencies_sees_three_urgent_calls_from_a_quiet_place() -> None:
    assert surge(3, [0] * 8, HOUR) is not None
    assert surge(2, [0] * 8, HOUR) is None


@pytest.mark.parametrize(("k", "mean", "size"), [
    (1, 0.2, 0.1), (3, 5.0, 1.3), (7, 3.0, 0.7), (10, 3.25, 2.0), (12, 1.0, 0.3),
    (40, 2.0, 0.5), (200, 5.0, 50.0),  # the last ~1e-158, far below 1 - cdf's reach
])
def test_the_negative_binomial_tail_matches_scipy(k: int, mean: float, size: float) -> None:
    expected = nbinom.sf(k - 1, size, size / (size + mean))  # P(X >= k) = sf(k - 1)
    assert -math.log10(nbinom_tail(k, mean, size)) == pytest.approx(-math.log10(expected), rel=1e-6)


def test_the_negative_binomial_tends_to_poisson_as_its_size_grows() -> None:
    assert nbinom_tail(10, 2.0, 1e7) == pytest.approx(poisson_tail(10, 2.0), rel=1e-4)
    assert nbinom_tail(0, 2.0, 1.0) == 1.0 and nbinom_tail(3, 0.0, 1.0) == 0.0


def test_dispersion_is_fitted_by_moments_and_absent_when_poisson_suffices() -> None:
    variance = sum((x - 3.25) ** 2 for x in NOISY) / 7
    assert dispersion(NOISY) == pytest.approx(3.25 ** 2 / (variance - 3.25))
    assert dispersion([1, 0, 2, 1, 0, 1, 1, 2]) is None  # variance 0.57 < mean 1
    assert dispersion([0] * 8) is None and dispersion([3]) is None


def test_a_noisy_baseline_does_not_alert_under_nb_where_poisson_would() -> None:
    poisson = SurgeRule(threshold=4.0, min_count=5, min_ratio=2.0, floor=0.5, method=POISSON)
    nb = replace(DAY, method=NEGATIVE_BINOMIAL)
    assert surge(13, NOISY, poisson) is not None  # surprise 4.44 under Poisson
    assert surge(13, NOISY, nb) is None  # 2.24: such weeks happen there
    found = surge(30, NOISY, nb)  # a real jump still alerts
    assert found is not None and found.surprise == pytest.approx(6.42, abs=0.01)
    assert found.size == pytest.approx(dispersion(NOISY), abs=1e-3)


def test_a_baseline_no_noisier_than_poisson_is_scored_by_poisson() -> None:
    quiet = [1, 0, 2, 1, 0, 1, 1, 2]
    found = surge(12, quiet, DAY)
    assert found is not None and found.size is None and found.surprise == round(surprise(12, 1.0), 2)


# Pooled dispersion (nb_pool) -------------------------------------------------------------------

SWINGING = [[0, 8, 1, 9, 0, 7, 2, 9], [9, 0, 7, 1, 8, 2, 0, 9], [2, 9, 0, 8, 1, 9, 0, 7],
            [7, 1, 9, 0, 8, 0, 9, 2], [1, 7, 2, 9, 0, 9, 1, 7], [8, 0, 9, 2, 7, 1, 8, 0]]


def test_the_pooled_dispersion_is_the_cells_excess_variance_over_their_squared_means() -> None:
    # [1, 3, ...]: mean 2, variance 8/7, excess -6/7; [0, 8, ...]: mean 4, variance 128/7,
    # excess 100/7; zeros add nothing: alpha = (94/7) / (4 + 16) = 47/70.
    pool = pool_of([[1, 3] * 4, [0, 8] * 4, [0] * 8, [5]])
    assert pool.alpha == pytest.approx(47 / 70) and pool.cells == 2
    assert pool_of([[0] * 8, [2] * 8]).alpha == 0.0  # no more variable than Poisson: no excess
    assert pool_of([]) == Pool(0.0, 0.0, 0)


def test_cells_that_agree_have_no_spread_and_cells_that_differ_have_some() -> None:
    assert pool_of([[0, 8] * 4] * 5).spread == 0.0
    # Half the streets steady as Poisson, half swinging 0-20: their own estimates differ beyond
    # what eight weeks' noise explains.
    differ = pool_of([[10, 11, 9, 10, 10, 9, 11, 10]] * 5 + [[0, 20] * 4] * 5)
    assert differ.spread > 0.1


def test_a_cell_with_no_variance_takes_the_pooled_dispersion() -> None:
    pool = Pool(alpha=0.5, spread=0.2, cells=10)
    assert shrunk_dispersion([0] * 8, pool) == pytest.approx(2.0)  # r = 1 / alpha
    assert shrunk_dispersion([0] * 8, Pool(0.0, 0.0)) is None  # a Poisson pool: Poisson
    # A pool whose cells differ no more than chance: every cell takes it, however it looks.
    assert shrunk_dispersion(NOISY, Pool(0.5, 0.0)) == pytest.approx(2.0)
    assert shrunk_dispersion([4] * 8, Pool(0.5, 0.0)) == pytest.approx(2.0)


def test_the_blend_weighs_the_cells_own_estimate_by_spread_over_spread_plus_its_error() -> None:
    mean = 3.25
    variance = sum((x - mean) ** 2 for x in NOISY) / 7
    own = (variance - mean) / mean ** 2
    error = 2 / 7 * (1 / mean + 0.1) ** 2
    b = 0.3 / (0.3 + error)
    expected = b * own + (1 - b) * 0.1
    assert shrunk_dispersion(NOISY, Pool(0.1, 0.3)) == pytest.approx(1 / expected, rel=1e-9)
    # Between the cell's own and the pool's, and the busier the cell the nearer its own.
    assert 1 / own < shrunk_dispersion(NOISY, Pool(0.1, 0.3)) < 1 / 0.1
    busy = [x * 10 for x in NOISY]
    own_busy = dispersion(busy)
    assert own_busy is not None
    towards_own = abs(shrunk_dispersion(busy, Pool(0.1, 0.3)) - own_busy) / abs(1 / 0.1 - own_busy)
    towards_own_quiet = abs(shrunk_dispersion(NOISY, Pool(0.1, 0.3)) - 1 / own) / abs(1 / 0.1 - 1 / own)
    assert towards_own < towards_own_quiet


def test_a_steady_street_of_a_swinging_topic_is_judged_by_the_topics_swing() -> None:
    """Four calls every week looks Poisson to the cell alone, so 14 alerts under nb; its
    topic's streets swing 0-9, and pooled, 14 is such a topic's busy day; a real jump alerts."""
    steady = [4] * 8
    pool = pool_of([*SWINGING, steady])
    assert DAY.method == POOLED and HOUR.method == POOLED
    assert surge(14, steady, replace(DAY, method=NEGATIVE_BINOMIAL)) is not None
    assert surge(14, steady, DAY, pool) is None
    found = surge(40, steady, DAY, pool)
    assert found is not None and found.size == pytest.approx(shrunk_dispersion(steady, pool), abs=1e-3)
    # Without a pool the cell pools with itself alone: the plain nb.
    assert surge(14, steady, DAY) == surge(14, steady, replace(DAY, method=NEGATIVE_BINOMIAL))
