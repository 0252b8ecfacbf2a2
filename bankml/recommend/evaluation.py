"""Offline evaluation of recommenders: seeded hold-out splits, ranking metrics, baselines, oracle.

The oracle ranks products by the generator's true propensity for the customer's true segment
(truth_segments, truth_affinity): it reads truth and exists only here, never in a model.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml import data
from bankml.errors import InputError
from bankml.recommend.bank import _matrix, segment_series
from bankml.recommend.estimator import ItemCFRecommender, check_implicit_matrix

METRICS = ("hit_rate", "precision", "recall", "ndcg", "map", "coverage", "novelty")


def holdout_split(
    X: sp.spmatrix, fraction: float | None = None, random_state: int | None = 0
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hide holdings of every customer with at least two: one each (fraction=None) or a fraction.

    With a fraction, each such customer hides max(1, round(fraction x holdings)) and keeps at least
    one. Returns (train, test) with the same shape; train + test == X.
    """
    X = check_implicit_matrix(X)
    if fraction is not None and not 0 < fraction < 1:
        raise InputError(f"fraction={fraction!r} must be between 0 and 1 (exclusive)")
    rng = np.random.default_rng(random_state)
    counts = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    order = np.lexsort((rng.random(X.nnz), rows))  # random order within each row
    rank = np.empty(X.nnz, np.int64)
    rank[order] = np.arange(X.nnz) - X.indptr[rows[order]]
    if fraction is None:
        hide_count = np.where(counts >= 2, 1, 0)
    else:
        hide_count = np.where(
            counts >= 2, np.clip(np.round(fraction * counts), 1, counts - 1), 0
        ).astype(np.int64)
    hidden = rank < hide_count[rows]
    coo = X.tocoo()
    test = sp.csr_matrix((coo.data[hidden], (coo.row[hidden], coo.col[hidden])), shape=X.shape)
    train = sp.csr_matrix((coo.data[~hidden], (coo.row[~hidden], coo.col[~hidden])), shape=X.shape)
    return train, test


def top_n_from_scores(scores: np.ndarray, train: sp.csr_matrix, n: int) -> np.ndarray:
    """Column indices of the n best scores per row, items held in train excluded (ties by column)."""
    key = np.array(scores, dtype=np.float64, copy=True)
    rows = np.repeat(np.arange(train.shape[0]), np.diff(train.indptr))
    key[rows, train.indices] = -np.inf
    return np.argsort(-key, axis=1, kind="stable")[:, :n]


def ranking_metrics(
    recommended: np.ndarray, test: sp.csr_matrix, k: int, popularity: np.ndarray | None = None
) -> dict[str, float]:
    """Hit rate, precision, recall, NDCG, MAP at k over rows with a hidden item; coverage, novelty.

    recommended holds column indices (-1 = no item), one row per matrix row. popularity is the share
    of customers holding each item (for novelty = mean -log2 share of the recommended items).
    """
    test = sp.csr_matrix(test)
    recommended = np.asarray(recommended)[:, :k]
    relevant = np.diff(test.indptr)
    users = np.flatnonzero(relevant > 0)
    if len(users) == 0:
        raise InputError("the test matrix hides no items: nothing to evaluate")
    recs = recommended[users]
    n_items = test.shape[1]
    test_keys = np.sort(
        np.repeat(np.arange(test.shape[0]), relevant).astype(np.int64) * n_items + test.indices
    )
    rec_keys = users[:, None].astype(np.int64) * n_items + recs
    hits = np.isin(rec_keys, test_keys) & (recs >= 0)
    n_rel = relevant[users]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(n_rel, k) - 1]
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    average_precision = (precision_at * hits).sum(axis=1) / np.minimum(n_rel, k)
    valid = recs[recs >= 0]
    result = {
        "hit_rate": float(hits.any(axis=1).mean()),
        "precision": float((hits.sum(axis=1) / k).mean()),
        "recall": float((hits.sum(axis=1) / n_rel).mean()),
        "ndcg": float((dcg / ideal).mean()),
        "map": float(average_precision.mean()),
        "coverage": float(len(np.unique(valid)) / n_items),
        "novelty": float("nan"),
    }
    if popularity is not None and len(valid):
        share = np.clip(np.asarray(popularity, float)[valid], 1e-12, None)
        result["novelty"] = float(np.mean(-np.log2(share)))
    return result


