"""Loan applications, the bank's historical credit policy, the true PD and the booked loans.

Every application gets a true PD (truth_applications) from observable application fields, the
customer's hidden resilience and the macro cycle. A noisy older scorecard plus hard rules declined
some of them; the approved ones are booked as loans (loan_id = application_id). A loan opened less
than one outcome horizon before the end date has no outcome yet: `defaulted` is NULL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.common import categorical, month_index, sigmoid, solve_intercept, window
from synth.params import BankParams

HARD_RULES = (
    ("credit_score_below_520", lambda a: a["credit_score"] < 520),
    ("debt_to_income_above_0.65", lambda a: a["debt_to_income"] > 0.65),
    ("previous_defaults_3_plus", lambda a: a["previous_defaults"] >= 3),
    ("income_below_9000", lambda a: a["annual_income"] < 9_000),
    ("loan_above_income", lambda a: a["loan_amount"] > a["annual_income"]),
)
OUTCOMES = ("performing", "defaulted", "immature")
HIDDEN_WEIGHT = 0.9  # log-odds per standard deviation of resilience, at behaviour_signal 1


def true_pd_score(frame: pd.DataFrame, behaviour_signal: float = 1.0) -> np.ndarray:
    """The true log-odds of default without its intercept: the generator's truth, never a model input.

    Observable application fields (with a hinge, an interaction and a curved credit-score effect),
    the hidden resilience factor (shown only through behaviour in the transactions) and the macro
    shift at application. None of gender, marital status or age enters.
    """
    emp = np.asarray(frame["employment_status"]).astype(str)
    dti = frame["debt_to_income"].to_numpy(float)
    util = frame["credit_utilization"].to_numpy(float)
    score = frame["credit_score"].to_numpy(float) - 680.0
    lti = frame["loan_to_income"].to_numpy(float)
    years = frame["years_employed"].to_numpy(float)
    purpose = pd.Categorical(
        np.asarray(frame["purpose"]).astype(str), categories=cat.PURPOSES
    ).codes
    resilience = frame["resilience"].to_numpy(float)
    fragile = np.maximum(-resilience, 0.0)
    observable = (
        2.2 * (dti - 0.30)
        + 3.0 * np.maximum(dti - 0.45, 0.0) * util
        + 1.3 * (util - 0.40)
        - 0.0095 * score
        + 0.000018 * score**2
        + 0.30 * np.minimum(frame["delinquencies_2y"].to_numpy(), 5)
        + 0.55 * np.minimum(frame["previous_defaults"].to_numpy(), 3)
        + 0.40 * np.log(np.clip(lti, 0.02, 5.0) / 0.25)
        + 0.60 * (emp == "unemployed")
        + 0.20 * (emp == "self_employed")
        - 0.035 * np.minimum(years, 10.0)
        + 0.25 * (frame["term_months"].to_numpy() >= 60)
        + cat.PURPOSE_RISK[purpose]
    )
    hidden = behaviour_signal * (-HIDDEN_WEIGHT * resilience + 1.2 * fragile * (dti - 0.3))
    macro = frame["macro_shift"].to_numpy(float) * (1.0 + 0.35 * fragile)
    return observable + hidden + macro


def _application_fields(
    params: BankParams,
    rng: np.random.Generator,
    customers: pd.DataFrame,
    idx: np.ndarray,
    purpose_p,
) -> dict[str, np.ndarray]:
    n = len(idx)
    stress = customers["_stress"].to_numpy()[idx]
    income = customers["annual_income"].to_numpy()[idx]
    credit_score = customers["credit_score"].to_numpy()[idx]
    purpose_idx = np.minimum(
        (rng.random((n, 1)) > purpose_p.cumsum(axis=1)).sum(axis=1), len(cat.PURPOSES) - 1
    )
    amount = (
        income * np.exp(rng.normal(np.log(0.20), 0.55, n)) * cat.PURPOSE_AMOUNT_FACTOR[purpose_idx]
    )
    loan_amount = np.minimum(np.round(1_000 + amount, -2), 750_000)
    ratio = loan_amount / income
    term_idx = np.clip(
        np.rint(1.2 + 4.0 * np.sqrt(ratio) + rng.normal(0, 1.0, n)), 0, len(cat.TERMS) - 1
    )
    term_months = cat.TERMS[term_idx.astype(int)]
    raw_rate = 4.5 + 0.028 * (760 - credit_score) + 0.25 * term_months / 12 + rng.normal(0, 1.2, n)
    interest_rate = np.round(1.5 + np.logaddexp(0, raw_rate - 1.5), 2)  # smooth floor near 1.5 %
    monthly = interest_rate / 1200
    payment = loan_amount * monthly / (1 - (1 + monthly) ** (-term_months))
    other_debt = 0.16 * np.exp(0.3 * stress + rng.normal(0, 0.35, n))
    dti = np.round(np.minimum(other_debt + 12 * payment / income, 1.5), 4)
    util = np.round(sigmoid(-0.55 + 0.85 * stress + rng.normal(0, 0.75, n)), 4)
    age = customers["age"].to_numpy()[idx]
    lines = np.minimum(
        rng.poisson(2.0 + 0.05 * np.clip(age - 18, 0, 40) + 0.6 * stress.clip(0)), 40
    )
    return {
        "loan_amount": loan_amount,
        "term_months": term_months.astype(np.int64),
        "interest_rate": interest_rate,
        "purpose_idx": purpose_idx,
        "debt_to_income": dti,
        "credit_utilization": util,
        "open_credit_lines": lines.astype(np.int64),
    }


def _policy(
    frame: pd.DataFrame, rng: np.random.Generator, decline_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """The bank's old policy: hard rules, then a noisy older scorecard cut to the target decline share."""
    n = len(frame)
    reason = np.full(n, "", dtype=object)
    for name, rule in HARD_RULES:
        hit = rule(frame).to_numpy() & (reason == "")
        reason[hit] = name
    old_score = (
        -0.011 * (frame["credit_score"].to_numpy() - 680)
        + 2.0 * (frame["debt_to_income"].to_numpy() - 0.3)
        + 0.8 * frame["credit_utilization"].to_numpy()
        + 0.25 * np.minimum(frame["delinquencies_2y"].to_numpy(), 5)
        + 0.5 * frame["previous_defaults"].to_numpy()
        + rng.normal(0, 0.6, n)
    )
    extra = int(round(decline_rate * n)) - int((reason != "").sum())
    open_ = np.flatnonzero(reason == "")
    if extra > 0 and len(open_):
        worst = open_[np.argsort(-old_score[open_], kind="stable")[: min(extra, len(open_))]]
        reason[worst] = "scorecard"
    return reason != "", np.round(old_score, 4), reason


