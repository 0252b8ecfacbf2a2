"""The oracle: the generator's truth as a ranking, the best any recommender could do on a split.

For leave-one-out, the per-customer `truth_propensity.p` (given the products held at the end);
for a temporal split, the true next-product propensity given the products held on its date
(`truth_propensity.appeal` plus the `truth_complements` of those products); without those, the
true segment's `truth_affinity`. Truth is read by evaluation code only, never by a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

NEXT_PRODUCT = "true next-product propensity given the products held on the split date"


def _next_propensity(
    tables: dict[str, pd.DataFrame],
    customer_ids: np.ndarray,
    product_ids: np.ndarray,
    held: sp.csr_matrix,
) -> np.ndarray:
    """customers x products: the true probability that each product is the next one opened, given
    the products in `held` (softmax of appeal + the held products' complements, held ones 0)."""
    truth = tables["truth_propensity"]
    appeal = truth.pivot_table(
        index="customer_id", columns="product_id", values="appeal", aggfunc="max"
    )
    logits = appeal.reindex(index=customer_ids, columns=product_ids).to_numpy(float)
    links = tables["truth_complements"]
    column = pd.Index(product_ids).get_indexer(links["product_id"])
    source = pd.Index(product_ids).get_indexer(links["held_product_id"])
    first = links["held_product_id"].to_numpy() == 0
    boost = np.zeros(len(product_ids))
    np.add.at(
        boost,
        column[first & (column >= 0)],
        links["log_odds"].to_numpy(float)[first & (column >= 0)],
    )
    known = ~first & (column >= 0) & (source >= 0)
    matrix = sp.csr_matrix(
        (links["log_odds"].to_numpy(float)[known], (source[known], column[known])),
        shape=(len(product_ids), len(product_ids)),
    )
    held = sp.csr_matrix(held, dtype=np.float64)
    held.data[:] = 1.0
    logits = logits + np.asarray((held @ matrix).todense())
    logits += (np.diff(held.indptr) == 0)[:, None] * boost
    logits[np.repeat(np.arange(held.shape[0]), np.diff(held.indptr)), held.indices] = -np.inf
    logits[np.isnan(logits)] = -np.inf  # products or customers the truth does not know
    top = logits.max(axis=1, keepdims=True)
    weights = np.exp(logits - np.where(np.isfinite(top), top, 0.0))
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def oracle_scores(
    tables: dict[str, pd.DataFrame],
    customer_ids: np.ndarray,
    product_ids: np.ndarray,
    held: sp.csr_matrix | None = None,
) -> tuple[np.ndarray | None, str]:
    """customers x products true propensity and where it comes from (None without truth tables).

    held: the products each customer held on a date (customers x products, e.g. a temporal split's
    training matrix): the scores are then the true next-product propensity given those products,
    when the bank stores the appeal and complements it needs.
    """
    if (
        held is not None
        and {"truth_propensity", "truth_complements"} <= set(tables)
        and "appeal" in tables["truth_propensity"].columns
    ):
        return (
            _next_propensity(tables, customer_ids, product_ids, held),
            NEXT_PRODUCT,
        )
    if "truth_propensity" in tables:
        truth = tables["truth_propensity"]
        p = truth.pivot_table(index="customer_id", columns="product_id", values="p", aggfunc="max")
        p = p.reindex(index=customer_ids, columns=product_ids).fillna(0.0)
        return p.to_numpy(float), "per-customer true propensity (truth_propensity)"
    if {"truth_segments", "truth_affinity"} <= set(tables):
        affinity = tables["truth_affinity"].pivot(
            index="segment", columns="product_id", values="propensity"
        )
        affinity = affinity.reindex(columns=product_ids).fillna(0.0)
        segment = tables["truth_segments"].set_index("customer_id")["segment"]
        scores = affinity.reindex(segment.reindex(customer_ids).to_numpy()).to_numpy(float)
        return np.nan_to_num(scores), "true propensity of the true segment (truth_affinity)"
    return None, ""
