"""A scorecard a model-validation reviewer accepts: screened, sign-consistent, stated scaling.

The scorecard is optbinning's WOE bins followed by `ScreenedWoeLogistic`, which
1. screens characteristics by information value (IV < `MIN_IV` = 0.02 is "not predictive" in the
   usual credit-scoring rule of thumb) and by correlation (of two WOE columns with
   |Pearson r| > `MAX_CORRELATION` = 0.7 the one with the lower IV goes),
2. fits a logistic regression and, while any coefficient has the wrong sign, drops the
   characteristic with the most wrong-signed coefficient and refits, recording why.

optbinning's WOE is ln(share of goods / share of bads): a high WOE is a safe bin, so every kept
coefficient must be negative on the log-odds of default. With sign-consistent coefficients the
points of every characteristic fall as its bins' bad rate rises: points rise with safety.
Scaling: `BASE_SCORE` points at odds `BASE_ODDS`:1 (good:bad), `PDO` points double the odds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

PDO = 20.0
BASE_SCORE = 600.0
BASE_ODDS = 50.0
MIN_IV = 0.02
MAX_CORRELATION = 0.7
SCALING_TEXT = (
    f"{BASE_SCORE:.0f} points at odds {BASE_ODDS:.0f}:1 (good:bad); every {PDO:.0f} points "
    "double the odds; points rise with safety"
)
# The direction a lender expects the bad rate to move as the value rises. Binning on these
# characteristics is forced monotone that way ("ascending": riskier as it grows); any other
# numeric column gets optbinning's data-chosen monotone trend ("auto_asc_desc").
BUSINESS_TRENDS = {
    "credit_score": "descending",
    "debt_to_income": "ascending",
    "credit_utilization": "ascending",
    "delinquencies_2y": "ascending",
    "previous_defaults": "ascending",
    "annual_income": "descending",
    "years_employed": "descending",
    "tenure_months": "descending",
    "interest_rate": "ascending",
    "loan_to_income": "ascending",
    "macro_unemployment_rate": "ascending",  # a weaker economy: more defaults
}


def binning_fit_params(numeric) -> dict[str, dict]:
    """optbinning per-variable parameters: the business trend where known, else auto monotone."""
    return {c: {"monotonic_trend": BUSINESS_TRENDS.get(c, "auto_asc_desc")} for c in numeric}


def information_value(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """IV of every column of a binned (WOE) matrix: each distinct value is one bin.

    IV = sum over bins of (good share - bad share) x ln(good share / bad share), shares floored
    at 1e-6 so an all-good bin stays finite.
    """
    y = np.asarray(y).astype(int)
    goods, bads = max(int((y == 0).sum()), 1), max(int(y.sum()), 1)
    out = np.zeros(X.shape[1])
    for j in range(X.shape[1]):  # a loop over columns; rows stay vectorised
        _, codes = np.unique(X[:, j], return_inverse=True)
        bad = np.bincount(codes, weights=y) / bads
        good = np.bincount(codes, weights=1 - y) / goods
        bad, good = np.maximum(bad, 1e-6), np.maximum(good, 1e-6)
        out[j] = float(np.sum((good - bad) * np.log(good / bad)))
    return out


class ScreenedWoeLogistic(ClassifierMixin, BaseEstimator):
    """Logistic regression on WOE columns with IV and correlation screening and sign refits.

    Parameters
    ----------
    min_iv : characteristics below this information value are dropped.
    max_correlation : of two WOE columns correlated beyond this, the lower-IV one is dropped.
    C, max_iter, class_weight : passed to LogisticRegression.

    Attributes
    ----------
    coef_ : (1, n_features) coefficients, exactly 0 for every dropped characteristic, so
        reason codes and points see dropped characteristics as contributing nothing.
    intercept_, classes_ : as LogisticRegression's.
    screening_ : DataFrame, one row per input column: iv, kept, reason (why it was dropped).
    """

    def __init__(
        self,
        min_iv: float = MIN_IV,
        max_correlation: float = MAX_CORRELATION,
        C: float = 1.0,
        max_iter: int = 2000,
        class_weight=None,
    ):
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight

    def _logistic(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight)

    def fit(self, X, y):
        names = [str(c) for c in getattr(X, "columns", [])]
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(
                "Only binary classification is supported: a scorecard needs two classes, "
                f"got {len(self.classes_)}" + (" (one class)" if len(self.classes_) == 1 else "")
            )
        y01 = (y == self.classes_[1]).astype(int)
        names = names or [f"x{j}" for j in range(X.shape[1])]
        iv = information_value(X, y01)
        reason = np.full(X.shape[1], "", dtype=object)
        reason[iv < self.min_iv] = f"IV below {self.min_iv:g}"
        order = [j for j in np.argsort(-iv, kind="stable") if not reason[j]]
        kept: list[int] = []
        corr = _correlation(X)
        for j in order:  # strongest first: a weaker correlated twin is the one dropped
            twin = next((k for k in kept if abs(corr[j, k]) > self.max_correlation), None)
            if twin is None:
                kept.append(j)
            else:
                reason[j] = (
                    f"correlation {corr[j, twin]:.2f} with {names[twin]} "
                    f"(IV {iv[twin]:.3f}), above {self.max_correlation:g}"
                )
        if not kept:  # nothing predictive: keep the best column so the model still scores
            best = int(np.argmax(iv))
            kept, reason[best] = [best], ""
        while True:
            model = self._logistic().fit(X[:, kept], y01)
            self.n_iter_ = model.n_iter_
            coef = model.coef_.ravel()
            wrong = np.flatnonzero(coef > 0)
            if not len(wrong) or len(kept) == 1:
                break
            worst = int(wrong[np.argmax(coef[wrong])])
            reason[kept[worst]] = (
                f"coefficient sign reversed (+{coef[worst]:.2f} on WOE) beside the others: "
                "dropped and the model refitted"
            )
            kept.pop(worst)
        self.coef_ = np.zeros((1, X.shape[1]))
        self.coef_[0, kept] = coef
        self.intercept_ = model.intercept_.copy()
        self.screening_ = pd.DataFrame(
            {
                "characteristic": names,
                "iv": iv,
                "kept": np.isin(np.arange(X.shape[1]), kept),
                "reason": reason.astype(str),
            }
        )
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # a scorecard is binary: good vs bad
        return tags

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return X @ self.coef_.ravel() + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _correlation(X: np.ndarray) -> np.ndarray:
    """Pearson correlation of the columns; a constant column correlates with nothing."""
    spread = X.std(axis=0)
    safe = np.where(spread > 0, spread, 1.0)
    Z = (X - X.mean(axis=0)) / safe
    corr = (Z.T @ Z) / max(len(X), 1)
    corr[:, spread == 0] = 0.0
    corr[spread == 0, :] = 0.0
    return corr


def bin_text(value) -> str:
    """A readable bin label: 'own, mortgage' for a category group, the interval text otherwise."""
    if isinstance(value, str):
        return value
    if hasattr(value, "__len__"):
        return ", ".join(str(v) for v in list(value))
    return str(value)


def points_table(prep, clf, role: str = "in use") -> pd.DataFrame:
    """Points per bin of every kept characteristic (dropped ones score nothing and are left out).

    points = BASE_SCORE-offset / n - factor x (coef x WOE + intercept / n), factor = PDO / ln 2,
    so an applicant's points add up to BASE_SCORE + factor x ln(odds good / BASE_ODDS).
    Empty bins (an unused Special or Missing row) are left out. `role` is "in use", "blend member"
    or "challenger" (computed for review while another model decides).
    """
    names = [str(n) for n in prep.get_support(names=True)]
    coef = clf.coef_.ravel()
    kept = [(name, c) for name, c in zip(names, coef, strict=True) if c != 0]
    factor = PDO / np.log(2.0)
    offset = BASE_SCORE - factor * np.log(BASE_ODDS)
    n = max(len(kept), 1)
    frames = []
    for name, c in kept:
        table = prep.get_binned_variable(name).binning_table.build()
        table = table[~table.index.isin(["Totals"])]
        table = table[pd.to_numeric(table["Count"], errors="coerce") > 0]
        woe = pd.to_numeric(table["WoE"], errors="coerce").fillna(0.0).to_numpy(float)
        points = offset / n - factor * (c * woe + clf.intercept_[0] / n)
        frames.append(
            pd.DataFrame(
                {
                    "characteristic": name,
                    "bin": [bin_text(b) for b in table["Bin"]],
                    "count": pd.to_numeric(table["Count"]).to_numpy(int),
                    "event_rate": pd.to_numeric(table["Event rate"], errors="coerce").to_numpy(),
                    "woe": woe,
                    "points": points.round(1),
                    "role": role,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def screening_table(clf) -> pd.DataFrame:
    """Every characteristic's IV, whether it was kept and why not, with the thresholds named."""
    out = clf.screening_.copy()
    out["iv"] = out["iv"].round(4)
    out.attrs["thresholds"] = {"min_iv": clf.min_iv, "max_correlation": clf.max_correlation}
    return out.sort_values(["kept", "iv"], ascending=[False, False], ignore_index=True)
