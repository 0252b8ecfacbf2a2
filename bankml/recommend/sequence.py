"""The learned item-item model that also learns from the holdings' own history (what comes next).

EASE learns which products go together in the customers' current holdings. A bank also knows the
order in which products were opened: every opening event is a labelled example "with these
products (and this context) the customer opened that one next". `NextProductRecommender` fits
both in closed form over the same columns (products, then context pseudo-items, then a "no products
yet" flag) and adds the two weight matrices, each scaled to unit spread of its scores:

- B_ease: EASE on [holdings | context] (see bankml.recommend.ease);
- W_next: ridge regression of the opened product (one-hot) on the holdings before it and the
  context, W = (S'S + l2 I)^-1 S'Y, over every opening event passed in.

A customer who holds nothing yet has only context, and both parts above weigh context given the
products a customer holds. So a third part serves them: a ridge regression of the products
customers hold on their context, B_new = (C'C + l2 I)^-1 C'X, entered as a copy of the context
columns that is non-zero only for customers holding no product (their score adds C B_new, scaled
to the other parts' spread and weighted by new_customer_weight).

The result is still one item-item weight matrix, so `recommend`, `similar_items` and `explain`
are EASERecommender's, and "because you hold X" stays an exact term of the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from bankml.errors import InputError
from bankml.recommend.ease import L2_GRID, EASERecommender, _gram
from bankml.recommend.estimator import check_implicit_matrix

NO_PRODUCTS = "no products yet"  # the flag column: the customer holds no product (yet)
SCALE_ROWS = 50_000  # customers sampled to measure each part's spread of scores
# opening events learned from: whole histories of a seeded sample of customers beyond this (the
# regression has only products + context columns; 200k events pin it down, and fit stays flat in n)
NEXT_EVENTS = 200_000


def opening_dates(holdings: pd.DataFrame, purpose: str) -> pd.Series:
    """holdings' opened_date as dates; InputError naming the first row that is not one, or the
    missing column (`purpose`: what the dates are for, e.g. "for a temporal split")."""
    if "opened_date" not in holdings.columns:
        raise InputError(f"holdings lack column opened_date: no history {purpose}")
    dates = pd.to_datetime(holdings["opened_date"], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise InputError(f"holdings column opened_date is empty or not a date at row {row}")
    return dates


def opening_events(
    holdings: pd.DataFrame,
    customer_ids: np.ndarray,
    product_ids: np.ndarray,
    within: sp.csr_matrix | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer row, product column, opened_date) of every holding, ready for `fit(events=...)`.

    within: keep only the holdings that are entries of this customers x products matrix (a training
    split); holdings of unknown customers or products are dropped.
    """
    dates = opening_dates(holdings, "to learn the next product")
    customer = holdings["customer_id"].to_numpy(np.int64)
    product = holdings["product_id"].to_numpy(np.int64)
    rows = np.searchsorted(customer_ids, customer).clip(0, len(customer_ids) - 1)
    cols = np.searchsorted(product_ids, product).clip(0, len(product_ids) - 1)
    keep = (customer_ids[rows] == customer) & (product_ids[cols] == product)
    if within is not None:
        held = sp.csr_matrix(within)
        keys = np.repeat(np.arange(held.shape[0]), np.diff(held.indptr)).astype(np.int64)
        keys = keys * held.shape[1] + held.indices
        keep &= np.isin(rows.astype(np.int64) * held.shape[1] + cols, keys)
    return rows[keep], cols[keep], dates.to_numpy()[keep]


def _event_states(rows: np.ndarray, cols: np.ndarray, when: np.ndarray, n_items: int):
    """State matrix (events x products: the products opened before each event), targets, rows,
    and whether the event was the customer's first. Ties on one date keep the given order."""
    seconds = np.asarray(when, "datetime64[s]").astype(np.int64)
    seconds = seconds - (seconds.min() if len(seconds) else 0)
    # one int64 key (row, then date; a stable sort keeps the given order on ties): 7x lexsort's speed
    order = np.argsort(
        rows.astype(np.int64) * (int(seconds.max(initial=0)) + 1) + seconds, kind="stable"
    )
    rows, cols = rows[order], cols[order]
    start = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, bool)
    first_index = np.flatnonzero(start)
    step = np.arange(len(rows)) - first_index[np.cumsum(start) - 1]
    depth = int(step.max()) + 1 if len(step) else 0
    # for each lag d, event t's state holds the product opened d events earlier (a loop over at
    # most the deepest history, not over events)
    events = [np.flatnonzero(step >= d) for d in range(1, depth)]
    held_rows = np.concatenate([np.zeros(0, np.int64), *events])
    held_cols = np.concatenate(
        [np.zeros(0, np.int64), *[cols[e - d] for d, e in enumerate(events, 1)]]
    )
    S = sp.csr_matrix(
        (np.ones(len(held_rows), np.float32), (held_rows, held_cols)), shape=(len(rows), n_items)
    )
    S.sum_duplicates()
    S.data[:] = 1.0
    return S, cols, rows, step == 0


