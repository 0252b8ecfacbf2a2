"""Reason codes never name the economy: the macro inputs (unemployment, policy rate of the
application month) are the same for every applicant in a month, so an adverse-action reason and a
counterfactual name only what is about the applicant; the model still uses them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import bank_spec, loan_frame, reasons
from bankml.default.counterfactual import ACTIONABLE
from bankml.default.estimator import DefaultModel
from bankml.default.explain import not_reasons
from bankml.default.macro import DESCRIPTIONS, macro_columns

MACRO = ("macro_unemployment_rate", "macro_policy_rate")


@pytest.fixture(scope="module")
def frame(small_bank_path) -> pd.DataFrame:
    """The small bank's loans with the economy forced to matter: defaulted loans were granted in
    months of high unemployment (a tiny fixture, so the macro input is many applicants' top factor)."""
    loans = loan_frame(small_bank_path, behaviour=False)
    rng = np.random.default_rng(0)
    bad = loans["defaulted"].to_numpy() == 1
    rate = np.where(bad, 9.0, 4.0) + rng.normal(0.0, 1.0, len(loans))
    return loans.assign(macro_unemployment_rate=np.clip(rate, 0.5, 20.0))


@pytest.fixture(scope="module", params=["logistic", "lightgbm", "scorecard"])
def model(request, frame):
    spec = bank_spec(behaviour=MACRO)
    return DefaultModel(candidate=request.param, spec=spec, cv=3).fit(frame, frame["defaulted"])


def _grouped(model, rows):
    _, contrib, _ = model.contributions(rows)
    _, grouped, names = reasons.grouped(rows, contrib, model.features_, model._derived_reasons())
    return grouped, names


def test_the_macro_columns_are_declared_non_reasons_and_never_actionable():
    assert set(not_reasons(["credit_score", *MACRO, "loan_amount"])) == set(MACRO)
    assert not_reasons(["credit_score", "loan_to_income"]) == ()
    # the counterfactual moves only the applicant's own loan terms, never the economy
    assert not set(not_reasons(ACTIONABLE))
    assert not set(macro_columns(ACTIONABLE))


def test_batch_reasons_are_the_top_applicant_level_factors_never_the_economy(model, frame):
    rows = frame.head(400)
    assert set(MACRO) <= set(model.features_)  # the model still uses the economy
    grouped, names = _grouped(model, rows)
    macro = np.isin(names, MACRO)
    # the fixture works: for some applicants the economy is the largest PD-raising factor
    top_is_macro = macro[np.argmax(grouped, axis=1)] & (grouped.max(axis=1) > 0)
    assert top_is_macro.sum() >= 10
    scored = model.score_frame(rows)
    stated = scored[["reason_1", "reason_2", "reason_3"]].to_numpy()
    labels = [reasons.label(c) for c in MACRO] + list(DESCRIPTIONS.values())
    for text in stated.ravel():
        assert not any(text.startswith(label) for label in labels), text
    # reason_1 is the largest PD-raising factor among the applicant-level ones
    applicant = np.where(macro, -np.inf, grouped)
    best = np.argmax(applicant, axis=1)
    raises = applicant[np.arange(len(rows)), best] > 0
    expected = np.array([reasons.label(names[j]) + " " for j in best], dtype=object)
    checked = np.flatnonzero(raises & top_is_macro)
    assert len(checked) >= 5
    for i in checked:
        assert stated[i, 0].startswith(expected[i]), (stated[i, 0], expected[i])
    assert (stated[~raises, 0] == "").all()


def test_one_applicant_explanation_folds_the_economy_into_the_baseline(model, frame):
    grouped, names = _grouped(model, frame.head(400))
    macro = np.isin(names, MACRO)
    i = int(np.flatnonzero(macro[np.argmax(grouped, axis=1)])[0])
    one = model.explain(frame.iloc[[i]])
    assert not set(MACRO) & set(one["feature"])
    assert not one["inputs"].str.contains("macro_").any()
    economy = float(grouped[i, macro].sum())
    assert one.attrs["economy"] == pytest.approx(economy)
    # still exact: baseline (with the economy) + the applicant's reasons == the score
    assert one.attrs["base"] + one["contribution"].sum() == pytest.approx(one.attrs["score"])
    raising = one[one["contribution"] > 0]
    if len(raising):
        applicant = np.where(macro, -np.inf, grouped[i])
        assert raising["feature"].iloc[0] == names[int(np.argmax(applicant))]


def test_a_declined_applicant_is_never_advised_to_change_the_economy(model, frame):
    rows = frame.head(600)
    pd_ = model.predict_pd(rows)
    declined = np.flatnonzero(pd_ >= model.cutoff_)
    assert len(declined)
    # those declined in the calmest months first: their own loan terms can still approve them
    calm = np.argsort(rows["macro_unemployment_rate"].to_numpy()[declined], kind="stable")
    declined = declined[calm][:25]
    advised = 0
    for i in declined:
        advice = model.counterfactual(rows.iloc[[i]], current_pd=float(pd_[i]))
        if advice is None:
            continue
        advised += 1
        moved = {*advice["changes"], *advice["consequences"]}
        assert not moved & set(MACRO)
        assert set(advice["changes"]) <= set(ACTIONABLE)
    # the logistic's smooth loan-to-income term always leaves some calm-month applicant a
    # feasible change (the trees and bins here may leave none: then there is no advice at all)
    assert advised or model.candidate != "logistic"
