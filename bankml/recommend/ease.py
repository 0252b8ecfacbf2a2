"""A learned item-item model in closed form (EASE, Steck 2019), with optional customer-context columns.

Each product is regressed on all the others (ridge, zero diagonal):
B = I - P / diag(P), P = (G + l2 I)^-1, G = U'U, where U = [products | context pseudo-items].
Context pseudo-items (segment, age band, income band, ...) are extra columns of U: their weights are
learned with the products', but they are never recommended. A customer's score for product j is
sum_i u_i B[i, j], so "because you hold X" and "because customers like you hold Y" are the exact
terms of the score. The Gram matrix is dense: at most EASE_COLUMN_LIMIT columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg as la
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from bankml.errors import InputError
from bankml.recommend.estimator import check_implicit_matrix, checked_rows, item_position
from bankml.recommend.metrics import holdout_split, ranking_metrics

EASE_COLUMN_LIMIT = 10_000  # products + context columns: a 10k x 10k float64 Gram is 800 MB
L2_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)  # multiples of the mean product popularity
VALIDATION_ROWS = 50_000  # customers sampled for choosing l2 (the Gram of the rest is not needed)
VALIDATION_SCORED = 20_000  # of those, customers whose hidden products are ranked
CHUNK_CELLS = 1 << 22  # scores computed per chunk of rows: rows * products <= this


def ease_weights(gram: np.ndarray, l2: float, n_items: int, dropout: float = 0.0) -> np.ndarray:
    """Columns of B for the first n_items columns of the Gram: B[:, j] = -P[:, j] / P[j, j], B[j, j] = 0.

    P = (G + l2 I + dropout / (1 - dropout) diag(G))^-1 with the dropout term on product columns
    only (Steck 2020, denoising EDLAE: products are dropped from a customer's row, their context
    is not). Solved in float32 (4x faster than float64; the ridge keeps the system well
    conditioned).
    """
    penalty = np.full(len(gram), float(l2))
    penalty[:n_items] += dropout / (1.0 - dropout) * np.diag(gram)[:n_items]
    regularised = gram.astype(np.float32) + np.diag(penalty).astype(np.float32)
    factor = la.cho_factor(regularised, lower=True, overwrite_a=True, check_finite=False)
    P = la.cho_solve(factor, np.eye(len(gram), n_items, dtype=np.float32), check_finite=False)
    B = -P / np.diag(P)[None, :n_items]
    B[np.arange(n_items), np.arange(n_items)] = 0.0
    return B.astype(np.float32)


def _gram(U: sp.csr_matrix) -> np.ndarray:
    """U'U as a dense float64 array: sparse x dense (fast BLAS-like kernel) when U is narrow."""
    if U.shape[1] <= 256:
        return np.asarray(U.T @ U.toarray(), dtype=np.float64)
    return (U.T @ U).toarray().astype(np.float64)


