"""Monotone constraints for boosted trees, derived from binning trends on the training rows."""

from __future__ import annotations

import numpy as np
import pytest

from bankml.default import DefaultModel, loan_frame
from bankml.default import monotone as mono


@pytest.fixture(scope="module")
def frame(small_bank_path):
    return loan_frame(small_bank_path)


@pytest.fixture(scope="module")
def monotone_model(fitted_default):
    return fitted_default("lightgbm (monotone)")


def _pd_along(model, rows, feature, grid):
    out = []
    for value in grid:
        out.append(model.predict_pd(rows.assign(**{feature: value})))
    return np.column_stack(out)  # rows x grid


@pytest.mark.parametrize(
    ("feature", "grid", "direction"),
    [
        ("credit_score", np.arange(450, 851, 25), -1),
        ("debt_to_income", np.linspace(0.0, 0.9, 19), 1),
        ("credit_utilization", np.linspace(0.0, 1.0, 21), 1),
    ],
)
def test_pd_moves_one_way_along_a_constrained_input(
    monotone_model, frame, feature, grid, direction
):
    rows = frame.sample(200, random_state=3)
    curves = _pd_along(monotone_model, rows, feature, grid)
    steps = np.diff(curves, axis=1) * direction
    assert np.all(steps >= -1e-12), f"{feature}: PD moved the wrong way"
    assert monotone_model._clf() is not None
    assert monotone_model.pipeline_.named_steps["clf"].directions_[feature] == direction


def test_unconstrained_lightgbm_is_not_monotone_there(frame, fitted_default):
    """The test above can fail: plain boosting wiggles along the same grid."""
    model = fitted_default("lightgbm")
    rows = frame.sample(200, random_state=3)
    curves = _pd_along(model, rows, "credit_score", np.arange(450, 851, 25))
    assert np.any(np.diff(curves, axis=1) > 1e-9)


def test_binning_trend_finds_directions_and_leaves_u_shapes_free():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 6000)
    rising = (rng.uniform(size=x.size) < 0.02 + 0.03 * x).astype(int)
    falling = (rng.uniform(size=x.size) < 0.32 - 0.03 * x).astype(int)
    u_shape = (rng.uniform(size=x.size) < 0.05 + 0.012 * (x - 5) ** 2).astype(int)
    assert mono.binning_trend(x, rising) == 1
    assert mono.binning_trend(x, falling) == -1
    assert mono.binning_trend(x, u_shape) == 0


def test_contributions_still_add_up_under_constraints(monotone_model, frame):
    score, contrib, base = monotone_model.contributions(frame.head(50))
    assert np.allclose(base + contrib.sum(axis=1), score)


@pytest.mark.slow  # a CatBoost fit with its binning trends: 7 s of CPU
def test_catboost_takes_the_same_constraints(frame):
    small = frame.head(1200)
    model = DefaultModel(candidate="catboost (monotone)", cv=3).fit(small, small["defaulted"])
    rows = small.head(50)
    curves = _pd_along(model, rows, "credit_score", np.arange(450, 851, 50))
    assert np.all(np.diff(curves, axis=1) <= 1e-12)
    score, contrib, base = model.contributions(rows)
    assert np.allclose(base + contrib.sum(axis=1), score)
