"""Bring-your-own-data target suggestion: an outcome-named column, never a protected one."""

from __future__ import annotations

import pandas as pd

from bankml.default import target


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_outcome_named_column_beats_a_protected_first_column():
    data = frame(gender=["F", "M"] * 3, owns_car=[0, 1] * 3, bad_loan=["yes", "no", "no"] * 2)
    assert target.suggest_target(data) == "bad_loan"
    assert target.target_candidates(data) == ["bad_loan", "owns_car", "gender"]
    assert target.protected_columns(data) == ["gender"]


def test_no_outcome_name_means_no_guess_and_never_a_protected_column():
    data = frame(sex=["f", "m"] * 3, owns_car=[0, 1] * 3, income=range(6))
    assert target.suggest_target(data) is None
    assert target.target_candidates(data)[-1] == "sex"


def test_names_are_read_as_words():
    data = frame(
        agency=["a", "b"] * 3,  # not "age"
        badge=[1, 2] * 3,  # not "bad"
        isDefaulted=[0, 1] * 3,
        churn_flag=[0, 1] * 3,
        Age=[30, 40] * 3,
    )
    assert target.suggest_target(data) == "isDefaulted"
    assert target.target_candidates(data)[:2] == ["isDefaulted", "churn_flag"]
    assert target.protected_columns(data) == ["Age"]
    assert not target.is_protected("agency") and target.is_protected("marital_status")
