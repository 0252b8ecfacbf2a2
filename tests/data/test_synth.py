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
    "applications": [
        "application_id", "customer_id", "application_date", "loan_amount", "term_months",
        "interest_rate", "purpose", "debt_to_income", "credit_utilization", "open_credit_lines",
        "delinquencies_2y", "previous_defaults", "policy_score", "decision", "decline_reason",
    ],
    "loans": [
        "loan_id", "customer_id", "application_date", "loan_amount", "term_months", "interest_rate",
        "purpose", "debt_to_income", "credit_utilization", "open_credit_lines", "delinquencies_2y",
        "previous_defaults", "defaulted", "is_mature", "outcome_status", "default_month",
    ],
    "macro": ["month", "unemployment_rate", "policy_rate"],
    "truth_applications": ["application_id", "pd"],
    "truth_propensity": ["customer_id", "product_id", "p", "p_next"],
    "transactions": ["txn_id", "customer_id", "ts", "amount", "category", "channel", "merchant"],
    "products": ["product_id", "name", "family"],
    "holdings": ["customer_id", "product_id", "opened_date"],
    "truth_loans": ["loan_id", "pd", "outcome", "default_month"],
    "truth_segments": ["customer_id", "segment", "second_segment", "blend_weight", "resilience"],
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
    assert loans["defaulted"].dtype == "Int64"
    assert set(loans["defaulted"].dropna().unique()) <= {0, 1}
    # immature loans (opened within one horizon of the end date) and only they have no outcome
    assert (loans["defaulted"].isna() == ~loans["is_mature"]).all()
    assert (loans["outcome_status"].astype(str).eq("immature") == ~loans["is_mature"]).all()
    assert (loans["default_month"].notna() == loans["defaulted"].eq(1).fillna(False)).all()
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
    assert loans["default_month"].dropna().between(1, 12).all()
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
    apps = bank.tables["applications"]
    approved = set(apps.loc[apps["decision"] == "approved", "application_id"])
    assert (
        set(bank.tables["loans"]["loan_id"]) == approved
    )  # a booked loan keeps its application id
    assert set(bank.tables["truth_applications"]["application_id"]) == set(apps["application_id"])
    assert apps.loc[apps["decision"] == "declined", "decline_reason"].notna().all()
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
def test_default_rate_matches_target_on_booked_loans(target):
    bank = generate(BankParams(customers=30_000, seed=5, default_rate=target, txn_per_customer=1))
    assert abs(bank.tables["truth_loans"]["pd"].mean() - target) < 0.002
    realised = bank.tables["loans"]["defaulted"].mean()  # matured loans only: the cycle moves it
    assert abs(realised - target) <= max(0.35 * target, 0.015)


def test_oracle_auc_is_realistic_and_reported_on_matured_loans():
    bank = generate(BankParams(customers=20_000, seed=42, txn_per_customer=1))
    loans = bank.tables["loans"].merge(bank.tables["truth_loans"], on="loan_id")
    matured = loans[loans["is_mature"]]
    auc = roc_auc_score(matured["defaulted"].astype(int), matured["pd"])
    assert 0.72 <= auc <= 0.90
    assert abs(auc - float(bank.meta["oracle_auc"].iloc[0])) < 1e-9


def test_time_policy_and_maturity_at_the_defaults():
    bank = generate(BankParams(customers=20_000, seed=42, txn_per_customer=1))
    meta = bank.meta.iloc[0]
    assert 0.10 <= meta["declined_share"] <= 0.30
    assert 0.25 <= meta["immature_share"] <= 0.45  # 12 of 36 months, later joiners apply later
    assert meta["quarterly_default_max"] / meta["quarterly_default_min"] >= 1.5
    assert len(bank.tables["macro"]) == 36
    # the policy declined the riskier applicants: their true PD is higher
    apps = bank.tables["applications"].merge(bank.tables["truth_applications"], on="application_id")
    by_decision = apps.groupby(apps["decision"].astype(str))["pd"].mean()
    assert by_decision["declined"] > 1.5 * by_decision["approved"]
    # vintage curves are derivable: defaults spread over the months on book
    months = bank.tables["loans"]["default_month"].dropna()
    assert months.nunique() >= 10


def test_no_value_piles_up_on_a_floor_or_cap():
    bank = generate(BankParams(customers=20_000, seed=3, txn_per_customer=5))
    checks = {
        "customers": ("age", "annual_income", "credit_score", "tenure_months"),
        "applications": ("loan_amount", "interest_rate", "debt_to_income", "credit_utilization"),
        "transactions": ("amount",),
    }
    for table, columns in checks.items():
        for column in columns:
            values = bank.tables[table][column]
            for edge in (values.min(), values.max()):
                assert (values == edge).mean() <= 0.005, (table, column, edge)
    customers = bank.tables["customers"]
    assert customers["annual_income"].quantile(0.01) >= 8_000
    assert customers["credit_score"].between(300, 850).all()


def test_rank_auc_matches_sklearn():
    rng = np.random.default_rng(0)
    score = rng.random(500)
    label = rng.random(500) < score
    assert rank_auc(score, label) == pytest.approx(roc_auc_score(label, score))


def _truth_frame(bank):
    loans = bank.tables["loans"].merge(bank.tables["truth_loans"], on="loan_id")
    customers = bank.tables["customers"].drop(columns=["delinquencies_2y", "previous_defaults"])
    frame = loans.merge(customers, on="customer_id").merge(
        bank.tables["truth_segments"][["customer_id", "resilience"]], on="customer_id"
    )
    frame["loan_to_income"] = frame["loan_amount"] / frame["annual_income"]
    return frame.assign(macro_shift=0.0)


