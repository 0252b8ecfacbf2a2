"""Optional defects a real extract has (BankParams.defects, default off): missing values, sentinels,
a credit score on the wrong scale for one slice, duplicate rows and a column drifting at the end.

Defects touch the observable tables only; truth_* keeps the clean values. `DEFECTS` lists what is
injected so the data dictionary and the tests say the same thing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFECTS = {
    "customers.annual_income": "3 % missing, 0.5 % set to the sentinel 99999999",
    "customers.years_employed": "1 % set to the sentinel -999",
    "customers.employment_status": "2 % missing",
    "customers.credit_score": "customers of the third-largest city carry it divided by 10 (30..85 scale)",
    "loans.debt_to_income": "1 % set to the sentinel -999",
    "loans.credit_utilization": "drifts: +0.15 (capped at 1) on loans of the last 6 months",
    "loans": "1 % of rows duplicated (same loan_id)",
    "transactions": "0.5 % of rows duplicated (same txn_id)",
}


def _some(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def inject(tables: dict[str, pd.DataFrame], seed: int, end_date: str) -> dict[str, pd.DataFrame]:
    """A copy of the observable tables with the defects above; deterministic for the seed."""
    rng = np.random.default_rng([seed, 0xDEF])
    out = dict(tables)
    customers = tables["customers"].copy()
    n = len(customers)
    income = customers["annual_income"].to_numpy(float).copy()
    income[_some(rng, n, 0.03)] = np.nan
    income[_some(rng, n, 0.005)] = 99_999_999.0
    customers["annual_income"] = income
    years = customers["years_employed"].to_numpy(float).copy()
    years[_some(rng, n, 0.01)] = -999.0
    customers["years_employed"] = years
    employment = customers["employment_status"].copy()
    employment[_some(rng, n, 0.02)] = np.nan
    customers["employment_status"] = employment
    city_counts = customers["city"].value_counts(sort=True)
    slice_ = customers["city"].to_numpy() == city_counts.index[min(2, len(city_counts) - 1)]
    score = customers["credit_score"].to_numpy().copy()
    score[slice_] = np.rint(score[slice_] / 10).astype(np.int64)
    customers["credit_score"] = score
    out["customers"] = customers

    loans = tables["loans"].copy()
    dti = loans["debt_to_income"].to_numpy(float).copy()
    dti[_some(rng, len(loans), 0.01)] = -999.0
    loans["debt_to_income"] = dti
    recent = loans["application_date"] > np.datetime64(end_date) - np.timedelta64(183, "D")
    loans.loc[recent, "credit_utilization"] = np.minimum(
        loans.loc[recent, "credit_utilization"] + 0.15, 1.0
    )
    out["loans"] = _duplicate(loans, rng, 0.01, "loan_id")
    out["transactions"] = _duplicate(tables["transactions"], rng, 0.005, "ts")
    return out


def _duplicate(
    frame: pd.DataFrame, rng: np.random.Generator, share: float, order: str
) -> pd.DataFrame:
    copies = frame.iloc[np.flatnonzero(_some(rng, len(frame), share))]
    return pd.concat([frame, copies]).sort_values(order, kind="stable").reset_index(drop=True)
