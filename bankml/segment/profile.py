"""Describe segments: profiles, readable names, the 2-D projection and identities across refits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import PCA

# Words for a segment whose mean is far above (+) or below (-) the population on a feature.
ADJECTIVES = {
    "annual_income": ("affluent", "budget"),
    "age": ("senior", "young"),
    "digital_share": ("digital", "in-branch"),
    "dependents": ("family", "single-household"),
    "txn_count": ("frequent", "occasional"),
    "avg_ticket": ("big-ticket", "small-ticket"),
    "n_products": ("multi-product", "low-engagement"),
}
NOUNS = {
    "groceries": "grocery shoppers",
    "dining": "diners",
    "travel": "travellers",
    "fuel": "drivers",
    "utilities": "household-bill payers",
    "entertainment": "entertainment lovers",
    "shopping": "shoppers",
    "health": "health spenders",
    "education": "learners",
    "home": "home improvers",
    "electronics": "gadget buyers",
    "cash": "cash users",
    "business": "business spenders",
}
TRAIT_THRESHOLD = 0.5  # standardised difference that counts as a distinguishing trait


def feature_profile(
    features: pd.DataFrame, labels: pd.Series, transformed: pd.DataFrame
) -> pd.DataFrame:
    """Long table: segment, feature, mean, median, population mean, standardised difference.

    The standardised difference is taken on the transformed scale (log for skewed amounts), so
    one very rich customer cannot dominate a segment's description.
    """
    grouped = features.groupby(labels.to_numpy())
    means = grouped.mean()
    medians = grouped.median()
    t_std = transformed.std(ddof=0).replace(0, np.nan)
    std_diff = (transformed.groupby(labels.to_numpy()).mean() - transformed.mean()) / t_std
    long = pd.DataFrame(
        {
            "mean": means.stack(),
            "median": medians.stack(),
            "std_diff": std_diff.stack().reindex(means.stack().index),
        }
    )
    long.index.names = ["segment", "feature"]
    long = long.reset_index()
    long["population_mean"] = features.mean().reindex(long["feature"]).to_numpy()
    long["std_diff"] = long["std_diff"].fillna(0.0)
    return long[["segment", "feature", "mean", "median", "population_mean", "std_diff"]]


def _trait_text(feature: str, z: float) -> str:
    label = feature.removeprefix("mix_").replace("_", " ")
    if feature.startswith("mix_"):
        label = f"{label} spending"
    return f"{'high' if z > 0 else 'low'} {label} ({z:+.1f} sd)"


def name_segments(long: pd.DataFrame) -> pd.DataFrame:
    """A readable, distinct name and the top traits of each segment, built from its std differences.

    Name = up to two adjectives (income, age, digital, family, ...) whose |difference| is largest
    and above 0.5 sd, then a noun from the most over-represented spending category.
    """
    wide = long.pivot(index="segment", columns="feature", values="std_diff")
    adjective_cols = [c for c in ADJECTIVES if c in wide.columns]
    mix_cols = [c for c in wide.columns if c.startswith("mix_")]
    clustered = [*mix_cols, *adjective_cols]
    rows = []
    for segment, z in wide.iterrows():  # one iteration per segment (k <= 20), not per customer
        adj = z[adjective_cols].abs().sort_values(ascending=False)
        words = [
            ADJECTIVES[f][0 if z[f] > 0 else 1] for f in adj.index if adj[f] >= TRAIT_THRESHOLD
        ]
        top_mix = z[mix_cols].idxmax() if mix_cols else None
        noun = (
            NOUNS.get(top_mix.removeprefix("mix_"), top_mix.removeprefix("mix_") + " spenders")
            if top_mix is not None and z[top_mix] > 0
            else "customers"
        )
        traits = z[clustered].abs().sort_values(ascending=False).index[:4]
        rows.append(
            {
                "segment": segment,
                "words": words,
                "noun": noun,
                "traits": "; ".join(_trait_text(f, z[f]) for f in traits),
            }
        )
    names = pd.DataFrame(rows).set_index("segment")
    chosen = {}
    for segment, row in names.iterrows():
        for used in range(min(2, len(row["words"])), len(row["words"]) + 1):
            candidate = " ".join([*row["words"][:used], row["noun"]])
            if candidate not in chosen.values():
                break
        else:
            candidate = f"{candidate} {segment + 1}"
        chosen[segment] = candidate[0].upper() + candidate[1:]
    names["name"] = pd.Series(chosen)
    return names[["name", "traits"]]


def product_lift(labels: pd.Series, holdings: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Share of each segment holding each product and its lift over the population (long table)."""
    segment_of = labels.rename("segment")
    held = holdings[["customer_id", "product_id"]].drop_duplicates()
    held = held.join(segment_of, on="customer_id", how="inner")
    counts = held.groupby(["segment", "product_id"]).size().rename("holders").reset_index()
    sizes = segment_of.value_counts().rename("size")
    counts = counts.join(sizes, on="segment")
    counts["rate"] = counts["holders"] / counts["size"]
    population = held.groupby("product_id").size() / len(segment_of)
    counts["lift"] = counts["rate"] / counts["product_id"].map(population)
    names = products.set_index("product_id")["name"]
    counts["product"] = counts["product_id"].map(names)
    return counts


