"""Vintage curves: cumulative default rate by months on book, one curve per application quarter.

A vintage is the quarter a loan was applied for. Only matured loans are counted (an immature
loan's outcome is not known yet, `defaulted` NULL), so every curve runs the whole outcome horizon
and vintages can be compared month by month: a later curve above an earlier one is a worse
vintage, whatever the model says.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from bankml import data
from bankml.errors import InputError

COLUMNS = ("application_date", "defaulted", "default_month")


def vintage_curves(loans: pd.DataFrame) -> pd.DataFrame:
    """Long table: vintage (e.g. 2024Q1), months_on_book (1..horizon), loans, defaults so far and
    cumulative_default_rate, for matured loans (an empty table when none has matured)."""
    missing = [c for c in COLUMNS if c not in loans.columns]
    if missing:
        raise InputError(
            f"vintage curves need the column {missing[0]!r} (loans with default months): "
            f"columns are {list(loans.columns)[:20]}"
        )
    known = loans[loans["defaulted"].notna()]
    if "is_mature" in known.columns:
        known = known[known["is_mature"].astype(bool)]
    columns = ["vintage", "months_on_book", "loans", "defaults", "cumulative_default_rate"]
    if known.empty:
        return pd.DataFrame(columns=columns)
    vintage = pd.to_datetime(known["application_date"]).dt.to_period("Q").astype(str).to_numpy()
    defaulted = known["defaulted"].astype(int).to_numpy() == 1
    month = pd.to_numeric(known["default_month"], errors="coerce").to_numpy(float)
    bad = month[defaulted]
    if np.isnan(bad).any():
        raise InputError("a defaulted loan has no default_month: vintages cannot be drawn")
    horizon = int(max(np.nanmax(bad), 1)) if len(bad) else 1
    months = np.arange(1, horizon + 1)
    counts = pd.crosstab(vintage[defaulted], bad.astype(int)).reindex(columns=months, fill_value=0)
    sizes = pd.Series(vintage).value_counts().sort_index()
    counts = counts.reindex(sizes.index, fill_value=0).cumsum(axis=1)
    out = counts.stack().rename("defaults").reset_index()
    out.columns = ["vintage", "months_on_book", "defaults"]
    out["loans"] = out["vintage"].map(sizes).to_numpy()
    out["cumulative_default_rate"] = out["defaults"] / out["loans"]
    return out[columns].sort_values(["vintage", "months_on_book"], ignore_index=True)


def bank_vintages(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The bank's vintage curves from its `loans` table (outcome bookkeeping, never truth_*)."""
    loans = data.read_table("loans", path)
    return vintage_curves(loans)
