"""Behavioural features: only transactions before the application, in the spec, form still works."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml import data
from bankml.default import bank_spec, loan_frame
from bankml.default.behaviour import behaviour_columns, behaviour_features
from bankml.default.features import build_schema
from bankml.default.validate import validate_applicant, validate_frame


@pytest.fixture(scope="module")
def features(small_bank_path) -> pd.DataFrame:
    return behaviour_features(small_bank_path)


def test_features_use_only_transactions_before_the_application(small_bank_path, features):
    tables = data.read_tables(["loans", "transactions"], small_bank_path)
    loans, txns = tables["loans"], tables["transactions"]
    joined = loans[["loan_id", "customer_id", "application_date"]].merge(txns, on="customer_id")
    before = joined[joined["ts"] < pd.to_datetime(joined["application_date"])]
    expected = before.groupby("loan_id")["amount"].agg(["count", "sum"])
    got = features.loc[expected.index]
    months = got["beh_history_months"].clip(lower=1)
    assert np.allclose(got["beh_txn_per_month"] * months, expected["count"])
    assert np.allclose(got["beh_avg_ticket"], expected["sum"] / expected["count"])
    # a loan with no earlier transaction has zero flows, not its later spending
    none_before = features.index.difference(expected.index)
    assert len(none_before) > 0
    assert (features.loc[none_before, "beh_txn_per_month"] == 0).all()
    # the count mix is a distribution over the categories
    mix = features[[c for c in features.columns if c.startswith("beh_mix_")]]
    assert np.allclose(mix.sum(axis=1), 1.0)
    assert len(features) == len(loans)


def test_loan_frame_and_bank_spec_carry_behaviour(small_bank_path):
    frame = loan_frame(small_bank_path)
    columns = behaviour_columns(frame.columns)
    assert "beh_mix_gambling" in columns and "beh_monthly_spend_cv" in columns
    assert frame[list(columns)].notna().all().all()
    assert not behaviour_columns(loan_frame(small_bank_path, behaviour=False).columns)
    spec = bank_spec(behaviour=columns)
    assert set(columns) <= set(spec.numeric)


def test_applicant_without_behaviour_gets_typical_values(small_bank_path):
    frame = loan_frame(small_bank_path)
    spec = bank_spec(behaviour=behaviour_columns(frame.columns))
    schema = build_schema(frame, spec)
    applicant = {k: v for k, v in schema.defaults().items() if not k.startswith("beh_")}
    applicant["credit_score"] = 701
    row = validate_applicant(applicant, schema)
    assert row.loc[0, "beh_mix_gambling"] == schema.field("beh_mix_gambling").default
    assert row.loc[0, "credit_score"] == 701
    # a known customer's own value is kept
    row = validate_applicant({**applicant, "beh_mix_gambling": 0.2}, schema)
    assert row.loc[0, "beh_mix_gambling"] == 0.2
    # a batch of application columns only is scored, not refused
    batch = frame[[c for c in spec.features if not c.startswith("beh_")]].head(20)
    report = validate_frame(batch, schema)
    assert len(report.valid) == 20
