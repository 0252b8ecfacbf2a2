"""Segmentation on a seeded synthetic bank: recovers the hidden segments, profiles and assignment."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from bankml import data
from bankml.errors import InputError
from bankml.segment import (
    ari_against_truth,
    assign,
    assign_new_customer,
    customer_features,
    new_customer_row,
    segment_customers,
    segment_labels,
    store,
)
from bankml.segment.features import categories_of

TRUE_K = 7  # segments in the generator


@pytest.fixture(scope="module")
def result(segmented_bank_path):
    """`segment_customers(small bank, k="auto", random_state=0)`: the run's one stored fit."""
    from bankml.segment import SegmentResult

    stored = store.load(segmented_bank_path)
    assert isinstance(stored, SegmentResult)
    return stored


@pytest.fixture(scope="module")
def features(small_bank_path):
    return customer_features(small_bank_path)


@pytest.fixture(scope="module")
def yardsticks(result, features, small_bank_path):
    """Issue 20's yardsticks on the test bank: the supervised ceiling (cross-validated LR/HGB on
    every feature the segmenter is offered) and plain KMeans at the chosen k, evaluation only."""
    from threadpoolctl import threadpool_limits

    from bankml.bench.segment import baseline_aris, ceiling_features, supervised_ceiling

    truth = data.read_table("truth_segments", small_bank_path, ["customer_id", "segment"])
    truth = truth.set_index("customer_id")["segment"].reindex(features.index).to_numpy()
    Z = result.model.transform(features)
    with threadpool_limits(limits=1):
        accuracy, ceiling_ari = supervised_ceiling(ceiling_features(features), truth)
        plain = baseline_aris(features, Z, result.k, truth)["kmeans_ari"]
    return {"accuracy": accuracy, "ceiling_ari": ceiling_ari, "kmeans_ari": plain}


@pytest.mark.slow  # the supervised ceiling and plain KMeans yardsticks: 8 s of CPU
def test_auto_k_recovers_the_hidden_segments(result, small_bank_path, yardsticks):
    # generator 2.0 overlaps the segments: no absolute bar, the targets relative to the
    # best possible on the same features. They apply where the ceiling's accuracy >= 0.85, which
    # holds on this bank (measured 0.853; a generator change that breaks it must be looked at).
    assert yardsticks["accuracy"] >= 0.85
    assert abs(result.k - TRUE_K) <= 1  # measured k=7
    ari = ari_against_truth(result, small_bank_path)
    # The bar: 0.85x the ceiling. Measured 0.635 against 0.685 (0.93x) with the trimmed
    # centres (0.624, 0.91x, with KMeans' own centres; 0.539, 0.79x, when the rule still took k=6).
    assert ari >= 0.85 * yardsticks["ceiling_ari"]
    assert ari >= yardsticks["kmeans_ari"]  # measured 0.537 for plain KMeans at k=7


def test_the_sweep_table_carries_the_evidence_for_k(result):
    scores = result.k_scores
    assert scores.loc[scores["chosen"]].index[0] == result.k
    assert set(scores.columns) >= {"inertia", "silhouette", "gap", "gap_se", "stability"}
    assert scores.loc[result.k, "stability"] >= 0.5
    assert f"k={result.k}" in result.choice.reason


def test_shared_features_agree_with_the_raw_tables(features, small_bank):
    txns = small_bank["transactions"]
    counts = txns.groupby("customer_id").size()
    pd.testing.assert_series_equal(
        features["txn_count"].loc[counts.index], counts.astype(float), check_names=False
    )
    spend = txns.groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(features["total_spend"].loc[spend.index], spend, rtol=1e-9)
    # the count mix is shrunk towards the bank's mix by one pseudo-transaction per category
    categories = categories_of(features)
    bank_mix = txns["category"].value_counts(normalize=True)
    customer = counts.index[0]
    own = txns[txns["customer_id"] == customer]["category"].value_counts()
    c = categories[0]
    expected = (own.get(c, 0) + len(categories) * bank_mix[c]) / (
        counts[customer] + len(categories)
    )
    assert features.loc[customer, f"mix_{c}"] == pytest.approx(expected)
    # monthly volatility counts months without spending as zero
    window = features.attrs["window_months"]
    own_txns = txns[txns["customer_id"] == customer]
    sums = own_txns.groupby(own_txns["ts"].dt.to_period("M"))["amount"].sum()
    padded = np.concatenate([sums.to_numpy(), np.zeros(int(window) - len(sums))])
    assert features.loc[customer, "monthly_spend_std"] == pytest.approx(padded.std(), rel=1e-6)


def test_an_implausible_customer_is_assigned_with_warnings_margin_and_traits(result):
    found = assign_new_customer(
        result,
        age=18,
        annual_income=9_000_000,
        dependents=12,
        transactions_per_month=900,
        average_ticket=80,
        digital_share=0.5,
        spend_mix={"groceries": 1},
        n_products=3,
    )
    assert len(found.warnings) >= 3
    assert any("12 dependents" in w for w in found.warnings)
    assert found.runner_up is not None and found.runner_up != found.segment
    assert 0 <= found.margin <= 1 and found.confidence in {"high", "medium", "low"}
    assert 1 <= len(found.traits) <= 3


