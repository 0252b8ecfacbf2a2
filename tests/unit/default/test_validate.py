"""bankml.default.validate: every bad row named, good rows kept in order, the form path strict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from bankml.default.schema import CategoricalField, FeatureSchema, NumericField
from bankml.default.validate import validate_applicant, validate_frame
from bankml.errors import InputError
from tests.bad_inputs.helpers import BAD_NUMBER_CELLS

SCHEMA = FeatureSchema(
    numeric=(
        NumericField("annual_income", 0.0, 2_000_000.0, 100.0, False, 40_000.0),
        NumericField("age", 18.0, 100.0, 1.0, True, 40.0),
        NumericField("debt_to_income", 0.0, 1.5, 0.01, False, 0.3),
    ),
    categorical=(CategoricalField("purpose", ("car", "home", "education"), "car"),),
)


def good_rows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "name": [f"Applicant {i}" for i in range(n)],
            "annual_income": rng.uniform(10_000, 90_000, n).round(2),
            "age": rng.integers(18, 90, n),
            "debt_to_income": rng.uniform(0, 1, n).round(3),
            "purpose": rng.choice(["car", "home", "education"], n),
        }
    )


def test_good_frame_passes_whole_and_in_order():
    frame = good_rows(50)
    report = validate_frame(frame, SCHEMA)
    assert len(report.valid) == 50 and report.errors.empty and report.warnings.empty
    assert report.valid["input_row"].tolist() == list(range(1, 51))
    assert report.valid["customer_id"].tolist() == frame["customer_id"].tolist()
    assert report.extra_columns == ("customer_id", "name")


def test_seven_bad_rows_in_a_thousand_are_each_named():
    frame = good_rows(1000).astype({"annual_income": object, "age": object})
    bad = {
        **BAD_NUMBER_CELLS,
        60: ("age", 250, "out of range"),
        70: ("age", "03/04/1980", "not a number"),
    }
    for index, (col, value, _) in bad.items():
        frame.loc[index, col] = value
    frame.loc[80, "purpose"] = "spaceship"
    report = validate_frame(frame, SCHEMA)
    assert len(report.valid) == 993
    assert report.rejected_rows == [i + 1 for i in bad]
    for index, (col, _, reason) in bad.items():
        hit = report.errors[report.errors["row"] == index + 1]
        assert hit["column"].tolist() == [col]
        assert hit["reason"].iloc[0].startswith(reason)
    assert report.warnings[["row", "column", "value"]].values.tolist() == [
        [81, "purpose", "spaceship"]
    ]
    assert 81 in report.valid["input_row"].tolist()
    assert not set(report.valid["input_row"]) & set(report.rejected_rows)
    assert "from 0 to 2,000,000" in report.errors.loc[report.errors["row"] == 21, "reason"].iloc[0]


def test_fraction_where_whole_and_blank_category():
    frame = good_rows(3)
    frame["age"] = frame["age"].astype(float)
    frame.loc[0, "age"] = 30.5
    frame.loc[1, "purpose"] = "  "
    report = validate_frame(frame, SCHEMA)
    assert report.errors["reason"].str.split(":").str[0].tolist() == [
        "not a whole number",
        "missing value",
    ]
    assert report.valid["input_row"].tolist() == [3]


def test_missing_column_names_it_and_lists_required():
    with pytest.raises(InputError) as info:
        validate_frame(good_rows(3).drop(columns="annual_income"), SCHEMA)
    message = str(info.value)
    assert "missing required column(s): annual_income" in message
    assert "Required columns: annual_income, age, debt_to_income, purpose" in message


def test_case_hint_and_one_column_file():
    frame = good_rows(2).rename(columns={"age": "Age"})
    with pytest.raises(InputError, match="check the spelling of age \\(found 'Age'\\)"):
        validate_frame(frame, SCHEMA)
    with pytest.raises(InputError, match="only one column.*delimiter was not recognised"):
        validate_frame(pd.DataFrame({"a:b:c": ["1:2:3"]}), SCHEMA)


def test_input_frame_is_not_changed():
    frame = good_rows(5).astype({"annual_income": object})
    frame.loc[2, "annual_income"] = "abc"
    before = frame.copy()
    validate_frame(frame, SCHEMA)
    pd.testing.assert_frame_equal(frame, before)


def test_applicant_at_bounds_scores_and_beyond_raises():
    values = {"annual_income": 0.0, "age": 100, "debt_to_income": 1.5, "purpose": "home"}
    row = validate_applicant(values, SCHEMA)
    assert row.iloc[0].tolist() == [0.0, 100.0, 1.5, "home"]
    for name, bad, expect in [
        (
            "annual_income",
            -0.01,
            "annual_income=-0.01 is out of range: allowed a number from 0 to 2,000,000",
        ),
        ("age", 100.5, "age=100.5 is out of range"),
        ("age", 17, "allowed a whole number from 18 to 100"),
        ("age", 30.5, "not a whole number"),
        ("debt_to_income", "x", "is not a number"),
        ("debt_to_income", float("inf"), "out of range"),
        ("debt_to_income", None, "debt_to_income is missing"),
        ("purpose", "boat", "not a known category: expected one of car, home, education"),
    ]:
        with pytest.raises(InputError, match=expect.replace("(", "\\(")):
            validate_applicant({**values, name: bad}, SCHEMA)
    with pytest.raises(InputError, match="missing field\\(s\\): purpose"):
        validate_applicant({k: v for k, v in values.items() if k != "purpose"}, SCHEMA)


def test_form_and_batch_paths_agree_on_a_good_row():
    values = {"annual_income": 51234.5, "age": 44, "debt_to_income": 0.42, "purpose": "car"}
    form = validate_applicant(values, SCHEMA)
    batch = validate_frame(pd.DataFrame([values]), SCHEMA).valid[SCHEMA.names]
    pd.testing.assert_frame_equal(form, batch, check_dtype=False)


cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.text(max_size=8),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [
            column("annual_income", elements=cell, dtype=object),
            column("age", elements=cell, dtype=object),
            column("debt_to_income", elements=cell, dtype=object),
            column("purpose", elements=cell, dtype=object),
        ]
    ),
    st.sampled_from(["none", "drop", "extra"]),
)
def test_validator_is_total(frame, mutation):
    if mutation == "drop" and len(frame.columns):
        frame = frame.drop(columns="age")
    elif mutation == "extra":
        frame = frame.assign(note="=1")
    try:
        report = validate_frame(frame, SCHEMA)
    except InputError:
        assert mutation == "drop"
        return
    assert len(report.valid) + len(report.rejected_rows) == len(frame)
    numbers = report.valid[["annual_income", "age", "debt_to_income"]].to_numpy(float)
    assert np.isfinite(numbers).all()
    assert (numbers[:, 1] >= 18).all() and (numbers[:, 1] <= 100).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 40),
    st.lists(
        st.tuples(
            st.sampled_from(["annual_income", "age", "debt_to_income"]),
            st.sampled_from([np.nan, -1.0, 1e9, np.inf, -np.inf, 18.5, 100.0, 18.0, 0.0, "x"]),
        ),
        max_size=4,
    ),
)
def test_the_vectorised_check_reports_what_pandera_reports(n, cells):
    """A batch skips pandera only when pandera would report nothing: with bad cells (missing,
    out of range, infinite, fractional, not a number) or at the bounds, the report is the same
    as with pandera always run."""
    import bankml.default.validate as validate

    columns = ["annual_income", "age", "debt_to_income"]
    frame = good_rows(n, seed=n).astype(dict.fromkeys(columns, object))
    for i, (name, value) in enumerate(cells):
        if n:
            frame.loc[i % n, name] = value
    fast = validate_frame(frame, SCHEMA)
    original = validate._all_in_schema
    try:
        validate._all_in_schema = lambda numeric, schema: False  # pandera on every batch
        slow = validate_frame(frame, SCHEMA)
    finally:
        validate._all_in_schema = original
    pd.testing.assert_frame_equal(fast.errors, slow.errors)
    pd.testing.assert_frame_equal(fast.valid, slow.valid)
    assert validate._all_in_schema(
        good_rows(30)[["annual_income", "age", "debt_to_income"]].astype(float), SCHEMA
    )
