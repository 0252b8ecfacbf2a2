"""Generate the synthetic bank: vectorised numpy for every number, Faker pools for the human fields.

The modules do one part each: customers (latent segment blend, stress, resilience), macro (the
monthly cycle), lending (applications, policy, true PD, loans), behaviour (transactions), holdings
(adoption history) and defects (optional). Ground truth is returned in the truth_* tables.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import faker
import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.behaviour import transactions
from synth.common import (
    TABLE_ORDER,
    Bank,
    Pools,
    Progress,
    content_hash,
    no_progress,
    rank_auc,
)
from synth.customers import customers as make_customers
from synth.customers import profile
from synth.defects import inject
from synth.holdings import holdings
from synth.lending import lend, true_pd_score
from synth.macro import macro
from synth.params import GENERATOR_VERSION, BankParams

__all__ = [
    "TABLE_ORDER",
    "Bank",
    "book_figures",
    "content_hash",
    "generate",
    "rank_auc",
    "true_pd_score",
]


def book_figures(
    applications: pd.DataFrame, loans: pd.DataFrame, truth_loans: pd.DataFrame
) -> dict:
    """Difficulty figures the generator knows by itself: oracle AUC on matured booked loans, shares,
    and the range of the default rate by application quarter."""
    mature = loans["is_mature"].to_numpy(bool)
    outcome = loans["defaulted"].to_numpy(dtype="float64", na_value=np.nan)[mature]
    pd_true = truth_loans.set_index("loan_id")["pd"].reindex(loans["loan_id"]).to_numpy()[mature]
    quarter = pd.PeriodIndex(loans["application_date"][mature], freq="Q").astype(str)
    by_quarter = pd.Series(outcome).groupby(np.asarray(quarter)).agg(["mean", "size"])
    by_quarter = by_quarter[by_quarter["size"] >= 30]
    declined = applications["decision"].astype(str).eq("declined").mean()
    return {
        "realised_default_rate": float(np.mean(outcome)) if len(outcome) else float("nan"),
        "oracle_auc": rank_auc(pd_true, outcome) if len(outcome) else float("nan"),
        "declined_share": float(declined),
        "immature_share": float(1.0 - mature.mean()),
        "quarterly_default_min": float(by_quarter["mean"].min())
        if len(by_quarter)
        else float("nan"),
        "quarterly_default_max": float(by_quarter["mean"].max())
        if len(by_quarter)
        else float("nan"),
    }


def generate(params: BankParams | None = None, progress: Progress = no_progress) -> Bank:
    """Build every table of the bank from params; deterministic for a given seed."""
    params = (params or BankParams()).validate()
    rng = np.random.default_rng(params.seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name: str, started: float) -> None:
        timings[name] = time.perf_counter() - started

    progress(0.02, "building name pools")
    pools = Pools(params.locale, params.seed)
    lap("pools", t0)
    progress(0.1, "customers and the macro cycle")
    t = time.perf_counter()
    prof = profile(params, rng, params.customers)
    customers = make_customers(params, rng, pools, prof)
    macro_table, shift = macro(params, rng)
    lap("customers", t)
    progress(0.25, "applications, policy, loans and true default probabilities")
    t = time.perf_counter()
    lending = lend(params, rng, customers, prof.of(cat.SEGMENT_PURPOSE), shift)
    lap("loans", t)
    progress(0.4, "transactions")
    t = time.perf_counter()
    txns = transactions(params, rng, customers, prof, pools)
    lap("transactions", t)
    progress(0.65, "products and holdings history")
    t = time.perf_counter()
    held = holdings(params, rng, customers, prof)
    products = pd.DataFrame(
        {
            "product_id": np.arange(1, len(cat.PRODUCTS) + 1, dtype=np.int64),
            "name": [name for name, _ in cat.PRODUCTS],
            "family": [family for _, family in cat.PRODUCTS],
        }
    )
    lap("holdings", t)

    truth_segments = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "segment": prof.segment.astype(np.int64),
            "segment_name": np.array(cat.SEGMENT_NAMES)[prof.segment],
            "second_segment": prof.other.astype(np.int64),
            "blend_weight": prof.weight,
            "resilience": customers["_resilience"].to_numpy(),
        }
    )
    tables = {
        "customers": customers.drop(columns=[c for c in customers.columns if c.startswith("_")]),
        "applications": lending["applications"],
        "loans": lending["loans"],
        "transactions": txns,
        "products": products,
        "holdings": held["holdings"],
        "macro": macro_table,
        "truth_applications": lending["truth_applications"],
        "truth_loans": lending["truth_loans"],
        "truth_segments": truth_segments,
        "truth_affinity": held["truth_affinity"],
        "truth_propensity": held["truth_propensity"],
        "truth_complements": held["truth_complements"],
    }
    figures = book_figures(tables["applications"], tables["loans"], tables["truth_loans"])
    if params.defects:
        progress(0.75, "injecting extract defects")
        tables = inject(tables, params.seed, params.end_date)
    progress(0.8, "hashing content")
    t = time.perf_counter()
    digest = content_hash(tables)
    lap("hash", t)
    meta = pd.DataFrame(
        [
            {
                "generator_version": GENERATOR_VERSION,
                "seed": params.seed,
                "customers": params.customers,
                "default_rate_target": params.default_rate,
                "locale": params.locale,
                "parameters": json.dumps(params.to_dict(), sort_keys=True),
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "row_counts": json.dumps({name: len(frame) for name, frame in tables.items()}),
                "content_hash": digest,
                **figures,
                "horizon_months": params.horizon_months,
                "defects": params.defects,
                "numpy_version": np.__version__,
                "pandas_version": pd.__version__,
                "faker_version": faker.VERSION,
            }
        ]
    )
    timings["total"] = time.perf_counter() - t0
    return Bank(tables=tables, meta=meta, timings=timings)
