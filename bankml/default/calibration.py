"""From a raw log-odds score to a probability of default: logit/sigmoid and the calibrators.

The one home of the model's log-odds <-> probability maps, so a blend, a calibrator and the
validation rows all convert the same way.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

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
    """Monotone map from the raw log-odds score to a PD (Platt sigmoid or isotonic)."""

    def __init__(self, method: str):
        self.method = method

    def fit(self, score: np.ndarray, y: np.ndarray) -> Calibrator:
        if self.method == "isotonic":
            self.model_ = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)
            self.model_.fit(score, y)
        else:
            fitted = LogisticRegression(C=1e6, max_iter=1000).fit(score.reshape(-1, 1), y)
            self.slope_, self.intercept_ = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
        return self

    def transform(self, score: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            return self.model_.predict(score)
        return sigmoid(self.slope_ * np.asarray(score, dtype=float) + self.intercept_)


def cross_calibrated(score: np.ndarray, y: np.ndarray, method: str, folds) -> np.ndarray:
    """Honest validation PDs: the calibrator itself is cross-fitted on the same folds."""
    out = np.zeros(len(y))
    for train, test in folds:
        out[test] = Calibrator(method).fit(score[train], y[train]).transform(score[test])
    return out
