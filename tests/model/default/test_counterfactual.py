"""Counterfactual advice a credit officer would give: feasible by the product's own rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import DefaultModel, FeatureSpec, loan_frame
from bankml.default import counterfactual as cf
from bankml.default.validate import validate_applicant


@pytest.fixture(scope="module")
def frame(small_bank_path):
    return loan_frame(small_bank_path)


@pytest.fixture(scope="module")
def model(fitted_default):
    return fitted_default("lightgbm")


@pytest.fixture(scope="module")
def advised(model, frame):
    pds = model.predict_pd(frame)
    declined = frame[pds >= model.cutoff_].head(40)
    assert len(declined) >= 20
    out = []
    for i in range(len(declined)):
        row = declined.iloc[[i]]
        out.append((row, model.counterfactual(row)))
    return out


def _applied(row: pd.DataFrame, advice: dict) -> pd.DataFrame:
    moved = {**advice["changes"], **advice["consequences"]}
    return row.assign(**{f: v["to"] for f, v in moved.items() if f in row.columns})


def test_some_declined_applicants_get_advice(advised):
    assert sum(a is not None for _, a in advised) >= 5


def test_every_advised_application_passes_the_product_rules_and_validation(model, advised):
    for row, advice in (pair for pair in advised if pair[1] is not None):
        assert 1 <= len(advice["changes"]) <= 2
        assert set(advice["changes"]) <= set(cf.ACTIONABLE)
        new = _applied(row, advice)
        assert cf.BANK_PRODUCT.allows(new).all(), new[list(cf.REQUIRED)]
        values = {f: new.iloc[0][f] for f in model.features_}
        validate_applicant(values, model.schema_)  # raises InputError when anything is off
        assert new["loan_amount"].iloc[0] >= cf.BANK_PRODUCT.min_amount
        assert new["term_months"].iloc[0] in cf.BANK_PRODUCT.terms


def test_rate_payment_and_dti_follow_from_amount_and_term(advised):
    rules = cf.BANK_PRODUCT
    for row, advice in (pair for pair in advised if pair[1] is not None):
        old, new = row.iloc[0], _applied(row, advice).iloc[0]
        expected_rate = (
            old["interest_rate"]
            if new["term_months"] == old["term_months"]
            else rules.reprice(old["interest_rate"], old["term_months"], new["term_months"])
        )
        assert new["interest_rate"] == pytest.approx(float(expected_rate))
        income = old["annual_income"]
        old_pay = float(rules.payment(old["loan_amount"], old["interest_rate"], old["term_months"]))
        new_pay = float(rules.payment(new["loan_amount"], new["interest_rate"], new["term_months"]))
        other_before = old["debt_to_income"] - 12 * old_pay / income
        other_after = new["debt_to_income"] - 12 * new_pay / income
        if other_before >= 0:  # other debts are what they were: only the payment moved
            assert other_after == pytest.approx(other_before, abs=1e-4)


def test_the_pd_after_the_change_is_the_models_and_under_the_cutoff(model, advised):
    for row, advice in (pair for pair in advised if pair[1] is not None):
        after = model.predict_pd(_applied(row, advice))[0]
        assert after == pytest.approx(advice["pd"])
        assert after < model.cutoff_ <= advice["pd_before"]


def test_no_advice_for_an_approved_applicant_or_a_model_without_the_product(model, frame):
    pds = model.predict_pd(frame)
    assert pds.min() < model.cutoff_  # the safest applicant is approved: nothing to advise
    assert model.counterfactual(frame.iloc[[int(np.argmin(pds))]]) is None
    spec = FeatureSpec(numeric=("credit_score", "debt_to_income"), categorical=())
    small = frame.head(600)
    bare = DefaultModel(spec=spec, candidate="logistic", cv=3).fit(small, small["defaulted"])
    assert cf.advise(bare, small.iloc[[0]], current_pd=1.0) is None  # no product fields


def test_candidates_respect_limits_even_for_a_tiny_loan():
    row = pd.Series(
        {
            "loan_amount": 700.0,
            "term_months": 36.0,
            "interest_rate": 12.0,
            "debt_to_income": 0.4,
            "annual_income": 30_000.0,
        }
    )
    options = cf.candidates(row)
    assert options["loan_amount"].min() >= 500
    assert set(options["term_months"]) <= set(cf.BANK_PRODUCT.terms)
    assert np.all(options["debt_to_income"] >= 0)
