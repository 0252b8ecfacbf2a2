"""bankml.evaluate: metric identities, PSI properties, profit cut-off and fairness report."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn import metrics as skm

from bankml import evaluate


@pytest.fixture()
def scored():
    rng = np.random.default_rng(0)
    pd_ = rng.beta(1, 8, 4000)
    y = (rng.random(4000) < pd_).astype(int)
    return y, pd_


def test_threshold_free_metrics_match_sklearn(scored):
    y, p = scored
    assert evaluate.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p))
    assert evaluate.gini(y, p) == pytest.approx(2 * skm.roc_auc_score(y, p) - 1)
    assert evaluate.brier(y, p) == pytest.approx(skm.brier_score_loss(y, p))
    assert evaluate.log_loss(y, p) == pytest.approx(skm.log_loss(y, p))
    assert evaluate.pr_auc(y, p) == pytest.approx(skm.average_precision_score(y, p))
    fpr, tpr, _ = skm.roc_curve(y, p)
    assert evaluate.ks(y, p) == pytest.approx(np.max(tpr - fpr))


def test_confusion_counts_add_up(scored):
    y, p = scored
    c = evaluate.confusion(y, p, 0.2)
    assert c["tp"] + c["fp"] + c["fn"] + c["tn"] == len(y)
    assert c["tp"] == np.sum((p >= 0.2) & (y == 1))
    assert c["approval_rate"] == pytest.approx(np.mean(p < 0.2))


def test_calibrated_scores_have_small_ece_and_shifted_ones_do_not(scored):
    y, p = scored
    assert evaluate.ece(y, p) < 0.02
    assert evaluate.ece(y, np.clip(p * 2, 0, 1)) > 0.05
    curve = evaluate.reliability_curve(y, p)
    assert len(curve) == 10 and (curve["lower"] <= curve["observed"]).all()


def test_profit_curve_is_the_realised_profit_of_each_cutoff_on_a_known_example():
    y = np.array([0, 0, 1, 0, 1, 1])
    pd_ = np.array([0.05, 0.10, 0.20, 0.30, 0.60, 0.90])
    gain = np.array([10.0, 10, 10, 100, 10, 10])  # per-loan profit if repaid
    loss = np.array([50.0, 50, 50, 500, 50, 50])  # per-loan loss if it defaults
    cutoffs = np.array([0.0, 0.07, 0.15, 0.25, 0.5, 0.7, 1.01])

    def brute(c):
        approved = pd_ < c
        return np.sum(np.where(y == 1, -loss, gain) * approved)

    curve = evaluate.profit_curve(y, pd_, gain, loss, cutoffs)
    np.testing.assert_allclose(curve["profit"], [brute(c) for c in cutoffs])
    # approving the 100-gain good loan outweighs the 50-loss bad one before it
    assert curve["cutoff"].iloc[int(curve["profit"].argmax())] == 0.5
    assert curve["defaulters_caught"].iloc[0] == 1.0 and curve["defaulters_caught"].iloc[-1] == 0.0
    np.testing.assert_allclose(curve["bad_debt_avoided"].iloc[0], 150.0)


def test_fairness_report_matches_fairlearn(scored):
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )

    y, p = scored
    rng = np.random.default_rng(2)
    group = rng.choice(["F", "M", "X"], size=len(y), p=[0.5, 0.45, 0.05])
    p = np.where(group == "X", np.minimum(p * 3, 1), p)
    cutoff = 0.15
    report = evaluate.fairness_report(y, p, cutoff, group).set_index("group")
    declined = (p >= cutoff).astype(int)
    frame = MetricFrame(
        metrics={"sel": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=y,
        y_pred=declined,
        sensitive_features=group,
    ).by_group
    for g in ("F", "M", "X"):
        assert report.loc[g, "approval_rate"] == pytest.approx(1 - frame.loc[g, "sel"])
        assert report.loc[g, "tpr"] == pytest.approx(frame.loc[g, "tpr"])
        assert report.loc[g, "fpr"] == pytest.approx(frame.loc[g, "fpr"])
    best = report["approval_rate"].max()
    assert report["disparate_impact"].max() == pytest.approx(1.0)
    for g, row in report.iterrows():
        assert row["flagged"] == (row["approval_rate"] / best < 0.8), g


def test_age_bands_cover_every_age():
    bands = evaluate.age_band([18, 24, 25, 49, 50, 64, 65, 99])
    assert list(bands) == ["18-24", "18-24", "25-34", "35-49", "50-64", "50-64", "65+", "65+"]
    assert len(set(itertools.chain(bands))) == 5


@pytest.mark.parametrize("seed", range(6))
def test_rank_auc_equals_sklearn_with_ties_booleans_and_few_positives(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    y = rng.random(n) < rng.uniform(0.01, 0.6)
    y[0], y[-1] = True, False  # both classes
    score = np.round(rng.normal(size=n) + y, int(rng.integers(0, 3)))  # rounding makes ties
    assert evaluate.roc_auc(y, score) == pytest.approx(skm.roc_auc_score(y, score), abs=1e-12)
    assert evaluate.roc_auc(y.astype(int), -score) == pytest.approx(
        skm.roc_auc_score(y, -score), abs=1e-12
    )


def test_auc_of_missing_scores_is_an_error_and_of_one_class_nan():
    with pytest.raises(ValueError):
        evaluate.roc_auc([0, 1, 1], [0.1, np.nan, 0.3])
    assert np.isnan(evaluate.roc_auc([1, 1], [0.1, 0.2]))
