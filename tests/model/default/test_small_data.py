"""Small-data path: nested CV that never trains on its held-out fold, and the linear + trees blend
(with CatBoost) whose reason codes stay exact, calibrated and registry-saveable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml import evaluate, model_card, registry
from bankml.default import candidates as cands
from bankml.default import train_default
from bankml.default.blend import BlendModel
from bankml.default.estimator import DefaultModel
from bankml.default.workflow import train_table_model


def _frame(n: int, seed: int) -> pd.DataFrame:
    """A known signal with a smooth linear part (logistic's strength) and a threshold interaction
    (the forest's), plus a categorical column and noise."""
    rng = np.random.default_rng(seed)
    x1, x2, x3, noise = rng.normal(size=(4, n))
    region = rng.choice(["north", "south", "east"], size=n)
    logit = -1.0 + 1.2 * x1 + 1.8 * ((x2 > 0.3) & (x3 > 0.3)) + 0.6 * (region == "south")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "x3": x3,
            "noise": noise,
            "region": region,
            "applicant_id": np.arange(n),
            "bad": np.where(y, "yes", "no"),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame(900, seed=5)


@pytest.fixture(scope="module")
def result(frame):
    return train_table_model(frame, "bad", cv=3)


class _Spy:
    """A train_fn that records the rows it trained on and memorises their labels by index: any
    held-out row that reached training would be scored with its own label."""

    def __init__(self):
        self.trained_on: list[set] = []
        self.scored_columns: list[list[str]] = []

    def __call__(self, train: pd.DataFrame):
        self.trained_on.append(set(train.index))
        labels = (train["bad"] == "yes").astype(float)
        spy = self

        class Memoriser:
            candidate = "memoriser"

            def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
                spy.scored_columns.append(list(frame.columns))
                return labels.reindex(frame.index).fillna(0.5).to_numpy()

        return Memoriser()


def test_nested_cv_never_trains_on_the_outer_test_fold(frame):
    spy = _Spy()
    nested = evaluate.nested_cv_auc(frame, "bad", spy, cv=5, random_state=3)
    assert len(spy.trained_on) == 5
    held_out = [set(frame.index) - seen for seen in spy.trained_on]
    for seen, test in zip(spy.trained_on, held_out, strict=True):
        assert seen.isdisjoint(test) and 0.15 * len(frame) < len(test) < 0.25 * len(frame)
    assert set().union(*held_out) == set(frame.index)  # every row is held out exactly once
    assert sum(len(t) for t in held_out) == len(frame)
    assert all("bad" not in columns for columns in spy.scored_columns)  # no target at scoring
    # a label memoriser is worthless on rows it never saw: AUC exactly 0.5
    assert nested.pooled_auc == pytest.approx(0.5) and nested.chosen == ("memoriser",) * 5
    assert len(nested.fold_auc) == 5 and nested.mean_auc == pytest.approx(0.5)


def test_nested_cv_scores_the_held_out_fold_with_the_refitted_model(frame):
    """The real any-CSV training per outer fold gives a sane, fold-wise AUC."""
    small = frame.head(400)
    nested = evaluate.nested_cv_auc(
        small,
        "bad",
        lambda train: (
            train_table_model(train, "bad", candidates=["logistic (strong L2)"], cv=3).model
        ),
        cv=3,
        random_state=0,
    )
    y = (small["bad"] == "yes").to_numpy()
    assert np.array_equal(nested.y, y)
    assert 0.6 < nested.pooled_auc < 1.0
    assert nested.mean_auc == pytest.approx(np.mean(nested.fold_auc))
    assert set(nested.chosen) == {"logistic (strong L2)"}


def test_small_tables_compare_the_small_data_presets(result, frame):
    names = set(result.leaderboard["name"])
    assert {c.name for c in cands.SMALL_DATA} | set(cands.TREE_MEMBERS) <= names
    assert cands.quick_for(len(frame)) == "quick_small"
    assert cands.quick_for(cands.SMALL_DATA_ROWS) == "quick"  # the big-data quick set is as before
    assert cands.candidates("quick") == cands.QUICK


def test_small_data_path_deploys_the_fixed_blend(result):
    """On small data the blend is the model: the logistic of the L2 path with the best inner
    AUC plus both small-data trees, the linear part at the fixed share, whatever single model
    leads the leaderboard (fewer choices on a small table, less selection noise)."""
    board = result.leaderboard.set_index("name")
    blend = board.loc[cands.BLEND_NAME]
    members = blend["params"]["members"]
    assert members[1:] == list(cands.TREE_MEMBERS)
    path = board.loc[[n for n in cands.LOGISTIC_PATH if n in board.index], "roc_auc"]
    assert len(path) == len(cands.LOGISTIC_PATH)  # every L2 strength was compared
    assert board.loc[members[0], "roc_auc"] == path.max()  # the best of the path
    assert blend["params"]["linear_share"] == cands.SMALL_LINEAR_SHARE
    assert blend["params"]["fixed_model"]
    assert result.chosen == cands.BLEND_NAME
    assert result.model.members == members


def test_one_standard_error_rule_on_known_fold_gains():
    from bankml.default.blend import beats_blend

    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 150)
    folds = [(None, np.arange(i, 300, 3)) for i in range(3)]
    blend = y + rng.normal(0, 1.0, 300)
    assert not beats_blend(blend, blend, y, folds)  # no gain
    assert beats_blend(y + rng.normal(0, 0.1, 300), blend, y, folds)  # clear gain every fold
    # a gain on one fold and losses on the others: the mean gain is not above one SE
    mixed = blend.copy()
    mixed[folds[0][1]] = y[folds[0][1]]
    mixed[folds[1][1]] = -blend[folds[1][1]]
    assert not beats_blend(mixed, blend, y, folds)


@pytest.fixture(scope="module")
def blend(frame):
    from bankml.default.features import infer_spec

    data, spec = infer_spec(frame, "bad")
    y = (data["bad"] == "yes").to_numpy(int)
    model = BlendModel(
        spec=spec, members=["scorecard", *cands.TREE_MEMBERS], weights=[0.7, 0.9, 0.4], cv=3
    )
    return model.fit(data, y), data, y


def test_blend_contributions_sum_to_its_score_and_to_its_members(blend, frame):
    model = blend[0]
    rows = frame.sample(60, random_state=1)
    score, contrib, base = model.contributions(rows)
    np.testing.assert_allclose(base + contrib.sum(axis=1), score, atol=1e-9)
    np.testing.assert_allclose(model.decision_function(rows), score, atol=1e-9)
    members = [m.decision_function(rows) for m in model.members_]
    np.testing.assert_allclose(
        0.7 * members[0] + 0.9 * members[1] + 0.4 * members[2], score, atol=1e-9
    )
    parts = [m.contributions(rows) for m in model.members_]
    for (m_score, m_contrib, m_base), m_direct in zip(parts, members, strict=True):
        # each member's own attribution is exact: TreeSHAP for the forest and CatBoost
        np.testing.assert_allclose(m_base + m_contrib.sum(axis=1), m_score, atol=1e-9)
        np.testing.assert_allclose(m_score, m_direct, atol=1e-9)
    weighted = 0.7 * parts[0][1] + 0.9 * parts[1][1] + 0.4 * parts[2][1]
    np.testing.assert_allclose(weighted, contrib, atol=1e-9)
    assert contrib.shape == (len(rows), len(model.features_))
    one = model.explain(rows.iloc[[0]])
    assert one.attrs["base"] + one["contribution"].sum() == pytest.approx(one.attrs["score"])
    # the PD is the calibrated score, one row and a batch alike
    np.testing.assert_allclose(model.predict_pd(rows), model.pd_from_score(score))
    assert model.predict_pd(rows.iloc[[3]])[0] == pytest.approx(model.predict_pd(rows)[3])
    assert "applicant_id" not in model.features_


def test_blend_is_calibrated_and_round_trips_through_the_registry(blend, result, frame, tmp_path):
    import dataclasses

    model, _, y = blend
    assert abs(model.validation_pd_.mean() - y.mean()) < 0.03
    assert evaluate.ece(y, model.validation_pd_) < 0.06
    blended = dataclasses.replace(result, model=model, chosen=cands.BLEND_NAME)
    card = model_card.make_card(blended, model_card.frame_hash(frame), source="test")
    registry.save_model(model, card, tmp_path / "models")
    loaded, loaded_card = registry.load_model(tmp_path / "models")
    assert loaded_card["algorithm"] == cands.BLEND_NAME
    assert [m.candidate for m in loaded.members_] == ["scorecard", *cands.TREE_MEMBERS]
    rows = frame.head(50)
    np.testing.assert_array_equal(loaded.predict_pd(rows), model.predict_pd(rows))
    assert loaded.score_frame(rows)["reason_1"].str.len().gt(0).any()


def test_blend_rejects_malformed_params_and_brings_its_members(blend):
    from bankml.errors import InputError

    _, data, y = blend
    spec = blend[0].spec_
    with pytest.raises(InputError, match="members and weights"):
        BlendModel(spec=spec, members=["logistic"], weights=[1.0]).fit(data, y)
    with pytest.raises(InputError, match="is a blend: fit it with BlendModel"):
        DefaultModel(spec=spec, candidate=cands.BLEND_NAME).fit(data, y)
    # asking for the blend alone compares its members too
    board = train_default(
        data.head(300), "bad", candidates=[cands.BLEND_NAME], cv=3, reviews=False
    ).leaderboard
    assert {cands.BLEND_NAME, cands.FOREST_MEMBER, "scorecard"} <= set(board["name"])


def test_catboost_member_writes_nothing_to_the_working_directory(frame, tmp_path, monkeypatch):
    """CatBoost writes a catboost_info/ folder by default; the dashboard's folder stays clean."""
    from bankml.default.features import infer_spec

    data, spec = infer_spec(frame.head(300), "bad")
    y = (data["bad"] == "yes").to_numpy(int)
    monkeypatch.chdir(tmp_path)
    model = DefaultModel(spec=spec, candidate=cands.CATBOOST_MEMBER, cv=3).fit(data, y)
    assert list(tmp_path.iterdir()) == []
    score, contrib, base = model.contributions(data.head(20))
    np.testing.assert_allclose(base + contrib.sum(axis=1), score, atol=1e-9)


def test_the_small_data_blend_takes_the_best_l2_strength_at_the_fixed_share():
    """With both small-data trees compared, the linear member is the logistic of the L2 path
    with the best out-of-fold AUC (never the scorecard), at the fixed share; without them (a
    bank-sized set) the share is chosen from the grid as before."""
    from bankml.default.blend import choose_blend

    rng = np.random.default_rng(0)
    n = 4_000
    a, b, c = rng.normal(size=(3, n))
    y = (a + b + 0.5 * c + rng.normal(size=n) > 1.5).astype(int)

    def proba(score):
        return 1 / (1 + np.exp(-score))

    def rows(oof):
        return [{"name": k, "roc_auc": evaluate.roc_auc(y, v)} for k, v in oof.items()]

    trees = {m: proba(0.5 * c + rng.normal(size=n)) for m in cands.TREE_MEMBERS}
    path = {
        name: proba(a + b + rng.normal(scale=2.0 - i * 0.3, size=n))
        for i, name in enumerate(cands.LOGISTIC_PATH)
    }
    linear = {"scorecard": proba(a + b), **path}  # the scorecard ranks best: still not taken
    oof = {**linear, **trees}
    params, blended = choose_blend(board_rows=rows(oof), oof=oof, y=y)
    best = max(path, key=lambda k: evaluate.roc_auc(y, path[k]))
    assert params["members"] == [best, *cands.TREE_MEMBERS]
    assert params["linear_share"] == cands.SMALL_LINEAR_SHARE and params["fixed_model"]
    spreads = [np.std(np.log(oof[m] / (1 - oof[m]))) for m in params["members"]]
    shares = np.array(params["weights"]) * spreads
    # the fixed shares (linear half, trees equal) moved SMALL_STACK_SHRINK towards stacking
    fixed = np.array([cands.SMALL_LINEAR_SHARE, *[(1 - cands.SMALL_LINEAR_SHARE) / 2] * 2])
    keep = 1 - cands.SMALL_STACK_SHRINK
    assert params["stack_shrink"] == cands.SMALL_STACK_SHRINK
    assert shares.sum() == pytest.approx(1.0)
    assert (shares >= keep * fixed - 1e-12).all() and (shares <= keep * fixed + 0.25 + 1e-12).all()
    score = sum(
        w * np.log(oof[m] / (1 - oof[m]))
        for w, m in zip(shares / spreads, params["members"], strict=True)
    )
    np.testing.assert_allclose(blended, 1 / (1 + np.exp(-score)), rtol=1e-12)

    large = {"logistic": path["logistic"], cands.MONOTONE_MEMBER: trees[cands.TREE_MEMBERS[0]]}
    params, _ = choose_blend(board_rows=rows(large), oof=large, y=y)
    assert params["members"] == ["logistic", cands.MONOTONE_MEMBER]
    assert params["linear_share"] in cands.LINEAR_SHARES and "fixed_model" not in params


def test_stacked_weights_pull_the_fixed_shares_a_quarter_towards_the_informative_member():
    """A member with no signal gets a zero stacking weight, so keeps (1 - shrink) of its fixed
    share; the informative one gains what it loses; shrink 0 returns the fixed weights."""
    from bankml.default.blend import blend_weights, stacked_weights

    rng = np.random.default_rng(4)
    n = 3_000
    signal = rng.normal(size=n)
    y = (signal + rng.normal(size=n) > 1.0).astype(int)
    oof = [1 / (1 + np.exp(-(signal + rng.normal(size=n)))), 1 / (1 + np.exp(-rng.normal(size=n)))]
    fixed = blend_weights(oof, 0.5, 1)
    spreads = np.array([np.std(np.log(p / (1 - p))) for p in oof])
    np.testing.assert_allclose(stacked_weights(oof, y, fixed, 0.0), fixed, rtol=1e-12)
    shares = np.array(stacked_weights(oof, y, fixed, 0.25)) * spreads
    np.testing.assert_allclose(shares, [0.5 * 0.75 + 0.25, 0.5 * 0.75], atol=0.01)
    # the whole pull: the informative member alone carries the blend
    assert np.array(stacked_weights(oof, y, fixed, 1.0))[0] * spreads[0] > 0.99
