"""Reason codes name the real driver and use the scorecard's sign convention (issue 16, item 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import reasons
from bankml.default.features import loan_frame


@pytest.fixture(scope="module")
def frame(small_bank_path) -> pd.DataFrame:
    return loan_frame(small_bank_path, behaviour=False)


@pytest.fixture(scope="module", params=["logistic", "lightgbm", "scorecard"])
def model(request, fitted_default):
    return fitted_default(request.param, behaviour=False)


def test_loan_to_income_is_one_reason_when_the_model_derives_it(model, frame):
    row = frame.iloc[[5]]
    one = model.explain(row)
    _, by_input, _ = model.contributions(row)
    if model.candidate == "scorecard":  # bins amount and income alone: no derived ratio
        assert "loan_to_income" not in set(one["feature"])
        assert {"loan_amount", "annual_income"} <= set(one["feature"])
        return
    assert "loan_to_income" in set(one["feature"])
    assert not {"loan_amount", "annual_income"} & set(one["feature"])
    lti = one.set_index("feature").loc["loan_to_income"]
    i, j = model.features_.index("loan_amount"), model.features_.index("annual_income")
    assert lti["contribution"] == pytest.approx(by_input[0, i] + by_input[0, j])
    assert lti["inputs"] == "loan_amount, annual_income"
    ratio = row["loan_amount"].iloc[0] / row["annual_income"].iloc[0]
    assert lti["text"].startswith(f"loan-to-income {ratio * 100:.0f}% ")
    # still exact: the grouped reasons add up to the score
    assert one.attrs["base"] + one["contribution"].sum() == pytest.approx(one.attrs["score"])


def test_a_high_loan_to_income_is_named_loan_to_income_not_loan_amount(frame, fitted_default):
    """Amount and income moving together (amount x3 on the same income) is the ratio moving: the
    top reason of a stretched applicant names loan-to-income, never loan amount alone."""
    model = fitted_default("logistic", behaviour=False)
    rows = frame.head(200).copy()
    rows["loan_amount"] = rows["annual_income"] * 1.5  # a loan of 1.5 years' income
    scored = model.score_frame(rows)
    named = scored[["reason_1", "reason_2", "reason_3"]].to_numpy().ravel()
    assert any(r.startswith("loan-to-income 150%") for r in named)
    assert not any(r.startswith("loan amount ") for r in named)


def test_points_follow_the_scorecard_convention(model, frame):
    rows = frame.head(40)
    one = model.explain(rows.iloc[[0]])
    np.testing.assert_allclose(one["points"], -one["contribution"] * reasons.POINTS_PER_LOGIT)
    raising = one[one["contribution"] > 0]
    assert len(raising)
    assert (raising["points"] < 0).all()
    assert raising["text"].str.contains("raises risk \\(-", regex=True).all()
    lowering = one[one["contribution"] < 0]
    assert lowering["text"].str.contains("lowers risk \\(\\+", regex=True).all()


def test_scorecard_reason_points_move_with_the_points_table(frame, fitted_default):
    """For the scorecard, a reason's points differ between two applicants exactly by the points
    of their bins in the published table: one sign convention, one scale."""
    model = fitted_default("scorecard", behaviour=False)
    table = model.scorecard_table()
    prep = model.pipeline_.named_steps["prep"]
    rows = frame.head(300)
    woe = pd.DataFrame(
        np.asarray(prep.transform(rows[model.features_], metric="woe"), dtype=float),
        columns=[str(n) for n in prep.get_support(names=True)],
    )
    checked = 0
    for name, bins in table.groupby("characteristic"):
        lookup = dict(zip(bins["woe"].round(6), bins["points"], strict=False))
        bin_points = woe[name].round(6).map(lookup)
        explained = np.array(
            [model.explain(rows.iloc[[i]]).set_index("feature").loc[name, "points"] for i in (0, 1)]
        )
        if bin_points.iloc[:2].isna().any() or bin_points.iloc[0] == bin_points.iloc[1]:
            continue
        assert explained[0] - explained[1] == pytest.approx(
            bin_points.iloc[0] - bin_points.iloc[1], abs=0.11
        ), name
        checked += 1
    assert checked >= 2
