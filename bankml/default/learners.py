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
