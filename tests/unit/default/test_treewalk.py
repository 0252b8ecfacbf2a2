"""The compiled tree walk (`bankml.default.treewalk`) takes LightGBM's own decisions on every
kind of split (numerical with missing type None, Zero and NaN, categorical bitsets) and gives the
path table's score and contributions bit for bit, on float64 and float32 inputs."""

from __future__ import annotations

import pickle

import lightgbm as lgb
import numpy as np
import pytest

from bankml.default import treepath, treewalk


def _data(seed: int, n: int = 2_000) -> tuple[np.ndarray, np.ndarray]:
    """Five inputs: two numbers, one with many exact zeros, a category code (0-40) and a
    number with missing values."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[rng.random(n) < 0.4, 1] = 0.0
    X[:, 2] = rng.integers(0, 41, n)
    X[rng.random(n) < 0.15, 3] = np.nan
    signal = X[:, 0] - 0.7 * (X[:, 1] == 0) + 0.5 * (X[:, 2] % 3 == 0) + np.nan_to_num(X[:, 3])
    y = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)
    return X, y


# (name, training parameters, whether the trees read NaN as 0 everywhere)
KINDS = {
    "numerical, NaN missing": ({}, False),
    "zero as missing": ({"zero_as_missing": True}, False),
    "categorical": ({"categorical_feature": [2], "cat_smooth": 1, "min_data_per_group": 5}, False),
    "no missing at fit": ({"use_missing": False}, True),
}


@pytest.fixture(scope="module", params=list(KINDS))
def fitted(request):
    params, plain = KINDS[request.param]
    params = dict(params)  # a copy: the table above stays as written
    X, y = _data(seed=3)
    categorical = params.pop("categorical_feature", "auto")
    train = lgb.Dataset(X, y, categorical_feature=categorical, free_raw_data=False)
    booster = lgb.train(
        {"objective": "binary", "num_leaves": 15, "verbose": -1, "seed": 0, **params},
        train,
        num_boost_round=40,
    )
    return request.param, booster, plain


def _scoring_rows(seed: int = 5) -> np.ndarray:
    """Rows unlike the training data: NaN, zeros, +-inf, tiny values, unseen, negative and
    fractional categories in every column."""
    X, _ = _data(seed, n=3_000)
    rng = np.random.default_rng(seed)
    odd = np.array([np.nan, 0.0, -0.0, 1e-36, -1e-36, np.inf, -np.inf, 77.0, -3.0, 2.5, 1e12])
    mask = rng.random(X.shape) < 0.2
    X[mask] = rng.choice(odd, mask.sum())
    return X


def test_the_walk_is_compiled_for_every_kind_of_split(fitted):
    name, booster, plain = fitted
    paths = treepath.compile_paths(booster)
    assert paths.trees is not None, name
    assert paths.trees.plain is plain
    modes = paths.trees.mode[paths.trees.leaf_of < 0]
    if name == "categorical":
        assert (modes & treewalk.CATEGORICAL).any()
    if name == "zero as missing":
        assert (modes & treewalk.ZERO_MISSING).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_leaves_and_sums_equal_lightgbm(fitted, dtype):
    """Every row lands in LightGBM's own leaf of every tree; score and contributions are the
    table's sparse product bit for bit, and the score is LightGBM's raw score."""
    name, booster, _ = fitted
    paths = treepath.compile_paths(booster)
    X = _scoring_rows().astype(dtype)
    leaves = booster.predict(X, pred_leaf=True, num_threads=1)
    assert np.array_equal(paths.trees.leaves(X), leaves + paths.offsets[: leaves.shape[1]]), name
    expected = paths.score_and_contributions(leaves)
    score, contrib = paths.walk(X)
    np.testing.assert_array_equal(score, expected[0])
    np.testing.assert_array_equal(contrib, expected[1])
    raw = booster.predict(X, raw_score=True, num_threads=1)
    np.testing.assert_allclose(score, raw, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(paths.walk(X, contributions=False)[0], score)
    assert paths.walk(X, contributions=False)[1] is None


def test_rows_are_walked_independently(fitted):
    """Blocks of rows walk together: a row scores the same alone, in a block and in a batch."""
    _, booster, _ = fitted
    paths = treepath.compile_paths(booster)
    X = _scoring_rows()
    score, contrib = paths.walk(X)
    for i in (0, 1, treewalk.BLOCK_ROWS - 1, treewalk.BLOCK_ROWS, len(X) - 1):
        one = paths.walk(X[i : i + 1])
        np.testing.assert_array_equal(one[0], score[i : i + 1])
        np.testing.assert_array_equal(one[1], contrib[i : i + 1])
    part = paths.walk(X[7:1007])
    np.testing.assert_array_equal(part[1], contrib[7:1007])


def test_a_pickled_walk_scores_alike_and_rejects_a_wrong_width(fitted):
    _, booster, _ = fitted
    paths = treepath.compile_paths(booster)
    X = _scoring_rows()[:100]
    loaded = pickle.loads(pickle.dumps(paths))
    np.testing.assert_array_equal(loaded.walk(X)[1], paths.walk(X)[1])
    with pytest.raises(ValueError, match="columns"):
        paths.walk(X[:, :3])


def test_a_wrong_flattening_is_caught_and_lightgbm_kept(fitted, monkeypatch):
    """compile_paths checks the walk against LightGBM on probe rows: a walk that disagrees (a
    threshold off by one double) is dropped, never used."""
    _, booster, _ = fitted
    original = treewalk.flatten

    def shifted(*args):
        trees = original(*args)
        split = int(np.flatnonzero((trees.leaf_of < 0) & (trees.mode & 1 == 0))[0])
        trees.threshold[split] = np.nextafter(trees.threshold[split], -np.inf)
        return trees

    monkeypatch.setattr(treewalk, "flatten", shifted)
    assert treepath.compile_paths(booster).trees is None


def test_linear_trees_are_not_modelled():
    X, y = _data(seed=4)
    X = np.nan_to_num(X)
    booster = lgb.train(
        {"objective": "binary", "linear_tree": True, "verbose": -1, "num_leaves": 7},
        lgb.Dataset(X, y),
        num_boost_round=5,
    )
    assert treepath.compile_paths(booster).trees is None


def test_a_model_pickled_before_the_walk_compiles_it_at_load():
    """A DefaultModel saved with a path table but no compiled walk (the previous release) gets
    the walk when it is loaded, not on its first request, and scores the same."""
    from bankml.default.estimator import DefaultModel

    X, y = _data(seed=6, n=1_500)
    model = DefaultModel(candidate="lightgbm", cv=3).fit(X, y)
    assert model.paths_.trees is not None
    vars(model.paths_).pop("trees")  # as the previous release pickled it
    loaded = pickle.loads(pickle.dumps(model))
    assert "trees" in vars(loaded.__dict__["paths_"])
    assert loaded.__dict__["paths_"].trees is not None
    np.testing.assert_allclose(loaded.predict_pd(X), model.predict_pd(X), rtol=0, atol=1e-12)
