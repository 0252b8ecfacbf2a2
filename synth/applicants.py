"""New loan applicants drawn from the synthetic bank's population, optionally shifted.

The shifts make drift visible on demand (PSI per feature and of the score): the applicants look
like the bank's own loan book unless a shift moves incomes, rates or the customer mix.
No target and no truth are returned: these are applications, not outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.common import Pools
from synth.customers import customers as make_customers
from synth.customers import profile
from synth.lending import lend
from synth.macro import macro
from synth.params import BankParams

SHIFTS = ("none", "income_shock", "rate_rise", "new_channel")
MAX_APPLICANTS = 1_000_000  # 1.7 x as many customers are drawn so each applicant is distinct
ID_OFFSET = 9_000_000

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "email",
    "city",
    "age",
    "gender",
    "marital_status",
    "education",
    "employment_status",
    "occupation",
    "years_employed",
    "annual_income",
    "credit_score",
    "home_ownership",
    "dependents",
    "tenure_months",
)
LOAN_COLUMNS = (
    "application_date",
    "loan_amount",
    "term_months",
    "interest_rate",
    "purpose",
    "debt_to_income",
    "credit_utilization",
    "open_credit_lines",
    "delinquencies_2y",
    "previous_defaults",
)


def _payment_share(amount: np.ndarray, rate: np.ndarray, term: np.ndarray, income: np.ndarray):
    """Yearly loan payment as a share of income (the loan's part of debt-to-income)."""
    monthly = rate / 1200
    payment = amount * monthly / (1 - (1 + monthly) ** (-term))
    return 12 * payment / income


def applicants(n: int, seed: int = 0, shift: str = "none", locale: str = "en_US") -> pd.DataFrame:
    """`n` new applicants (customer and loan fields, no target), deterministic for a seed.

    Shifts: income_shock (incomes -25 %, so debt-to-income rises), rate_rise (interest +3 points,
    payments and debt-to-income rise), new_channel (younger applicants with thinner credit files:
    fewer credit lines, short tenure and employment).
    """
    if not isinstance(n, int | np.integer) or not 1 <= n <= MAX_APPLICANTS:
        raise ValueError(f"n={n!r} is out of range: allowed 1..{MAX_APPLICANTS:,}")
    if shift not in SHIFTS:
        raise ValueError(f"shift={shift!r} is not known: allowed {', '.join(SHIFTS)}")
    params = BankParams(customers=int(n * 1.7) + 100, seed=int(seed), locale=locale).validate()
    rng = np.random.default_rng([int(seed), 0xA991])
    pools = Pools(params.locale, params.seed)
    prof = profile(params, rng, params.customers)
    customers = make_customers(params, rng, pools, prof)
    if shift == "new_channel":
        young = np.clip(np.rint(rng.normal(26, 4, len(customers))), 18, 45).astype(np.int64)
        customers["age"] = np.minimum(customers["age"].to_numpy(), young)
        customers["years_employed"] = np.round(customers["years_employed"].to_numpy() * 0.3, 1)
        customers["tenure_months"] = rng.integers(1, 13, len(customers)).astype(np.int64)
    _, shift_by_month = macro(params, rng)
    through_the_door = lend(params, rng, customers, prof.of(cat.SEGMENT_PURPOSE), shift_by_month)
    loans = through_the_door["applications"].groupby("customer_id", sort=False).head(1)
    take = np.sort(rng.choice(len(loans), size=min(int(n), len(loans)), replace=False))
    loans = loans.iloc[take].reset_index(drop=True)
    frame = loans.drop(columns=["application_id", "delinquencies_2y", "previous_defaults"])
    hidden = [c for c in customers.columns if c.startswith("_")]
    frame = frame.merge(customers.drop(columns=hidden), on="customer_id", how="left")
    if len(frame) < n:  # few customers with a loan: draw more rows from the same applicants
        extra = frame.sample(n - len(frame), replace=True, random_state=int(seed))
        frame = pd.concat([frame, extra], ignore_index=True)

    income = frame["annual_income"].to_numpy(float)
    rate = frame["interest_rate"].to_numpy(float)
    amount = frame["loan_amount"].to_numpy(float)
    term = frame["term_months"].to_numpy(float)
    dti = frame["debt_to_income"].to_numpy(float)
    if shift == "income_shock":
        new_income = np.clip(np.round(income * 0.75, -2), 3_000, None)
        dti = dti * income / new_income
        frame["annual_income"] = new_income
    elif shift == "rate_rise":
        new_rate = np.round(np.minimum(rate + 3.0, 29.9 + 3.0), 2)
        dti = (
            dti
            - _payment_share(amount, rate, term, income)
            + _payment_share(amount, new_rate, term, income)
        )
        frame["interest_rate"] = new_rate
    elif shift == "new_channel":
        lines = frame["open_credit_lines"].to_numpy()
        frame["open_credit_lines"] = np.floor(lines * 0.4).astype(np.int64)
        frame["credit_utilization"] = np.round(
            np.clip(frame["credit_utilization"].to_numpy(float) * 1.15, 0, 1), 4
        )
    frame["debt_to_income"] = np.round(np.clip(dti, 0.0, 1.5), 4)

    frame["customer_id"] = np.arange(ID_OFFSET + 1, ID_OFFSET + len(frame) + 1, dtype=np.int64)
    frame["application_date"] = (
        pd.to_datetime(frame["application_date"]).dt.strftime("%Y-%m-%d").astype(str)
    )
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    ordered = [*CUSTOMER_COLUMNS, *LOAN_COLUMNS]
    return frame[ordered].head(int(n)).reset_index(drop=True)


__all__ = ["SHIFTS", "applicants"]