def _fallback_groups(customers: pd.DataFrame) -> pd.Series:
    """Age band x income tercile: the segment baseline's stand-in when bankml.segment is missing."""
    age = pd.cut(customers["age"], [0, 25, 35, 50, 65, 200], labels=False)
    income = pd.qcut(customers["annual_income"].rank(method="first"), 3, labels=False)
    return (age.astype(int).astype(str) + "-" + income.astype(int).astype(str)).reset_index(
        drop=True
    )


def _group_popularity(train: sp.csr_matrix, groups: np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(groups).fillna("unknown"))
    onehot = sp.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(codes.max() + 1, len(codes))
    )
    counts = np.asarray((onehot @ train).todense())
    return counts[codes]


def evaluate_recommenders(
    path: str | os.PathLike | None = None,
    k: int = 5,
    random_state: int = 0,
    model: ItemCFRecommender | None = None,
    use_segments: bool = True,
) -> pd.DataFrame:
    """Item-CF (and its naive-Bayes variant) vs popularity, segment popularity and the oracle.

    Two seeded splits: "leave-one-out" (one hidden holding per customer) and "20% hold-out".
    One row per (split, method) with METRICS at k, the number of evaluated customers and notes.
    Segments come from bankml.segment when use_segments and it works, else age x income bands.
    """
    if int(k) != k or k < 1:
        raise InputError(f"k={k!r} must be a positive integer")
    tables = data.read_tables(["customers", "products", "holdings"], path)
    X, customer_ids, product_ids = _matrix(
        tables["customers"], tables["products"], tables["holdings"]
    )
    k = min(int(k), X.shape[1])
    customers = tables["customers"].set_index("customer_id").reindex(customer_ids)
    segments, note = (
        segment_series(path, customer_ids) if use_segments else (None, "segments not requested")
    )
    if segments is None:
        groups = _fallback_groups(customers).to_numpy()
        segment_method = "segment popularity (age x income bands)"
        segment_note = f"{note}; grouped by age band x income tercile instead"
    else:
        groups = segments.to_numpy()
        segment_method, segment_note = "segment popularity", "segments from bankml.segment"
    oracle = _oracle_scores(path, customer_ids, product_ids)

    rows = []
    for split, fraction in (("leave-one-out", None), ("20% hold-out", 0.2)):
        train, test = holdout_split(X, fraction, random_state)
        popularity = np.asarray(train.mean(axis=0)).ravel()
        fitted = (model or ItemCFRecommender(random_state=random_state)).fit(train)
        ranked = {
            "item-cf": (
                fitted.recommend(np.arange(X.shape[0]), n=k)[0],
                f"{fitted.similarity} item-item",
            ),
            "popularity": (
                top_n_from_scores(np.broadcast_to(popularity, X.shape), train, k),
                "share holding each product",
            ),
            segment_method: (
                top_n_from_scores(_group_popularity(train, groups), train, k),
                segment_note,
            ),
        }
        if model is None:
            bayes = ItemCFRecommender(similarity="bayes", random_state=random_state).fit(train)
            ranked["item-cf (naive Bayes)"] = (
                bayes.recommend(np.arange(X.shape[0]), n=k)[0],
                "naive-Bayes item-item weights of evidence",
            )
        if oracle is not None:
            ranked["oracle"] = (
                top_n_from_scores(oracle, train, k),
                "true propensity of the true segment (evaluation only)",
            )
        evaluated = int((np.diff(test.indptr) > 0).sum())
        for method, (recommended, detail) in ranked.items():
            metrics = ranking_metrics(recommended, test, k, popularity)
            rows.append(
                {
                    "split": split,
                    "method": method,
                    "k": k,
                    **metrics,
                    "customers": evaluated,
                    "note": detail,
                }
            )
    return pd.DataFrame(rows)


def _oracle_scores(
    path: str | os.PathLike | None, customer_ids: np.ndarray, product_ids: np.ndarray
) -> np.ndarray | None:
    """customers x products true propensity, or None when the bank carries no truth tables."""
    if not {"truth_segments", "truth_affinity"} <= set(data.list_tables(path)):
        return None
    truth = data.read_tables(["truth_segments", "truth_affinity"], path)
    affinity = truth["truth_affinity"].pivot(
        index="segment", columns="product_id", values="propensity"
    )
    affinity = affinity.reindex(columns=product_ids).fillna(0.0)
    segment = (
        truth["truth_segments"].set_index("customer_id")["segment"].reindex(customer_ids).to_numpy()
    )
    return affinity.reindex(segment).to_numpy(float)
