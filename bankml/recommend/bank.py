"""The recommender on the bank: holdings matrix, business rules, cold start and readable reasons.

Segments (bankml.segment) and the default model (bankml.registry / bankml.default) are optional
collaborators: they are imported lazily, and when they are missing or fail the recommender still
works (plain popularity for cold start, no risk rule) and says so in the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml import data
from bankml.errors import InputError
from bankml.recommend.estimator import ItemCFRecommender

LENDING_FAMILY = "lending"
# The variant the dashboard and CLI use: the naive-Bayes item-item weights beat cosine on the synthetic
# bank's hold-out (NDCG@5 1.31x popularity vs 1.16x; see `bankml bench --section recommend`).
DASHBOARD_SIMILARITY = "bayes"


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
class RiskView:
    """Each customer's PD from the current default model and its cut-off (or why there is none)."""

    pd_by_customer: pd.Series | None
    cutoff: float | None
    note: str

    @property
    def active(self) -> bool:
        return self.pd_by_customer is not None and self.cutoff is not None


@dataclass(frozen=True)
class RecommenderContext:
    """Everything recommend_for_customer needs, built once per bank (pages cache it by hash)."""

    matrix: sp.csr_matrix
    customer_ids: np.ndarray
    product_ids: np.ndarray
    products: pd.DataFrame
    customers: pd.DataFrame
    holdings: pd.DataFrame
    model: ItemCFRecommender
    segments: pd.Series | None
    segment_note: str
    risk: RiskView
    popularity: pd.DataFrame = field(repr=False)

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


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def segment_series(
    path: str | os.PathLike | None, customer_ids: np.ndarray
) -> tuple[pd.Series | None, str]:
    """Segment label per customer id from bankml.segment, or None and why not."""
    try:
        from bankml.segment import segment_labels
    except ImportError:
        return None, "no segmentation available"
    try:
        labels = segment_labels(path)
    except Exception as exc:  # an optional collaborator: its failure must not stop recommendations
        return None, f"segmentation failed ({_first_line(exc)})"
    if isinstance(labels, pd.DataFrame):
        frame = labels.reset_index() if "customer_id" not in labels.columns else labels
        if "customer_id" not in frame.columns:
            return None, "segmentation returned no customer_id"
        name = next(
            (c for c in ("segment_name", "name", "segment", "label") if c in frame.columns), None
        )
        if name is None:
            return None, "segmentation returned no segment column"
        series = pd.Series(frame[name].to_numpy(), index=frame["customer_id"].to_numpy())
    else:
        series = pd.Series(labels)
        if len(series) == len(customer_ids) and not series.index.isin(customer_ids).all():
            series.index = customer_ids
    series = series.astype(str).reindex(customer_ids)
    if series.isna().all():
        return None, "segmentation labels match no customer"
    return series, "segment popularity"


def risk_view(path: str | os.PathLike | None = None) -> RiskView:
    """PD of each customer's latest loan application under the current default model, if any."""
    try:
        from bankml import registry

        try:
            from bankml.default import loan_frame
        except ImportError:
            from bankml.default.features import loan_frame
    except ImportError:
        return RiskView(None, None, "risk check skipped: no default model in this build")
    try:
        if hasattr(registry, "current_id") and registry.current_id() is None:
            return RiskView(None, None, "risk check skipped: no default model trained yet")
        loaded = registry.load_model()
    except Exception as exc:  # a damaged or stale model: recommend without the rule, say why
        return RiskView(
            None, None, f"risk check skipped: no usable default model ({_first_line(exc)})"
        )
    model = loaded[0] if isinstance(loaded, tuple) else loaded
    if model is None:
        return RiskView(None, None, "risk check skipped: no default model trained yet")
    try:
        frame = loan_frame(path)
        scores = np.asarray(model.predict_pd(frame), dtype=float).ravel()
        cutoff = float(model.cutoff_)
        latest = (
            pd.DataFrame(
                {
                    "customer_id": frame["customer_id"].to_numpy(),
                    "date": frame["application_date"].to_numpy(),
                    "pd": scores,
                }
            )
            .sort_values(["customer_id", "date"], kind="stable")
            .drop_duplicates("customer_id", keep="last")
        )
    except Exception as exc:  # the model may not fit this bank; recommend without the rule
        return RiskView(
            None, None, f"risk check skipped: default model failed ({_first_line(exc)})"
        )
    series = pd.Series(latest["pd"].to_numpy(), index=latest["customer_id"].to_numpy())
    return RiskView(
        series, cutoff, f"risk check with the current default model (cut-off {cutoff:.2f})"
    )


