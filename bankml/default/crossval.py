"""Stratified folds and out-of-fold predictions: every candidate is compared on the same folds."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from bankml.errors import InputError

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold probabilities of one pipeline on fixed folds.

    `fit_seconds` is the mean fit time per fold; `subsampled` says a fold's learner was fitted on
    a subsample (the leaderboard marks it).
    """

    proba: np.ndarray
    fit_seconds: float
    subsampled: bool


def make_folds(y: np.ndarray, cv: int, random_state: int) -> Folds:
    """Stratified shuffled folds (fewer when a class has fewer rows than `cv`)."""
    minority = int(min(np.sum(y == 1), np.sum(y == 0)))
    if minority < 2:
        raise InputError(f"the target needs at least 2 rows of each class, found {minority}")
    splitter = StratifiedKFold(n_splits=min(cv, minority), shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(y)), y))


def out_of_fold(make: Callable, X: pd.DataFrame, y: np.ndarray, folds: Folds) -> OutOfFold:
    """Fit a fresh pipeline from the factory `make` on each training part, predict its test part."""
    out = np.zeros(len(y))
    seconds, subsampled = 0.0, False
    for train, test in folds:
        model = make()
        started = time.perf_counter()
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            model.fit(X.iloc[train], y[train])
        seconds += time.perf_counter() - started
        out[test] = model.predict_proba(X.iloc[test])[:, 1]
        subsampled = subsampled or bool(getattr(model.named_steps["clf"], "subsampled_", False))
    return OutOfFold(out, seconds / len(folds), subsampled)
