"""From a raw log-odds score to a probability of default: logit/sigmoid and the calibrators.

The one home of the model's log-odds <-> probability maps, so a blend, a calibrator and the
validation rows all convert the same way.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from bankml.default.cutoff import PD_CAP, PD_FLOOR
from bankml.errors import InputError

# isotonic calibration needs enough defaults to be smoother than a step on a handful of rows
ISOTONIC_MIN_DEFAULTS = 1000


def logit(p) -> np.ndarray:
    """Log-odds of probabilities, clipped away from 0 and 1 so a certain prediction stays finite."""
    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def sigmoid(score) -> np.ndarray:
    """Probability of log-odds; elementwise, so one row and a batch give bit-identical values."""
    return 1.0 / (1.0 + np.exp(-np.asarray(score, dtype=float)))


def calibration_method(method: str, y: np.ndarray) -> str:
    """ "auto" resolves to isotonic with at least ISOTONIC_MIN_DEFAULTS defaults, else sigmoid."""
    if method == "auto":
        return "isotonic" if int(np.sum(y)) >= ISOTONIC_MIN_DEFAULTS else "sigmoid"
    if method not in ("sigmoid", "isotonic"):
        raise InputError(f"calibration must be auto, sigmoid or isotonic, got {method!r}")
    return method


class Calibrator:
    """Strictly monotone map from the raw log-odds score to a PD within [PD_FLOOR, PD_CAP].

    "sigmoid" is Platt scaling. "isotonic" fits isotonic regression, then joins the centres of
    its blocks (mean score, block default rate) by straight lines in log-odds, with Platt's slope
    beyond the first and last centre: the isotonic fit's shape without its staircase, so two
    applicants with different scores never share a PD unless both sit on the floor or the cap.
    """

    def __init__(self, method: str):
        self.method = method

    def fit(self, score: np.ndarray, y: np.ndarray, sample_weight=None) -> Calibrator:
        """sample_weight: a row counts as its weight (reject inference's fuzzy rows)."""
        score, y = np.asarray(score, dtype=float), np.asarray(y, dtype=float)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        fitted = LogisticRegression(C=1e6, max_iter=1000)
        fitted.fit(score.reshape(-1, 1), y, sample_weight=w)
        self.slope_, self.intercept_ = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
        if self.method == "isotonic":
            self.knots_x_, self.knots_y_ = _isotonic_knots(score, y, w)
        return self

    def transform(self, score: np.ndarray) -> np.ndarray:
        score = np.asarray(score, dtype=float)
        if self.method == "isotonic" and len(self.knots_x_) >= 2:
            x, z = self.knots_x_, self.knots_y_
            slope = max(self.slope_, 1e-6)  # Platt's slope in the tails keeps the map increasing
            out = np.interp(score, x, z)
            out = np.where(score < x[0], z[0] + slope * (score - x[0]), out)
            out = np.where(score > x[-1], z[-1] + slope * (score - x[-1]), out)
        else:
            out = self.slope_ * score + self.intercept_
        return np.clip(sigmoid(out), PD_FLOOR, PD_CAP)


def _isotonic_knots(
    score: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(mean score, log-odds of the default rate) of each isotonic block, strictly increasing;
    every mean weighted by w."""
    order = np.argsort(score, kind="stable")
    s, t, w = score[order], y[order], w[order]
    level = IsotonicRegression(out_of_bounds="clip").fit(s, t, sample_weight=w).predict(s)
    block = np.concatenate([[0], np.cumsum(np.diff(level) != 0)])
    counts = np.bincount(block, weights=w)
    centre = np.bincount(block, weights=s * w) / counts
    rate = np.bincount(block, weights=t * w) / counts
    z = logit(np.clip(rate, PD_FLOOR, PD_CAP))
    # isotonic levels rise block to block; only blocks clipped to the floor or cap can tie
    rising = np.concatenate([[True], np.diff(z) > 0])
    return centre[rising], z[rising]


def cross_calibrated(score: np.ndarray, y: np.ndarray, method: str, folds) -> np.ndarray:
    """Honest validation PDs: the calibrator itself is cross-fitted on the same folds."""
    out = np.zeros(len(y))
    for train, test in folds:
        out[test] = Calibrator(method).fit(score[train], y[train]).transform(score[test])
    return out
