"""Stratified folds and out-of-fold predictions: every candidate is compared on the same folds.

When a customer id is known the folds are grouped by customer (no customer's loans on both sides
of a split): a customer's loans share their behaviour, so ungrouped folds flatter the model.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from bankml.errors import InputError
from bankml.threads import one_thread

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


def make_folds(
    y: np.ndarray, cv: int, random_state: int, groups: np.ndarray | None = None
) -> Folds:
    """Stratified shuffled folds (fewer when a class has fewer rows than `cv`).

    With `groups` (e.g. customer ids) the folds are StratifiedGroupKFold: every group's rows fall
    in one test fold, so no customer is in two folds.
    """
    minority = int(min(np.sum(y == 1), np.sum(y == 0)))
    if minority < 2:
        raise InputError(f"the target needs at least 2 rows of each class, found {minority}")
    if groups is None:
        splitter = StratifiedKFold(
            n_splits=min(cv, minority), shuffle=True, random_state=random_state
        )
        return list(splitter.split(np.zeros(len(y)), y))
    groups = np.asarray(groups)
    if len(groups) != len(y):
        raise InputError(f"groups has {len(groups)} rows but the target has {len(y)}")
    if pd.isna(groups).any():
        row = int(np.flatnonzero(pd.isna(groups))[0])
        raise InputError(f"the group (customer id) column is empty at row {row + 1}")
    n_groups = len(pd.unique(groups))
    n_splits = min(cv, minority, n_groups)
    if n_splits < 2:
        raise InputError(f"grouped folds need at least 2 customers, found {n_groups}")
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(y)), y, groups))


def out_of_fold(make: Callable, X: pd.DataFrame, y: np.ndarray, folds: Folds) -> OutOfFold:
    """Fit a fresh pipeline from the factory `make` on each training part, predict its test part."""
    out = np.zeros(len(y))
    seconds, subsampled = 0.0, False
    for train, test in folds:
        model = make()
        started = time.perf_counter()
        with warnings.catch_warnings(), one_thread():
            warnings.simplefilter("ignore")
            model.fit(X.iloc[train], y[train])
        seconds += time.perf_counter() - started
        out[test] = model.predict_proba(X.iloc[test])[:, 1]
        subsampled = subsampled or bool(getattr(model.named_steps["clf"], "subsampled_", False))
    return OutOfFold(out, seconds / len(folds), subsampled)
