"""Macro features per loan: the bank's monthly `macro` table at the application month.

Every applicant's default risk moves with the economy, so a model fitted on earlier vintages
mis-ranks and mis-calibrates later ones unless it sees the economy the loan was granted in. The
`macro` table (unemployment and policy rate per month) is public data a bank has when it decides,
so its values at the application month are legitimate inputs (how strongly they move the true PD
is the generator's secret and is never read).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from bankml import data

PREFIX = "macro_"
SOURCE = {"unemployment_rate": "macro_unemployment_rate", "policy_rate": "macro_policy_rate"}
DESCRIPTIONS = {
    "macro_unemployment_rate": "unemployment rate (%) in the application month",
    "macro_policy_rate": "policy interest rate (%) in the application month",
}


def macro_table(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The monthly series (index: first day of the month), or empty when the bank has none."""
    if "macro" not in data.list_tables(path):
        return pd.DataFrame(index=pd.DatetimeIndex([], name="month"))
    table = data.read_table("macro", path)
    month = pd.to_datetime(table["month"]).dt.to_period("M").dt.to_timestamp()
    columns = [c for c in SOURCE if c in table.columns]
    out = table[columns].rename(columns=SOURCE).astype(float)
    return out.set_index(pd.DatetimeIndex(month, name="month")).sort_index()


def join_macro(rows: pd.DataFrame, table: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """`rows` with the macro columns of their application month (the latest known month for a
    date after the series ends, the first for one before it starts)."""
    if table.empty or date_column not in rows.columns:
        return rows
    month = pd.to_datetime(rows[date_column]).dt.to_period("M").dt.to_timestamp()
    where = np.searchsorted(table.index.to_numpy(), month.to_numpy(), side="right") - 1
    where = np.clip(where, 0, len(table) - 1)
    values = {c: table[c].to_numpy()[where] for c in table.columns}
    return rows.assign(**values)


def macro_columns(columns) -> tuple[str, ...]:
    """The macro columns among `columns`, in order."""
    return tuple(c for c in columns if str(c).startswith(PREFIX))
