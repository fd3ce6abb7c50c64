"""From decision scores to probabilities a dispatcher can trust, and the auto-dispatch cut.

A softmax over the classes' scores with one temperature, fitted by log-loss on out-of-fold
scores of the training data: SVM scores are not probabilities, and a single parameter cannot
over-fit a few hundred demo rows the way isotonic regression would.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

# Auto-dispatch only where, on out-of-fold training predictions, at least this share of the
# dispatched tickets were right: fixed a priori, a wrong dispatch costs a day's delay.
TARGET_ACCURACY = 0.95
ECE_BINS = 15


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the log-loss of ``softmax(scores / T)`` on labels ``y``."""
    rows = np.arange(len(y))

    def loss(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, y], 1e-12, None)).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(-6.0, 4.0), method="bounded").x))


def pick_threshold(confidence: np.ndarray, correct: np.ndarray,
                   target: float = TARGET_ACCURACY) -> float:
    """The lowest confidence cut whose dispatched share is at least ``target`` accurate.

    Lower cuts dispatch more, so the first qualifying cut from the bottom is the most useful;
    1.0 (nothing dispatched) when even the most confident predictions miss the target.
    """
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order].astype(float)
    accuracy = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    ok = np.flatnonzero(accuracy >= target)
    # Only cuts between distinct confidences are real choices; a tie dispatches all or none.
    ok = ok[(ok == len(conf) - 1) | (conf[np.minimum(ok + 1, len(conf) - 1)] < conf[ok])]
    return float(conf[ok[-1]]) if len(ok) else 1.0


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """Bin-size weighted gap between confidence and accuracy, equal-width bins on [0, 1]."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(ece)