def _top_n(scores: np.ndarray, held: sp.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and scores of the n best per row; held columns excluded (NaN when too few)."""
    key = scores.astype(np.float64, copy=True)
    if held.nnz:
        rows = np.repeat(np.arange(held.shape[0]), np.diff(held.indptr))
        key[rows, held.indices] = -np.inf
    if n < key.shape[1]:
        top = np.argpartition(-key, n - 1, axis=1)[:, :n]
    else:
        top = np.broadcast_to(np.arange(key.shape[1]), key.shape).copy()
    order = np.argsort(-np.take_along_axis(key, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_scores = np.take_along_axis(key, top, axis=1)
    top_scores[np.isneginf(top_scores)] = np.nan
    return top, top_scores


class EASERecommender(BaseEstimator):
    """Closed-form learned item-item recommender (scikit-learn style), products plus context.

    Parameters
    ----------
    l2 : "auto" or float > 0
        Ridge penalty. "auto" picks it on the training matrix: a seeded share of each sampled
        customer's products is hidden, the model refitted for the values of l2_grid in increasing
        order (stopping two values past the best, as the curve has one peak), and the value with
        the best NDCG@10 on the hidden products is kept.
    l2_grid : tuple of float
        Candidate penalties for "auto", as multiples of the mean number of customers per product.
    dropout : float in [0, 1)
        Extra penalty dropout / (1 - dropout) x (customers holding the product) on each product
        column, as in denoising with that dropout rate (Steck 2020); 0 is plain EASE. 0.25 was chosen on
        latent-factor matrices with seeds 0 and 1 (not those the bench reports).
    validation_fraction : float in (0, 1)
        Share of each customer's products hidden while choosing l2.
    random_state : int or None
        Seeds the validation split and the tie-break between equal scores.

    Attributes
    ----------
    weights_ : ndarray (n_columns, n_items), B restricted to product columns; rows are products
        then context columns, zero diagonal.
    item_ids_, context_names_ : names of the product columns and of the context columns.
    l2_ : the penalty used; validation_ : DataFrame (l2, ndcg) of the search, None when fixed.
    user_items_, user_context_ : the fitted matrices (CSR float32).
    """

    def __init__(
        self,
        l2: float | str = "auto",
        l2_grid: tuple[float, ...] = L2_GRID,
        dropout: float = 0.25,
        validation_fraction: float = 0.2,
        random_state: int | None = 0,
    ) -> None:
        self.l2 = l2
        self.l2_grid = l2_grid
        self.dropout = dropout
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _check_params(self) -> None:
        if isinstance(self.l2, str):
            if self.l2 != "auto":
                raise InputError(f"l2={self.l2!r} must be 'auto' or a number > 0")
        elif not (np.isfinite(self.l2) and self.l2 > 0):
            raise InputError(f"l2={self.l2!r} must be 'auto' or a number > 0")
        grid = np.asarray(self.l2_grid, dtype=float)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
            raise InputError(f"l2_grid={self.l2_grid!r} must be a non-empty list of numbers > 0")
        if not 0 <= self.dropout < 1:
            raise InputError(f"dropout={self.dropout!r} must be at least 0 and below 1")
        if not 0 < self.validation_fraction < 1:
            raise InputError(
                f"validation_fraction={self.validation_fraction!r} must be between 0 and 1"
            )

    def __sklearn_tags__(self):
        """Implicit feedback: a sparse, non-negative customer x item matrix only."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X, y=None, item_ids=None, context=None, context_names=None) -> EASERecommender:
        """Learn B from X (customers x products, sparse, >= 0) and optional context (customers x flags)."""
        self._check_params()
        X = check_implicit_matrix(X)
        n_users, n_items = X.shape
        item_ids = np.arange(n_items) if item_ids is None else np.asarray(item_ids)
        if item_ids.shape != (n_items,) or len(np.unique(item_ids)) != n_items:
            raise InputError(f"item_ids must be {n_items} unique ids, one per column of X")
        if context is None:
            C = sp.csr_matrix((n_users, 0), dtype=np.float32)
        else:
            C = check_implicit_matrix(context, "context")
            if C.shape[0] != n_users:
                raise InputError(
                    f"context has {C.shape[0]} rows but X has {n_users}: one row per customer"
                )
        names = (
            np.array([f"context {i}" for i in range(C.shape[1])], dtype=object)
            if context_names is None
            else np.asarray(context_names, dtype=object)
        )
        if names.shape != (C.shape[1],):
            raise InputError(f"context_names must be {C.shape[1]} names, one per context column")
        if n_items + C.shape[1] > EASE_COLUMN_LIMIT:
            raise InputError(
                f"EASERecommender keeps a dense Gram matrix: at most {EASE_COLUMN_LIMIT} products"
                f" + context columns; got {n_items + C.shape[1]}. Use ItemCFRecommender instead"
            )
        U = X if C.shape[1] == 0 else sp.hstack([X, C], format="csr", dtype=np.float32)
        if self.l2 == "auto":
            ratio, self.validation_ = self._choose_l2(X, C)
        else:
            ratio, self.validation_ = None, None
        gram = _gram(U)
        scale = max(float(np.diag(gram)[:n_items].mean()), 1.0)
        self.l2_ = float(self.l2) if ratio is None else ratio * scale
        self.weights_ = ease_weights(gram, self.l2_, n_items, self.dropout)
        self.user_items_, self.user_context_, self._U = X, C, U
        self.item_ids_, self.context_names_ = item_ids, names
        self.n_context_in_ = C.shape[1]  # context columns a caller passes (design's input)
        self.item_popularity_ = np.bincount(X.indices, minlength=n_items)
        self.n_features_in_ = n_items
        rng = np.random.default_rng(self.random_state)
        rank = np.argsort(np.argsort(self.item_popularity_ + rng.random(n_items) * 0.5))
        self._tiebreak = (rank / max(n_items, 1) * 1e-6).astype(np.float32)
        self._index_of = pd.Index(item_ids)
        return self

    def _choose_l2(self, X: sp.csr_matrix, C: sp.csr_matrix) -> tuple[float, pd.DataFrame | None]:
        """The l2_grid multiple with the best NDCG@10 on products hidden from training customers."""
        rng = np.random.default_rng(self.random_state)
        grid = np.sort(np.asarray(self.l2_grid, dtype=float))
        rows = np.arange(X.shape[0])
        if len(rows) > VALIDATION_ROWS:
            rows = np.sort(rng.choice(len(rows), VALIDATION_ROWS, replace=False))
        train, test = holdout_split(X[rows], self.validation_fraction, self.random_state)
        scored = np.flatnonzero(np.diff(test.indptr) > 0)
        if len(scored) == 0:  # nobody holds two products: nothing to validate on
            return float(grid[len(grid) // 2]), None
        if len(scored) > VALIDATION_SCORED:
            scored = np.sort(rng.choice(scored, VALIDATION_SCORED, replace=False))
        n_items = X.shape[1]
        U = train if C.shape[1] == 0 else sp.hstack([train, C[rows]], format="csr")
        gram = _gram(U)
        scale = max(float(np.diag(gram)[:n_items].mean()), 1.0)
        k = max(1, min(10, n_items - 1))
        held, hidden, U = train[scored], test[scored], U[scored]
        results: list[float] = []
        for ratio in grid:  # one solve per candidate (a handful), not a loop over data
            B = ease_weights(gram, ratio * scale, n_items, self.dropout)
            top, _ = _top_n(np.asarray(U @ B), held, k)
            results.append(ranking_metrics(top, hidden, k)["ndcg"])
            if len(results) - 1 - int(np.argmax(results)) >= 2:  # past the peak twice: stop
                break
        best = int(np.argmax(results))
        searched = grid[: len(results)]
        return float(grid[best]), pd.DataFrame({"l2_ratio": searched, "ndcg_at_10": results})

    # -- helpers --------------------------------------------------------------------------------

    def _rows(self, customer_rows) -> tuple[np.ndarray, bool]:
        return checked_rows(customer_rows, self._U.shape[0])

    def _item_index(self, product_id) -> int:
        return item_position(self._index_of, product_id)

    # -- public API -----------------------------------------------------------------------------

    def design(self, X, context=None) -> sp.csr_matrix:
        """The model's input rows for customers held X with context flags in the order of
        context_names_[:n_context_in_] (e.g. customers not fitted): [X | context]."""
        check_is_fitted(self, "weights_")
        X = sp.csr_matrix(X, dtype=np.float32)
        if context is None:
            context = sp.csr_matrix((X.shape[0], self.n_context_in_), dtype=np.float32)
        return sp.hstack([X, sp.csr_matrix(context)], format="csr", dtype=np.float32)

    def scores(self, customer_rows) -> np.ndarray:
        """Raw scores (rows x products) for a batch of row indices, held products included."""
        check_is_fitted(self, "weights_")
        rows, _ = self._rows(customer_rows)
        return np.asarray(self._U[rows] @ self.weights_)

    def recommend(
        self, customer_rows, n: int = 5, exclude_held: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (product_ids, scores): 1-D arrays for one row index, 2-D (one row each) for a batch.

        For a batch, a customer with fewer than n candidates gets padding: id -1 and score NaN.
        For one customer the padding is dropped.
        """
        check_is_fitted(self, "weights_")
        rows, single = self._rows(customer_rows)
        if int(n) != n or n < 1:
            raise InputError(f"n={n!r} must be a positive integer")
        n_items = self.weights_.shape[1]
        n = min(int(n), n_items)
        U, X = self._U, self.user_items_
        empty = sp.csr_matrix((1, n_items), dtype=np.float32)
        if single:
            row = int(rows[0])
            start, end = U.indptr[row], U.indptr[row + 1]
            scores = U.data[start:end] @ self.weights_[U.indices[start:end]] + self._tiebreak
            held = X[row] if exclude_held else empty
            top, top_scores = _top_n(scores[None, :], held, n)
            keep = ~np.isnan(top_scores[0])
            return self.item_ids_[top[0][keep]], top_scores[0][keep] - self._tiebreak[top[0][keep]]
        ids = np.empty((len(rows), n), dtype=self.item_ids_.dtype)
        out = np.empty((len(rows), n), dtype=np.float64)
        chunk = max(1, CHUNK_CELLS // n_items)
        contiguous = len(rows) > 0 and bool(np.all(np.diff(rows) == 1))
        for start in range(0, len(rows), chunk):  # chunks of rows, not a loop over customers
            part = rows[start : start + chunk]
            # a run of consecutive rows is a cheap slice; anything else a fancy-index copy
            pick = slice(int(part[0]), int(part[-1]) + 1) if contiguous else part
            scores = U[pick] @ self.weights_
            scores += self._tiebreak
            held = X[pick] if exclude_held else sp.csr_matrix((len(part), n_items))
            top, top_scores = _top_n(scores, held, n)
            missing = np.isnan(top_scores)
            ids[start : start + chunk] = np.where(missing, -1, self.item_ids_[top])
            out[start : start + chunk] = top_scores - self._tiebreak[top]
        return ids, out

    def similar_items(self, product_id, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """The n products whose score holding product_id raises most: (product_ids, weights)."""
        check_is_fitted(self, "weights_")
        item = self._item_index(product_id)
        row = self.weights_[item].astype(np.float64)
        key = row + self._tiebreak
        key[item] = -np.inf
        order = np.argsort(-key, kind="stable")[: max(0, min(int(n), len(row) - 1))]
        return self.item_ids_[order], row[order]

    def explain(self, customer_row: int, product_id, n: int = 3) -> pd.DataFrame:
        """The terms of product_id's score for this customer, largest positive first.

        Columns: kind ("product" held, or "context"), feature (product id or context name), value
        (the customer's entry), weight (learned B entry), contribution (value x weight).
        """
        check_is_fitted(self, "weights_")
        rows, _ = self._rows(customer_row)
        target = self._item_index(product_id)
        U = self._U
        start, end = U.indptr[rows[0]], U.indptr[rows[0] + 1]
        columns = U.indices[start:end]
        values = U.data[start:end].astype(np.float64)
        weights = self.weights_[columns, target].astype(np.float64)
        n_items = self.weights_.shape[1]
        is_item = columns < n_items
        feature = np.empty(len(columns), dtype=object)
        feature[is_item] = self.item_ids_[columns[is_item]]
        feature[~is_item] = self.context_names_[columns[~is_item] - n_items]
        frame = pd.DataFrame(
            {
                "kind": np.where(is_item, "product", "context"),
                "feature": feature,
                "value": values,
                "weight": weights,
                "contribution": values * weights,
            }
        )
        # a context flag may enter through more than one column (NextProductRecommender's
        # new-customer block): one term per flag, its weights summed
        frame = frame.groupby(["kind", "feature"], sort=False, as_index=False).agg(
            value=("value", "first"), weight=("weight", "sum"), contribution=("contribution", "sum")
        )
        frame = frame[frame["contribution"] > 0].sort_values(
            "contribution", ascending=False, kind="stable"
        )
        return frame.head(n).reset_index(drop=True)
