"""The risk view for lending offers: every customer's PD under the default model, on their own profile.

The default model is passed in (any fitted object with `predict_pd(frame)` and `cutoff_`, e.g. the
registry's current model), never imported here. Each customer is scored as a standard application:
their own record (income, credit score, employment, delinquencies, ...), the credit facts of their
latest application when they have one (debt-to-income, utilisation, open credit lines; the bank's
median otherwise), and the bank's median loan terms, so nobody is "skipped" for never having applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankml.errors import InputError

# the terms of the standard application every customer is scored on: the bank's median (mode)
OFFER_TERMS = ("loan_amount", "term_months", "interest_rate", "purpose")
# facts of the customer's latest application, the bank's median when they never applied
CREDIT_FACTS = ("debt_to_income", "credit_utilization", "open_credit_lines")


@dataclass(frozen=True)
class RiskView:
    """Each customer's PD and the model's cut-off, or an explicit "off" state with its reason."""

    pd_by_customer: pd.Series | None
    cutoff: float | None
    note: str

    @property
    def active(self) -> bool:
        return self.pd_by_customer is not None and self.cutoff is not None

    @classmethod
    def off(cls, reason: str) -> RiskView:
        """No risk rule, said plainly (e.g. "no default model trained yet: run bankml train")."""
        return cls(None, None, f"risk check off: {reason}")


def risk_profiles(customers: pd.DataFrame, loans: pd.DataFrame) -> pd.DataFrame:
    """One standard application per customer (rows in customers' order), as the default model reads it."""
    if "customer_id" not in customers.columns:
        raise InputError("customers table lacks column customer_id")
    missing = [c for c in (*OFFER_TERMS, *CREDIT_FACTS, "customer_id") if c not in loans.columns]
    if missing:
        raise InputError(f"loans table lacks column(s) {', '.join(missing)}")
    if loans.empty:
        raise InputError("the bank has no loans: no standard loan terms to score customers on")
    order = "application_date" if "application_date" in loans.columns else "customer_id"
    latest = (
        loans.sort_values(["customer_id", order], kind="stable")
        .drop_duplicates("customer_id", keep="last")
        .set_index("customer_id")
    )
    ids = customers["customer_id"].to_numpy()
    facts = latest[list(CREDIT_FACTS)].reindex(ids).reset_index(drop=True)
    return apply_terms(customers, facts, standard_terms(loans))


def standard_terms(loans: pd.DataFrame) -> dict[str, object]:
    """The bank's median credit facts and loan terms (the mode for purpose)."""
    terms: dict[str, object] = {c: float(loans[c].median()) for c in CREDIT_FACTS}
    for column in OFFER_TERMS:
        values = loans[column]
        terms[column] = values.mode().iloc[0] if column == "purpose" else float(values.median())
    return terms


def apply_terms(customers: pd.DataFrame, facts: pd.DataFrame, terms: dict) -> pd.DataFrame:
    """Customers' own records with their latest credit facts (`facts`, aligned by row; NaN =
    never applied: the median) and the standard loan terms; the engines share this step."""
    ids = customers["customer_id"].to_numpy()
    frame = customers.drop(
        columns=[c for c in (*OFFER_TERMS, *CREDIT_FACTS) if c in customers.columns]
    ).reset_index(drop=True)  # the customer's own record: income, delinquencies, employment, ...
    for column in CREDIT_FACTS:
        values = facts[column].to_numpy(float)
        frame[column] = np.where(np.isnan(values), float(terms[column]), values)
    for column in OFFER_TERMS:
        frame[column] = terms[column]
    frame["customer_id"] = ids
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame


def pds(model: object, frame: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """(PD per row, "") or (None, why not) for standard applications; both engines call this."""
    try:
        scores = np.asarray(model.predict_pd(frame), dtype=float).ravel()
    except (KeyError, ValueError) as exc:  # e.g. a model trained on a CSV with other columns
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        return None, f"the current default model cannot score this bank's customers ({first})"
    if scores.shape != (len(frame),) or not np.isfinite(scores).all():
        return None, "the current default model returned no finite PD for some customers"
    return scores, ""


def risk_view(model: object, customers: pd.DataFrame, loans: pd.DataFrame) -> RiskView:
    """Every customer's PD under `model` (predict_pd, cutoff_) on their standard application."""
    if not hasattr(model, "predict_pd") or not hasattr(model, "cutoff_"):
        raise InputError(
            f"the risk model must be a fitted default model with predict_pd and cutoff_;"
            f" got {type(model).__name__}"
        )
    frame = risk_profiles(customers, loans)
    scores, why = pds(model, frame)
    if scores is None:
        return RiskView.off(why)
    cutoff = float(model.cutoff_)
    return RiskView(
        pd.Series(scores, index=frame["customer_id"].to_numpy(), name="pd"),
        cutoff,
        f"risk check: PD of a standard loan on each customer's own profile (cut-off {cutoff:.2f})",
    )
