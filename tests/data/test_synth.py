"""The synthetic bank: schema, ranges, integrity, determinism and the ground truth's properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from synth import BankParams, ParameterError, generate, rank_auc
from synth import catalogue as cat

EXPECTED_COLUMNS = {
    "customers": [
        "customer_id", "name", "email", "city", "age", "gender", "marital_status", "education",
        "employment_status", "occupation", "years_employed", "annual_income", "credit_score",
        "home_ownership", "dependents", "tenure_months",
    ],
    "loans": [
        "loan_id", "customer_id", "application_date", "loan_amount", "term_months", "interest_rate",
        "purpose", "debt_to_income", "credit_utilization", "open_credit_lines", "delinquencies_2y",
        "previous_defaults", "defaulted",
    ],
    "transactions": ["txn_id", "customer_id", "ts", "amount", "category", "channel", "merchant"],
    "products": ["product_id", "name", "family"],
    "holdings": ["customer_id", "product_id", "opened_date"],
    "truth_loans": ["loan_id", "pd"],
    "truth_segments": ["customer_id", "segment"],
    "truth_affinity": ["segment", "product_id", "propensity"],
}  # fmt: skip


@pytest.fixture(scope="module")
def bank():
    return generate(BankParams(customers=4_000, seed=11))


@pytest.mark.parametrize("table", sorted(EXPECTED_COLUMNS))
def test_every_table_has_its_contract_columns(bank, table):
    frame = bank.tables[table]
    assert set(EXPECTED_COLUMNS[table]) <= set(frame.columns)
    assert len(frame) > 0


def test_dtypes(bank):
    customers, loans, txns = (bank.tables[t] for t in ("customers", "loans", "transactions"))
    for column in ("customer_id", "age", "credit_score", "dependents", "tenure_months"):
        assert customers[column].dtype == np.int64, column
    for column in ("annual_income", "years_employed"):
        assert customers[column].dtype == np.float64, column
    assert loans["defaulted"].dtype == np.int64
    assert set(loans["defaulted"].unique()) <= {0, 1}
    assert pd.api.types.is_datetime64_any_dtype(loans["application_date"])
    assert pd.api.types.is_datetime64_any_dtype(txns["ts"])


def test_value_ranges(bank):
    customers, loans, txns = (bank.tables[t] for t in ("customers", "loans", "transactions"))
    assert customers["age"].between(18, 100).all()
    assert customers["credit_score"].between(300, 850).all()
    assert (customers["annual_income"] > 0).all()
    assert (customers["years_employed"] <= customers["age"] - 17).all()
    assert (loans["loan_amount"] > 0).all()
    assert loans["interest_rate"].between(0, 30).all()
    assert loans["credit_utilization"].between(0, 1).all()
    assert (txns["amount"] > 0).all()
    assert 15 <= len(bank.tables["products"]) <= 25
    assert set(bank.tables["products"]["family"]) == set(cat.PRODUCT_FAMILIES)


def test_referential_integrity(bank):
    customer_ids = set(bank.tables["customers"]["customer_id"])
    product_ids = set(bank.tables["products"]["product_id"])
    for table in ("loans", "transactions", "holdings"):
        assert set(bank.tables[table]["customer_id"]) <= customer_ids, table
    assert set(bank.tables["holdings"]["product_id"]) <= product_ids
    assert set(bank.tables["truth_loans"]["loan_id"]) == set(bank.tables["loans"]["loan_id"])
    assert not bank.tables["holdings"].duplicated(["customer_id", "product_id"]).any()
    assert bank.tables["customers"]["customer_id"].is_unique


def test_same_seed_same_hash_other_seed_other_hash():
    first = generate(BankParams(customers=500, seed=3))
    second = generate(BankParams(customers=500, seed=3))
    other = generate(BankParams(customers=500, seed=4))
    assert first.content_hash == second.content_hash
    assert first.content_hash != other.content_hash
    pd.testing.assert_frame_equal(first.tables["transactions"], second.tables["transactions"])


@pytest.mark.parametrize("target", [0.02, 0.10, 0.30])
def test_realised_default_rate_matches_target(target):
    bank = generate(BankParams(customers=50_000, seed=5, default_rate=target, txn_per_customer=1))
    realised = bank.tables["loans"]["defaulted"].mean()
    assert abs(realised - target) <= 0.015
    assert abs(bank.tables["truth_loans"]["pd"].mean() - target) < 0.002


def test_oracle_auc_is_realistic_with_defaults():
    bank = generate(BankParams(customers=30_000, seed=42, txn_per_customer=1))
    auc = roc_auc_score(bank.tables["loans"]["defaulted"], bank.tables["truth_loans"]["pd"])
    assert 0.80 <= auc <= 0.90
    assert abs(auc - float(bank.meta["oracle_auc"].iloc[0])) < 1e-9


def test_rank_auc_matches_sklearn():
    rng = np.random.default_rng(0)
    score = rng.random(500)
    label = rng.random(500) < score
    assert rank_auc(score, label) == pytest.approx(roc_auc_score(label, score))


def test_true_risk_rises_with_debt_to_income(bank):
    loans = bank.tables["loans"].merge(bank.tables["truth_loans"], on="loan_id")
    customers = bank.tables["customers"].assign(
        customer_idx=np.arange(len(bank.tables["customers"]))
    )
    from synth.generator import true_pd_score

    frame = loans.merge(
        customers[["customer_id", "customer_idx", "credit_score", "annual_income"]],
        on="customer_id",
    )
    frame["loan_to_income"] = frame["loan_amount"] / frame["annual_income"]
    low = true_pd_score(frame.assign(debt_to_income=0.1), customers)
    high = true_pd_score(frame.assign(debt_to_income=0.6), customers)
    assert (high > low).all()
    by_decile = loans.groupby(pd.qcut(loans["debt_to_income"], 5), observed=True)["pd"].mean()
    assert by_decile.is_monotonic_increasing


def test_protected_attributes_carry_no_weight_in_the_truth(bank):
    customers = bank.tables["customers"].assign(
        customer_idx=np.arange(len(bank.tables["customers"]))
    )
    loans = bank.tables["loans"].merge(
        customers[["customer_id", "customer_idx", "credit_score", "annual_income"]],
        on="customer_id",
    )
    loans["loan_to_income"] = loans["loan_amount"] / loans["annual_income"]
    from synth.generator import true_pd_score

    shuffled = customers.copy()
    rng = np.random.default_rng(0)
    for column in ("gender", "marital_status", "age"):
        shuffled[column] = rng.permutation(shuffled[column].to_numpy())
    np.testing.assert_array_equal(true_pd_score(loans, customers), true_pd_score(loans, shuffled))


def test_no_single_column_gives_the_segment_away(bank):
    customers = bank.tables["customers"].merge(bank.tables["truth_segments"], on="customer_id")
    for column in ("age", "annual_income", "education", "employment_status", "occupation", "city"):
        binned = (
            pd.qcut(customers[column], 10, duplicates="drop")
            if customers[column].dtype.kind in "if"
            else customers[column]
        )
        purity = customers.groupby(binned, observed=True)["segment"].agg(
            lambda s: s.value_counts(normalize=True).iloc[0]
        )
        weights = customers.groupby(binned, observed=True).size() / len(customers)
        assert (purity * weights).sum() < 0.75, column


def test_segments_drive_spending_mix(bank):
    txns = bank.tables["transactions"].merge(bank.tables["truth_segments"], on="customer_id")
    share = pd.crosstab(txns["segment"], txns["category"], normalize="index")
    assert share.loc[4, "health"] > 2 * share.loc[0, "health"]  # retirees vs students
    assert share.loc[6, "business"] > 3 * share.drop(index=6)["business"].max() / 2


def test_transactions_are_seasonal(bank):
    txns = bank.tables["transactions"]
    months = txns["ts"].dt.month
    december = (months == 12).mean()
    march = (months == 3).mean()
    assert december > march * 1.15
    travel = txns[txns["category"] == "travel"]["ts"].dt.month
    assert travel.isin([6, 7, 8]).mean() > 0.35


def test_income_rises_with_education(bank):
    medians = bank.tables["customers"].groupby("education", observed=True)["annual_income"].median()
    assert medians["doctorate"] > medians["high_school"]


def test_credit_score_falls_with_delinquencies(bank):
    customers = bank.tables["customers"]
    clean = customers.loc[customers["delinquencies_2y"] == 0, "credit_score"].mean()
    delinquent = customers.loc[customers["delinquencies_2y"] >= 2, "credit_score"].mean()
    assert delinquent < clean - 40


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "en_GB"])
def test_locales_generate(locale):
    bank = generate(BankParams(customers=300, seed=1, locale=locale))
    assert bank.tables["customers"]["name"].str.len().gt(3).all()
    assert bank.tables["customers"]["email"].str.contains("@").all()


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"customers": 50}, "customers=50 is out of range"),
        ({"default_rate": 0.7}, "default_rate=0.7 is out of range"),
        ({"default_rate": 0.001}, "allowed 0.005..0.5"),
        ({"locale": "xx_XX"}, "locale='xx_XX' is not supported"),
        ({"end_date": "2024-01-10"}, "at least 60 days"),
    ],
)
def test_bad_parameters_name_the_problem(overrides, fragment):
    with pytest.raises(ParameterError, match=fragment):
        BankParams(**overrides).validate()
