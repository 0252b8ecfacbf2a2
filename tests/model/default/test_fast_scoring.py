"""A fitted scorecard scores through its compiled binning with exactly optbinning's results."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from bankml.default.estimator import DefaultModel
from bankml.default.features import loan_frame


@pytest.fixture(scope="module")
def frame(small_bank_path) -> pd.DataFrame:
    return loan_frame(small_bank_path, behaviour=False)


def test_scorecard_batch_and_one_applicant_equal_the_optbinning_path(frame, fitted_default):
    model = fitted_default("scorecard", behaviour=False)  # the shared fit on `frame`
    assert model.binning_ is not None  # compiled at fit
    plain = copy.deepcopy(model)
    plain.binning_ = None  # falls back to optbinning's own transform
    rows = frame.sample(600, random_state=1).copy()
    rows.iloc[:20, rows.columns.get_loc("credit_score")] = np.nan
    rows.iloc[20:40, rows.columns.get_loc("purpose")] = "unseen purpose"
    rows.iloc[40:60, rows.columns.get_loc("loan_amount")] = 1e9
    pd.testing.assert_frame_equal(model.score_frame(rows), plain.score_frame(rows))
    np.testing.assert_array_equal(model.predict_pd(rows), plain.predict_pd(rows))
    one = rows.iloc[[3]]
    pd.testing.assert_frame_equal(model.explain(one), plain.explain(one))


def test_a_model_pickled_without_the_compiled_binning_compiles_it_on_first_use(
    frame, fitted_default
):
    model = fitted_default("scorecard", behaviour=False)
    expected = model.score_frame(frame.head(50))
    del model.__dict__["binning_"]  # as unpickled from before the compiled binning existed
    pd.testing.assert_frame_equal(model.score_frame(frame.head(50)), expected)
    assert model.binning_ is not None


def test_bench_speed_rows_judge_the_issue_targets(frame, fitted_default):
    from bankml.bench.default_speed import speed_rows

    model = fitted_default("scorecard", behaviour=False)
    single, batch, pd_only = speed_rows(model, frame.head(300), batch_rows=2_500)
    assert "counterfactual" in single.metric and single.target == "< 10 ms"
    assert single.passed == (single.value < 10)
    assert batch.target == ">= 100,000 rows/s" and batch.passed == (batch.value >= 100_000)
    assert "2,500 rows" in batch.metric  # drawn with replacement up to the asked size
    # no LightGBM part: the baseline is the same model's PD-only rate, measured in the same run
    assert batch.baseline == pd_only.value > 0 and batch.baseline_name == "PD only, no reasons"


@pytest.fixture(scope="module")
def lightgbm(fitted_default) -> DefaultModel:
    return fitted_default("lightgbm", behaviour=False)


def test_lightgbm_compiled_path_equals_the_scikit_learn_path(lightgbm, frame):
    """The compiled ColumnTransformer changes no number: PDs, reasons, one applicant's
    explanation and counterfactual are those of scikit-learn's own transform."""
    assert lightgbm.columns_ is not None and lightgbm.paths_ is not None  # compiled at fit
    plain = copy.deepcopy(lightgbm)
    plain.columns_ = None
    rows = frame.sample(400, random_state=2).copy()
    rows.iloc[:20, rows.columns.get_loc("credit_score")] = np.nan
    rows.iloc[20:40, rows.columns.get_loc("purpose")] = "unseen purpose"
    pd.testing.assert_frame_equal(lightgbm.score_frame(rows), plain.score_frame(rows))
    np.testing.assert_array_equal(lightgbm.predict_pd(rows), plain.predict_pd(rows))
    declined = rows[lightgbm.predict_pd(rows) >= lightgbm.cutoff_].head(5)
    assert len(declined)
    for i in range(len(declined)):
        one = declined.iloc[[i]]
        pd.testing.assert_frame_equal(lightgbm.explain(one), plain.explain(one))
        assert lightgbm.counterfactual(one) == plain.counterfactual(one)


def test_lightgbm_reasons_are_path_attributions_and_treeshap_stays_available(
    lightgbm, frame, fitted_default
):
    from bankml.default.estimator import EXACT_NOTE, PATH_NOTE

    rows = frame.head(300)
    score, path, base = lightgbm.contributions(rows)
    shap_score, shap, shap_base = lightgbm.contributions(rows, exact_shap=True)
    raw = lightgbm.decision_function(rows)
    np.testing.assert_allclose(score, raw, rtol=0, atol=1e-9)
    np.testing.assert_allclose(base + path.sum(axis=1), raw, rtol=0, atol=1e-9)
    np.testing.assert_allclose(shap_base + shap.sum(axis=1), raw, rtol=0, atol=1e-9)
    assert not np.allclose(path, shap)  # a different attribution, not TreeSHAP renamed
    scored = lightgbm.score_frame(rows)
    np.testing.assert_allclose(scored["pd"], lightgbm.predict_pd(rows), rtol=0, atol=1e-12)
    assert lightgbm.reasons_note() == PATH_NOTE
    card = fitted_default("scorecard", behaviour=False)
    assert card.reasons_note() == EXACT_NOTE


def test_bench_reports_path_attributions_beside_exact_treeshap(lightgbm, frame):
    from bankml.bench.default_speed import attribution_rows

    speed, agree = attribution_rows(lightgbm, frame.head(500))
    assert speed.unit == "rows/s" and speed.baseline > 0
    assert speed.baseline_name == "exact TreeSHAP, same rows"
    assert 0.0 < agree.value < 1.0


def test_bench_batch_rows_stand_beside_lightgbms_own_predict(lightgbm, frame):
    """With a LightGBM part, both batch rates (with reasons, PD only) are judged against
    LightGBM's own predict of the same rows in the same run."""
    from bankml.bench.default_speed import speed_rows

    _, batch, pd_only, *attribution = speed_rows(lightgbm, frame.head(300), batch_rows=2_500)
    for row in (batch, pd_only):
        assert row.unit == "rows/s" and row.value > 0 and row.baseline > 0
        assert row.baseline_name.startswith("LightGBM's own predict")
    assert batch.baseline == pd_only.baseline
    assert f"PD only {pd_only.value:,.0f} rows/s" in batch.metric
    assert len(attribution) == 2  # path attributions beside exact TreeSHAP
