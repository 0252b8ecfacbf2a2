"""Per-loan economics, the expected-value cut-off, the PD master scale, the PD floor and cap, the
smooth calibration and the portfolio's expected loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.config import LendingEconomics
from bankml.default import economics, loan_frame
from bankml.default.calibration import Calibrator
from bankml.default.cutoff import GRADES, PD_CAP, PD_FLOOR, grade, master_scale
from bankml.errors import InputError


@pytest.fixture(scope="module")
def frame(small_bank_path) -> pd.DataFrame:
    return loan_frame(small_bank_path)


@pytest.fixture(scope="module")
def model(fitted_default):
    return fitted_default("lightgbm")


def _schedule_balances(amount, annual_rate, term, months):
    """The opening balances of a month-by-month amortisation schedule (the slow, obvious way)."""
    i = annual_rate / 12
    payment = amount * i / (1 - (1 + i) ** -term)
    balance, out = amount, []
    for _ in range(int(min(months, term))):
        out.append(balance)
        balance = balance * (1 + i) - payment
    return np.array(out)


@pytest.mark.parametrize(
    ("amount", "rate", "term", "months"), [(10_000, 0.12, 36, 12), (5_000, 0.08, 6, 12)]
)
def test_closed_form_exposure_matches_an_amortisation_schedule(amount, rate, term, months):
    balances = _schedule_balances(amount, rate, term, months)
    assert economics.balance_sum(amount, rate, term, months) == pytest.approx(balances.sum())
    assert economics.balance_sum(amount, 0.0, 4, 12) == pytest.approx(
        amount * (1 + 0.75 + 0.5 + 0.25)
    )


def test_loan_value_uses_the_loans_own_rate_term_and_the_config():
    loans = pd.DataFrame(
        {"loan_amount": [10_000.0, 10_000.0], "interest_rate": [12.0, 6.0], "term_months": [36, 36]}
    )
    econ = LendingEconomics(loss_given_default=0.5, funding_cost=0.02, horizon_months=12)
    terms = economics.loan_terms(loans, "loan_amount", econ)
    assert "own rate" in terms.policy and "own term" in terms.policy
    values = economics.loan_values(terms, econ)
    balances = _schedule_balances(10_000, 0.12, 36, 12)
    assert values.gain[0] == pytest.approx((0.12 - 0.02) / 12 * balances.sum())
    assert values.ead[0] == pytest.approx(balances.mean())
    assert values.loss[0] == pytest.approx(0.5 * balances.mean())
    assert values.gain[1] < values.gain[0]  # a cheaper loan earns less on the same exposure
    dearer = economics.loan_values(terms, LendingEconomics(funding_cost=0.05))
    assert (
        dearer.gain < economics.loan_values(terms, LendingEconomics(funding_cost=0.0)).gain
    ).all()


def test_a_foreign_csv_without_pricing_gets_the_stated_neutral_policy_not_the_banks():
    foreign = pd.DataFrame({"credit_amount": [1000.0, 3000.0, 2000.0]})
    terms = economics.loan_terms(foreign, "credit_amount", LendingEconomics())
    assert terms.neutral and "neutral policy" in terms.policy
    values = economics.loan_values(terms, LendingEconomics(), base_rate=0.22)
    # break even exactly at the training default rate: approve only the safer-than-average
    assert values.expected(np.full(3, 0.22)) == pytest.approx(np.zeros(3), abs=1e-9)
    assert (values.expected(np.full(3, 0.10)) > 0).all()
    assert (values.expected(np.full(3, 0.30)) < 0).all()
    priced = economics.loan_terms(
        foreign, "credit_amount", LendingEconomics(rate=15, term_months=24)
    )
    assert not priced.neutral and "15 % a year" in priced.policy


def test_economics_config_rejects_bad_values_with_the_allowed_range():
    with pytest.raises(InputError, match="loss_given_default must be between 0.0 and 1.0"):
        LendingEconomics(loss_given_default=1.5)
    with pytest.raises(InputError, match="unknown economics setting 'margin'"):
        LendingEconomics.from_mapping({"margin": 0.06})
    assert LendingEconomics.from_mapping({"horizon_months": 24}).horizon_months == 24


def test_cutoff_maximises_expected_profit_and_the_band_brackets_it():
    rng = np.random.default_rng(0)
    pd_ = rng.uniform(0.001, 0.5, 5000)
    values = economics.LoanValues(np.full(5000, 10.0), np.full(5000, 90.0), np.full(5000, 100.0))
    chosen = economics.choose_cutoff(pd_, values, LendingEconomics(refer_tolerance=0.02))
    assert chosen.cutoff == pytest.approx(0.10, abs=0.002)  # break-even PD 10 / (10 + 90)
    assert chosen.refer_low < chosen.cutoff < chosen.refer_high
    narrow = economics.choose_cutoff(pd_, values, LendingEconomics(refer_tolerance=0.0))
    assert narrow.refer_low == narrow.refer_high == narrow.cutoff


def test_master_scale_is_fixed_and_covers_floor_to_cap():
    scale = master_scale()
    assert 8 <= len(scale) <= 10 and list(scale["grade"]) == list(GRADES)
    assert scale["pd_from"].iloc[0] == PD_FLOOR and scale["pd_to"].iloc[-1] == PD_CAP
    assert (scale["pd_from"].iloc[1:].to_numpy() == scale["pd_to"].iloc[:-1].to_numpy()).all()
    assert list(grade([PD_FLOOR, 0.015, 0.05, 0.5])) == ["A", "D", "F", "I"]


def test_model_grades_do_not_move_with_the_cutoff(model):
    pds = np.array([0.001, 0.03, 0.2])
    before = model.grade(pds)
    model_cutoff = model.cutoff_
    try:
        model.cutoff_ = model_cutoff * 3
        assert list(model.grade(pds)) == list(before)
    finally:
        model.cutoff_ = model_cutoff


def test_distinct_applicants_get_distinct_pds_within_the_floor_and_cap(model, frame):
    applicants = frame.drop_duplicates(subset=model.features_).head(400)
    pds = model.predict_pd(applicants)
    assert len(np.unique(pds)) >= 395
    assert (pds >= PD_FLOOR).all() and (pds <= PD_CAP).all()


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_calibrator_is_strictly_increasing_and_floored(method):
    rng = np.random.default_rng(1)
    score = rng.normal(-2, 1.5, 20_000)
    y = (rng.random(20_000) < 1 / (1 + np.exp(-score))).astype(int)
    calibrator = Calibrator(method).fit(score, y)
    grid = np.linspace(-6, 4, 2001)
    out = calibrator.transform(grid)
    inside = (out > PD_FLOOR) & (out < PD_CAP)
    assert (np.diff(out[inside]) > 0).all() and inside.sum() > 1500
    extreme = calibrator.transform(np.array([-80.0, 80.0]))
    assert extreme[0] == PD_FLOOR and extreme[1] == PD_CAP
    # still calibrated: the mean PD matches the default rate
    assert calibrator.transform(score).mean() == pytest.approx(y.mean(), abs=0.01)


def test_portfolio_expected_loss_by_grade_and_vintage():
    frame = pd.DataFrame(
        {
            "pd": [0.01, 0.02, 0.2],
            "ead": [1000.0, 2000.0, 500.0],
            "grade": ["C", "D", "H"],
            "vintage": economics.vintage(["2025-01-15", "2025-02-01", "2025-07-01"]),
        }
    )
    view = economics.portfolio_view(frame, LendingEconomics(loss_given_default=0.5))
    by_grade = view["by_grade"].set_index("grade")
    assert by_grade.loc["D", "expected_loss"] == pytest.approx(0.02 * 0.5 * 2000)
    assert by_grade.loc["all", "expected_loss"] == pytest.approx(5 + 20 + 50)
    by_vintage = view["by_vintage"].set_index("vintage")
    assert list(by_vintage.index) == ["2025Q1", "2025Q3", "all"]
    assert by_vintage.loc["2025Q1", "exposure"] == 3000.0


def test_model_prices_each_applicant(model, frame):
    table = model.loan_economics(frame.head(50))
    assert (table["ead"] > 0).all() and (table["ead"] <= frame["loan_amount"].head(50)).all()
    expected = (1 - model.predict_pd(frame.head(50))) * table[
        "profit_if_repaid"
    ] - model.predict_pd(frame.head(50)) * table["loss_if_default"]
    np.testing.assert_allclose(table["expected_profit"], expected)
    assert "own rate" in model.policy_


def test_calibration_is_learnt_from_at_least_five_folds_even_at_cv3(frame, logistic_bank_result):
    """At cv=3 the fold models see 67 % of the rows and are less sharp than the refit: the map is
    learnt from 5 customer-grouped folds instead (the calibration back-test's cv=3 gap)."""
    from bankml.default import candidates as cands
    from bankml.default.calibration import cross_calibrated, logit
    from bankml.default.crossval import make_folds, out_of_fold

    # the run's shared train_bank_model(small bank, candidates=["logistic"], cv=3): trained on
    # these matured loans in this order
    result = logistic_bank_result
    small = frame[frame["defaulted"].notna()].reset_index(drop=True)
    assert len(small) == len(result.validation)
    y = small["defaulted"].to_numpy(int)
    folds = make_folds(y, 5, 0, small["customer_id"].to_numpy())
    candidate = next(c for c in cands.KNOWN if c.name == result.chosen)
    X = small[list(result.spec.features)]
    oof = out_of_fold(lambda: cands.pipeline(candidate, result.spec, 0), X, y, folds).proba
    expected = cross_calibrated(logit(oof), y, result.model.calibration_, folds)
    np.testing.assert_allclose(result.model.validation_pd_, expected, rtol=1e-6)
    assert result.parameters["cv"] == 3  # the comparison itself still ran on 3 folds
