"""The Parquet bank (chunked, read in place by DuckDB) and every customer's offers in one batch."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def context(segmented_bank_path):
    from bankml import recommend
    from bankml.recommend.risk import RiskView
    from bankml.segment import store

    bank = recommend.read_bank(segmented_bank_path)
    result = store.load(segmented_bank_path)  # segment_customers(bank), the run's stored fit
    # a stand-in risk view: PDs spread across the cut-off so the lending rule bites
    ids = bank.customers["customer_id"].to_numpy()
    pds = pd.Series(np.linspace(0.0, 0.3, len(ids)), index=ids)
    risk = RiskView(pds, 0.15, "test")
    return recommend.build_context(bank, segments=result.labels.map(result.names), risk=risk)


def test_batch_offers_are_the_per_customer_offers(context):
    from bankml.recommend import recommend_for_customer
    from bankml.recommend.batch import offers_for_all

    offers = offers_for_all(context, n=5)
    assert offers["customer_id"].nunique() == len(context.customer_ids)
    # every 150th customer, and customers holding nothing (the model's new-customer columns)
    empty = context.customer_ids[np.diff(context.matrix.indptr) == 0][:5]
    assert len(empty)
    for customer in np.r_[context.customer_ids[::150], empty]:
        one = recommend_for_customer(int(customer), context, n=5)
        mine = offers[offers["customer_id"] == customer]
        assert mine["product_id"].tolist() == one["product_id"].tolist()
        np.testing.assert_allclose(mine["score"], one["score"], atol=1e-5)
    lending = context.products.index[context.products["family"] == "lending"]
    risky = context.risk.pd_by_customer.index[context.risk.pd_by_customer > 0.15]
    blocked = offers[offers["customer_id"].isin(risky) & offers["product_id"].isin(lending)]
    assert blocked.empty  # no lending offer above the cut-off


@pytest.mark.slow
def test_generate_parquet_then_features_in_place(bankml_cli, tmp_path):
    lake = tmp_path / "lake"
    done = bankml_cli(
        "generate", "--format", "parquet", "--customers", "300", "--seed", "2",
        "--out", str(lake), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    meta = json.loads(done.stdout)
    assert meta["row_counts"]["customers"] == 300 and (lake / "transactions").is_dir()
    assert all(p.name.startswith("month=") for p in (lake / "transactions").iterdir())
    out = tmp_path / "features.csv"
    done = bankml_cli("features", "--db", str(lake), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 300 and frame["customer_id"].is_unique
    assert json.loads(done.stdout)["features"] == len(frame.columns) - 2
    again = bankml_cli("generate", "--format", "parquet", "--out", str(out))
    assert again.returncode == 2 and "is not a Parquet bank" in again.stderr
