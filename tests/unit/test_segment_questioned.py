"""Rows a bank would question (a filled-in placeholder, an unbelievable amount) take no part in
choosing k or fitting the centres, and are still assigned and flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from bankml.segment import CustomerSegmenter
from bankml.segment.features import Feature
from bankml.segment.questioned import questioned_mask, questioned_rows

INCOME = Feature("annual_income", "income", "log1p", True)
AGE = Feature("age", "age", "none", True)
FEATURES = ["age", "dependents", "digital_share"]


def test_a_heaped_placeholder_and_a_far_out_amount_are_flagged_genuine_values_are_not():
    rng = np.random.default_rng(0)
    n = 2_000
    income = np.round(rng.lognormal(10.5, 0.5, n), -2)
    age = rng.integers(18, 80, n).astype(float)  # every age common: no single heap
    filled = rng.random(n) < 0.04
    filled[7] = False
    median = np.median(income)
    income[filled] = median  # a missing income filled with the median
    income[7] = 99_999_999.0  # a sentinel nobody replaced
    values = np.column_stack([age, np.log1p(income)])
    table = questioned_rows(values, [AGE, INCOME])
    assert list(table.columns) == ["placeholder:annual_income", "far out:annual_income"]
    # every filled row, and the few genuine incomes that equal the filler (no rule can tell them)
    placeholder = table["placeholder:annual_income"].to_numpy()
    assert (placeholder == (income == median)).all() and placeholder[filled].all()
    assert placeholder.sum() - filled.sum() < 0.005 * n
    assert np.flatnonzero(table["far out:annual_income"]).tolist() == [7]
    clean = np.column_stack([age, np.log1p(np.round(rng.lognormal(10.5, 0.5, n), -2))])
    assert not questioned_mask(clean, [AGE, INCOME]).any()
    # a value common but not far more common than the next one is a measurement, not a filler
    income[filled] = np.where(rng.random(filled.sum()) < 0.5, 40_000.0, 41_000.0)
    assert questioned_rows(
        np.column_stack([age, np.log1p(income)]), [AGE, INCOME]
    ).columns.tolist() == ["far out:annual_income"]


@pytest.fixture(scope="module")
def heaped():
    """Four blobs, plus 70 rows whose age was filled in with one value far from every blob."""
    X, truth = make_blobs(1_200, centers=4, n_features=3, cluster_std=0.4, random_state=4)
    clean = pd.DataFrame(X + 20, columns=FEATURES)
    extra = clean.sample(70, random_state=1).assign(age=60.0)
    frame = pd.concat([clean, extra], ignore_index=True)
    frame.index.name = "customer_id"
    return clean, frame, truth


def test_questioned_rows_neither_choose_k_nor_move_the_centres_but_are_assigned(heaped):
    clean, frame, truth = heaped
    settings = {"k": "auto", "features": FEATURES, "n_init": 3}
    fitted = CustomerSegmenter(question=True, **settings).fit(frame)
    alone = CustomerSegmenter(**settings).fit(clean.rename_axis("customer_id"))
    assert fitted.questioned_.tolist() == [False] * len(clean) + [True] * 70
    assert fitted.k_ == alone.k_ == 4
    # the same centres (ids are ordered by size, which the assigned extra rows change)
    order = np.argsort(fitted.cluster_centers_[:, 1])
    expected = np.argsort(alone.cluster_centers_[:, 1])
    assert fitted.cluster_centers_[order] == pytest.approx(alone.cluster_centers_[expected])
    relabel = np.empty(4, dtype=int)
    relabel[expected] = order
    assert (fitted.labels_[: len(clean)] == relabel[alone.labels_]).all()
    extra = frame.iloc[len(clean) :]
    assert (fitted.labels_[len(clean) :] == fitted.predict(extra)).all()
    assert adjusted_rand_score(truth, fitted.labels_[: len(clean)]) == pytest.approx(1.0)
    # by default they are only flagged and vote: they take a segment of their own at k=4, and
    # two real groups are merged to make room for it
    voted = CustomerSegmenter(**settings).fit(frame)
    assert (voted.questioned_ == fitted.questioned_).all() and voted.k_ == 4
    assert adjusted_rand_score(truth, voted.labels_[: len(clean)]) < 0.9


def test_a_segment_under_the_minimum_share_does_not_count_towards_k(monkeypatch):
    """Four groups and a far, tiny fifth one (2 % of rows): the gap rule finds five, but a
    segment under MIN_SHARE is too small to act on, so k=4 and its rows join the nearest."""
    import bankml.segment.choice as choice

    X, truth = make_blobs(
        [600, 600, 600, 600, 50],
        n_features=3,
        cluster_std=0.4,
        random_state=3,
        center_box=(-10, 10),
    )
    frame = pd.DataFrame(X + 20, columns=FEATURES).rename_axis("customer_id")
    settings = {"k": "auto", "features": FEATURES, "n_init": 3}
    fitted = CustomerSegmenter(**settings).fit(frame)
    assert fitted.k_ == 4 and fitted.choice_.gap_k == 5
    assert "under 5% of the customers" in fitted.choice_.reason
    assert np.bincount(fitted.labels_).min() >= 0.05 * len(frame)
    assert adjusted_rand_score(truth[truth < 4], fitted.labels_[truth < 4]) == pytest.approx(1.0)
    monkeypatch.setattr(choice, "MIN_SHARE", 0.0)
    assert CustomerSegmenter(**settings).fit(frame).k_ == 5
