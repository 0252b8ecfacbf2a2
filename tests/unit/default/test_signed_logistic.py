"""The logistic candidate is sign-consistent: no coefficient runs against the lender's expected
direction (a wrong-signed column is dropped and the model refitted), and the quick set compares
the monotone LightGBM and the blend of the best linear model with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from bankml import evaluate
from bankml.default import candidates as cands
from bankml.default.features import FeatureSpec
from bankml.default.learners import SignedLogistic


def _data(n: int = 4000, seed: int = 0):
    """x0 raises the risk; x1 is a noisy copy of x0 that a free logistic gives a negative sign
    (suppression), although the lender expects it to raise the risk too; x2 is free."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n)
    x1 = x0 + 0.3 * rng.normal(size=n)
    x2 = rng.normal(size=n)
    logit = -2.0 + 1.5 * x0 - 0.6 * x1 + 0.4 * x2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.column_stack([x0, x1, x2]), y


def test_a_wrong_signed_coefficient_is_dropped_and_the_model_refitted():
    X, y = _data()
    free = LogisticRegression(max_iter=2000).fit(X, y)
    assert free.coef_[0, 1] < 0  # the free fit runs against the expected direction
    signed = SignedLogistic(directions=(1, 1)).fit(X, y)
    assert signed.dropped_ == [1]
    assert signed.coef_[0, 1] == 0.0 and signed.coef_[0, 0] > 0
    # the third column has no expected sign: kept whatever its sign
    assert signed.coef_[0, 2] != 0.0
    refit = LogisticRegression(max_iter=2000).fit(X[:, [0, 2]], y)
    assert np.allclose(signed.coef_[0, [0, 2]], refit.coef_.ravel())
    p = signed.predict_proba(X)
    assert p.shape == (len(y), 2) and np.allclose(p.sum(axis=1), 1.0)
    # without expectations it is the ordinary logistic
    plain = SignedLogistic().fit(X, y)
    assert plain.dropped_ == [] and np.allclose(plain.coef_, free.coef_)


def test_logistic_candidate_gets_the_business_directions():
    spec = FeatureSpec(
        numeric=("credit_score", "delinquencies_2y", "dependents", "macro_unemployment_rate"),
        categorical=(),
    )
    assert cands.linear_directions(spec) == (-1, 1, 0, 1)
    logistic = next(c for c in cands.KNOWN if c.name == "logistic")
    pipe = cands.pipeline(logistic, spec, 0)
    assert pipe.named_steps["clf"].directions == (-1, 1, 0, 1)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(500, 4)), columns=list(spec.numeric))
    y = (rng.random(500) < 0.2).astype(int)
    fitted = pipe.fit(frame, y).named_steps["clf"]
    signs = np.sign(fitted.coef_.ravel()[:4]) * np.array([-1, 1, 0, 1])
    assert (signs >= 0).all()


def test_quick_set_on_a_bank_sized_table_compares_the_monotone_trees_and_the_blend():
    names = [c.name for c in cands.candidates("quick")]
    assert names[:3] == ["scorecard", "logistic", "lightgbm"]
    assert cands.MONOTONE_MEMBER in names and cands.BLEND_NAME in names
    # the small-data set is unchanged: no monotone member, the forest and CatBoost instead
    small = [c.name for c in cands.candidates("quick_small")]
    assert cands.MONOTONE_MEMBER not in small and set(cands.TREE_MEMBERS) <= set(small)
    assert len(set(c.name for c in cands.candidates("all_small"))) == len(
        cands.candidates("all_small")
    )


def test_blend_pairs_the_logistic_with_the_monotone_trees_on_a_large_table():
    from bankml.default.blend import choose_blend, with_blend_members

    rng = np.random.default_rng(2)
    y = (rng.random(3000) < 0.15).astype(int)
    signal = y + rng.normal(size=3000)
    oof = {
        "scorecard": 1 / (1 + np.exp(-(signal + 0.2 * rng.normal(size=3000)))),
        "logistic": 1 / (1 + np.exp(-(signal + 0.5 * rng.normal(size=3000)))),
        cands.MONOTONE_MEMBER: 1 / (1 + np.exp(-(signal + 0.5 * rng.normal(size=3000)))),
    }
    rows = [{"name": n, "roc_auc": evaluate.roc_auc(y, p)} for n, p in oof.items()]
    # the logistic is the linear member even where the scorecard ranks better in time
    assert max(rows, key=lambda r: r["roc_auc"])["name"] == "scorecard"
    params, proba = choose_blend(board_rows=rows, oof=oof, y=y)
    assert params["members"] == ["logistic", cands.MONOTONE_MEMBER]
    assert len(params["weights"]) == 2 and proba.shape == y.shape
    # asking for the blend with the monotone trees adds no forest
    quick = cands.candidates("quick")
    assert with_blend_members(quick) == quick
