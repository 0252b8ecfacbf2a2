"""Seeded hold-out splits and ranking metrics (shared by evaluation, the bench and model selection)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bankml.errors import InputError
from bankml.recommend.estimator import check_implicit_matrix


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
    order = np.argsort(rows + rng.random(X.nnz))  # random order within each row (rows sorted)
    rank = np.empty(X.nnz, np.int64)
    rank[order] = np.arange(X.nnz) - X.indptr[rows[order]]
    if fraction is None:
        hide_count = np.where(counts >= 2, 1, 0)
    else:
        hide_count = np.where(
            counts >= 2, np.clip(np.round(fraction * counts), 1, counts - 1), 0
        ).astype(np.int64)
    hidden = rank < hide_count[rows]
    return _subset(X, rows, ~hidden), _subset(X, rows, hidden)


def _subset(X: sp.csr_matrix, rows: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
    """The entries of CSR X where keep is True, still CSR (row order is kept, so no sorting)."""
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=X.shape[0]))])
    return sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape)


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
