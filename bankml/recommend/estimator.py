"""Item-based collaborative filtering over any sparse implicit-feedback matrix.

Rows are customers (users), columns products (items). Similarity is sparse algebra: scale columns
to unit length, take X.T @ X, optionally shrink pairs seen together rarely, optionally keep only the
k nearest neighbours of each item. A customer's score for an item is the sum of the similarities
between that item and the items the customer holds, so "because you hold X" reads the exact terms
of the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from bankml.errors import InputError

SIMILARITIES = ("cosine", "asymmetric", "jaccard", "dot", "bayes")
DENSE_ITEM_LIMIT = 4096  # below this many items the similarity is kept dense: faster scoring
CHUNK_CELLS = 1 << 22  # scores computed per chunk of rows: rows * items <= this


def check_implicit_matrix(X: object, name: str = "X") -> sp.csr_matrix:
    """Validate an implicit-feedback matrix and return it as float32 CSR (no copy when it already is)."""
    if not sp.issparse(X):
        raise InputError(
            f"{name} must be a scipy.sparse matrix (customers x products); got {type(X).__name__}."
            " Wrap a dense array with scipy.sparse.csr_matrix(X)"
        )
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"{name} must be 2-D with at least one row and one column; got {X.shape}")
    if X.dtype.kind not in "biuf":
        raise InputError(f"{name} must hold numbers; got dtype {X.dtype}")
    X = sp.csr_matrix(X, dtype=np.float32)
    if X.nnz:
        bad = ~np.isfinite(X.data) | (X.data < 0)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            row = int(np.searchsorted(X.indptr, position, side="right") - 1)
            raise InputError(
                f"{name} has a negative or non-finite value {float(X.data[position])!r} at row {row},"
                f" column {int(X.indices[position])}: implicit feedback must be >= 0 and finite"
            )
    X.sum_duplicates()
    X.eliminate_zeros()
    return X


def _top_k_per_row(S: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest entries of every row (vectorised: one lexsort, no loop over rows)."""
    S = S.tocsr()
    rows = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
    order = np.lexsort((-S.data, rows))
    rank = np.arange(len(order)) - S.indptr[rows[order]]
    keep = order[rank < k]
    return sp.csr_matrix((S.data[keep], (rows[keep], S.indices[keep])), shape=S.shape)


