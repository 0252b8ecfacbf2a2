"""Top-n offers for every customer at once: the same ranking and rules as recommend_for_customer,
vectorised over a batch of customers, so the local engine and Spark's executors share it.

A batch is the customers' held products and context (their own record and segment name), their
age and, when the risk check is on, their PD. Rules: held products, the age rules and, for lending
products, a PD above the default model's cut-off block an offer. Reasons stay per customer
(`recommend_for_customer`); the batch returns ids, names and scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml.recommend.bank import ELIGIBILITY_RULES, LENDING_FAMILY, RecommenderContext
from bankml.recommend.context import customer_context
from bankml.recommend.ease import EASERecommender, _top_n

OFFER_COLUMNS = ("customer_id", "rank", "product_id", "name", "score")


@dataclass(frozen=True)
class OfferModel:
    """What ranking a batch needs: the fitted model, the products in its item order, the cut-off."""

    model: EASERecommender
    names: np.ndarray
    families: np.ndarray
    cutoff: float | None

    @classmethod
    def from_context(cls, context: RecommenderContext) -> OfferModel:
        """The context's model, products and cut-off."""
        model = context.model
        return cls(
            model=model,
            names=context.products["name"].astype(str).to_numpy(),
            families=context.products["family"].astype(str).to_numpy(),
            cutoff=context.risk.cutoff if context.risk.active else None,
        )


def held_matrix(held: pd.Series, item_ids: np.ndarray) -> sp.csr_matrix:
    """Customers x products (1 = holds) from one list of held product ids per customer."""
    lengths = held.map(lambda x: 0 if x is None else len(x)).to_numpy(np.int64)
    flat = np.concatenate(
        [np.asarray(x, np.int64) for x in held if x is not None and len(x)]
        or [np.empty(0, np.int64)]
    )
    rows = np.repeat(np.arange(len(held)), lengths)
    cols = np.searchsorted(item_ids, flat)
    ok = (cols < len(item_ids)) & (item_ids[np.minimum(cols, len(item_ids) - 1)] == flat)
    matrix = sp.csr_matrix(
        (np.ones(int(ok.sum()), np.float32), (rows[ok], cols[ok])), shape=(len(held), len(item_ids))
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def context_rows(model: EASERecommender, customers: pd.DataFrame, segments) -> sp.csr_matrix:
    """The batch's context flags in the fitted model's input order (unseen flags dropped)."""
    flags, names = customer_context(customers, segments)
    given = model.context_names_[: model.n_context_in_]  # the model adds its own columns after
    position = {name: i for i, name in enumerate(given)}
    target = np.array([position.get(name, -1) for name in names], np.int64)
    coo = flags.tocoo()
    keep = target[coo.col] >= 0
    return sp.csr_matrix(
        (coo.data[keep], (coo.row[keep], target[coo.col[keep]])),
        shape=(len(customers), len(given)),
    )


def top_offers(
    offer: OfferModel,
    customer_ids: np.ndarray,
    held: sp.csr_matrix,
    context: sp.csr_matrix,
    age: np.ndarray,
    pd_values: np.ndarray | None,
    n: int = 5,
    rules: bool = True,
) -> pd.DataFrame:
    """Long table (customer_id, rank, product_id, name, score): each customer's top-n allowed offers."""
    model = offer.model
    key = np.asarray(model.design(held, context) @ model.weights_) + model._tiebreak
    blocked = held.toarray() > 0
    if rules:
        for rule in ELIGIBILITY_RULES:
            column = offer.names == rule.product
            if column.any():
                blocked[np.ix_(_blocks(rule, age), column)] = True
        if pd_values is not None and offer.cutoff is not None:
            risky = np.asarray(pd_values, float) > offer.cutoff
            blocked[np.ix_(risky, offer.families == LENDING_FAMILY)] = True
    n = min(int(n), key.shape[1])
    top, scores = _top_n(key, sp.csr_matrix(blocked.astype(np.float32)), n)
    scores = scores - model._tiebreak[top]
    found = ~np.isnan(scores)
    rows = np.repeat(np.arange(len(customer_ids)), n).reshape(-1, n)[found]
    ranks = np.broadcast_to(np.arange(1, n + 1), top.shape)[found]
    items = top[found]
    return pd.DataFrame(
        {
            "customer_id": np.asarray(customer_ids, np.int64)[rows],
            "rank": ranks.astype(np.int64),
            "product_id": model.item_ids_[items].astype(np.int64),
            "name": offer.names[items].astype(object),
            "score": scores[found].astype(np.float64),
        }
    )


def _blocks(rule, age: np.ndarray) -> np.ndarray:
    age = np.asarray(age, float)
    low = np.zeros(len(age), bool) if rule.min_age is None else age < rule.min_age
    high = np.zeros(len(age), bool) if rule.max_age is None else age > rule.max_age
    return low | high


def offers_for_all(context: RecommenderContext, n: int = 5, rules: bool = True) -> pd.DataFrame:
    """Every customer's top-n offers on the local engine (same code as each Spark batch)."""
    pd_values = None
    if context.risk.active:
        pd_values = context.risk.pd_by_customer.reindex(context.customer_ids).to_numpy(float)
    segments = context.segments if context.memberships is None else context.memberships
    flags = context_rows(context.model, context.customers, segments)
    offer = OfferModel.from_context(context)
    parts = []
    step = 50_000  # customers per block: bounded memory for the dense score block
    for start in range(0, len(context.customer_ids), step):
        block = slice(start, start + step)
        parts.append(
            top_offers(
                offer,
                context.customer_ids[block],
                context.matrix[block],
                flags[block],
                context.customers["age"].to_numpy(float)[block],
                None if pd_values is None else pd_values[block],
                n,
                rules,
            )
        )
    return pd.concat(parts, ignore_index=True)
