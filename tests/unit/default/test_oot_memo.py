"""The out-of-time test: memoised on the matured loans, the oracle and the settings it reads, with
output identical to the uncached call, and any change to what it reads recomputes it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bankml.default import oot
from bankml.default.training import train_default


@pytest.fixture(scope="module")
def loans() -> tuple[pd.DataFrame, pd.Series]:
    """600 loans over 20 months (the last 60 without an outcome yet) and their true PDs."""
    rng = np.random.default_rng(3)
    n = 600
    score = rng.normal(size=n)
    true_pd = 1 / (1 + np.exp(-(score - 1.5)))
    defaulted = (rng.uniform(size=n) < true_pd).astype(float)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 600, n)), "D")
    defaulted[-60:] = np.nan
    frame = pd.DataFrame(
        {
            "loan_id": np.arange(n) + 1000,
            "customer_id": rng.integers(0, 400, n),
            "application_date": dates.strftime("%Y-%m-%d"),
            "score": score + rng.normal(0, 0.5, n),
            "income": rng.lognormal(10, 0.4, n),
            "purpose": rng.choice(["car", "home"], n),
            "defaulted": pd.array(defaulted, dtype="Float64").astype("Int64"),
        }
    )
    return frame, pd.Series(true_pd, index=frame["loan_id"])


def _run(frame, oracle, **settings):
    return oot.out_of_time(frame, oracle, **({"candidates": ["logistic"], "cv": 3} | settings))


def test_a_repeated_test_returns_the_computed_result_without_retraining(loans, monkeypatch):
    frame, oracle = loans
    oot._OOT_MEMO.clear()
    first = _run(frame, oracle)
    matured = frame[frame["defaulted"].notna()].reset_index(drop=True)
    matured = matured.assign(defaulted=matured["defaulted"].astype(np.int64))
    truth = oracle.reindex(matured["loan_id"].to_numpy()).to_numpy(float)
    direct = oot._out_of_time(matured, truth, ["logistic"], 0.2, 3, 0, train_default)
    pd.testing.assert_frame_equal(first.table, direct.table)
    assert dataclasses.replace(first, table=None) == dataclasses.replace(direct, table=None)
    assert set(first.table["role"]) == {"chosen", "baseline", "oracle"}
    first.table.loc[0, "roc_auc"] = -1.0  # a caller's edit never reaches the memo

    def retrain(*args):
        raise AssertionError("retrained although the loans and the settings are unchanged")

    monkeypatch.setattr(oot, "_out_of_time", retrain)
    # the matured loans alone, with another index and the oracle over more loans: same inputs
    again = _run(
        frame[frame["defaulted"].notna()].set_index("loan_id", drop=False),
        pd.concat([oracle, pd.Series([0.5], index=[1])]),
    )
    pd.testing.assert_frame_equal(again.table, direct.table)


def test_any_change_to_what_the_test_reads_recomputes_it(loans, monkeypatch):
    frame, oracle = loans
    oot._OOT_MEMO.clear()
    calls = []

    def counted(*args):
        calls.append(args)
        return oot.OutOfTime(pd.DataFrame({"n": [len(calls)]}), "2024-01-01", "x", 1, 1)

    monkeypatch.setattr(oot, "_out_of_time", counted)
    _run(frame, oracle)
    one_value = frame.copy()
    one_value.loc[5, "income"] += 1.0
    other_oracle = oracle.copy()
    other_oracle.iloc[7] += 0.01
    _run(one_value, oracle)
    _run(frame.assign(note="x"), oracle)  # a new column: the training reads every column
    _run(frame.drop(columns="purpose"), oracle)
    _run(frame.assign(income=frame["income"].astype("float32")), oracle)
    _run(frame, other_oracle)
    _run(frame, None)
    _run(frame, oracle, cv=4)
    _run(frame, oracle, random_state=1)
    _run(frame, oracle, test_share=0.25)
    _run(frame, oracle, candidates="quick")
    _run(frame, oracle, train=lambda *a, **k: None)
    assert len(calls) == 12
    assert len(oot._OOT_MEMO) == oot._OOT_MEMO.size  # bounded: the oldest results went first
    # an immature loan's change is not read (it is dropped first): still a memo hit
    oot._OOT_MEMO.clear()
    _run(frame, oracle)
    later = frame.copy()
    later.loc[len(frame) - 1, "income"] = 1.0
    assert _run(later, oracle).table["n"].tolist() == [13]
    assert len(calls) == 13


def test_the_test_trains_without_the_reviews_and_reads_the_same_figures(loans):
    """`reviews=False` (no scorecard review, no proxy check) leaves the model, the leaderboard,
    the validation rows and so every out-of-time figure exactly as a full training gives them."""
    frame, oracle = loans
    rng = np.random.default_rng(4)
    frame = frame.assign(gender=rng.choice(["f", "m"], len(frame)))  # a proxy check to skip
    matured = frame[frame["defaulted"].notna()].reset_index(drop=True)
    matured = matured.assign(defaulted=matured["defaulted"].astype(np.int64))
    truth = oracle.reindex(matured["loan_id"].to_numpy()).to_numpy(float)
    asked = []

    def reviewed(*args, **kwargs):
        asked.append(kwargs.pop("reviews"))
        return train_default(*args, **kwargs)

    candidates = ["logistic", "scorecard"]  # the scorecard review's branches too
    full = oot._out_of_time(matured, truth, candidates, 0.2, 3, 0, reviewed)
    lean = oot._out_of_time(matured, truth, candidates, 0.2, 3, 0, train_default)
    assert asked == [False]
    pd.testing.assert_frame_equal(lean.table, full.table, check_exact=True)
    assert dataclasses.replace(lean, table=None) == dataclasses.replace(full, table=None)
    both = [train_default(matured, candidates=candidates, cv=3, reviews=r) for r in (True, False)]
    assert "proxy_check" in both[0].diagnostics and both[0].scorecard_points is not None
    assert both[1].diagnostics == {} and both[1].scorecard_points is None
    pd.testing.assert_frame_equal(both[1].validation, both[0].validation, check_exact=True)
    pd.testing.assert_frame_equal(
        both[1].leaderboard.drop(columns="fit_seconds"),
        both[0].leaderboard.drop(columns="fit_seconds"),
        check_exact=True,
    )
    assert np.array_equal(both[1].model.predict_pd(matured), both[0].model.predict_pd(matured))
