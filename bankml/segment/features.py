"""Which customer features segmentation clusters on; the features themselves live in
`bankml.customer_features` (one SQL definition shared with the behavioural credit scorecard)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bankml.customer_features import categories_of, customer_features, definition

__all__ = [
    "CLUSTER_FEATURES",
    "Feature",
    "catalogue_frame",
    "categories_of",
    "customer_features",
    "feature_catalogue",
]

# Behaviour (transaction mix, channels, activity, ticket size), life stage (age, income,
# dependents) and breadth of relationship (products held). Credit variables stay out of the fit so
# segments do not merely restate risk; the rest describe segments in the profiles.
CLUSTER_FEATURES = (
    "digital_share",
    "txn_count",
    "avg_ticket",
    "age",
    "annual_income",
    "dependents",
    "n_products",
)


@dataclass(frozen=True)
class Feature:
    """One column of the feature frame: what it measures and how clustering transforms it."""

    name: str
    description: str
    transform: str  # "log1p" (skewed amounts/counts), "none"; scaling is always applied after
    cluster: bool  # used to fit the clusters (the others only describe the segments)


def feature_catalogue(categories: list[str]) -> list[Feature]:
    """Every customer feature in order, with its transform and whether clustering uses it.

    The mix is counted in transactions (shrunk towards the bank's mix), not money: amounts are
    noisy per transaction, so count shares separate customer types more sharply.
    """
    return [
        Feature(
            f.name,
            f.description,
            f.transform,
            f.name.startswith("mix_") or f.name in CLUSTER_FEATURES,
        )
        for f in definition(categories)
    ]


def catalogue_frame(catalogue: list[Feature]) -> pd.DataFrame:
    """The feature list as a tidy table (name, description, transform, cluster) for display."""
    return pd.DataFrame([f.__dict__ for f in catalogue])
