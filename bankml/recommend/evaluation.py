"""Offline evaluation of recommenders: leave-one-out and temporal splits, baselines and the oracle.

Leave-one-out hides one holding of every customer with two or more. The temporal split is the
realistic task: fit on holdings opened before a date, score the products each customer opened on or
after it, with the customer context as of that date (`bankml.recommend.as_of`: age and tenure
wound back, and segments only from a segmentation of the features as of the date, never the
bank's segments of today, which see the later transactions and holdings). Two protocols place the
date (`bankml.recommend.temporal`): the headline, 12 months before the last opening (a yearly
campaign back-tested with the bank's record before it), and, beside it so the change can be seen,
the earlier 80 % quantile of all opening dates (weeks into the bank's transactions). The oracle ranks by the
generator's truth: for leave-one-out, the per-customer `truth_propensity.p` (given the products
held at the end, which is what leave-one-out hides one of); for the temporal split, the true
next-product propensity given the products held on the split date (`truth_propensity.appeal`
plus the `truth_complements` of those products), so it neither sees the holdings opened later nor is overstated by them. Without
those, the true segment's `truth_affinity`. Truth is read here only, never by a model.

With diagnostics=True one more row measures where the gap to the oracle comes from: the same model
refitted with the generator's true segment as its segment column ("diagnostic", never a choice of
setting). The oracle knows each customer's true segment blend and individual taste; the model
knows only the segments recovered from the data.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml import data
from bankml.customer_features import INCOME_SENTINEL
from bankml.errors import InputError, StoreError
from bankml.recommend.as_of import features_as_of, transaction_span, wind_back
from bankml.recommend.bank import _matrix, aligned_segments
from bankml.recommend.context import customer_context
from bankml.recommend.ease import EASERecommender
from bankml.recommend.estimator import ItemCFRecommender
from bankml.recommend.memberships import hard_segments
from bankml.recommend.metrics import holdout_split, ranking_metrics, top_n_from_scores
from bankml.recommend.observable import truth_fitted_scores
from bankml.recommend.oracle import NEXT_PRODUCT, oracle_scores
from bankml.recommend.sequence import NextProductRecommender, opening_events
from bankml.recommend.temporal import (
    HORIZON_MONTHS,
    TEMPORAL_QUANTILE,
    check_transaction_history,
    temporal_split,
)

METRICS = ("hit_rate", "precision", "recall", "ndcg", "map", "coverage", "novelty")
IN_USE = "item-item + context (in use)"
DIAGNOSTIC = "item-item + context, true segment (diagnostic)"
TRUTH_FITTED = "truth-fitted model of the observable data (diagnostic)"
TRUTH = ("truth_propensity", "truth_complements", "truth_segments", "truth_affinity")


def _fallback_groups(customers: pd.DataFrame) -> np.ndarray:
    """Age band x income tercile: a segment baseline's groups. A missing age or income (or the
    extract's income sentinel) is a band of its own ("?")."""
    age = pd.cut(pd.to_numeric(customers["age"], errors="coerce"), [0, 25, 35, 50, 65, 200])
    income = pd.to_numeric(customers["annual_income"], errors="coerce")
    income = income.where((income > 0) & (income < INCOME_SENTINEL))
    tercile = pd.qcut(income.rank(method="first"), 3, labels=False)
    codes = np.column_stack([age.cat.codes.to_numpy(), tercile.fillna(-1).to_numpy(int)])
    text = np.where(codes >= 0, codes.astype(str), "?")
    return np.char.add(np.char.add(text[:, 0], "-"), text[:, 1]).astype(object)


def _group_popularity(train: sp.csr_matrix, groups: np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(groups).fillna("unknown"))
    onehot = sp.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(codes.max() + 1, len(codes))
    )
    counts = np.asarray((onehot @ train).todense())
    return counts[codes]


def read_evaluation_tables(path: str | os.PathLike | None) -> dict[str, pd.DataFrame]:
    """customers, products, holdings and whichever truth tables exist, over one connection."""
    with data.connect(path) as con:
        try:
            present = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
            names = ["customers", "products", "holdings", *[t for t in TRUTH if t in present]]
            return {name: con.execute(f'SELECT * FROM "{name}"').df() for name in names}
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"the bank at {path} is incomplete or damaged ({first})") from None