def test_true_risk_rises_with_debt_to_income_and_falls_with_resilience(bank):
    from synth.lending import true_pd_score

    frame = _truth_frame(bank)
    low = true_pd_score(frame.assign(debt_to_income=0.1))
    high = true_pd_score(frame.assign(debt_to_income=0.6))
    assert (high > low).all()
    assert (
        true_pd_score(frame.assign(resilience=-1.0)) > true_pd_score(frame.assign(resilience=1.0))
    ).all()
    by_decile = frame.groupby(pd.qcut(frame["debt_to_income"], 5), observed=True)["pd"].mean()
    assert by_decile.is_monotonic_increasing


def test_protected_attributes_carry_no_weight_in_the_truth(bank):
    from synth.lending import true_pd_score

    frame = _truth_frame(bank)
    shuffled = frame.copy()
    rng = np.random.default_rng(0)
    for column in ("gender", "marital_status", "age"):
        shuffled[column] = rng.permutation(shuffled[column].to_numpy())
    np.testing.assert_array_equal(true_pd_score(frame), true_pd_score(shuffled))


def test_behaviour_shows_fragility(bank):
    txns = bank.tables["transactions"]
    truth = bank.tables["truth_segments"].set_index("customer_id")["resilience"]
    share = pd.crosstab(
        txns["customer_id"], txns["category"].isin(["gambling", "fees"]), normalize="index"
    )[True]
    fragile = share.reindex(truth.index).fillna(0)[truth < -1].mean()
    resilient = share.reindex(truth.index).fillna(0)[truth > 1].mean()
    assert fragile > 4 * resilient
    assert txns["category"].isin(["gambling", "fees"]).mean() < 0.15  # plausible, not dominant


def test_savings_transfers_rise_with_resilience(bank):
    """The resilient end is visible too: fragility events are all zero there, savings are not."""
    txns = bank.tables["transactions"]
    truth = bank.tables["truth_segments"].set_index("customer_id")["resilience"]
    share = pd.crosstab(txns["customer_id"], txns["category"] == "savings", normalize="index")[True]
    share = share.reindex(truth.index).fillna(0)
    assert share[truth > 1].mean() > 2 * share[truth.between(-0.5, 0.5)].mean()
    assert share[truth.between(-0.5, 0.5)].mean() > 2 * share[truth < -1].mean()
    assert (txns["category"] == "savings").mean() < 0.12


def test_holdings_have_a_history_and_a_per_customer_oracle(bank):
    holdings = bank.tables["holdings"]
    first = holdings.groupby("customer_id")["opened_date"].transform("min")
    assert (holdings["opened_date"] >= first).all()
    assert holdings.groupby("customer_id")["opened_date"].nunique().mean() > 2
    prop = bank.tables["truth_propensity"]
    assert np.allclose(prop.groupby("customer_id")["p"].sum(), 1.0)
    assert np.allclose(prop.groupby("customer_id")["p_next"].sum(), 1.0)
    held = prop.merge(holdings, on=["customer_id", "product_id"])
    assert len(held) == len(holdings) and (held["p_next"] == 0).all()  # next: only unheld products
    assert (held["p"] > 0).all()  # every product, held ones too, has a true propensity
    # propensities differ within a segment: the oracle is per customer, not per segment
    seg = prop.merge(bank.tables["truth_segments"][["customer_id", "segment"]], on="customer_id")
    assert seg.groupby(["segment", "product_id"])["p"].std().median() > 0.01


def test_defects_mode_injects_what_real_extracts_have():
    clean = generate(BankParams(customers=3_000, seed=4, txn_per_customer=5))
    dirty = generate(BankParams(customers=3_000, seed=4, txn_per_customer=5, defects=True))
    c, d = clean.tables["customers"], dirty.tables["customers"]
    assert c["annual_income"].notna().all() and d["annual_income"].isna().mean() > 0.01
    assert (d["annual_income"] == 99_999_999).any() and (d["years_employed"] == -999).any()
    assert (d["credit_score"] < 100).mean() > 0.005  # a slice on the wrong scale
    assert (dirty.tables["loans"]["debt_to_income"] == -999).any()
    assert dirty.tables["loans"]["loan_id"].duplicated().any()
    assert not clean.tables["loans"]["loan_id"].duplicated().any()
    assert dirty.tables["transactions"]["txn_id"].duplicated().any()
    assert clean.content_hash != dirty.content_hash
    # truth keeps the clean values
    assert clean.tables["truth_loans"].equals(dirty.tables["truth_loans"])


def test_scenarios_are_valid_and_split_into_choose_and_report():
    from synth import SCENARIOS, scenario

    roles = {s.role for s in SCENARIOS.values()}
    assert roles == {"choose", "report"}
    for name in SCENARIOS:
        assert scenario(name).params().customers >= 100
    with pytest.raises(ParameterError, match="not known"):
        scenario("nope")


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
        ({"end_date": "2023-01-10"}, "at least 60 days"),
        ({"horizon_months": 0}, "horizon_months=0 is out of range"),
        ({"decline_rate": 0.9}, "decline_rate=0.9 is out of range"),
        ({"segment_overlap": 1.5}, "segment_overlap=1.5 is out of range"),
    ],
)
def test_bad_parameters_name_the_problem(overrides, fragment):
    with pytest.raises(ParameterError, match=fragment):
        BankParams(**overrides).validate()