def test_a_typical_customer_is_assigned_confidently_without_warnings(result, features):
    customer = features.iloc[17]
    found = assign_new_customer(
        result,
        age=customer["age"],
        annual_income=customer["annual_income"],
        dependents=int(customer["dependents"]),
        transactions_per_month=customer["txn_count"] / result.window_months,
        average_ticket=customer["avg_ticket"],
        digital_share=customer["digital_share"],
        spend_mix={c: customer[f"mix_{c}"] for c in categories_of(features)},
        n_products=int(customer["n_products"]),
    )
    assert found.warnings == []
    assert found.segment == result.labels.iloc[17]
    assert found.name == result.profiles.loc[found.segment, "name"]
    assert found.margin > 0


def test_stored_fit_is_read_instead_of_refitting(small_bank, tmp_path, monkeypatch, result):
    path = tmp_path / "bank.duckdb"
    data.write_tables(dict(small_bank), path)
    fits = []  # precompute's fit is the run's stored one (same bank): its writing is tested here
    monkeypatch.setattr(
        "bankml.segment.segment_customers", lambda *a, **kw: fits.append(kw.get("k")) or result
    )
    written = store.precompute(path)
    assert written is not None and written.is_file()
    assert fits == ["auto"]

    def no_fitting(*args, **kwargs):
        raise AssertionError("fitted although a stored fit exists")

    monkeypatch.setattr("bankml.segment.segment_customers", no_fitting)
    stored = store.stored_or_fit(path, "auto")
    assert stored.k == result.k
    pd.testing.assert_series_equal(stored.labels, result.labels)


def test_a_stored_fit_of_another_bank_is_ignored(small_bank, tmp_path):
    path = tmp_path / "bank.duckdb"
    data.write_tables(dict(small_bank), path)
    stale = store.stored_path(path, "0" * 64)
    stale.write_bytes(b"not a pickle of this bank")
    assert store.load(path) is None
    damaged = store.stored_path(path, data.bank_info(path).content_hash)
    damaged.write_bytes(b"garbage")
    assert store.load(path) is None  # a damaged file is refitted, never trusted


def test_profiles_sum_to_the_population(result, features):
    assert result.profiles["size"].sum() == len(features)
    assert result.profiles["share"].sum() == pytest.approx(1.0)
    assert len(result.labels) == len(features)
    counts = result.labels.value_counts().sort_index()
    np.testing.assert_array_equal(counts.to_numpy(), result.profiles["size"].to_numpy())


def test_names_differ_and_traits_are_present(result):
    assert result.profiles["name"].is_unique
    assert result.profiles["name"].str.len().min() > 5
    assert result.profiles["traits"].str.contains("sd").all()


def test_profiles_carry_products_and_default_rates(result, small_bank_path):
    loans = data.read_table("loans", small_bank_path, ["customer_id", "defaulted"])
    loans = loans.dropna(subset=["defaulted"])  # immature loans have no outcome yet
    assert result.profiles["loans"].sum() == len(loans)
    overall = (result.profiles["default_rate"] * result.profiles["loans"]).sum() / len(loans)
    assert overall == pytest.approx(loans["defaulted"].mean())
    assert result.profiles["top_products"].notna().all()


def test_feature_profile_std_diff_has_the_right_sign(result, features):
    long = result.feature_profile
    oldest = long[long["feature"] == "age"].set_index("segment")["mean"].idxmax()
    row = long[(long["feature"] == "age") & (long["segment"] == oldest)].iloc[0]
    assert row["mean"] > features["age"].mean() and row["std_diff"] > 0.5


def test_assigning_training_customers_returns_their_own_labels(result, features):
    rows = features.sample(300, random_state=1)
    assigned = assign(result, rows)
    pd.testing.assert_series_equal(assigned, result.labels.loc[rows.index], check_names=False)


def test_form_row_from_a_customer_is_assigned_to_that_customers_segment(result, features):
    customer = features.iloc[17]
    mix = {c: customer[f"mix_{c}"] for c in categories_of(features)}
    row = new_customer_row(
        result,
        age=customer["age"],
        annual_income=customer["annual_income"],
        dependents=int(customer["dependents"]),
        transactions_per_month=customer["txn_count"] / result.window_months,
        average_ticket=customer["avg_ticket"],
        digital_share=customer["digital_share"],
        spend_mix=mix,
        n_products=int(customer["n_products"]),
    )
    assert assign(result, row).iloc[0] == result.labels.iloc[17]


def test_form_row_rejects_out_of_range_values(result):
    args = dict(
        age=40,
        annual_income=50_000,
        dependents=1,
        transactions_per_month=3,
        average_ticket=60,
        digital_share=0.5,
        spend_mix={"groceries": 1},
        n_products=2,
    )
    new_customer_row(result, **args)
    with pytest.raises(InputError, match="age=250"):
        new_customer_row(result, **{**args, "age": 250})
    with pytest.raises(InputError, match="digital_share=1.5"):
        new_customer_row(result, **{**args, "digital_share": 1.5})
    with pytest.raises(InputError, match="spend category 'yachts'"):
        new_customer_row(result, **{**args, "spend_mix": {"yachts": 1}})


