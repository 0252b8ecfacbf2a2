"""Path attributions of LightGBM models: exact in the sum, and close to TreeSHAP's top reason."""

from __future__ import annotations

import numpy as np
import pytest

from bankml.default import candidates as cands
from bankml.default import treepath

# every LightGBM learner the candidates ship (plain, searched defaults, random-forest mode)
TREE_LEARNERS = ("lightgbm", "lightgbm_default", "lightgbm_forest")


def _case(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Six inputs with missing values, a main effect pair, an interaction and a square."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random((n, 6)) < 0.05] = np.nan
    Z = np.nan_to_num(X)
    logit = 1.2 * Z[:, 0] - 0.8 * Z[:, 1] + 0.6 * Z[:, 2] * Z[:, 3] + 0.4 * Z[:, 4] ** 2
    y = (rng.random(n) < 1 / (1 + np.exp(-(logit - 1.5)))).astype(int)
    return X, y


@pytest.fixture(scope="module", params=TREE_LEARNERS)
def fitted(request):
    X, y = _case(seed=4)  # seeds 1-3 were used to measure the agreement rate asserted below
    clf = cands.classifier(request.param, "none", 0, {}).fit(X, y)
    return request.param, clf, X


def test_contributions_and_base_add_up_to_the_raw_score(fitted):
    _, clf, X = fitted
    paths = treepath.compile_paths(clf.booster_)
    score, contrib = paths.score_and_contributions(clf.booster_.predict(X, pred_leaf=True))
    raw = clf.booster_.predict(X, raw_score=True)
    assert contrib.shape == X.shape
    np.testing.assert_allclose(score, raw, rtol=0, atol=1e-9)
    np.testing.assert_allclose(paths.base + contrib.sum(axis=1), raw, rtol=0, atol=1e-9)
    # the base is the trees' expected output, the same expectation TreeSHAP starts from
    shap = clf.booster_.predict(X[:5], pred_contrib=True)
    assert paths.base == pytest.approx(shap[0, -1], abs=1e-9)


def test_top_reason_mostly_agrees_with_treeshap(fitted):
    """Measured on seeds 1-3 of this case: 0.83-0.86 (LightGBM defaults), 0.90-0.91 (plain),
    0.91-0.92 (forest); on the bank's 12,000 loans with the quick LightGBM 0.86 (and the top
    path reason is among TreeSHAP's top three on 98 %). Asserted on seed 4: at least 0.75, the
    lowest of seeds 1-3 less a margin for seed-to-seed variation (seed 4 measures 0.80 with
    LightGBM defaults, 0.90 plain, 0.91 forest)."""
    _, clf, X = fitted
    paths = treepath.compile_paths(clf.booster_)
    _, contrib = paths.score_and_contributions(clf.booster_.predict(X, pred_leaf=True))
    shap = clf.booster_.predict(X, pred_contrib=True)[:, :-1]
    agree = float(np.mean(contrib.argmax(axis=1) == shap.argmax(axis=1)))
    assert agree >= 0.75
    assert agree < 1.0  # not SHAP: if they always agreed, the docs' stated bias would be wrong


def test_an_unused_feature_gets_nothing_and_a_single_leaf_tree_is_a_constant():
    X, y = _case(seed=5, n=600)
    X[:, 5] = 0.0  # constant: no tree can split on it
    clf = cands.classifier("lightgbm", "none", 0, {"n_estimators": 20}).fit(X, y)
    paths = treepath.compile_paths(clf.booster_)
    _, contrib = paths.score_and_contributions(clf.booster_.predict(X, pred_leaf=True))
    assert np.all(contrib[:, 5] == 0.0)
    flat = cands.classifier("lightgbm", "none", 0, {"n_estimators": 3}).fit(X, np.arange(600) % 2)
    flat_paths = treepath.compile_paths(flat.booster_)
    leaves = flat.booster_.predict(X, pred_leaf=True)
    score, _ = flat_paths.score_and_contributions(leaves)
    np.testing.assert_allclose(score, flat.booster_.predict(X, raw_score=True), atol=1e-9)
