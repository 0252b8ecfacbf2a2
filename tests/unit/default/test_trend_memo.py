"""Monotone directions: the optimal-binning trend of a column is memoised on its values and the
outcomes, with output identical to the uncached call, and any change recomputes it."""

from __future__ import annotations

import numpy as np
import pytest

from bankml.default import monotone as mono
from bankml.default.memo import Memo


@pytest.fixture()
def columns():
    """Three columns whose bad rate rises, falls, and bends, and their outcomes."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 10, 2000)
    risk = 0.02 + 0.03 * x
    y = (rng.uniform(size=x.size) < risk).astype(int)
    X = np.column_stack([x, 10 - x + rng.normal(0, 0.01, x.size), (x - 5) ** 2, x * 0])
    return X, y


def test_the_memoised_trend_equals_the_uncached_one_and_skips_refitting(columns, monkeypatch):
    X, y = columns
    mono._TREND_MEMO.clear()
    direct = [mono._binning_trend(X[:, j], y) for j in range(X.shape[1])]
    assert direct[:2] == [1, -1]  # the data do have directions to find
    assert [mono.binning_trend(X[:, j], y) for j in range(X.shape[1])] == direct

    def refit(*args):
        raise AssertionError("refitted although the column and outcomes are unchanged")

    monkeypatch.setattr(mono, "_binning_trend", refit)
    # same values in another container and dtype of x: still the same content
    again = [mono.binning_trend(list(X[:, j]), y.copy()) for j in range(X.shape[1])]
    assert again == direct


def test_any_change_to_the_column_or_the_outcomes_recomputes(columns, monkeypatch):
    X, y = columns
    mono._TREND_MEMO.clear()
    mono.binning_trend(X[:, 0], y)
    calls = []
    original = mono._binning_trend

    def counted(x, y):
        calls.append(1)
        return original(x, y)

    monkeypatch.setattr(mono, "_binning_trend", counted)
    one_value = X[:, 0].copy()
    one_value[17] += 1e-9
    one_outcome = y.copy()
    one_outcome[17] = 1 - one_outcome[17]
    mono.binning_trend(one_value, y)
    mono.binning_trend(X[:, 0], one_outcome)
    mono.binning_trend(X[:, 0], y.astype(bool))  # another dtype of the outcomes
    mono.binning_trend(X[:-1, 0], y[:-1])
    mono.binning_trend(X[:, 1], y)  # another column
    assert len(calls) == 5
    mono.binning_trend(X[:, 0].copy(), y.copy())
    assert len(calls) == 5


def test_constraints_and_the_fitted_model_are_unchanged_by_the_memo(columns):
    """A caller's edit of the directions never reaches the memo, and a refit from the memo
    gives the same constraints and the same predictions as the first fit."""
    from lightgbm import LGBMClassifier

    X, y = columns
    numeric = ("a", "b", "c", "d")
    mono._TREND_MEMO.clear()
    vector, named = mono.constraints(X, y, numeric, ratio=False)
    vector[0], named["a"] = 99, 99
    assert mono.constraints(X, y, numeric, ratio=False) == (
        [1, -1, 0, 0],
        dict(zip(numeric, [1, -1, 0, 0], strict=True)),
    )
    inner = LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1, random_state=0)
    mono._TREND_MEMO.clear()
    first = mono.MonotoneBoosted(inner, numeric).fit(X, y)
    assert len(mono._TREND_MEMO) == 4  # one trend per column, kept for the refit
    second = mono.MonotoneBoosted(inner, numeric).fit(X, y)
    assert second.directions_ == first.directions_
    np.testing.assert_array_equal(second.predict_proba(X), first.predict_proba(X))


def test_the_memo_is_bounded_and_hands_out_copies():
    memo: Memo[list[int]] = Memo(size=2)
    first = memo.get("a", lambda: [1])
    first.append(2)
    assert memo.get("a", lambda: [0]) == [1]
    memo.get("b", lambda: [2])
    memo.get("a", lambda: [0])  # "a" used last: "b" goes first
    memo.get("c", lambda: [3])
    assert len(memo) == 2
    assert memo.get("b", lambda: [-2]) == [-2]
    assert memo.get("a", lambda: [0]) == [0]  # dropped when "b" came back