def current_model_key() -> str:
    """The current default model's sha256 ("none" without one): part of a cache key for the context."""
    try:
        from bankml import registry

        if registry.current_id() is None:
            return "none"
        return str(registry.verify()["sha256"])
    except Exception:
        return "unavailable"


def popularity_table(matrix: sp.csr_matrix, segments: pd.Series | None) -> pd.DataFrame:
    """Share of customers holding each product overall (column "all") and per segment."""
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    table = pd.DataFrame({"all": overall})
    if segments is not None:
        codes, names = pd.factorize(segments.fillna("unknown"), sort=True)
        onehot = sp.csr_matrix(
            (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(names), len(codes))
        )
        counts = np.asarray((onehot @ matrix).todense())
        sizes = np.bincount(codes, minlength=len(names))[:, None]
        shares = counts / np.maximum(sizes, 1)
        table = pd.concat([table, pd.DataFrame(shares.T, columns=list(names))], axis=1)
    return table


def build_context(
    path: str | os.PathLike | None = None,
    model: ItemCFRecommender | None = None,
    use_segments: bool = True,
) -> RecommenderContext:
    """Read the bank, fit the item-CF model and gather segments and risk, once.

    use_segments=False skips bankml.segment (which fits a clustering: slow on a large bank);
    cold start then falls back to plain popularity.
    """
    tables = data.read_tables(["customers", "products", "holdings"], path)
    matrix, customer_ids, product_ids = _matrix(
        tables["customers"], tables["products"], tables["holdings"]
    )
    model = (model or ItemCFRecommender(similarity=DASHBOARD_SIMILARITY)).fit(
        matrix, item_ids=product_ids
    )
    segments, note = (
        segment_series(path, customer_ids) if use_segments else (None, "segments not requested")
    )
    products = tables["products"].set_index("product_id").reindex(product_ids)
    customers = tables["customers"].set_index("customer_id").reindex(customer_ids)
    return RecommenderContext(
        matrix=matrix,
        customer_ids=customer_ids,
        product_ids=product_ids,
        products=products,
        customers=customers,
        holdings=tables["holdings"],
        model=model,
        segments=segments,
        segment_note=note,
        risk=risk_view(path),
        popularity=popularity_table(matrix, segments),
    )


def offer_decisions(
    customer_id: int,
    path: str | os.PathLike | None = None,
    context: RecommenderContext | None = None,
) -> pd.DataFrame:
    """For every product: may it be offered to this customer, and if not, which rule says no."""
    context = context or build_context(path)
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
    risk_note = ""
    if context.risk.active:
        pd_value = context.risk.pd_by_customer.get(int(customer_id))
        if pd_value is None or not np.isfinite(pd_value):
            risk_note = "risk check skipped: no loan application on file"
        elif pd_value > context.risk.cutoff:
            reason[lending] = (
                f"PD {pd_value:.2f} is above the default model's cut-off {context.risk.cutoff:.2f}"
            )
        else:
            risk_note = f"PD {pd_value:.2f} within cut-off {context.risk.cutoff:.2f}"
    else:
        risk_note = context.risk.note
    notes = np.where(lending & (reason == ""), risk_note, "")
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


def _because(names: pd.Series, similarities: pd.Series, measure: str = "similarity") -> str:
    parts = [f"{n} ({measure} {s:.2f})" for n, s in zip(names, similarities, strict=True)]
    return "because you hold " + " and ".join(parts)


