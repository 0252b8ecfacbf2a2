"""The recommender on the bank: one bank read, the learned item-item model, rules and readable reasons.

Collaborators are explicit: the caller passes the segment names (from bankml.segment, or None for
"segments off") and the risk view (`risk_view(model, ...)` with the registry's default model, or
`RiskView.off(reason)`). Nothing here refits a clustering or loads a model behind the caller's back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml import data
from bankml.errors import InputError
from bankml.recommend.context import customer_context
from bankml.recommend.ease import EASERecommender
from bankml.recommend.memberships import aligned_memberships, check_same_customers, hard_segments
from bankml.recommend.risk import RiskView
from bankml.recommend.sequence import NextProductRecommender, opening_events

LENDING_FAMILY = "lending"
BANK_TABLES = ("customers", "products", "holdings", "loans")


@dataclass(frozen=True)
class AgeRule:
    """A product offered only within an age range (eligibility, declared once below)."""

    product: str
    min_age: int | None = None
    max_age: int | None = None

    def blocks(self, age: float) -> bool:
        return (self.min_age is not None and age < self.min_age) or (
            self.max_age is not None and age > self.max_age
        )

    def reason(self, age: float) -> str:
        if self.min_age is not None and age < self.min_age:
            return f"{self.product} requires age {self.min_age} or over (customer is {age:.0f})"
        return f"{self.product} is offered up to age {self.max_age} (customer is {age:.0f})"


# Every eligibility rule in one place. Held products and the risk rule are applied beside these.
ELIGIBILITY_RULES: tuple[AgeRule, ...] = (
    AgeRule("Student loan", max_age=35),
    AgeRule("Mortgage", min_age=21),
)


@dataclass(frozen=True)
class BankTables:
    """The tables the recommender reads, all from one connection (so one generation)."""

    customers: pd.DataFrame
    products: pd.DataFrame
    holdings: pd.DataFrame
    loans: pd.DataFrame


def read_bank(path: str | os.PathLike | None = None) -> BankTables:
    """customers, products, holdings and loans in one read (never truth_*)."""
    return BankTables(**data.read_tables(list(BANK_TABLES), path))


@dataclass(frozen=True)
class RecommenderContext:
    """Everything recommend_for_customer needs, built once per bank (pages cache it by hash)."""

    matrix: sp.csr_matrix
    customer_ids: np.ndarray
    product_ids: np.ndarray
    products: pd.DataFrame
    customers: pd.DataFrame
    holdings: pd.DataFrame
    model: EASERecommender
    segments: pd.Series | None
    segment_note: str
    risk: RiskView
    memberships: pd.DataFrame | None = None  # soft segment memberships, when the caller gave them

    def row_of(self, customer_id: int) -> int:
        """Matrix row of a customer id; InputError naming the id and the valid range."""
        try:
            key = int(customer_id)
        except (TypeError, ValueError):
            raise InputError(f"customer id {customer_id!r} is not an integer") from None
        position = int(np.searchsorted(self.customer_ids, key))
        if position >= len(self.customer_ids) or self.customer_ids[position] != key:
            raise InputError(
                f"unknown customer id {key}: this bank has ids"
                f" {self.customer_ids.min()}..{self.customer_ids.max()}"
            )
        return position


def holdings_matrix(
    path: str | os.PathLike | None = None,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The customers x products holding matrix (1 = holds) with the row and column ids."""
    tables = data.read_tables(["customers", "products", "holdings"], path)
    return _matrix(tables["customers"], tables["products"], tables["holdings"])


