"""Bench: the recommender in use against every baseline and the oracle, `implicit`, speed.

Bank quality runs on the generator's scenario matrix (`synth.scenarios`), leave-one-out and
temporal, each at its own size (QUICK_CUSTOMERS with --quick). The model's settings were chosen on
the "choose" scenarios (small, sparse_txn, tuning) and on latent-factor matrices with seeds 0 and
1; the "report" scenarios (default, low_default, high_overlap, defects) and the matrices with
seeds 2 and 3 were not used to tune anything. Each row names the scenario's role.

Two temporal protocols, both reported. The headline (`bankml.recommend.temporal`) puts the split
date 12 months before the last opening: "as of a year ago, what would we have offered, and what
did customers open in the following 12 months?", with the bank's whole record before the date as
context (about two years of transactions on these banks). It was fixed by that principle before
any report-scenario figure was seen. The earlier protocol, the 80 % quantile of all opening dates,
lands one to seven weeks into the banks' three years of transactions (holdings are opened over
decades, transactions recorded only over the data window); it stays as a second row, never the
headline alone. Both take only what the bank knew on their date (`bankml.recommend.as_of`): age
and tenure wound back, holdings opened before it, never the segments of the bank as it is now
(they see every later transaction and holding). Segments of the features as of the headline date
(customers the bank had then; later joiners get none) were tried on the choose scenarios and left
out: temporal NDCG@5 0.897 -> 0.840 small, 0.868 -> 0.837 sparse_txn, 0.904 -> 0.844 tuning (x the
oracle): they help the customers already held by a little (+0.004 NDCG on average) but about two
thirds of those scored joined in the last year, with no behaviour before the date, and the
context-only part learned beside segment columns serves them worse. So the model in use runs
without segment columns on both temporal splits, and the segment baseline groups by age band x
income tercile as of the date. The new-customer part's weight (3) and ridge penalty (0.3), chosen
on the earlier protocol, were re-checked on the headline on the choose scenarios (NDCG@5 x the
oracle, mean of the three): weight 1.5 / 3 / 6 / 12 0.888 / 0.889 / 0.891 / 0.890, penalty
0.1 / 0.3 / 1 0.889 / 0.889 / 0.886; flat within 0.003 (about 480 customers scored per bank), so
both stay.

The temporal gap to the oracle is measured, not tuned away: a diagnostic row refits the model in use
with the generator's true segment (what the oracle knows and the model cannot).
A second diagnostic row asks how much of the oracle the data of the date holds at all: the
oracle's own scores fitted, out of fold, from everything the bank had on the headline date
(products held, profile, customer features as of the date) with LightGBM
(`bankml.recommend.observable`). It is supervised by the truth, which no real model is; it is an
estimate, not a bound. When the model in use reaches it, the rest of the gap is information the
data of the date does not hold (each customer's segment blend and taste), not modelling.

The model in use takes the segments as soft memberships (`segment_memberships`: a softmax of the
distances to every segment centre, in the segmentation's own space, at temperature 0.5) instead of
the nearest segment only, on the leave-one-out split and the page. The temperature was chosen on the
choose scenarios (5k customers; 0.1, 0.25, 0.5, 1 against hard segments: leave-one-out NDCG@5
+0.003-0.008 of the oracle) and checked on other seeds of the report scenarios (default seed 43,
low_default 44, high_overlap 45, defects 46), never on the seeds reported here. Also tried there and
left out: a Gaussian mixture's posterior in place of the softmax, hard and soft segments side by
side, memberships x age/income-band columns, a cross-fitted logistic map from the features as of the
split date to holdings, and logistic weights for customers holding nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from bankml.bench import BenchRow, in_subprocess
from synth.scenarios import SCENARIOS

SECTION = "recommend"
QUICK_CUSTOMERS = 5_000  # --quick runs every scenario of the matrix at this size
# latent-factor implicit-feedback matrices standing in for public data (seeds not used to tune)
PUBLIC = {
    "20k x 2000": {"users": 20_000, "items": 2_000, "seed": 2},
    "15k x 3000 sparse": {
        "users": 15_000,
        "items": 3_000,
        "seed": 3,
        "mean_per_user": 15,
        "sharpness": 1.5,
    },
}


def implicit_matrix(
    users: int,
    items: int,
    factors: int = 16,
    mean_per_user: float = 25,
    zipf: float = 0.9,
    sharpness: float = 2.0,
    seed: int = 0,
) -> sp.csr_matrix:
    """Binary users x items matrix from a latent-factor model with power-law item popularity.

    Each user draws a log-normal number of distinct items, without replacement, with probability
    proportional to exp(sharpness * u.v / sqrt(factors)) x popularity (Gumbel top-k sampling).
    """
    rng = np.random.default_rng(seed)
    log_popularity = -zipf * np.log(np.arange(1, items + 1))[rng.permutation(items)]
    V = rng.normal(size=(items, factors)).astype(np.float32)
    counts = np.clip(rng.lognormal(np.log(mean_per_user), 0.7, users).astype(int), 2, items // 2)
    most = int(counts.max())
    rows, cols = [], []
    for start in range(0, users, 2000):  # blocks of users, to bound memory
        n = min(2000, users - start)
        factors_u = rng.normal(size=(n, factors)).astype(np.float32)
        logits = sharpness * (factors_u @ V.T) / np.sqrt(factors) + log_popularity
        logits += rng.gumbel(size=logits.shape).astype(np.float32)
        top = np.argpartition(-logits, most - 1, axis=1)[:, :most]
        order = np.argsort(-np.take_along_axis(logits, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        taken = np.arange(most)[None, :] < counts[start : start + n, None]
        rows.append(np.repeat(np.arange(start, start + n), counts[start : start + n]))
        cols.append(top[taken])
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(len(rows_a), np.float32), (rows_a, cols_a)), shape=(users, items))


def quality(customers: int | None, scenario: str) -> dict:
    """Child process: a bank of one scenario (customers None = its own size), segmented (soft
    memberships of the segments, as the model in use takes them: the leave-one-out split's context),
    then the evaluation table."""
    from bankml.bank import regenerate
    from bankml.customer_features import customer_features
    from bankml.recommend import evaluate_recommenders, segment_memberships
    from bankml.segment import segment_customers

    extra = {} if customers is None else {"customers": customers}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bank.duckdb"
        regenerate(SCENARIOS[scenario].params(**extra), path)
        features = customer_features(path)
        memberships = segment_memberships(segment_customers(features), features)
        table = evaluate_recommenders(
            path, segments=memberships, k=5, diagnostics=True, truth_fitted=True
        )
    return {"table": table.to_dict(orient="records")}


def public(name: str, scale: float = 1.0) -> dict:
    """Child process: precision@10 of our defaults and of implicit's neighbourhood models."""
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender

    from bankml.recommend import EASERecommender, ItemCFRecommender
    from bankml.recommend.metrics import holdout_split, ranking_metrics

    spec = dict(PUBLIC[name])
    spec["users"] = int(spec["users"] * scale)
    X = implicit_matrix(**spec)
    train, test = holdout_split(X, 0.2, random_state=0)
    users = np.arange(X.shape[0])
    started = time.perf_counter()
    ease = EASERecommender().fit(train)
    result = {
        "ease": ranking_metrics(ease.recommend(users, n=10)[0], test, 10)["precision"],
        "ease_s": time.perf_counter() - started,
        "itemcf": ranking_metrics(
            ItemCFRecommender().fit(train).recommend(users, n=10)[0], test, 10
        )["precision"],
    }
    T = train.astype(np.float64).tocsr()
    for key, cls in (
        ("cosine", CosineRecommender),
        ("tfidf", TFIDFRecommender),
        ("bm25", BM25Recommender),
    ):
        model = cls(num_threads=1)
        model.fit(T, show_progress=False)
        ids, _ = model.recommend(users, T, N=10, filter_already_liked_items=True)
        result[key] = ranking_metrics(np.where(ids < 0, -1, ids), test, 10)["precision"]
    return result


def speed(customers: int, items: int = 20) -> dict:
    """Child process: fit / top-5 for everyone / one customer on a customers x items matrix.

    A synthetic matrix with the bank's shape (about 3 holdings per customer, skewed popularity,
    two customer groups), opened in a random order (the history the model in use learns from).
    """
    from bankml.recommend import EASERecommender, NextProductRecommender

    rng = np.random.default_rng(0)
    group = rng.random(customers) < 0.5
    base = np.linspace(0.35, 0.02, items)
    probability = np.where(group[:, None], base, base[::-1])
    held = rng.random((customers, items), dtype=np.float32) < probability
    X = sp.csr_matrix(held, dtype=np.float32)
    del held, probability
    rows = np.repeat(np.arange(customers), np.diff(X.indptr))
    days = rng.integers(0, 1000, X.nnz).astype("timedelta64[D]")
    events = (rows, X.indices.copy(), np.datetime64("2020-01-01") + days)
    started = time.perf_counter()
    EASERecommender().fit(X)
    ease_fit_s = time.perf_counter() - started
    started = time.perf_counter()
    model = NextProductRecommender().fit(X, events=events)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    model.recommend(np.arange(customers), n=5)
    batch_s = time.perf_counter() - started
    times = []
    for row in rng.integers(0, customers, 2000):  # single calls, as a page or an API makes them
        started = time.perf_counter()
        model.recommend(int(row), n=5)
        times.append(time.perf_counter() - started)
    result = {
        "fit_s": fit_s,
        "ease_fit_s": ease_fit_s,
        "events": len(rows),
        "batch_s": batch_s,
        "one_ms": float(np.median(times) * 1000),
        "one_p99_ms": float(np.quantile(times, 0.99) * 1000),
    }
    from implicit.nearest_neighbours import CosineRecommender

    reference = CosineRecommender(K=items, num_threads=1)
    X = X.astype(np.float64)  # implicit's kNN needs float64
    started = time.perf_counter()
    reference.fit(X, show_progress=False)
    result["implicit_fit_s"] = time.perf_counter() - started
    started = time.perf_counter()
    reference.recommend(np.arange(customers), X, N=5, filter_already_liked_items=True)
    result["implicit_batch_s"] = time.perf_counter() - started
    return result


def _split_label(split: str) -> str:
    """The bench's short name of an evaluation split (both temporal protocols, never one alone)."""
    if split == "leave-one-out":
        return "LOO"
    if split.startswith("temporal, last "):
        return f"temporal, {split.removeprefix('temporal, ').split(' (')[0]} (headline)"
    return "temporal, 80 % quantile (earlier protocol: weeks of behaviour)"


def _bank_rows(scenario: str, records: list[dict]) -> list[BenchRow]:
    import pandas as pd

    from bankml.recommend import strongest_baseline
    from bankml.recommend.evaluation import TRUTH_FITTED

    table = pd.DataFrame(records)
    label = f"{scenario} ({SCENARIOS[scenario].role})"
    rows = []
    for r in strongest_baseline(table).to_dict(orient="records"):
        split = _split_label(r["split"])
        part = table[(table["split"] == r["split"]) & (table["role"] != "in use")]
        rows += [
            BenchRow(
                SECTION,
                f"NDCG@5 {m['method']} ({m['role']}), {label}, {split}",
                m["ndcg"],
                "",
                r["in use"],
                "in use",
                "context",
            )
            for m in part.to_dict(orient="records")  # every baseline, variant and the oracle
        ]
        rows.append(
            BenchRow(
                SECTION,
                f"NDCG@5 in use, {label}, {split}",
                r["in use"],
                "",
                r["baseline"],
                f"strongest baseline: {r['strongest baseline']}",
                ">= 1.05x",
                r["vs baseline"] >= 1.05,
            )
        )
        rows.append(
            BenchRow(
                SECTION,
                f"NDCG@5 in use vs oracle, {label}, {split}",
                r["in use"],
                "",
                r["oracle"],
                "oracle (generator truth)",
                ">= 0.92x",
                r["vs oracle"] >= 0.92,
            )
        )
        fitted = part[part["method"] == TRUTH_FITTED]
        if len(fitted):  # how much of the oracle the data of the date holds (no target)
            rows.append(
                BenchRow(
                    SECTION,
                    f"NDCG@5 truth-fitted model of the observable data vs oracle, {label}, {split}",
                    float(fitted["ndcg"].iloc[0]),
                    "",
                    r["oracle"],
                    "oracle (generator truth)",
                    "context",
                )
            )
    return rows


def run(quick: bool = False) -> list[BenchRow]:
    rows: list[BenchRow] = []
    for scenario in SCENARIOS:
        q, _ = in_subprocess(
            "bankml.bench.recommend.quality",
            customers=QUICK_CUSTOMERS if quick else None,
            scenario=scenario,
        )
        rows += _bank_rows(scenario, q["table"])

    for name in PUBLIC:
        p, _ = in_subprocess("bankml.bench.recommend.public", name=name, scale=0.5 if quick else 1)
        rows.append(
            BenchRow(
                SECTION,
                f"p@10 EASE vs implicit Cosine, {name}",
                p["ease"],
                "",
                p["cosine"],
                "implicit CosineRecommender",
                ">= 1.10x",
                p["ease"] >= 1.10 * p["cosine"],
            )
        )
        strongest = max(("tfidf", "bm25"), key=lambda k: p[k])
        rows.append(
            BenchRow(
                SECTION,
                f"p@10 EASE vs implicit {strongest.upper()}, {name}",
                p["ease"],
                "",
                p[strongest],
                f"implicit {strongest.upper()}Recommender",
                "> 1.0x",
                p["ease"] > p[strongest],
            )
        )
        rows.append(
            BenchRow(
                SECTION,
                f"p@10 item-CF vs implicit Cosine, {name}",
                p["itemcf"],
                "",
                p["cosine"],
                "implicit CosineRecommender",
                "context",
            )
        )
        rows.append(BenchRow(SECTION, f"EASE fit with l2 search, {name}", p["ease_s"], "s"))

    customers = 200_000 if quick else 1_000_000
    label = f"{customers // 1000}k" if customers < 1_000_000 else "1M"
    s, peak = in_subprocess("bankml.bench.recommend.speed", customers=customers)
    rows += [
        BenchRow(
            SECTION,
            f"model in use: fit (l2 search + {s['events'] / 1e6:.1f}M openings) on {label} x 20",
            s["fit_s"],
            "s",
            s["implicit_fit_s"],
            "implicit CosineRecommender",
            "<= 2 s",
            s["fit_s"] <= 2.0,
        ),
        BenchRow(SECTION, f"EASE alone: fit (l2 search) on {label} x 20", s["ease_fit_s"], "s"),
        BenchRow(
            SECTION,
            f"top-5 for all {label} customers",
            s["batch_s"],
            "s",
            s["implicit_batch_s"],
            "implicit CosineRecommender",
            "<= 3 s",
            s["batch_s"] <= 3.0,
        ),
        BenchRow(
            SECTION,
            "top-5 for one customer (median)",
            s["one_ms"],
            "ms",
            target="<= 2 ms",
            passed=s["one_ms"] <= 2.0,
        ),
        BenchRow(SECTION, "top-5 for one customer (p99)", s["one_p99_ms"], "ms"),
        BenchRow(
            SECTION,
            f"peak RSS, {label} x 20 bench process",
            peak,
            "MB",
            target="< 4000 MB",
            passed=peak < 4000,
        ),
    ]
    return rows
