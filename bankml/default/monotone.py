"""Monotone constraints for gradient-boosted trees, derived from binning trends.

`MonotoneBoosted` wraps a LightGBM (or CatBoost) classifier that sits after the tree
preprocessor (numeric inputs first, in `numeric` order; one-hot columns; the loan-to-income
ratio last when `ratio` is set). At fit time, on the training rows only, each numeric column
gets a direction: the lender's expectation where the scorecard names one
(`scorecard.BUSINESS_TRENDS`), else the trend of an optimal binning with optbinning's automatic
trend detection (memoised on the column's values and outcomes), constrained only when the bad
rate moves one way across every bin. One-hot columns stay free. The comparison measures the option as its own candidate
("lightgbm (monotone)").
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from bankml.default.memo import Memo, array_key
from bankml.default.scorecard import BUSINESS_TRENDS

DIRECTION = {"ascending": 1, "descending": -1}
RATIO_NAME = "loan_to_income"
# A column's trend depends only on its values and the outcomes: retraining the same rows with other
# settings (candidates, cut-off, economics, another feature set) reuses the optimal binnings, which
# are about a third of a monotone LightGBM's fit. A few trainings' worth of columns and folds.
_TREND_MEMO: Memo[int] = Memo(size=1024)


def binning_trend(x: np.ndarray, y: np.ndarray) -> int:
    """+1 when the bad rate rises across every optimal bin of x, -1 when it falls, else 0.

    Memoised in-process on a content hash of x (as floats) and y.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    return _TREND_MEMO.get(array_key(x, y), lambda: _binning_trend(x, y))


def _binning_trend(x: np.ndarray, y: np.ndarray) -> int:
    """binning_trend itself, unmemoised."""
    from optbinning import OptimalBinning

    finite = np.isfinite(x)
    if len(np.unique(x[finite])) < 3:
        return 0
    binning = OptimalBinning(
        dtype="numerical", monotonic_trend="auto", max_n_prebins=10, min_prebin_size=0.05
    )
    binning.fit(x[finite], y[finite])
    table = binning.binning_table.build()
    table = table[~table.index.isin(["Totals"])]
    table = table[~table["Bin"].astype(str).isin(["Special", "Missing"])]
    rates = table["Event rate"].to_numpy(float)
    steps = np.diff(rates)
    if len(rates) < 2 or np.allclose(steps, 0):
        return 0
    if np.all(steps >= 0):
        return 1
    if np.all(steps <= 0):
        return -1
    return 0


def constraints(
    X: np.ndarray, y: np.ndarray, numeric: tuple[str, ...], ratio: bool
) -> tuple[list[int], dict[str, int]]:
    """One direction per column of the tree matrix, and the named directions for the record."""
    named: dict[str, int] = {}
    columns = [*numeric, *([RATIO_NAME] if ratio else [])]
    positions = [*range(len(numeric)), *([X.shape[1] - 1] if ratio else [])]
    for name, j in zip(columns, positions, strict=True):
        expected = BUSINESS_TRENDS.get(name)
        named[name] = DIRECTION[expected] if expected else binning_trend(X[:, j], y)
    out = [0] * X.shape[1]
    for name, j in zip(columns, positions, strict=True):
        out[j] = named[name]
    return out, named


class MonotoneBoosted(ClassifierMixin, BaseEstimator):
    """A boosted-tree classifier fitted with monotone constraints derived on its training rows.

    Parameters
    ----------
    estimator : an unfitted LGBMClassifier or CatBoostClassifier.
    numeric : names of the numeric inputs, the first columns of X in that order.
    ratio : whether the last column of X is the loan-to-income ratio.

    Attributes
    ----------
    estimator_ : the fitted inner model (its booster_ gives exact contributions).
    directions_ : {input name: +1 riskier as it rises, -1 safer, 0 free}.
    """

    def __init__(self, estimator=None, numeric: tuple[str, ...] = (), ratio: bool = False):
        self.estimator = estimator
        self.numeric = numeric
        self.ratio = ratio

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        y01 = (y == self.classes_[-1]).astype(int)
        needed = len(self.numeric) + int(self.ratio)
        if X.shape[1] < needed:
            raise ValueError(f"expected at least {needed} columns, got {X.shape[1]}")
        vector, self.directions_ = constraints(X, y01, tuple(self.numeric), self.ratio)
        estimator = clone(self.estimator)
        if type(estimator).__name__.startswith("CatBoost"):
            estimator.set_params(monotone_constraints=vector)
        else:
            estimator.set_params(
                monotone_constraints=vector, monotone_constraints_method="advanced"
            )
        self.estimator_ = estimator.fit(X, y, sample_weight=sample_weight)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(np.asarray(X, dtype=float))

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