def lend(
    params: BankParams,
    rng: np.random.Generator,
    customers: pd.DataFrame,
    purpose_p: np.ndarray,
    shift: np.ndarray,
) -> dict[str, pd.DataFrame]:
    """applications, loans, truth_applications and truth_loans."""
    n_customers = len(customers)
    n = max(int(round(n_customers * params.loans_per_customer / (1.0 - params.decline_rate))), 1)
    idx = np.sort(rng.integers(n_customers, size=n))
    start, days, _ = window(params)
    join = np.clip(customers["_join_day"].to_numpy()[idx], 0, days)
    day = join + np.floor(rng.random(n) * (days + 1 - join)).astype(np.int64)
    application_date = start + day.astype("timedelta64[D]")
    month = month_index(application_date, start)
    fields = _application_fields(params, rng, customers, idx, purpose_p[idx])
    purpose_idx = fields.pop("purpose_idx")
    take = lambda column: customers[column].to_numpy()[idx]  # noqa: E731
    apps = pd.DataFrame(
        {
            "application_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": take("customer_id"),
            "application_date": application_date.astype("datetime64[s]"),
            **{
                k: v
                for k, v in fields.items()
                if k in ("loan_amount", "term_months", "interest_rate")
            },
            "purpose": categorical(purpose_idx, cat.PURPOSES),
            **{
                k: v
                for k, v in fields.items()
                if k not in ("loan_amount", "term_months", "interest_rate")
            },
            "delinquencies_2y": take("delinquencies_2y"),
            "previous_defaults": take("previous_defaults"),
        }
    )
    helper = apps.assign(
        credit_score=take("credit_score"),
        annual_income=take("annual_income"),
        employment_status=take("employment_status"),
        years_employed=take("years_employed"),
        loan_to_income=apps["loan_amount"].to_numpy() / take("annual_income"),
        resilience=take("_resilience"),
        macro_shift=shift[month],
    )
    declined, old_score, reason = _policy(helper, rng, params.decline_rate)
    score = true_pd_score(helper, params.behaviour_signal)
    intercept = solve_intercept(score[~declined], params.default_rate)
    pd_true = sigmoid(intercept + score)
    outcome = rng.random(n) < pd_true
    apps["policy_score"] = old_score
    apps["decision"] = categorical(declined.astype(np.int32), ("approved", "declined"))
    apps["decline_reason"] = pd.Categorical(np.where(reason == "", None, reason))

    booked = np.flatnonzero(~declined)
    end_month = month_index(np.array([np.datetime64(params.end_date, "D")]), start)[0]
    mature = (end_month - month[booked]) >= params.horizon_months
    realised = outcome[booked]
    hazard = rng.beta(
        2.0, 2.4, len(booked)
    )  # default timing peaks in the first half of the horizon
    default_month = np.ceil(hazard * params.horizon_months).clip(1).astype(np.int64)
    loans = apps.iloc[booked].drop(columns=["policy_score", "decision", "decline_reason"])
    loans = loans.rename(columns={"application_id": "loan_id"}).reset_index(drop=True)
    loans["defaulted"] = pd.array(np.where(mature, realised, 0), dtype="Int64")
    loans.loc[~mature, "defaulted"] = pd.NA
    loans["is_mature"] = mature
    status = np.where(~mature, 2, realised.astype(np.int32))
    loans["outcome_status"] = categorical(status, OUTCOMES)
    loans["default_month"] = pd.array(default_month, dtype="Int64")
    loans.loc[~(mature & realised), "default_month"] = pd.NA
    truth_apps = pd.DataFrame({"application_id": apps["application_id"].to_numpy(), "pd": pd_true})
    truth_loans = pd.DataFrame(
        {
            "loan_id": loans["loan_id"].to_numpy(),
            "pd": pd_true[booked],
            "outcome": realised.astype(np.int64),
            "default_month": np.where(realised, default_month, 0).astype(np.int64),
        }
    )
    return {
        "applications": apps,
        "loans": loans,
        "truth_applications": truth_apps,
        "truth_loans": truth_loans,
    }
