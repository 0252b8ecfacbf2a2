"""Fairness and drift reports for a trained model: by gender and age band, PSI per feature."""

from __future__ import annotations

import pandas as pd

from bankml import evaluate

NOT_GROUPS = ("y", "pd", "score", "amount", "loan_id", "oracle_pd")


def fairness_by_group(validation: pd.DataFrame, cutoff: float) -> dict[str, pd.DataFrame]:
    """evaluate.fairness_report per protected column saved with the validation rows.

    Age-like numeric columns are shown in bands; on a foreign CSV the columns named with
    --protected are used as they are.
    """
    out: dict[str, pd.DataFrame] = {}
    for column in [c for c in validation.columns if c not in NOT_GROUPS]:
        values = validation[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        if numeric and "age" in column.lower():
            group, name = evaluate.age_band(values), f"{column} band"
        elif numeric and values.nunique() > 10:
            group, name = pd.qcut(values, 4, duplicates="drop").astype(str), f"{column} quartile"
        else:
            group, name = values, column
        out[name] = evaluate.fairness_report(validation["y"], validation["pd"], cutoff, group)
    return out
