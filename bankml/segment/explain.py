"""Assigning a new customer: validate the inputs, pick the nearest segment, and say how sure and why.

The confidence is distance-based: the runner-up segment and the margin between the two distances
tell how close the customer sits to a boundary. The traits that placed the customer are the
features pulling hardest towards the chosen centre and away from the runner-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances

from bankml.errors import InputError

# Hard limits: outside these a value is impossible for a retail customer (InputError).
LIMITS = {
    "age": (18, 110),
    "annual_income": (0, 10_000_000),
    "dependents": (0, 20),
    "transactions_per_month": (0, 1_000),
    "average_ticket": (0, 100_000),
    "digital_share": (0, 1),
    "n_products": (0, 50),
}


@dataclass(frozen=True)
class Assignment:
    """A segment for one customer with its runner-up, margin, confidence, traits and warnings.

    margin: (runner-up distance - distance) / runner-up distance, 0 on the boundary, 1 at the
    centre; confidence: "high" (margin >= 0.3), "medium" (>= 0.1) or "low".
    """

    segment: int
    name: str
    runner_up: int | None
    runner_up_name: str | None
    margin: float
    confidence: str
    traits: list[str]
    warnings: list[str]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2g}"


def _label(feature: str) -> str:
    if feature.startswith("mix_"):
        return f"share of transactions in {feature.removeprefix('mix_').replace('_', ' ')}"
    return feature.replace("_", " ")


def assign(result, rows: pd.DataFrame) -> pd.Series:
    """Segment of each new customer row (same columns as customer_features), by nearest centre.

    Uses the fitted transform and scaler; ids follow the result's (possibly matched) labels.
    """
    model = getattr(result, "model", result)
    raw = model.predict(rows)
    if model is not result:
        raw = result.centroids.index.to_numpy()[raw]
    return pd.Series(raw, index=rows.index, name="segment")


def plausibility_warnings(
    values: Mapping[str, float], population: pd.DataFrame | None = None
) -> list[str]:
    """Combinations a bank would question, and values beyond what its own customers show.

    population: per-field 0.1 % and 99.9 % quantiles of the bank (index field; `form_ranges`).
    """
    warnings = []
    age, dependents = values["age"], values["dependents"]
    income, per_month = values["annual_income"], values["transactions_per_month"]
    spend = per_month * values["average_ticket"] * 12
    if age < 25 and dependents >= 5:
        warnings.append(f"age {age:g} with {dependents:g} dependents is very unusual")
    if age < 23 and income >= 500_000:
        warnings.append(f"income {income:,.0f} at age {age:g} is very unusual")
    if income > 0 and spend > 2 * income:
        warnings.append(
            f"card spend of about {spend:,.0f} a year is more than twice the income {income:,.0f}"
        )
    if per_month > 300:
        warnings.append(f"{per_month:g} transactions a month is more than 10 a day")
    for name, value in values.items():
        if population is None or name not in population.index:
            continue
        low, high = population.loc[name, "low"], population.loc[name, "high"]
        if value < low or value > high:
            warnings.append(
                f"{name.replace('_', ' ')} {_number(value)} is outside what 99.8 % of this "
                f"bank's customers show ({_number(low)}..{_number(high)})"
            )
    return warnings


def explain(result, row: pd.DataFrame, warnings: list[str] | None = None) -> Assignment:
    """Nearest segment for one feature row, the runner-up, the margin and the deciding traits.

    A trait's pull is how much closer the feature puts the customer to the chosen centre than to
    the runner-up's (in the clustering's scaled units); the two or three largest pulls are named with the
    customer's value and the segment's typical one.
    """
    model = result.model
    Z = model.transform(row)
    centres = model.cluster_centers_
    distance = pairwise_distances(Z, centres)[0]
    ids = result.centroids.index.to_numpy()
    order = np.argsort(distance)
    best = int(order[0])
    names = result.profiles["name"]
    segment = int(ids[best])
    if len(order) < 2:
        return Assignment(segment, names[segment], None, None, 1.0, "high", [], warnings or [])
    second = int(order[1])
    margin = float((distance[second] - distance[best]) / max(distance[second], 1e-12))
    confidence = "high" if margin >= 0.3 else "medium" if margin >= 0.1 else "low"
    pull = (Z[0] - centres[second]) ** 2 - (Z[0] - centres[best]) ** 2
    features = [f.name for f in model.features_]
    medians = result.feature_profile.set_index(["segment", "feature"])["median"]
    traits = []
    for i in np.argsort(-pull)[:3]:
        if pull[i] <= 0:
            break
        name = features[i]
        typical = medians.get((segment, name), np.nan)
        value = float(row.iloc[0][name])
        traits.append(f"{name.replace('_', ' ')} {value:,.3g} (segment typical {typical:,.3g})")
    return Assignment(
        segment,
        names[segment],
        int(ids[second]),
        names[int(ids[second])],
        margin,
        confidence,
        traits,
        warnings or [],
    )


def new_customer_row(
    result,
    *,
    age: float,
    annual_income: float,
    dependents: int,
    transactions_per_month: float,
    average_ticket: float,
    digital_share: float,
    spend_mix: Mapping[str, float],
    n_products: int,
) -> pd.DataFrame:
    """One feature row for a customer entered in a form (mix given as category -> weight).

    Weights are normalised to shares; columns the form does not ask for take the population
    median so they do not pull the customer towards any segment. Impossible values raise
    InputError naming the field and its allowed range.
    """
    given = {
        "age": age,
        "annual_income": annual_income,
        "dependents": dependents,
        "transactions_per_month": transactions_per_month,
        "average_ticket": average_ticket,
        "digital_share": digital_share,
        "n_products": n_products,
    }
    for name, value in given.items():
        low, high = LIMITS[name]
        if not np.isfinite(value) or not low <= value <= high:
            raise InputError(f"{name}={value!r} is out of range: allowed {low}..{high}")
    medians = result.feature_profile.groupby("feature")["median"].median()
    columns = result.features["name"].tolist()
    row = medians.reindex(columns).fillna(0.0)
    categories = [c.removeprefix("mix_") for c in columns if c.startswith("mix_")]
    unknown = [c for c in spend_mix if c not in categories]
    if unknown:
        raise InputError(
            f"spend category {unknown[0]!r} is unknown: allowed {', '.join(categories)}"
        )
    weights = pd.Series({c: float(spend_mix.get(c, 0.0)) for c in categories})
    if (weights < 0).any() or weights.sum() <= 0:
        raise InputError("spend_mix needs at least one category with a positive weight")
    shares = weights / weights.sum()
    for c in categories:
        row[f"mix_{c}"] = shares[c]
        row[f"share_{c}"] = shares[c]
    count = transactions_per_month * result.window_months
    row.update(
        {
            "age": age,
            "annual_income": annual_income,
            "dependents": dependents,
            "txn_count": count,
            "avg_ticket": average_ticket,
            "total_spend": count * average_ticket,
            "monthly_spend_mean": transactions_per_month * average_ticket,
            "digital_share": digital_share,
            "n_products": n_products,
        }
    )
    frame = pd.DataFrame([row.to_numpy()], columns=columns, index=pd.Index([0], name="customer_id"))
    frame.attrs["form"] = given
    return frame


def form_ranges(X: pd.DataFrame, window_months: float) -> pd.DataFrame:
    """0.1 % and 99.9 % quantiles of the form's fields among the bank's customers (low, high)."""
    fields = pd.DataFrame(index=X.index)
    for name in ("age", "annual_income", "dependents", "digital_share", "n_products"):
        if name in X.columns:
            fields[name] = X[name]
    if "txn_count" in X.columns:
        fields["transactions_per_month"] = X["txn_count"] / window_months
    if "avg_ticket" in X.columns:
        fields["average_ticket"] = X["avg_ticket"]
    quantiles = fields.quantile([0.001, 0.999]).T
    quantiles.columns = ["low", "high"]
    return quantiles


def assign_new_customer(result, **form) -> Assignment:
    """Validate a form (see new_customer_row), then assign and explain, with plausibility warnings."""
    row = new_customer_row(result, **form)
    given = {k: float(v) for k, v in form.items() if k in LIMITS}
    warnings = plausibility_warnings(given, result.ranges)
    return explain(result, row, warnings)