def recommend_for_customer(
    customer_id: int,
    n: int = 5,
    path: str | os.PathLike | None = None,
    rules: bool = True,
    context: RecommenderContext | None = None,
) -> pd.DataFrame:
    """Top-n offers for one customer: product_id, name, family, score, reason, source.

    source is "item-cf" (scores from similar held products), "segment popularity" or
    "popularity" (cold start, or filling up when item-CF has no signal left).
    """
    if int(n) != n or n < 1:
        raise InputError(f"n={n!r} must be a positive integer")
    context = context or build_context(path)
    row = context.row_of(customer_id)
    model = context.model
    decisions = offer_decisions(customer_id, context=context) if rules else None
    allowed = decisions["allowed"].to_numpy() if rules else np.ones(len(context.product_ids), bool)
    held_count = context.matrix.indptr[row + 1] - context.matrix.indptr[row]
    if rules is False:
        held = context.matrix.indices[context.matrix.indptr[row] : context.matrix.indptr[row + 1]]
        allowed[held] = False

    ids, scores = model.recommend(row, n=len(context.product_ids), exclude_held=True)
    cf = pd.DataFrame({"product_id": ids, "score": scores})
    cf = cf[(cf["score"] > 0) & allowed[np.searchsorted(context.product_ids, ids)]]
    if held_count == 0:  # cold start: nothing held, so nothing for item-CF to build on
        cf = cf.iloc[:0]
    cf = cf.head(int(n)).assign(source="item-cf")

    segment = None
    if context.segments is not None:
        segment = context.segments.iloc[row]
    column = segment if segment is not None and segment in context.popularity.columns else "all"
    source = "segment popularity" if column != "all" else "popularity"
    popular = pd.DataFrame(
        {"product_id": context.product_ids, "score": context.popularity[column].to_numpy()}
    )
    popular = popular[allowed & ~popular["product_id"].isin(cf["product_id"]).to_numpy()]
    popular = popular.sort_values("score", ascending=False, kind="stable")
    fill = popular.head(int(n) - len(cf)).assign(source=source)
    result = pd.concat([cf, fill], ignore_index=True)

    result["name"] = context.products["name"].reindex(result["product_id"]).astype(str).to_numpy()
    result["family"] = (
        context.products["family"].reindex(result["product_id"]).astype(str).to_numpy()
    )
    reasons = []
    for product_id, origin in zip(result["product_id"], result["source"], strict=True):  # <= n rows
        if origin == "item-cf":
            top = model.explain(row, product_id, n=2)
            top = top[(top.index == 0) | (top["similarity"] >= 0.005)]  # no "(similarity 0.00)"
            names = context.products["name"].reindex(top["product_id"]).astype(str)
            reasons.append(
                _because(
                    names,
                    top["similarity"],
                    "evidence weight" if context.model.similarity == "bayes" else "similarity",
                )
                if len(top)
                else "ranked by the item model: often held by customers like you, though none of your products points to it in particular"
            )
        elif origin == "segment popularity":
            share = context.popularity.loc[context.product_ids == product_id, column].iloc[0]
            what = "no holdings yet" if held_count == 0 else "little signal from holdings"
            reasons.append(f"{what}: popular in your segment {segment} ({share:.0%} hold it)")
        else:
            share = context.popularity.loc[context.product_ids == product_id, "all"].iloc[0]
            what = "no holdings yet" if held_count == 0 else "little signal from holdings"
            reasons.append(
                f"{what}: popular with all customers ({share:.0%} hold it; {context.segment_note})"
            )
    result["reason"] = reasons
    if rules:
        notes = decisions.set_index("product_id")["note"].reindex(result["product_id"]).to_numpy()
        result["reason"] = [
            r if not note else f"{r}; {note}"
            for r, note in zip(result["reason"], notes, strict=True)
        ]
    return result[["product_id", "name", "family", "score", "reason", "source"]].reset_index(
        drop=True
    )


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
    """The customer's record (no truth), with their segment label when segmentation exists."""
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
    """Product x product similarity in long form (product_a, product_b, similarity) for a heatmap."""
    names = context.products["name"].astype(str).to_numpy()
    dense = context.model.similarity_.toarray()
    a, b = np.meshgrid(np.arange(len(names)), np.arange(len(names)), indexing="ij")
    return pd.DataFrame(
        {"product_a": names[a.ravel()], "product_b": names[b.ravel()], "similarity": dense.ravel()}
    )
