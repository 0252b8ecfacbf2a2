"""NextProductRecommender: the opening history changes what comes next; bad events are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from bankml.errors import InputError
from bankml.recommend import EASERecommender, NextProductRecommender, opening_events


def _history() -> tuple[sp.csr_matrix, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """600 customers open product 2 then 0; 400 open 0 then 1; 200 hold only 0.

    Product 0 goes with 2 more often than with 1, but after 0 customers open 1, never 2.
    """
    seqs = [[2, 0]] * 600 + [[0, 1]] * 400 + [[0]] * 200
    rows = np.repeat(np.arange(len(seqs)), [len(s) for s in seqs])
    cols = np.concatenate(seqs)
    step = np.concatenate([np.arange(len(s)) for s in seqs])
    dates = np.datetime64("2024-01-01") + step.astype("timedelta64[D]") * 30
    X = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(seqs), 3))
    return X, (rows, cols, dates)


def test_history_decides_the_next_product_where_co_occurrence_points_elsewhere():
    X, events = _history()
    only_zero = np.arange(1000, 1200)
    plain = EASERecommender(l2=1.0, dropout=0.0).fit(X)
    assert (plain.recommend(only_zero, n=1)[0][:, 0] == 2).all(), "co-occurrence says 2"
    model = NextProductRecommender(l2=1.0, dropout=0.0, next_weight=1.0).fit(X, events=events)
    assert model.n_events_ == X.nnz
    assert (model.recommend(only_zero, n=1)[0][:, 0] == 1).all(), "history says 1 comes next"
    ids, _ = model.similar_items(0, n=1)
    assert ids[0] == 1


def test_without_events_it_is_ease_with_a_no_products_flag():
    X, _ = _history()
    model = NextProductRecommender(l2=1.0).fit(X)
    assert model.context_names_[-1] == "no products yet"
    np.testing.assert_array_equal(model.weights_, model.ease_weights_)
    assert model.next_weights_ is None


def test_opening_events_follow_the_training_matrix_and_refuse_bad_dates():
    holdings = pd.DataFrame(
        {
            "customer_id": [10, 10, 11, 99],
            "product_id": [1, 2, 1, 1],
            "opened_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-01"]),
        }
    )
    within = sp.csr_matrix(np.array([[1, 0], [1, 0]], dtype=np.float32))
    rows, cols, _ = opening_events(holdings, np.array([10, 11]), np.array([1, 2]), within=within)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 0]  # unknown id 99 and product 2 out
    bad = holdings.assign(opened_date=["2024-01-01", "not a date", "2024-01-05", "2024-01-01"])
    with pytest.raises(InputError, match="opened_date .* at row 1"):
        opening_events(bad, np.array([10, 11]), np.array([1, 2]))


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ((np.array([0]), np.array([5]), np.array(["2024-01-01"], "datetime64[D]")), "columns 0..2"),
        (
            (np.array([0, 1]), np.array([0]), np.array(["2024-01-01"], "datetime64[D]")),
            "one length",
        ),
    ],
)
def test_bad_events_are_refused_with_the_allowed_range(events, message):
    X, _ = _history()
    with pytest.raises(InputError, match=message):
        NextProductRecommender(l2=1.0).fit(X, events=events)


@pytest.mark.parametrize(("name", "value"), [("next_weight", 1.5), ("next_l2", 0.0)])
def test_bad_settings_are_refused(name, value):
    X, events = _history()
    with pytest.raises(InputError, match=name):
        NextProductRecommender(**{name: value}).fit(X, events=events)


def test_bench_rows_name_every_method_and_the_scenario_role():
    from bankml.bench.recommend import _bank_rows

    methods = [("in use", "in use", 0.70), ("b1", "baseline", 0.60), ("oracle", "oracle", 0.80)]
    records = [
        {"split": split, "method": m, "role": role, "ndcg": v - 0.1 * (split != "leave-one-out")}
        for split in (
            "leave-one-out",
            "temporal, last 12 months (from 2024-12-31)",
            "temporal, 80 % quantile (from 2023-01-20)",
        )
        for m, role, v in methods
    ]
    rows = _bank_rows("tuning", records)
    names = [r.metric for r in rows]
    assert all("tuning (choose)" in n for n in names)
    headline = "temporal, last 12 months (headline)"
    earlier = "temporal, 80 % quantile (earlier protocol: weeks of behaviour)"
    for split in (headline, earlier):  # both temporal protocols, each with baselines and oracle
        assert f"NDCG@5 b1 (baseline), tuning (choose), {split}" in names
        assert f"NDCG@5 oracle (oracle), tuning (choose), {split}" in names
    assert "NDCG@5 oracle (oracle), tuning (choose), LOO" in names
    targets = {r.metric: r for r in rows if r.target.startswith(">=")}
    loo = targets["NDCG@5 in use, tuning (choose), LOO"]
    assert loo.baseline == 0.60 and loo.passed  # 0.70 / 0.60 = 1.17x
    for split in (headline, earlier):
        temporal = targets[f"NDCG@5 in use vs oracle, tuning (choose), {split}"]
        assert temporal.baseline == pytest.approx(0.70) and not temporal.passed  # 0.6 / 0.7


def test_bench_row_of_the_truth_fitted_model_is_its_ndcg_over_the_oracle():
    from bankml.bench.recommend import _bank_rows
    from bankml.recommend.evaluation import TRUTH_FITTED

    split = "temporal, last 12 months (from 2024-12-31)"
    records = [
        {"split": split, "method": "in use", "role": "in use", "ndcg": 0.60},
        {"split": split, "method": "b1", "role": "baseline", "ndcg": 0.50},
        {"split": split, "method": TRUTH_FITTED, "role": "diagnostic", "ndcg": 0.63},
        {"split": split, "method": "oracle", "role": "oracle", "ndcg": 0.70},
    ]
    rows = {r.metric: r for r in _bank_rows("default", records)}
    name = (
        "NDCG@5 truth-fitted model of the observable data vs oracle, default (report),"
        " temporal, last 12 months (headline)"
    )
    assert rows[name].ratio == pytest.approx(0.9) and rows[name].passed is None  # no target
    assert len([n for n in rows if "vs oracle" in n]) == 2  # the model's and this one