class NextProductRecommender(EASERecommender):
    """EASE plus a next-product regression on the opening history, as one item-item model.

    Parameters are EASERecommender's, plus:

    next_weight : float in [0, 1]
        Share of the next-product part in the sum (0 = plain EASE with the "no products yet" flag).
        0.3 was chosen on the choose scenarios `small`, `sparse_txn` and `tuning` (leave-one-out
        and temporal NDCG@5 over 0.2, 0.3, 0.4, 0.5: the temporal score rises with it, the
        leave-one-out score falls); reported on the others.
    next_l2 : float > 0
        Ridge penalty of the next-product regression, as a multiple of the mean number of events
        per product (the result was flat from 0.001 to 0.3 on the choose scenarios).
    new_customer_weight : float >= 0
        Weight of the context-only part for customers holding nothing (0 = off). 3 with
        new_customer_l2 0.3 were chosen on the choose scenarios with the temporal split's
        context as of its date (temporal NDCG@5 over weights 0.75, 1.5, 3, 6 and l2 0.1, 0.3, 1:
        0.865 -> 0.870x the oracle on average; checked on other seeds of the report scenarios,
        +0.003 on each; leave-one-out does not change: it scores only customers who hold
        products); reported on the others. (1.5 had been chosen with segments that saw past the
        split date.)
    new_customer_l2 : float > 0
        Its ridge penalty, as a multiple of the mean diagonal of the context Gram matrix.

    Without `events`, fit is EASERecommender's with the flag column. Attributes beyond EASE's:
    ease_weights_, next_weights_ (the two parts, unscaled) and n_events_.
    """

    def __init__(
        self,
        l2: float | str = "auto",
        l2_grid: tuple[float, ...] = L2_GRID,
        dropout: float = 0.25,
        validation_fraction: float = 0.2,
        random_state: int | None = 0,
        next_weight: float = 0.3,
        next_l2: float = 0.1,
        new_customer_weight: float = 3.0,
        new_customer_l2: float = 0.3,
    ) -> None:
        super().__init__(l2, l2_grid, dropout, validation_fraction, random_state)
        self.next_weight = next_weight
        self.next_l2 = next_l2
        self.new_customer_weight = new_customer_weight
        self.new_customer_l2 = new_customer_l2

    def fit(
        self, X, y=None, item_ids=None, context=None, context_names=None, events=None
    ) -> NextProductRecommender:
        """Learn from X (customers x products), context (customers x flags) and opening events.

        events: (customer row, product column, opened date) arrays, e.g. from `opening_events`;
        every event's products must be held in X (the history of the holdings fitted).
        """
        if not 0 <= self.next_weight <= 1:
            raise InputError(f"next_weight={self.next_weight!r} must be between 0 and 1")
        if not (np.isfinite(self.next_l2) and self.next_l2 > 0):
            raise InputError(f"next_l2={self.next_l2!r} must be a number > 0")
        if not (np.isfinite(self.new_customer_weight) and self.new_customer_weight >= 0):
            raise InputError(
                f"new_customer_weight={self.new_customer_weight!r} must be a number >= 0"
            )
        if not (np.isfinite(self.new_customer_l2) and self.new_customer_l2 > 0):
            raise InputError(f"new_customer_l2={self.new_customer_l2!r} must be a number > 0")
        X = check_implicit_matrix(X)
        n_users, n_items = X.shape
        if context is None:
            C = sp.csr_matrix((n_users, 0), dtype=np.float32)
            names = np.zeros(0, dtype=object)
        else:
            C = check_implicit_matrix(context, "context")
            names = (
                np.array([f"context {i}" for i in range(C.shape[1])], dtype=object)
                if context_names is None
                else np.asarray(context_names, dtype=object)
            )
        if C.shape[0] != n_users:
            raise InputError(f"context has {C.shape[0]} rows but X has {n_users}: one per customer")
        empty = sp.csr_matrix((np.diff(X.indptr) == 0).astype(np.float32)[:, None])
        C = sp.hstack([C, empty], format="csr", dtype=np.float32)
        names = np.append(names, NO_PRODUCTS)
        super().fit(X, item_ids=item_ids, context=C, context_names=names)
        self.n_context_in_ = C.shape[1] - 1  # the flag is the model's own column
        self.ease_weights_, self.next_weights_, self.n_events_ = self.weights_, None, 0
        self.new_customer_weights_ = None
        self._fit_next(X, C, events)
        self._fit_new_customers(X, C)
        return self

    def _fit_next(self, X: sp.csr_matrix, C: sp.csr_matrix, events) -> None:
        """The next-product regression on the opening events, added to the weights."""
        n_users, n_items = X.shape
        if events is None or self.next_weight == 0:
            return
        rows, cols, when = (np.asarray(part) for part in events)
        if not (len(rows) == len(cols) == len(when)):
            raise InputError("events must be three arrays of one length: row, column, date")
        if len(rows) and (rows.min() < 0 or rows.max() >= n_users or cols.min() < 0
                          or cols.max() >= n_items):  # fmt: skip
            raise InputError(f"events must name rows 0..{n_users - 1} and columns 0..{n_items - 1}")
        if len(rows) == 0:
            return
        if len(rows) > NEXT_EVENTS:
            rng = np.random.default_rng(self.random_state)
            chosen = rng.random(n_users) < NEXT_EVENTS / len(rows)
            rows, cols, when = rows[chosen[rows]], cols[chosen[rows]], when[chosen[rows]]
        S, target, event_rows, first = _event_states(rows, cols, when, n_items)
        flag = sp.csr_matrix(first.astype(np.float32)[:, None])
        U = sp.hstack([S, C[event_rows, :-1], flag], format="csr", dtype=np.float32)
        Y = sp.csr_matrix(
            (np.ones(len(target), np.float32), (np.arange(len(target)), target)),
            shape=(len(target), n_items),
        )
        gram = _gram(U)
        penalty = self.next_l2 * len(target) / n_items
        W = np.linalg.solve(gram + penalty * np.eye(len(gram)), np.asarray((U.T @ Y).todense()))
        W[np.arange(n_items), np.arange(n_items)] = 0.0
        sample = np.random.default_rng(self.random_state).permutation(n_users)[:SCALE_ROWS]
        spread_ease = float(np.asarray(self._U[sample] @ self.ease_weights_).std()) or 1.0
        spread_next = float(np.asarray(self._U[sample] @ W).std()) or 1.0
        share = float(self.next_weight)
        self.weights_ = (
            (1 - share) * self.ease_weights_ / spread_ease + share * W / spread_next
        ).astype(np.float32)
        self.next_weights_, self.n_events_ = W.astype(np.float32), len(target)  # events used

    def _fit_new_customers(self, X: sp.csr_matrix, C: sp.csr_matrix) -> None:
        """B_new (context -> products held) as extra rows, active only for customers holding nothing."""
        context = C[:, :-1]  # without the flag
        has = np.diff(X.indptr) > 0
        if self.new_customer_weight == 0 or context.shape[1] == 0 or has.all() or not has.any():
            return
        rng = np.random.default_rng(self.random_state)
        rows = np.flatnonzero(has)
        if len(rows) > NEXT_EVENTS:  # a seeded sample pins the small regression down
            rows = np.sort(rng.choice(rows, NEXT_EVENTS, replace=False))
        features, targets = context[rows], X[rows]
        gram = _gram(features)
        penalty = self.new_customer_l2 * max(float(np.diag(gram).mean()), 1e-12)
        B = np.linalg.solve(
            gram + penalty * np.eye(len(gram)), np.asarray((features.T @ targets).todense())
        )
        new = np.flatnonzero(~has)[:SCALE_ROWS]
        spread_model = float(np.asarray(self._U[new] @ self.weights_).std()) or 1.0
        spread_new = float(np.asarray(context[new] @ B).std()) or 1.0
        B = (self.new_customer_weight * spread_model / spread_new * B).astype(np.float32)
        self.new_customer_weights_ = B
        self.weights_ = np.vstack([self.weights_, B])
        names = self.context_names_[: self.n_context_in_]  # the same flags, for new customers
        self.context_names_ = np.concatenate([self.context_names_, names])
        self._U = self.design(X, context)

    def design(self, X, context=None) -> sp.csr_matrix:
        """Input rows for customers held X with context in context_names_[:n_context_in_] order:
        [X | context | no products yet | context if no products (when that part was fitted)]."""
        check_is_fitted(self, "weights_")
        X = sp.csr_matrix(X, dtype=np.float32)
        X.eliminate_zeros()
        if context is None:
            context = sp.csr_matrix((X.shape[0], self.n_context_in_), dtype=np.float32)
        context = sp.csr_matrix(context, dtype=np.float32)
        empty = (np.diff(X.indptr) == 0).astype(np.float32)[:, None]
        parts = [X, context, sp.csr_matrix(empty)]
        if self.new_customer_weights_ is not None:
            parts.append(sp.csr_matrix(context.multiply(empty)))
        return sp.hstack(parts, format="csr", dtype=np.float32)  # one copy of the rows
