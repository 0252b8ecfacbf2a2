"""Macro features: the application month's unemployment and policy rate join every loan, enter
the bank's spec, and a batch without them is scored in the training period's typical economy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml import data
from bankml.default import loan_frame
from bankml.default.features import build_schema
from bankml.default.macro import join_macro, macro_columns, macro_table
from bankml.default.reject import application_frame
from bankml.default.training import resolve_spec
from bankml.default.validate import typical_behaviour, validate_frame


def test_each_loan_gets_the_macro_values_of_its_application_month(small_bank_path):
    frame = loan_frame(small_bank_path)
    raw = data.read_table("macro", small_bank_path)
    month = pd.to_datetime(frame["application_date"]).dt.to_period("M").dt.to_timestamp()
    expected = raw.assign(month=pd.to_datetime(raw["month"])).set_index("month")
    assert np.allclose(
        frame["macro_unemployment_rate"], expected.loc[month, "unemployment_rate"].to_numpy()
    )
    assert np.allclose(frame["macro_policy_rate"], expected.loc[month, "policy_rate"].to_numpy())
    # the economy moves: loans of different months see different values
    assert frame["macro_unemployment_rate"].nunique() > 6
    # declined applications are described the same way (reject inference scores them)
    apps = application_frame(small_bank_path)
    assert set(macro_columns(apps.columns)) == {"macro_unemployment_rate", "macro_policy_rate"}


def test_dates_outside_the_series_take_its_nearest_end():
    table = pd.DataFrame(
        {"macro_unemployment_rate": [4.0, 5.0, 6.0]},
        index=pd.DatetimeIndex(["2024-01-01", "2024-02-01", "2024-03-01"], name="month"),
    )
    rows = pd.DataFrame(
        {"application_date": ["2023-06-30", "2024-02-29", "2024-03-01", "2026-01-09"]}
    )
    out = join_macro(rows, table, "application_date")
    assert out["macro_unemployment_rate"].tolist() == [4.0, 5.0, 6.0, 6.0]
    # no series (a bank without the table) leaves the rows as they are
    empty = pd.DataFrame(index=pd.DatetimeIndex([], name="month"))
    assert join_macro(rows, empty, "application_date").equals(rows)


def test_macro_columns_are_inputs_and_a_batch_without_them_is_filled(small_bank_path):
    frame = loan_frame(small_bank_path)
    assert not macro_table(small_bank_path).empty
    _, spec = resolve_spec(frame, "defaulted", None, False)
    assert {"macro_unemployment_rate", "macro_policy_rate"} <= set(spec.numeric)
    schema = build_schema(frame[spec.features], spec)
    batch = frame[spec.features].head(20).drop(columns=["macro_unemployment_rate"])
    fill = typical_behaviour(schema, list(batch.columns))
    median = float(frame["macro_unemployment_rate"].median())
    assert fill["macro_unemployment_rate"] == min(max(median, 0.0), 50.0)
    report = validate_frame(batch, schema)
    assert len(report.valid) == 20
    # an impossible rate is refused, naming the column
    bad = frame[spec.features].head(3).assign(macro_unemployment_rate=[5.0, -1.0, 80.0])
    problems = validate_frame(bad, schema).errors
    assert set(problems["column"]) == {"macro_unemployment_rate"}