def _rankings(
    train: sp.csr_matrix,
    customers: pd.DataFrame,
    segments: pd.Series | pd.DataFrame | None,
    groups: list[tuple[np.ndarray, str, str]],
    oracle: tuple[np.ndarray | None, str],
    k: int,
    random_state: int,
    model: EASERecommender | None,
    events: tuple[np.ndarray, np.ndarray, np.ndarray],
    true_segments: pd.Series | None = None,
) -> dict[str, tuple[np.ndarray, str, str]]:
    """method -> (top-k column indices, role, note) for every method on one training matrix.

    events: the opening events of the training holdings (for the next-product part of the model).
    true_segments: the generator's segment per customer (rows' order) for the diagnostic row.
    """
    users = np.arange(train.shape[0])
    flags, names = customer_context(customers, segments)
    in_use = model or NextProductRecommender(random_state=random_state)
    if isinstance(in_use, NextProductRecommender):
        in_use.fit(train, context=flags, context_names=names, events=events)
        in_use_note = f"EASE (l2 {in_use.l2_:.3g}) + next product from {in_use.n_events_} openings"
    else:
        in_use.fit(train, context=flags, context_names=names)
        in_use_note = f"EASE, l2 {in_use.l2_:.3g}"
    holdings_only = EASERecommender(random_state=random_state).fit(train)
    popularity = np.asarray(train.mean(axis=0)).ravel()
    ranked = {
        IN_USE: (in_use.recommend(users, n=k)[0], "in use", in_use_note),
        "item-item EASE, holdings only": (
            holdings_only.recommend(users, n=k)[0],
            "variant",
            "the learned model without customer context",
        ),
        "item-item EASE + context, no history": (
            EASERecommender(random_state=random_state)
            .fit(train, context=flags, context_names=names)
            .recommend(users, n=k)[0],
            "variant",
            "the learned model without the opening history",
        ),
        "item-cf (naive Bayes)": (
            ItemCFRecommender(similarity="bayes", random_state=random_state)
            .fit(train)
            .recommend(users, n=k)[0],
            "baseline",
            "naive-Bayes item-item weights of evidence",
        ),
        "item-cf (cosine)": (
            ItemCFRecommender(random_state=random_state).fit(train).recommend(users, n=k)[0],
            "baseline",
            "cosine item-item",
        ),
        "popularity": (
            top_n_from_scores(np.broadcast_to(popularity, train.shape), train, k),
            "baseline",
            "share holding each product",
        ),
    }
    for labels, method, note in groups:  # the segment baseline(s)
        ranked[method] = (
            top_n_from_scores(_group_popularity(train, labels), train, k),
            "baseline",
            note,
        )
    if true_segments is not None:
        flags_true, names_true = customer_context(customers, true_segments)
        ranked[DIAGNOSTIC] = (
            NextProductRecommender(random_state=random_state)
            .fit(train, context=flags_true, context_names=names_true, events=events)
            .recommend(users, n=k)[0],
            "diagnostic",
            "the model in use with the generator's true segment (the information it lacks)",
        )
    if oracle[0] is not None:
        ranked["oracle"] = (top_n_from_scores(oracle[0], train, k), "oracle", oracle[1])
    return ranked


def _segments_then(
    segments_as_of: Callable[[pd.DataFrame], pd.Series | pd.DataFrame],
    features: pd.DataFrame,
    train: sp.csr_matrix,
    customer_ids: np.ndarray,
) -> pd.DataFrame | pd.Series:
    """Segments of the customers the bank had on the date (a holding opened before it), from
    their features as of the date; later joiners get none (zero memberships), as the bank knew
    nothing of them then, and do not shape the segmentation."""
    known = customer_ids[np.diff(train.indptr) > 0]
    segments = segments_as_of(features.loc[features.index.isin(known)])
    if isinstance(segments, pd.DataFrame):
        return aligned_segments(segments.reindex(customer_ids, fill_value=0.0), customer_ids)
    return aligned_segments(segments.reindex(customer_ids), customer_ids).where(
        pd.Index(customer_ids).isin(known), None
    )


