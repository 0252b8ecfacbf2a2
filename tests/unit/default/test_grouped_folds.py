"""Grouped folds: no customer's loans on both sides of a split (issue 16, item 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import PROTECTED, crossval, loan_frame, train_default
from bankml.errors import InputError


def _customers_in_two_folds(folds, groups: np.ndarray) -> int:
    seen: dict = {}
    for k, (_, test) in enumerate(folds):
        for g in pd.unique(groups[test]):
            seen.setdefault(g, set()).add(k)
    return sum(len(v) > 1 for v in seen.values())


def test_grouped_folds_keep_each_customer_in_one_fold(small_bank_path):
    frame = loan_frame(small_bank_path)
    y = frame["defaulted"].to_numpy()
    groups = frame["customer_id"].to_numpy()
    assert frame["customer_id"].duplicated().any(), "the bank must have repeat borrowers"
    folds = crossval.make_folds(y, 5, 0, groups)
    assert len(folds) == 5
    assert _customers_in_two_folds(folds, groups) == 0
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert 0 < y[test].mean() < 1
    # the plain stratified folds do split customers: the test would notice a regression
    assert _customers_in_two_folds(crossval.make_folds(y, 5, 0), groups) > 0


def test_train_default_groups_by_customer(small_bank_path, monkeypatch):
    # without the protected columns: their proxy check (two thirds of this training's CPU) is
    # not what is checked here (tests/unit/default/test_protected.py checks it)
    frame = loan_frame(small_bank_path).head(1500).drop(columns=list(PROTECTED))
    used = []
    original = crossval.make_folds

    def spy(y, cv, random_state, groups=None):
        folds = original(y, cv, random_state, groups)
        used.append((groups, folds))
        return folds

    monkeypatch.setattr("bankml.default.training.make_folds", spy)
    result = train_default(frame, candidates=["logistic"], cv=3)
    assert result.parameters["group_column"] == "customer_id"
    groups, folds = used[0]
    assert groups is not None
    assert _customers_in_two_folds(folds, groups) == 0
    assert "customer_id" not in result.spec.features


def test_named_group_column_of_a_csv_is_grouped_and_not_an_input():
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame(
        {
            "client": rng.integers(0, 150, n),
            "x": rng.normal(size=n),
            "bad": rng.integers(0, 2, n),
        }
    )
    result = train_default(
        frame, target="bad", candidates=["logistic"], cv=3, group_column="client"
    )
    assert result.parameters["group_column"] == "client"
    assert "client" not in result.spec.features


def test_unknown_group_column_and_empty_groups_are_clear_errors():
    frame = pd.DataFrame({"x": np.arange(40.0), "bad": [0, 1] * 20})
    with pytest.raises(InputError, match="group column 'nope' not found"):
        train_default(frame, target="bad", candidates=["logistic"], group_column="nope")
    groups = np.array([1.0, np.nan] * 20)
    with pytest.raises(InputError, match="empty at row 2"):
        crossval.make_folds(frame["bad"].to_numpy(), 3, 0, groups)


def _nested_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, n // 3, size=n)  # about three loans per customer
    x = rng.normal(size=n) + 0.3 * (customer % 5)
    return pd.DataFrame({"customer_id": customer, "x": x, "bad": (rng.random(n) < 0.3).astype(int)})


class _Recorder:
    """A train_fn that records the customers it trained on and scores rows by x."""

    def __init__(self):
        self.trained: list[pd.DataFrame] = []

    def __call__(self, train: pd.DataFrame):
        self.trained.append(train)

        class ByX:
            candidate = "by x"

            def predict_pd(self, frame):
                return 1 / (1 + np.exp(-frame["x"].to_numpy()))

        return ByX()


def test_nested_cv_outer_folds_never_split_a_customer():
    from bankml import evaluate

    frame = _nested_frame()
    recorder = _Recorder()
    nested = evaluate.nested_cv_auc(frame, "bad", recorder, cv=5, random_state=1)
    assert len(recorder.trained) == 5
    for train in recorder.trained:
        held_out = frame.drop(index=train.index)
        assert set(train["customer_id"]).isdisjoint(held_out["customer_id"])
    assert 0 < nested.pooled_auc < 1


def test_nested_cv_without_groups_keeps_the_stratified_folds():
    """German credit has no customer id: its outer folds (and figures) are unchanged."""
    from sklearn.model_selection import StratifiedKFold

    from bankml import evaluate

    frame = _nested_frame().drop(columns="customer_id")
    recorder = _Recorder()
    evaluate.nested_cv_auc(frame, "bad", recorder, cv=5, random_state=1)
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    expected = [set(train) for train, _ in splitter.split(np.zeros(len(frame)), frame["bad"])]
    assert [set(t.index) for t in recorder.trained] == expected


def test_nested_cv_names_a_missing_group_column():
    from bankml import evaluate
    from bankml.errors import InputError

    with pytest.raises(InputError, match="group column 'household'"):
        evaluate.nested_cv_auc(_nested_frame(), "bad", _Recorder(), group_column="household")