def _naive_bayes_weights(
    binary: sp.csr_matrix, counts: np.ndarray, smoothing: float
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Weights of evidence W[i, j] (held item i -> candidate j) and item biases, Laplace-smoothed.

    log-odds(j | x) = logit P(j) + sum_i [x_i log(P(i|j)/P(i|not j))
                                         + (1 - x_i) log(P(not i|j)/P(not i|not j))]
    = bias_j + sum_i x_i W[i, j], with the "not held" terms folded into bias_j.
    """
    n = float(binary.shape[0])
    co = np.asarray((binary.T @ binary).todense(), dtype=np.float64)
    with_j = counts[None, :]
    p_i_given_j = (co + smoothing) / (with_j + 2 * smoothing)
    p_i_given_not_j = (counts[:, None] - co + smoothing) / (n - with_j + 2 * smoothing)
    held = np.log(p_i_given_j) - np.log(p_i_given_not_j)
    not_held = np.log1p(-p_i_given_j) - np.log1p(-p_i_given_not_j)
    np.fill_diagonal(held, 0.0)
    np.fill_diagonal(not_held, 0.0)
    prior = (counts + smoothing) / (n + 2 * smoothing)
    bias = np.log(prior) - np.log1p(-prior) + not_held.sum(axis=0)
    weights = sp.csr_matrix((held - not_held).astype(np.float32))
    return weights, bias.astype(np.float32)


def checked_rows(customer_rows, n_users: int) -> tuple[np.ndarray, bool]:
    """Row indices as int64 and whether one scalar row was given; InputError names a bad row."""
    rows = np.asarray(customer_rows)
    single = rows.ndim == 0
    rows = np.atleast_1d(rows)
    if rows.ndim != 1 or (rows.size and rows.dtype.kind not in "iu"):
        raise InputError("customer_rows must be an integer row index or a 1-D array of them")
    bad = (rows < 0) | (rows >= n_users)
    if bad.any():
        raise InputError(
            f"customer row {int(rows[bad][0])} is out of range: allowed 0..{n_users - 1}"
        )
    return rows.astype(np.int64), single


def item_position(index: pd.Index, product_id) -> int:
    """Column of a product id in the fitted matrix; InputError for an unknown id."""
    position = index.get_indexer([product_id])[0]
    if position < 0:
        raise InputError(f"unknown product id {product_id!r}: not a column of the fitted matrix")
    return int(position)


class ItemCFRecommender(BaseEstimator):
    """Item-item collaborative filtering recommender (scikit-learn style).

    Parameters
    ----------
    similarity : {"cosine", "asymmetric", "jaccard", "dot"}
        How co-occurrence is normalised: cosine divides by the two items' norms; asymmetric
        cosine divides by norm(held)^(2 alpha) x norm(candidate)^(2 (1 - alpha)) (alpha=1 is
        P(candidate | held) on binary data, which favours popular candidates); jaccard by the size of
        their union (binary); dot keeps raw co-occurrence. bayes (binary, at most 4,096 items)
        learns naive-Bayes weights of evidence: S[i, j] = how much holding i changes the log-odds
        of holding j, plus a per-item bias, so scores are P(holds j | holdings) under the naive
        Bayes assumption; it uses what a customer does *not* hold as evidence too.
    alpha : float in [0, 1]
        Exponent of the asymmetric cosine (0.5 equals cosine).
    shrinkage : float
        Added to the denominator so pairs of rarely held products get smaller similarities
        (for bayes: extra Laplace pseudo-count on top of 1).
    neighbours : int or None
        Keep only this many most similar items per item (None keeps all).
    random_state : int or None
        Seeds the tiny tie-break between items of equal score, so rankings are reproducible.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix (n_items, n_items), zero diagonal; row i holds item i's
        neighbours, so scores = user_items @ similarity_.
    user_items_ : the fitted matrix (CSR float32), used to find what each customer holds.
    item_ids_ : product id of every column (column indices when fitted on a bare matrix).
    item_popularity_ : number of customers holding each item.
    item_bias_ : per-item log-odds added to the scores (bayes only; None otherwise).
    """

    def __init__(
        self,
        similarity: str = "cosine",
        alpha: float = 0.5,
        shrinkage: float = 0.0,
        neighbours: int | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.similarity = similarity
        self.alpha = alpha
        self.shrinkage = shrinkage
        self.neighbours = neighbours
        self.random_state = random_state

    def __sklearn_tags__(self):
        """Implicit feedback: a sparse, non-negative customer x item matrix only."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X, y=None, item_ids=None) -> ItemCFRecommender:
        """Learn item-item similarities from X (customers x products, sparse, >= 0)."""
        if self.similarity not in SIMILARITIES:
            raise InputError(
                f"similarity={self.similarity!r} is not supported: allowed {', '.join(SIMILARITIES)}"
            )
        if not 0.0 <= self.alpha <= 1.0:
            raise InputError(f"alpha={self.alpha!r} must be between 0 and 1")
        if not (np.isfinite(self.shrinkage) and self.shrinkage >= 0):
            raise InputError(f"shrinkage={self.shrinkage!r} must be a number >= 0")
        if self.neighbours is not None and (
            int(self.neighbours) != self.neighbours or self.neighbours < 1
        ):
            raise InputError(f"neighbours={self.neighbours!r} must be a positive integer or None")
        X = check_implicit_matrix(X)
        n_items = X.shape[1]
        if item_ids is None:
            item_ids = np.arange(n_items)
        item_ids = np.asarray(item_ids)
        if item_ids.shape != (n_items,) or len(np.unique(item_ids)) != n_items:
            raise InputError(f"item_ids must be {n_items} unique ids, one per column of X")

        binary = X.copy()
        binary.data[:] = 1.0
        counts = np.asarray(binary.sum(axis=0)).ravel()
        bias = None
        if self.similarity == "bayes":
            if n_items > DENSE_ITEM_LIMIT:
                raise InputError(
                    f"similarity='bayes' supports at most {DENSE_ITEM_LIMIT} items; X has {n_items}:"
                    " use cosine"
                )
            S, bias = _naive_bayes_weights(binary, counts, 1.0 + self.shrinkage)
            X = binary
        else:
            S = self._normalised_cooccurrence(X, binary, counts)
        if self.neighbours is not None and self.neighbours < n_items - 1:
            S = _top_k_per_row(S, int(self.neighbours))

        self.similarity_ = S
        self._similarity_dense = S.toarray() if n_items <= DENSE_ITEM_LIMIT else None
        self.user_items_ = X
        self.item_ids_ = item_ids
        self.item_popularity_ = counts
        self.item_bias_ = bias
        self.n_features_in_ = n_items
        # tie-break: a sub-resolution bonus for popular items, then a seeded jitter
        rng = np.random.default_rng(self.random_state)
        rank = np.argsort(np.argsort(counts + rng.random(n_items) * 0.5))
        self._tiebreak = (rank / max(n_items, 1) * 1e-6).astype(np.float32)
        self._index_of = pd.Index(item_ids)
        return self

    def _normalised_cooccurrence(
        self, X: sp.csr_matrix, binary: sp.csr_matrix, counts: np.ndarray
    ) -> sp.csr_matrix:
        if self.similarity == "jaccard":
            co = (binary.T @ binary).tocoo()
            denominator = counts[co.row] + counts[co.col] - co.data
        else:
            co = (X.T @ X).tocoo()
            squares = np.asarray(X.multiply(X).sum(axis=0), dtype=np.float64).ravel()
            alpha = 0.5 if self.similarity == "cosine" else self.alpha
            denominator = (
                1.0
                if self.similarity == "dot"
                else squares[co.row] ** alpha * squares[co.col] ** (1.0 - alpha)
            )
        values = co.data / (denominator + self.shrinkage)
        off_diagonal = co.row != co.col
        S = sp.csr_matrix(
            (values[off_diagonal], (co.row[off_diagonal], co.col[off_diagonal])),
            shape=(X.shape[1], X.shape[1]),
            dtype=np.float32,
        )
        S.eliminate_zeros()
        return S

    # -- helpers --------------------------------------------------------------------------------

    def _finish(self, scores: np.ndarray) -> np.ndarray:
        """Add the item bias and map log-odds to probabilities (bayes); identity otherwise."""
        if self.item_bias_ is None:
            return scores
        return expit(scores + self.item_bias_)

    def _rows(self, customer_rows) -> tuple[np.ndarray, bool]:
        return checked_rows(customer_rows, self.user_items_.shape[0])

    def _item_index(self, product_id) -> int:
        return item_position(self._index_of, product_id)

    def _scores(self, user_items: sp.csr_matrix) -> np.ndarray:
        if self._similarity_dense is not None:
            return self._finish(np.asarray(user_items @ self._similarity_dense))
        return self._finish((user_items @ self.similarity_).toarray())

    def _top_n(
        self, scores: np.ndarray, user_items: sp.csr_matrix, n: int, exclude_held: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        key = scores + self._tiebreak
        if exclude_held and user_items.nnz:
            held_rows = np.repeat(np.arange(user_items.shape[0]), np.diff(user_items.indptr))
            key[held_rows, user_items.indices] = -np.inf
        n_items = key.shape[1]
        if n < n_items:
            top = np.argpartition(-key, n - 1, axis=1)[:, :n]
        else:
            top = np.broadcast_to(np.arange(n_items), key.shape).copy()
        order = np.argsort(-np.take_along_axis(key, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(scores, top, axis=1).astype(np.float64)
        excluded = np.isneginf(np.take_along_axis(key, top, axis=1))
        top_scores[excluded] = np.nan
        return top, top_scores

    def _top_n_sparse(
        self, part: sp.csr_matrix, n: int, exclude_held: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-n from the sparse score matrix (many items): sort only the non-zero scores.

        Rows with fewer than n positive candidates fall back to the dense ranking, which fills
        them with zero-score items in tie-break order, so both paths give the same answer.
        """
        scores = (part @ self.similarity_).tocsr()
        if exclude_held and part.nnz:
            held = part.copy()
            held.data[:] = 1.0
            scores = (scores - scores.multiply(held)).tocsr()
        scores.data[scores.data <= 0] = 0.0
        scores.eliminate_zeros()
        counts = np.diff(scores.indptr)
        row_of = np.repeat(np.arange(scores.shape[0]), counts)
        key = scores.data + self._tiebreak[scores.indices]
        order = np.lexsort((-key, row_of))
        rank = np.arange(len(order)) - scores.indptr[row_of[order]]
        keep = order[rank < n]
        full = counts >= n
        top = np.empty((scores.shape[0], n), dtype=np.int64)
        top_scores = np.empty((scores.shape[0], n), dtype=np.float64)
        kept_full = keep[full[row_of[keep]]]
        top[full] = scores.indices[kept_full].reshape(-1, n)
        top_scores[full] = scores.data[kept_full].reshape(-1, n)
        if (~full).any():
            few = np.flatnonzero(~full)
            top[few], top_scores[few] = self._top_n(
                self._scores(part[few]), part[few], n, exclude_held
            )
        return top, top_scores

    # -- public API -----------------------------------------------------------------------------

    def recommend(
        self, customer_rows, n: int = 5, exclude_held: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (product_ids, scores): 1-D arrays for one row index, 2-D (one row each) for a batch.

        For a batch, a customer with fewer than n candidates gets padding: id -1 and score NaN.
        For one customer the padding is dropped.
        """
        check_is_fitted(self, "similarity_")
        rows, single = self._rows(customer_rows)
        n_items = self.user_items_.shape[1]
        if int(n) != n or n < 1:
            raise InputError(f"n={n!r} must be a positive integer")
        n = min(int(n), n_items)
        X = self.user_items_
        if single:
            row = int(rows[0])
            start, end = X.indptr[row], X.indptr[row + 1]
            held = X.indices[start:end]
            weights = X.data[start:end]
            if self._similarity_dense is not None:
                scores = weights @ self._similarity_dense[held]
            else:
                scores = np.asarray(self.similarity_[held].T @ weights).ravel()
            scores = self._finish(scores)
            one = sp.csr_matrix((weights, held, [0, len(held)]), shape=(1, n_items))
            top, top_scores = self._top_n(scores[None, :], one, n, exclude_held)
            keep = ~np.isnan(top_scores[0])
            return self.item_ids_[top[0][keep]], top_scores[0][keep]
        ids = np.empty((len(rows), n), dtype=self.item_ids_.dtype)
        out_scores = np.empty((len(rows), n), dtype=np.float64)
        chunk = max(1, CHUNK_CELLS // n_items)
        for start in range(0, len(rows), chunk):  # chunks of rows, not a loop over customers
            part = X[rows[start : start + chunk]]
            if self._similarity_dense is None and self.item_bias_ is None:
                top, top_scores = self._top_n_sparse(part, n, exclude_held)
            else:
                top, top_scores = self._top_n(self._scores(part), part, n, exclude_held)
            item = self.item_ids_[top]
            if np.isnan(top_scores).any():
                item = np.where(np.isnan(top_scores), -1, item)
            ids[start : start + chunk] = item
            out_scores[start : start + chunk] = top_scores
        return ids, out_scores

    def similar_items(self, product_id, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """The n products most similar to product_id (itself excluded): (product_ids, similarities)."""
        check_is_fitted(self, "similarity_")
        item = self._item_index(product_id)
        row = self.similarity_.getrow(item).toarray().ravel()
        row[item] = -np.inf
        order = np.argsort(-(row + self._tiebreak), kind="stable")[
            : max(0, min(int(n), len(row) - 1))
        ]
        return self.item_ids_[order], row[order].astype(np.float64)

    def explain(self, customer_row: int, product_id, n: int = 3) -> pd.DataFrame:
        """Held products that contributed most to product_id's score for this customer.

        Returns columns product_id (a held product), weight (its value in X), similarity and
        contribution (weight x similarity), largest first; only positive contributions.
        """
        check_is_fitted(self, "similarity_")
        rows, _ = self._rows(customer_row)
        target = self._item_index(product_id)
        X = self.user_items_
        start, end = X.indptr[rows[0]], X.indptr[rows[0] + 1]
        held = X.indices[start:end]
        weights = X.data[start:end].astype(np.float64)
        similarity = self.similarity_[held, target].toarray().ravel().astype(np.float64)
        frame = pd.DataFrame(
            {
                "product_id": self.item_ids_[held],
                "weight": weights,
                "similarity": similarity,
                "contribution": weights * similarity,
            }
        )
        frame = frame[frame["contribution"] > 0].sort_values(
            "contribution", ascending=False, kind="stable"
        )
        return frame.head(n).reset_index(drop=True)