def _segment_groups(
    aligned: pd.Series | pd.DataFrame | None, customers: pd.DataFrame, source: str
) -> list[tuple[np.ndarray, str, str]]:
    """The segment baselines' groups: the segments' (if any), and age band x income tercile."""
    groups = [
        (
            _fallback_groups(customers),
            "segment popularity (age x income bands)",
            "grouped by age band x income tercile",
        )
    ]
    if aligned is not None:
        if isinstance(aligned, pd.DataFrame):  # no membership at all: no segment (yet)
            names = hard_segments(aligned).where(aligned.to_numpy().sum(axis=1) > 0, "none")
        else:
            names = aligned.fillna("none")
        groups.insert(0, (names.to_numpy(), "segment popularity", source))
    return groups


def evaluate_recommenders(
    path: str | os.PathLike | None = None,
    segments: pd.Series | pd.DataFrame | None = None,
    k: int = 5,
    random_state: int = 0,
    model: EASERecommender | None = None,
    diagnostics: bool = False,
    segments_as_of: Callable[[pd.DataFrame], pd.Series | pd.DataFrame] | None = None,
    truth_fitted: bool = False,
) -> pd.DataFrame:
    """The model in use vs popularity, segment popularity, item-CF and the oracle, on two splits.

    segments: segment name per customer id (bankml.segment on this bank), or soft memberships
    (customers x segment names, `segment_memberships`; the segment baseline groups by the largest),
    or None (the model then has no segment column). They are the leave-one-out split's context.
    segments_as_of: the headline temporal split's segmentation, as a function of the features as
    of its date (`as_of.features_as_of`) of the customers the bank had then (a holding opened
    before it), e.g. `lambda f: segment_memberships(segment_customers(f), f)`; later joiners get
    no segment. Segments of the bank as it is now would see the transactions and holdings after
    that date. None, a bank without transactions, and the earlier (quantile) protocol: no
    segment column on the temporal split.
    Beside the segments' popularity, a second segment baseline groups by age band x income
    tercile (as of each split's date).
    One row per (split, method): METRICS at k, role (in use / variant / baseline / oracle,
    diagnostic with diagnostics=True when the bank has truth_segments, and unavailable, with no
    figures and the reason in the note, for a temporal split this bank cannot run), the number of
    evaluated customers and a note.
    truth_fitted: on the headline temporal split, one more diagnostic row
    (`bankml.recommend.observable`: the oracle's scores fitted from the data of the split date,
    out of fold), when the bank has transactions and the truth's next-product propensity.
    """
    if int(k) != k or k < 1:
        raise InputError(f"k={k!r} must be a positive integer")
    tables = read_evaluation_tables(path)
    X, customer_ids, product_ids = _matrix(
        tables["customers"], tables["products"], tables["holdings"]
    )
    k = min(int(k), X.shape[1])
    customers = tables["customers"].set_index("customer_id").reindex(customer_ids)
    aligned = aligned_segments(segments, customer_ids)

    true_segments = None
    if diagnostics and "truth_segments" in tables:
        truth = tables["truth_segments"].set_index("customer_id")["segment"]
        true_segments = "true segment " + truth.reindex(customer_ids).astype("Int64").astype(str)
        true_segments = true_segments.where(truth.reindex(customer_ids).notna().to_numpy())
    holdings = tables["holdings"]
    train_loo, test_loo = holdout_split(X, None, random_state)
    splits = {
        "leave-one-out": (
            train_loo,
            test_loo,
            customers,
            aligned,
            _segment_groups(aligned, customers, "segments from bankml.segment"),
            opening_events(holdings, customer_ids, product_ids, within=train_loo),
            oracle_scores(tables, customer_ids, product_ids),
        )
    }
    span = transaction_span(path)
    unavailable = []
    fitted_to_truth: dict[str, np.ndarray] = {}
    for horizon, quantile in ((HORIZON_MONTHS, None), (None, TEMPORAL_QUANTILE)):
        try:
            train, test, split, last = temporal_split(
                holdings, customer_ids, product_ids, horizon_months=horizon, quantile=quantile
            )
            if horizon is not None:
                check_transaction_history(span, split)
        except InputError as exc:
            # a short bank cannot back-test a year: say why in one row, keep the other splits
            label = f"last {horizon} months" if horizon else f"{quantile * 100:.0f} % quantile"
            unavailable.append(_unavailable_row(f"temporal, {label}", k, str(exc)))
            continue
        if horizon is not None:
            name = f"temporal, last {horizon} months (from {split:%Y-%m-%d})"
        else:
            name = f"temporal, {quantile * 100:.0f} % quantile (from {split:%Y-%m-%d})"
        before = holdings[pd.to_datetime(holdings["opened_date"]) < split]
        customers_then = wind_back(customers, split, last)
        oracle = oracle_scores(tables, customer_ids, product_ids, held=train)
        fit_truth = truth_fitted and oracle[1] == NEXT_PRODUCT
        aligned_then = None
        # the earlier protocol keeps its setting: no segments (with weeks of behaviour before its
        # date they lowered it on the choose scenarios); a bank without transactions has none
        if (segments_as_of is not None or fit_truth) and horizon is not None and span is not None:
            features_then = features_as_of(path, split, last)  # read once for both
            if segments_as_of is not None:
                aligned_then = _segments_then(segments_as_of, features_then, train, customer_ids)
            if fit_truth:
                fitted_to_truth[name] = truth_fitted_scores(
                    train, customers_then, features_then.reindex(customer_ids), oracle[0]
                )
        splits[name] = (
            train,
            test,
            customers_then,
            aligned_then,
            _segment_groups(
                aligned_then, customers_then, f"segments of the features as of {split:%Y-%m-%d}"
            ),
            opening_events(before, customer_ids, product_ids, within=train),
            oracle,
        )
    rows = []
    for split_name, (train, test, context, seg, groups, events, oracle) in splits.items():
        popularity = np.asarray(train.mean(axis=0)).ravel()
        evaluated = int((np.diff(test.indptr) > 0).sum())
        ranked = _rankings(
            train, context, seg, groups, oracle, k, random_state, model, events, true_segments
        )
        if split_name in fitted_to_truth:
            ranked[TRUTH_FITTED] = (
                top_n_from_scores(fitted_to_truth[split_name], train, k),
                "diagnostic",
                "the oracle's scores fitted from the data of the split date, out of fold (an"
                " estimate of how much of the oracle that data holds: supervised by the truth)",
            )
        for method, (recommended, role, note) in ranked.items():
            metrics = ranking_metrics(recommended, test, k, popularity)
            rows.append(
                {
                    "split": split_name,
                    "method": method,
                    "role": role,
                    "k": k,
                    **metrics,
                    "customers": evaluated,
                    "note": note,
                }
            )
    return pd.DataFrame(rows + unavailable)