def _matrix(
    customers: pd.DataFrame, products: pd.DataFrame, holdings: pd.DataFrame
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    customer_ids = np.sort(customers["customer_id"].to_numpy(np.int64))
    product_ids = np.sort(products["product_id"].to_numpy(np.int64))
    rows = np.searchsorted(customer_ids, holdings["customer_id"].to_numpy(np.int64))
    cols = np.searchsorted(product_ids, holdings["product_id"].to_numpy(np.int64))
    valid = (rows < len(customer_ids)) & (cols < len(product_ids))
    valid[valid] &= (customer_ids[rows[valid]] == holdings["customer_id"].to_numpy()[valid]) & (
        product_ids[cols[valid]] == holdings["product_id"].to_numpy()[valid]
    )
    matrix = sp.csr_matrix(
        (np.ones(int(valid.sum()), np.float32), (rows[valid], cols[valid])),
        shape=(len(customer_ids), len(product_ids)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix, customer_ids, product_ids


def aligned_segments(
    segments: pd.Series | pd.DataFrame | None, customer_ids: np.ndarray
) -> pd.Series | pd.DataFrame | None:
    """Segment names (or soft memberships) in customer_ids' order; InputError when they come from
    another bank."""
    if segments is None:
        return None
    if isinstance(segments, pd.DataFrame):
        return aligned_memberships(segments, customer_ids)
    if not isinstance(segments, pd.Series):
        raise InputError(
            "segments must be a Series of names by customer id (or a DataFrame of memberships,"
            f" bankml.recommend.segment_memberships); got {type(segments)}"
        )
    check_same_customers(segments.index, customer_ids, "segments")
    return segments.reindex(customer_ids).astype(str)


def build_context(
    bank: BankTables,
    *,
    segments: pd.Series | None,
    risk: RiskView,
    model: EASERecommender | None = None,
) -> RecommenderContext:
    """Fit the item-item model on the bank's holdings, their opening history and context, once.

    segments: segment name per customer id (bankml.segment on the same bank), soft memberships
    (`segment_memberships(result, features)`: customers x segment names), or None when segments
    are off (the model then uses the other context columns only). risk: `risk_view(...)` or
    `RiskView.off(reason)`.
    """
    if not isinstance(risk, RiskView):
        raise InputError(f"risk must be a RiskView (RiskView.off(reason) for none); got {risk!r}")
    matrix, customer_ids, product_ids = _matrix(bank.customers, bank.products, bank.holdings)
    customers = bank.customers.set_index("customer_id").reindex(customer_ids)
    aligned = aligned_segments(segments, customer_ids)
    flags, flag_names = customer_context(customers, aligned)
    soft = isinstance(aligned, pd.DataFrame)
    names = hard_segments(aligned) if soft else aligned
    model = model or NextProductRecommender()
    if isinstance(model, NextProductRecommender):
        events = (  # a bank without dates has no history: EASE and context only
            opening_events(bank.holdings, customer_ids, product_ids)
            if "opened_date" in bank.holdings.columns
            else None
        )
        model.fit(
            matrix, item_ids=product_ids, context=flags, context_names=flag_names, events=events
        )
    else:
        model.fit(matrix, item_ids=product_ids, context=flags, context_names=flag_names)
    return RecommenderContext(
        matrix=matrix,
        customer_ids=customer_ids,
        product_ids=product_ids,
        products=bank.products.set_index("product_id").reindex(product_ids),
        customers=customers,
        holdings=bank.holdings,
        model=model,
        segments=names,
        segment_note=(
            "segments off"
            if names is None
            else "segments on (soft memberships)"
            if soft
            else "segments on"
        ),
        risk=risk,
        memberships=aligned if soft else None,
    )


def offer_decisions(customer_id: int, context: RecommenderContext) -> pd.DataFrame:
    """For every product: may it be offered to this customer, and if not, which rule says no."""
    row = context.row_of(customer_id)
    held = np.zeros(len(context.product_ids), bool)
    held[context.matrix.indices[context.matrix.indptr[row] : context.matrix.indptr[row + 1]]] = True
    names = context.products["name"].astype(str).to_numpy()
    families = context.products["family"].astype(str).to_numpy()
    reason = np.where(held, "already held", "").astype(object)
    age = float(context.customers["age"].iloc[row])
    for rule in ELIGIBILITY_RULES:
        hit = (names == rule.product) & (reason == "")
        if hit.any() and rule.blocks(age):
            reason[hit] = rule.reason(age)
    lending = (families == LENDING_FAMILY) & (reason == "")
    note = context.risk.note
    if context.risk.active:
        pd_value = float(context.risk.pd_by_customer.get(int(customer_id), np.nan))
        cutoff = context.risk.cutoff
        if not np.isfinite(pd_value):
            raise InputError(f"the risk view has no PD for customer {int(customer_id)}")
        if pd_value > cutoff:
            reason[lending] = f"PD {pd_value:.2f} is above the default model's cut-off {cutoff:.2f}"
        note = f"PD {pd_value:.2f} within the default model's cut-off {cutoff:.2f}"
    notes = np.where(lending & (reason == ""), note, "")
    return pd.DataFrame(
        {
            "product_id": context.product_ids,
            "name": names,
            "family": families,
            "allowed": reason == "",
            "rule": reason.astype(str),
            "note": notes.astype(str),
        }
    )


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reason_text(target: str, held: list[str], like_you: list[str]) -> str:
    """An adviser's sentence from the held products and context behind an offer (no weights)."""
    parts = []
    if held:
        parts.append(f"Customers who hold {_listing(held)} often open {target} next")
    if like_you:
        tail = "often hold it too" if held else f"often hold {target}"
        parts.append(
            f"{'customers' if held else 'Customers'} like you ({', '.join(like_you)}) {tail}"
        )
    return "; ".join(parts) if parts else f"{target} is popular with customers overall"


def recommend_for_customer(
    customer_id: int, context: RecommenderContext, n: int = 5, rules: bool = True
) -> pd.DataFrame:
    """Top-n offers for one customer: product_id, name, family, score, reason, evidence, note.

    reason is a sentence for an adviser; evidence lists the model's terms behind it with their
    weights; note carries the risk check of lending offers.
    """
    if int(n) != n or n < 1:
        raise InputError(f"n={n!r} must be a positive integer")
    row = context.row_of(customer_id)
    decisions = offer_decisions(customer_id, context)
    allowed = decisions["allowed"].to_numpy()
    if not rules:
        allowed = decisions["rule"].to_numpy() != "already held"
    ids, scores = context.model.recommend(row, n=len(context.product_ids), exclude_held=True)
    keep = allowed[np.searchsorted(context.product_ids, ids)]
    result = pd.DataFrame({"product_id": ids[keep], "score": scores[keep]}).head(int(n))
    products = context.products.reindex(result["product_id"])
    result["name"] = products["name"].astype(str).to_numpy()
    result["family"] = products["family"].astype(str).to_numpy()
    reasons, evidence = [], []
    for product_id, name in zip(result["product_id"], result["name"], strict=True):  # <= n rows
        terms = context.model.explain(row, product_id, n=4)
        terms = terms[terms["contribution"] >= 0.01]
        is_product = (terms["kind"] == "product").to_numpy()
        labels = np.array(
            [
                str(context.products["name"].get(f)) if product else str(f)
                for f, product in zip(terms["feature"], is_product, strict=True)  # <= 4 terms
            ],
            dtype=object,
        )
        held = [str(x) for x in labels[is_product][:2]]
        like_you = [str(x) for x in labels[~is_product][:2]]
        reasons.append(reason_text(name, held, like_you))
        evidence.append(
            "; ".join(f"{x} {w:+.2f}" for x, w in zip(labels, terms["contribution"], strict=True))
        )
    result["reason"] = reasons
    result["evidence"] = evidence
    notes = decisions.set_index("product_id")["note"].reindex(result["product_id"]).to_numpy()
    result["note"] = notes if rules else ""
    return result[["product_id", "name", "family", "score", "reason", "evidence", "note"]]


def customer_holdings(customer_id: int, context: RecommenderContext) -> pd.DataFrame:
    """The products a customer holds: product_id, name, family, opened_date."""
    context.row_of(customer_id)
    held = context.holdings[context.holdings["customer_id"] == int(customer_id)]
    frame = held.merge(context.products.reset_index(), on="product_id", how="left")
    return (
        frame[["product_id", "name", "family", "opened_date"]]
        .sort_values("product_id")
        .reset_index(drop=True)
    )


def customer_profile(customer_id: int, context: RecommenderContext) -> pd.Series:
    """The customer's record (no truth), with their segment name when segments are on."""
    row = context.row_of(customer_id)
    profile = context.customers.iloc[row].copy()
    if context.segments is not None:
        profile["segment"] = context.segments.iloc[row]
    return profile


def find_customers(text: str, context: RecommenderContext, limit: int = 20) -> pd.DataFrame:
    """Customers whose id equals text or whose name contains it (case-insensitive)."""
    text = (text or "").strip()
    names = context.customers["name"].astype(str)
    if not text:
        mask = np.ones(len(names), bool)
    elif text.isdigit():
        mask = (context.customer_ids == int(text)) | names.str.contains(
            text, regex=False
        ).to_numpy()
    else:
        mask = names.str.contains(text, case=False, regex=False).to_numpy()
    return pd.DataFrame(
        {"customer_id": context.customer_ids[mask], "name": names.to_numpy()[mask]}
    ).head(limit)


def similarity_frame(context: RecommenderContext) -> pd.DataFrame:
    """Product x product learned weights in long form (held, offered, weight) for a heatmap.

    weight = how much holding `held` raises the model's score for `offered` (0 on the diagonal).
    """
    names = context.products["name"].astype(str).to_numpy()
    weights = context.model.weights_[: len(names)]
    a, b = np.meshgrid(np.arange(len(names)), np.arange(len(names)), indexing="ij")
    return pd.DataFrame(
        {"held": names[a.ravel()], "offered": names[b.ravel()], "weight": weights.ravel()}
    )
