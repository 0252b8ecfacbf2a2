"""Customer segmentation: behavioural features, KMeans with a stated choice of k, readable profiles.

One call for the page, the CLI and notebooks: `segment_customers(path_or_frame, k="auto")`.
The estimator underneath is `CustomerSegmenter`; truth_* tables are read only by
`ari_against_truth`, for evaluation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from bankml import data
from bankml.errors import InputError
from bankml.segment.choice import KChoice, half_stability
from bankml.segment.explain import (
    Assignment,
    assign,
    assign_new_customer,
    explain,
    form_ranges,
    new_customer_row,
)
from bankml.segment.features import (
    catalogue_frame,
    categories_of,
    customer_features,
    feature_catalogue,
)
from bankml.segment.model import K_MAX, K_MIN, SINGLE_THREAD_BELOW, CustomerSegmenter, check_k
from bankml.segment.profile import (
    default_rates,
    feature_profile,
    match_segments,
    migration_matrix,
    name_segments,
    product_lift,
    projection,
    top_products,
)
from bankml.segment.store import precompute, stored_or_fit

__all__ = [
    "K_MAX",
    "K_MIN",
    "CustomerSegmenter",
    "SegmentResult",
    "ari_against_truth",
    "Assignment",
    "assign",
    "assign_new_customer",
    "explain",
    "check_k",
    "customer_features",
    "KChoice",
    "member_table",
    "match_segments",
    "migration_matrix",
    "new_customer_row",
    "segment_customers",
    "segment_labels",
    "precompute",
    "stored_or_fit",
]

Progress = Callable[[float, str], None]
PROJECTION_SAMPLE = 5_000
# Customers (fixed seed) the half-sample check of a user-fixed k runs on: 5,000 keeps the page's
# fixed-k view near 1.7 s CPU on a 20k bank (10,000 took 0.3 s more); auto k reuses the choice's.
STABILITY_SAMPLE = 5_000
NO_STRUCTURE_NAME = "All customers (no clear segments)"


@dataclass(frozen=True)
class SegmentResult:
    """Everything the dashboard shows about one segmentation.

    labels: segment id per customer (Series indexed by customer_id); centroids: per segment in
    transformed units; profiles: one row per segment (name, size, share, traits, products, default
    rate); feature_profile: long table (segment, feature, mean, median, population_mean,
    std_diff); k_scores: inertia/silhouette/CH/DB per k; projection: sampled PCA points;
    features: the feature catalogue (name, description, transform, cluster).
    """

    labels: pd.Series
    centroids: pd.DataFrame
    profiles: pd.DataFrame
    feature_profile: pd.DataFrame
    k_scores: pd.DataFrame
    projection: pd.DataFrame
    explained_variance: tuple[float, float]
    features: pd.DataFrame
    k: int | None
    silhouette: float
    stability_ari: float
    model: CustomerSegmenter
    choice: KChoice | None = None
    ranges: pd.DataFrame | None = None
    window_months: float = 24.0

    @property
    def feature_list(self) -> list[str]:
        """Columns the clusters were fitted on."""
        return [f.name for f in self.model.features_]

    @property
    def names(self) -> dict[int, str]:
        return self.profiles["name"].to_dict()

    def members(self, segment: int) -> pd.Index:
        """Customer ids in one segment."""
        return self.labels.index[self.labels.to_numpy() == segment]


def _load(frame_or_path) -> tuple[pd.DataFrame, Path | None]:
    if isinstance(frame_or_path, pd.DataFrame):
        return frame_or_path, None
    path = data.config.db_path(frame_or_path)
    return customer_features(path), path


def _stability(model: CustomerSegmenter, X: pd.DataFrame, random_state: int) -> float:
    """ARI between KMeans fits on two random halves of (a fixed sample of) the customers.

    Single-threaded like the sweep: on the busy 2-core machine OpenMP threads made this check
    take 18.5 s instead of 0.5 s on a 10k sample (k=7, load 9), most of a fixed-k page view."""
    if model.k_ is None:
        return float("nan")
    if not np.isnan(model.choice_.stability):
        return float(model.choice_.stability)
    Z = model.transform(X)
    if len(Z) > STABILITY_SAMPLE:
        rows = np.random.default_rng(random_state).choice(len(Z), STABILITY_SAMPLE, False)
        Z = Z[np.sort(rows)]
    with threadpool_limits(limits=1 if len(Z) < SINGLE_THREAD_BELOW else None):
        return half_stability(Z, model.k_, random_state)


def segment_customers(
    frame_or_path: pd.DataFrame | str | os.PathLike | None = None,
    k: int | str = "auto",
    random_state: int = 0,
    progress: Progress | None = None,
    previous: SegmentResult | None = None,
    **params,
) -> SegmentResult:
    """Build features (from a bank path) or take them (a frame), cluster, profile and project.

    With a bank path the profiles also carry the most over-represented products and the default
    rate of each segment's loans. With `previous`, segment ids are matched to its centroids so ids
    and names stay put across regenerations and refits.
    """
    report = progress or (lambda fraction, message: None)
    k = check_k(k)
    report(0.0, "building customer features")
    X, path = _load(frame_or_path)
    model = CustomerSegmenter(k=k, random_state=random_state, **params).fit(
        X, progress=lambda f, m: report(0.1 + 0.6 * f, m)
    )
    labels = model.labels_
    centroids = model.centroids()
    if previous is not None and model.k_ is not None and previous.k is not None:
        mapping = match_segments(previous.centroids, centroids, scale=np.sqrt(model.scaler_.var_))
        labels = np.vectorize(mapping.get, otypes=[np.int64])(labels)
        centroids = centroids.rename(index=mapping)  # kept in model order: assign() relies on it
    labels_s = pd.Series(labels, index=X.index, name="segment")
    report(0.75, "checking stability")
    stability = _stability(model, X, random_state)
    report(0.85, "profiling segments")
    transformed = pd.DataFrame(_transform_all(X), index=X.index, columns=X.columns)
    long = feature_profile(X, labels_s, transformed)
    names = name_segments(long)
    sizes = labels_s.value_counts().sort_index()
    profiles = pd.DataFrame({"size": sizes, "share": sizes / len(labels_s)})
    profiles.index.name = "segment"
    profiles = profiles.join(names)
    if model.k_ is None:
        profiles["name"] = NO_STRUCTURE_NAME
    if path is not None:
        with data.connect(path) as con:
            holdings = con.execute("SELECT customer_id, product_id FROM holdings").df()
            products = con.execute("SELECT product_id, name FROM products").df()
            loans = con.execute(
                "SELECT customer_id, defaulted FROM loans WHERE defaulted IS NOT NULL"
            ).df()  # immature loans have no outcome yet
        profiles["top_products"] = top_products(product_lift(labels_s, holdings, products))
        profiles = profiles.join(default_rates(labels_s, loans))
    Z = model.transform(X)
    points, explained = projection(Z, X.index, labels_s.to_numpy(), PROJECTION_SAMPLE, random_state)
    points["name"] = points["segment"].map(profiles["name"])
    long["name"] = long["segment"].map(profiles["name"])
    report(1.0, f"{model.k_} segments" if model.k_ else "no clear cluster structure")
    silhouette = float(model.k_scores_.loc[model.k_, "silhouette"]) if model.k_ else float("nan")
    return SegmentResult(
        labels=labels_s,
        centroids=centroids,
        profiles=profiles,
        feature_profile=long,
        k_scores=model.k_scores_,
        projection=points,
        explained_variance=explained,
        features=catalogue_frame(feature_catalogue(categories_of(X))),
        k=model.k_,
        silhouette=silhouette,
        stability_ari=stability,
        model=model,
        choice=model.choice_,
        ranges=form_ranges(X, float(X.attrs.get("window_months", 24.0))),
        window_months=float(X.attrs.get("window_months", 24.0)),
    )


def _transform_all(X: pd.DataFrame) -> np.ndarray:
    """Every feature column on the clustering scale (log1p of skewed amounts), unscaled."""
    catalogue = {f.name: f for f in feature_catalogue(categories_of(X))}
    values = X.to_numpy(dtype=float).copy()
    logged = [
        i for i, c in enumerate(X.columns) if catalogue.get(c) and catalogue[c].transform == "log1p"
    ]
    values[:, logged] = np.log1p(np.clip(values[:, logged], 0, None))
    return values


def segment_labels(path: str | os.PathLike | None = None, k: int | str = "auto") -> pd.Series:
    """Segment id per customer_id for the bank at path (e.g. the recommender's cold start)."""
    X = customer_features(path)
    model = CustomerSegmenter(k=check_k(k)).fit(X)
    return pd.Series(model.labels_, index=X.index, name="segment")


MEMBER_COLUMNS = ("name", "city", "age", "annual_income", "credit_score", "tenure_months")


def member_table(
    result: SegmentResult,
    segment: int,
    path: str | os.PathLike | None = None,
    search: str = "",
) -> pd.DataFrame:
    """Customers of one segment with their main attributes, optionally filtered by name or city."""
    if segment not in result.profiles.index:
        allowed = ", ".join(str(s) for s in result.profiles.index)
        raise InputError(f"segment {segment!r} does not exist: allowed {allowed}")
    ids = result.members(segment)
    customers = data.read_table("customers", path, ["customer_id", *MEMBER_COLUMNS])
    table = customers[customers["customer_id"].isin(ids)]
    if search:
        needle = search.strip().lower()
        hit = table["name"].str.lower().str.contains(needle, regex=False) | table[
            "city"
        ].str.lower().str.contains(needle, regex=False)
        table = table[hit]
    table = table.assign(segment_name=result.profiles.loc[segment, "name"])
    return table.rename(columns={"customer_id": "customer"}).reset_index(drop=True)


def ari_against_truth(result: SegmentResult, path: str | os.PathLike | None = None) -> float | None:
    """Adjusted Rand index of the found segments against truth_segments (evaluation only)."""
    if not data.bank_info(path).has_truth:
        return None
    truth = data.read_table("truth_segments", path, ["customer_id", "segment"])
    truth = truth.set_index("customer_id")["segment"].reindex(result.labels.index)
    known = truth.notna().to_numpy()
    return float(adjusted_rand_score(truth[known], result.labels[known]))
