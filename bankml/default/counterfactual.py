"""Counterfactual advice a credit officer would give: the loan's own terms, priced by its rules.

Only what the applicant can choose moves: the loan amount and the term (at most these two
changes). Everything that follows from them is recomputed by the product's rules, never moved on
its own: the rate (the bank prices every extra year of term), the monthly payment (an annuity)
and the debt-to-income ratio (other debts unchanged plus the new payment). Amounts stay within
the product's limits and terms among the product's terms; an advice whose application would not
pass the product rules or the model's input schema is never given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ACTIONABLE = ("loan_amount", "term_months")
DERIVED = ("interest_rate", "debt_to_income")
REQUIRED = (*ACTIONABLE, *DERIVED, "annual_income")
AMOUNT_SHARES = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2])


@dataclass(frozen=True)
class ProductRules:
    """The personal-loan product: limits, terms and pricing (the synthetic bank's by default).

    rate_per_year_of_term: percentage points added to the annual rate per extra year of term.
    """

    min_amount: float = 500.0
    max_amount: float = 750_000.0
    amount_step: float = 10.0
    terms: tuple[int, ...] = (12, 24, 36, 48, 60, 72, 84)
    rate_per_year_of_term: float = 0.25
    min_rate: float = 2.5
    max_rate: float = 29.9
    max_debt_to_income: float = 1.5

    def payment(self, amount, rate, term) -> np.ndarray:
        """Monthly annuity payment of a loan at an annual percentage rate over `term` months."""
        amount, term = np.asarray(amount, dtype=float), np.asarray(term, dtype=float)
        monthly = np.asarray(rate, dtype=float) / 1200.0
        priced = monthly > 1e-9
        safe = np.where(priced, monthly, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero term: infinite, not allowed
            annuity = amount * safe / (1.0 - (1.0 + safe) ** (-term))
            return np.where(priced, annuity, amount / term)

    def reprice(self, rate: float, term: float, new_terms: np.ndarray) -> np.ndarray:
        """The rate the product quotes for another term, the applicant otherwise unchanged."""
        quoted = rate + self.rate_per_year_of_term * (np.asarray(new_terms, float) - term) / 12.0
        return np.round(np.clip(quoted, self.min_rate, self.max_rate), 2)

    def allows(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows whose amount, term, rate and DTI the product allows."""
        amount = frame["loan_amount"].to_numpy(float)
        rate = frame["interest_rate"].to_numpy(float)
        dti = frame["debt_to_income"].to_numpy(float)
        return (
            (amount >= self.min_amount)
            & (amount <= self.max_amount)
            & np.isin(frame["term_months"].to_numpy(float), np.asarray(self.terms, float))
            & (rate >= self.min_rate)
            & (rate <= self.max_rate)
            & (dti >= 0.0)
            & (dti <= self.max_debt_to_income)
        )


BANK_PRODUCT = ProductRules()


def candidates(row, rules: ProductRules = BANK_PRODUCT) -> pd.DataFrame:
    """Every (amount, term) the product offers near the application, its rate, payment and DTI.

    `row`: the application's loan amount, term, rate, annual income and DTI (a Series or dict).

    Amount: the current amount down to a fifth of it, in the product's steps and limits; term:
    every product term. The current application itself is left out.
    """
    amount, term = float(row["loan_amount"]), float(row["term_months"])
    rate, income = float(row["interest_rate"]), float(row["annual_income"])
    dti = float(row["debt_to_income"])
    amounts = np.round(amount * AMOUNT_SHARES / rules.amount_step) * rules.amount_step
    amounts = np.unique(np.clip(amounts, rules.min_amount, rules.max_amount))
    if rules.min_amount <= amount <= rules.max_amount:
        amounts = np.unique(np.append(amounts, amount))
    terms = np.unique(np.append(np.asarray(rules.terms, float), term))
    grid_amount, grid_term = (a.ravel() for a in np.meshgrid(amounts, terms, indexing="ij"))
    keep = ~(np.isclose(grid_amount, amount) & np.isclose(grid_term, term))
    grid_amount, grid_term = grid_amount[keep], grid_term[keep]
    new_rate = rules.reprice(rate, term, grid_term)
    new_rate = np.where(np.isclose(grid_term, term), rate, new_rate)
    old_payment = float(rules.payment(amount, rate, term))
    new_payment = rules.payment(grid_amount, new_rate, grid_term)
    other_debt = max(dti - 12.0 * old_payment / income, 0.0) if income > 0 else dti
    new_dti = (
        other_debt + 12.0 * new_payment / income if income > 0 else np.full_like(new_rate, dti)
    )
    return pd.DataFrame(
        {
            "loan_amount": grid_amount,
            "term_months": grid_term,
            "interest_rate": new_rate,
            "debt_to_income": np.round(new_dti, 4),
            "monthly_payment": np.round(new_payment, 2),
        }
    )


def advise(model, X: pd.DataFrame, current_pd: float, rules: ProductRules = BANK_PRODUCT):
    """The smallest change of amount and/or term that brings the PD under the model's cut-off.

    `X` is one prepared applicant. "Smallest": the least relative cut in amount, then the least
    change of term. Returns None when the model lacks the product's fields or nothing works.
    The trials are the applicant's prepared row repeated with the changed fields replaced, and
    are scored without preparing them again (one applicant's main cost was re-preparing them).
    """
    if not all(f in model.features_ for f in REQUIRED):
        return None
    row = {c: float(X[c].to_numpy()[0]) for c in REQUIRED}
    options = candidates(row, rules)
    feasible = np.flatnonzero(rules.allows(options) & _within_schema(model.schema_, options))
    if not len(feasible):
        return None
    # the applicant's row repeated as one object block (no per-column pandas work), with the
    # changed fields replaced; the model's transforms read it as they read a prepared frame
    grid = np.repeat(X.to_numpy(dtype=object, na_value=np.nan), len(feasible), axis=0)
    at = {name: i for i, name in enumerate(X.columns)}
    for column in (*ACTIONABLE, *DERIVED):
        grid[:, at[column]] = options[column].to_numpy()[feasible]
    trial = pd.DataFrame(grid, columns=X.columns, dtype=object)
    pds = np.full(len(options), np.inf)
    pds[feasible] = model.calibrator_.transform(model._raw_score(trial))
    ok = pds < model.cutoff_
    if not ok.any():
        return None
    amount, term = row["loan_amount"], row["term_months"]
    cut = np.abs(options["loan_amount"].to_numpy() - amount) / max(amount, 1.0)
    stretch = np.abs(options["term_months"].to_numpy() - term) / 12.0
    cost = cut + 0.05 * stretch  # a year of term weighs like a 5 % smaller loan
    best = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
    chosen = {c: float(options[c].to_numpy()[best]) for c in options.columns}
    before = {
        "loan_amount": amount,
        "term_months": term,
        "interest_rate": row["interest_rate"],
        "debt_to_income": row["debt_to_income"],
        "monthly_payment": float(rules.payment(amount, row["interest_rate"], term)),
    }
    changes = {
        f: {"from": before[f], "to": chosen[f]}
        for f in ACTIONABLE
        if not np.isclose(before[f], chosen[f])
    }
    consequences = {
        f: {"from": before[f], "to": chosen[f]}
        for f in (*DERIVED, "monthly_payment")
        if not np.isclose(before[f], chosen[f])
    }
    return {
        "changes": changes,
        "consequences": consequences,
        "pd": float(pds[best]),
        "pd_before": float(current_pd),
        "text": _text(changes, consequences),
    }


def _within_schema(schema, trial: pd.DataFrame) -> np.ndarray:
    """Rows whose changed fields lie inside the model schema's allowed ranges."""
    ok = np.ones(len(trial), dtype=bool)
    for name in (*ACTIONABLE, *DERIVED):
        field = schema.field(name)
        values = trial[name].to_numpy(float)
        ok &= (values >= field.minimum) & (values <= field.maximum)
        if field.integer:
            ok &= np.mod(values, 1) == 0
    return ok


def _text(changes: dict, consequences: dict) -> str:
    words = []
    if "loan_amount" in changes:
        c = changes["loan_amount"]
        words.append(f"borrow {c['to']:,.0f} instead of {c['from']:,.0f}")
    if "term_months" in changes:
        c = changes["term_months"]
        words.append(f"over {c['to']:.0f} months instead of {c['from']:.0f}")
    effects = []
    labels = {
        "interest_rate": ("rate", "{:.2f}%"),
        "monthly_payment": ("monthly payment", "{:,.0f}"),
        "debt_to_income": ("debt-to-income", "{:.0%}"),
    }
    for field in ("interest_rate", "monthly_payment", "debt_to_income"):
        if field in consequences:
            label, fmt = labels[field]
            c = consequences[field]
            effects.append(f"{label} {fmt.format(c['from'])} -> {fmt.format(c['to'])}")
    head = " ".join(words)
    head = head[:1].upper() + head[1:]
    return f"{head} ({', '.join(effects)})" if effects else head