def test_stability_between_seeds(result):
    # generator 2.0's overlapping segments: fits on two halves agreed at ARI 0.848 here; with the
    # savings events and fragility columns left out of the fit (session 5) 0.751 (0.9 was the old,
    # separable bank's bar); well above the rule's reproducibility floor of 0.5
    assert result.stability_ari >= 0.7


def test_refit_with_previous_keeps_segment_ids(result, small_bank_path):
    refit = segment_customers(small_bank_path, k=result.k, random_state=5, previous=result)
    agreement = (refit.labels == result.labels).mean()
    assert agreement > 0.95
    same_ids = refit.profiles["name"].reindex(result.profiles.index)
    assert (same_ids == result.profiles["name"]).mean() >= 0.7


def test_projection_is_a_sample_with_explained_variance(result):
    assert len(result.projection) == len(result.labels)  # 3,000 < the 5,000 sample cap
    assert 0.1 < sum(result.explained_variance) < 1.0
    assert result.projection["name"].notna().all()


def test_model_never_needs_truth_tables(small_bank, tmp_path, result):
    plain = {name: frame for name, frame in small_bank.items() if not name.startswith("truth_")}
    path = tmp_path / "plain.duckdb"
    data.write_tables(plain, path)
    labels = segment_labels(path, k=result.k)
    assert adjusted_rand_score(labels, result.labels) == pytest.approx(1.0)


def test_bank_without_transactions_is_a_clear_error(small_bank, tmp_path):
    tables = dict(small_bank)
    tables["transactions"] = small_bank["transactions"].iloc[:0]
    path = tmp_path / "empty.duckdb"
    data.write_tables(tables, path)
    with pytest.raises(InputError, match="no transactions"):
        segment_customers(path)


def _cli_in_process(argv: list[str]) -> int:
    """`bankml` run through `bankml.cli.main` in this process: its exit code, argparse's too."""
    from bankml.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_cli_segment_in_process(small_bank_path, capsys):
    """`bankml segment` in this process: k, names and the ARI of the same fit, and a bad --k in
    one line (the subprocess runs below are the slow tier's)."""
    assert _cli_in_process(["segment", "--db", str(small_bank_path), "--k", "7", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["k"] == 7 and len(payload["segments"]) == 7
    fixed = segment_customers(small_bank_path, k=7, random_state=0)
    assert payload["ari_vs_truth"] == pytest.approx(ari_against_truth(fixed, small_bank_path))
    assert sum(s["size"] for s in payload["segments"]) == 3_000
    for k in ("21", "many"):
        assert _cli_in_process(["segment", "--db", str(small_bank_path), "--k", k]) == 2
        err = capsys.readouterr().err
        assert "--k" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    features = ["segment", "--db", str(small_bank_path), "--features", "f.parquet"]
    assert _cli_in_process(features) == 2
    err = capsys.readouterr().err
    assert "--features needs --engine spark" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # an interpreter start-up: test_cli_segment_in_process keeps this fast
def test_cli_prints_k_names_and_ari(bankml_cli, small_bank_path):
    done = bankml_cli("segment", "--db", str(small_bank_path), "--k", "7", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["k"] == 7 and len(payload["segments"]) == 7
    # the printed ARI is the one of the same fit in process; the quality targets relative to the
    # ceiling are checked at the automatic k (test_auto_k_recovers_the_hidden_segments)
    fixed = segment_customers(small_bank_path, k=7, random_state=0)
    assert payload["ari_vs_truth"] == pytest.approx(ari_against_truth(fixed, small_bank_path))
    assert sum(s["size"] for s in payload["segments"]) == 3_000


@pytest.mark.slow  # an interpreter start-up each: test_cli_segment_in_process keeps this fast
@pytest.mark.parametrize("k", ["21", "many"])
def test_cli_bad_k_is_one_line_exit_2(bankml_cli, small_bank_path, k):
    done = bankml_cli("segment", "--db", str(small_bank_path), "--k", k)
    assert done.returncode == 2
    assert "--k" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_and_sentinel_incomes_get_the_banks_median(small_bank, tmp_path):
    # a real extract (synth's defects mode): missing incomes and the 99,999,999 sentinel must not
    # stop segmentation nor pass as incomes; they take the median of the valid incomes
    customers = small_bank["customers"].copy()
    customers["annual_income"] = customers["annual_income"].astype(float)
    broken = customers["customer_id"].iloc[:3].to_numpy()
    customers.loc[customers.index[:3], "annual_income"] = [np.nan, 99_999_999.0, -5.0]
    path = tmp_path / "defects.duckdb"
    data.write_tables({**small_bank, "customers": customers}, path)
    found = customer_features(path)
    median = customers["annual_income"].iloc[3:].median()
    np.testing.assert_allclose(found.loc[broken, "annual_income"], median)
    kept = customers.set_index("customer_id")["annual_income"].iloc[3:]
    np.testing.assert_allclose(found.loc[kept.index, "annual_income"], kept)
    assert np.isfinite(found["annual_income"]).all()
