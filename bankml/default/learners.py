"""Learner wrappers the candidates use: a subsampling wrapper for learners that scale badly and
LightGBM in random-forest mode with log-odds (averaged) raw scores and contributions."""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

SUBSAMPLE_LIMIT = 20_000


class Subsampled(ClassifierMixin, BaseEstimator):
    """Fit the wrapped classifier on a stratified subsample when the data exceed max_rows.

    Learners that scale badly (SVM, MLP, forests of deep trees, AdaBoost) are fitted on at most
    max_rows rows; the leaderboard marks them as subsampled.
    """

    def __init__(self, estimator=None, max_rows: int = SUBSAMPLE_LIMIT, random_state: int = 0):
        self.estimator = estimator
        self.max_rows = max_rows
        self.random_state = random_state

    def fit(self, X, y):
        if y is None:
            raise ValueError("Subsampled requires y to be passed, but the target y is None")
        check_classification_targets(y)
        y = np.asarray(y)
        self.subsampled_ = len(y) > self.max_rows
        if self.subsampled_:
            X, _, y, _ = train_test_split(
                X, y, train_size=self.max_rows, stratify=y, random_state=self.random_state
            )
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__() if self.estimator is not None else None
        if inner is not None:
            tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class _AveragedBooster:
    """A LightGBM rf-mode booster whose raw scores and contributions are averaged over the trees.

    In rf mode predict_proba is sigmoid(mean of trees) but raw_score / pred_contrib return the sum;
    dividing by the tree count makes them the log-odds that reason codes and calibration expect.
    """

    def __init__(self, booster):
        self.booster = booster

    def predict(self, X, raw_score: bool = False, pred_contrib: bool = False, **kwargs):
        out = self.booster.predict(X, raw_score=raw_score, pred_contrib=pred_contrib, **kwargs)
        if raw_score or pred_contrib:
            return out / max(self.booster.current_iteration(), 1)
        return out

    def __getattr__(self, name):
        return getattr(self.booster, name)


class ForestLGBMClassifier(LGBMClassifier):
    """LGBMClassifier in random-forest mode whose booster_ reports averaged (log-odds) scores."""

    @property
    def booster_(self):
        return _AveragedBooster(super().booster_)


class SignedLogistic(ClassifierMixin, BaseEstimator):
    """Logistic regression whose coefficients agree with the lender's expected directions.

    `directions` gives one expected sign per leading column of X (+1 riskier as it rises, -1
    safer, 0 free; one-hot columns after them are free). While any coefficient has the wrong
    sign, the column with the largest wrong-signed coefficient is dropped and the model refitted
    (the scorecard's rule), so no reason code says a risk factor lowered the PD.

    Attributes
    ----------
    coef_ : (1, n_features), exactly 0 for a dropped column; intercept_, classes_ as usual.
    dropped_ : positions of the dropped columns, in the order they went.
    """

    def __init__(
        self,
        directions: tuple[int, ...] = (),
        C: float = 1.0,
        max_iter: int = 2000,
        class_weight=None,
    ):
        self.directions = directions
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=float)
        check_classification_targets(y)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        expected = np.zeros(X.shape[1])
        expected[: len(self.directions)] = np.asarray(self.directions, dtype=float)
        kept, self.dropped_ = list(range(X.shape[1])), []
        while True:
            model = LogisticRegression(
                C=self.C, max_iter=self.max_iter, class_weight=self.class_weight
            )
            model.fit(X[:, kept], y, sample_weight=sample_weight)
            coef = model.coef_.ravel()
            wrong = np.flatnonzero(coef * expected[kept] < 0)
            if not len(wrong) or len(kept) == 1:
                break
            worst = int(wrong[np.argmax(np.abs(coef[wrong]))])
            self.dropped_.append(kept.pop(worst))
        self.coef_ = np.zeros((1, X.shape[1]))
        self.coef_[0, kept] = coef
        self.intercept_ = model.intercept_.copy()
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return np.asarray(X, dtype=float) @ self.coef_.ravel() + self.intercept_[0]

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