def _unavailable_row(split: str, k: int, reason: str) -> dict[str, object]:
    """A split this bank cannot evaluate: no figures, the reason in the note."""
    nan = dict.fromkeys(METRICS, np.nan)
    return {"split": split, "method": "", "role": "unavailable", "k": k, **nan, "customers": 0,
            "note": reason}  # fmt: skip


def unavailable_splits(table: pd.DataFrame) -> dict[str, str]:
    """split -> why this bank cannot evaluate it (e.g. too short a transaction record)."""
    part = table[table["role"] == "unavailable"]
    return dict(zip(part["split"], part["note"], strict=True))


def strongest_baseline(table: pd.DataFrame, metric: str = "ndcg") -> pd.DataFrame:
    """Per split: the model in use, the strongest non-oracle baseline and the oracle on `metric`."""
    rows = []
    for split, part in table[table["role"] != "unavailable"].groupby("split", sort=False):
        baselines = part[part["role"] == "baseline"]
        best = baselines.loc[baselines[metric].idxmax()]
        in_use = part[part["role"] == "in use"].iloc[0]
        oracle = part[part["role"] == "oracle"]
        rows.append(
            {
                "split": split,
                "in use": float(in_use[metric]),
                "strongest baseline": str(best["method"]),
                "baseline": float(best[metric]),
                "vs baseline": float(in_use[metric] / best[metric]) if best[metric] else np.nan,
                "oracle": float(oracle[metric].iloc[0]) if len(oracle) else np.nan,
                "vs oracle": (
                    float(in_use[metric] / oracle[metric].iloc[0]) if len(oracle) else np.nan
                ),
            }
        )
    return pd.DataFrame(rows)