def top_products(lift: pd.DataFrame, n: int = 3) -> pd.Series:
    """The n most over-represented products of each segment, as one readable string."""
    best = lift[lift["lift"] > 1.0].sort_values(["segment", "lift"], ascending=[True, False])
    best = best.groupby("segment").head(n)
    text = best["product"] + " (x" + best["lift"].round(1).astype(str) + ")"
    return text.groupby(best["segment"]).agg(", ".join)


def default_rates(labels: pd.Series, loans: pd.DataFrame) -> pd.DataFrame:
    """Loans and realised default rate per segment."""
    joined = loans[["customer_id", "defaulted"]].join(
        labels.rename("segment"), on="customer_id", how="inner"
    )
    grouped = joined.groupby("segment")["defaulted"]
    return pd.DataFrame({"loans": grouped.size(), "default_rate": grouped.mean()})


def projection(
    Z: np.ndarray, index: pd.Index, labels: np.ndarray, sample: int, random_state: int
) -> tuple[pd.DataFrame, tuple[float, float]]:
    """PCA to 2-D of a fixed-seed sample of customers; returns the points and explained variance."""
    n = len(Z)
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(n, size=min(n, sample), replace=False))
    pca = PCA(n_components=2, random_state=random_state).fit(Z[rows])
    xy = pca.transform(Z[rows])
    frame = pd.DataFrame(
        {"customer_id": index[rows], "pc1": xy[:, 0], "pc2": xy[:, 1], "segment": labels[rows]}
    )
    ratio = pca.explained_variance_ratio_
    return frame, (float(ratio[0]), float(ratio[1]))


def match_segments(
    previous: pd.DataFrame, current: pd.DataFrame, scale: np.ndarray | None = None
) -> dict[int, int]:
    """Map current segment ids to previous ones by centroid distance (Hungarian algorithm).

    previous, current: centroids (one row per segment id) over the same feature columns.
    Current segments left without a partner (k grew) get fresh ids after the previous maximum.
    """
    columns = [c for c in current.columns if c in previous.columns]
    scale = np.ones(len(columns)) if scale is None else np.asarray(scale, dtype=float)
    a = current[columns].to_numpy() / scale
    b = previous[columns].to_numpy() / scale
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    mapping = {
        int(current.index[r]): int(previous.index[c]) for r, c in zip(rows, cols, strict=True)
    }
    fresh = int(previous.index.max()) + 1
    for segment in current.index:
        if int(segment) not in mapping:
            mapping[int(segment)] = fresh
            fresh += 1
    return mapping


def migration_matrix(previous: pd.Series, current: pd.Series) -> pd.DataFrame:
    """Customers moving from each previous segment (rows) to each current one (columns)."""
    both = pd.concat([previous.rename("previous"), current.rename("current")], axis=1, join="inner")
    return pd.crosstab(both["previous"], both["current"])
