"""Bench: segmentation speed and memory on one bank (features, the k="auto" sweep, the fit at the
chosen k, plain KMeans beside it), and what fitting on a sample then assigning everyone costs
against a full fit. The quality rows and the section's `run` are in `bankml.bench.segment`.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from bankml.bench import BenchRow

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SECTION = "segment"
TRUE_K = 7  # the generator's number of segments: the fit's k when auto finds no structure


def measure(path: str) -> dict:
    """Child process: features, the k="auto" sweep and the fit at the chosen k, on one bank.

    Each step's wall time and its CPU time (all threads of the process): on the shared machine the
    wall time mostly measures the load, the CPU time what the step costs.
    """
    import resource

    from sklearn.cluster import KMeans

    from bankml.segment import CustomerSegmenter, customer_features

    # the process before any data: interpreter, numpy, scikit-learn, DuckDB (does not grow with
    # the bank, so the 1M extrapolation scales only what lies above it)
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(start: tuple[float, float]) -> tuple[float, float]:
        wall, cpu = clock()
        return wall - start[0], cpu - start[1]

    started = clock()
    X = customer_features(path)
    feature_seconds, feature_cpu = since(started)
    started = clock()
    auto = CustomerSegmenter(k="auto").fit(X)
    sweep_seconds, sweep_cpu = since(started)
    k = auto.k_ or TRUE_K
    started = clock()
    fixed = CustomerSegmenter(k=k).fit(X)
    fit_seconds, fit_cpu = since(started)
    Z = fixed.transform(X)
    started = clock()
    fixed.predict(X)
    assign_seconds, _ = since(started)
    started = clock()
    KMeans(n_clusters=k, n_init=1, random_state=0).fit(Z)
    plain_seconds, plain_cpu = since(started)
    sampled = sample_against_full(fixed, Z, _truth(path, X.index))
    return {
        **sampled,
        "customers": len(X),
        "k": auto.k_,
        "feature_seconds": feature_seconds,
        "sweep_seconds": sweep_seconds,
        "fit_seconds": fit_seconds,
        "plain_seconds": plain_seconds,
        "assign_seconds": assign_seconds,
        "feature_cpu": feature_cpu,
        "sweep_cpu": sweep_cpu,
        "fit_cpu": fit_cpu,
        "plain_cpu": plain_cpu,
        "fit_sample": fixed.fit_sample,
        "algorithm": type(fixed.model_).__name__,
        "load": os.getloadavg()[0],
        "base_rss_mb": base_mb,
    }


def _truth(path: str, index: pd.Index) -> np.ndarray | None:
    """truth_segments aligned to the feature rows (a DuckDB bank or a Parquet lake), if present."""
    from bankml import data, lake

    if lake.is_lake(path):
        with lake.connect(path) as con:
            present = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
            if "truth_segments" not in present:
                return None
            truth = con.execute("SELECT customer_id, segment FROM truth_segments").df()
    else:
        if "truth_segments" not in data.list_tables(path):
            return None
        truth = data.read_table("truth_segments", path, ["customer_id", "segment"])
    return truth.set_index("customer_id")["segment"].reindex(index).to_numpy()


def sample_against_full(fixed, Z: np.ndarray, truth: np.ndarray | None) -> dict:
    """What fitting on a sample and assigning everyone costs: the segmenter's labels against a
    full fit of the same kind on every row started from its centres (Lloyd, then trimmed like
    the segmenter's when it trims), as inertia, agreement and ARI vs truth."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from bankml.segment.trim import nearest_with_distance, trimmed_centres

    centres = fixed.cluster_centers_
    labels = fixed.labels_
    inertia = float(
        sum(
            ((Z[i : i + 200_000] - centres[labels[i : i + 200_000]]) ** 2).sum()
            for i in range(0, len(Z), 200_000)
        )
    )
    started = time.perf_counter()
    full = KMeans(n_clusters=len(centres), init=centres, n_init=1, random_state=0).fit(Z)
    full_labels, full_inertia = full.labels_, float(full.inertia_)
    if getattr(fixed, "trim", None) is not None:
        trimmed = trimmed_centres(Z, full.cluster_centers_, fixed.trim)
        full_labels, distance = nearest_with_distance(Z, trimmed)
        full_inertia = float((distance**2).sum())
    result = {
        "sampled_inertia": inertia,
        "full_inertia": full_inertia,
        "full_seconds": time.perf_counter() - started,
        "sampled_vs_full_ari": float(adjusted_rand_score(labels, full_labels)),
    }
    if truth is not None and not np.isnan(truth.astype(float)).any():
        result["sampled_truth_ari"] = float(adjusted_rand_score(truth, labels))
        result["full_truth_ari"] = float(adjusted_rand_score(truth, full_labels))
    return result


def speed_rows(label: str, r: dict, peak_mb: float, scale: float) -> list[BenchRow]:
    """Rows for one speed run; scale > 1 extrapolates to 1M customers (said in the name).

    Features and memory grow linearly. The fit refines the centres on at most `fit_sample`
    customers and then assigns everyone (as `predict` does), so it grows with the refined rows
    plus the assignment of all. The sweep works on fixed-size samples (50k for the scores, 10k
    for the choice) whatever the bank's size; only its final fit grows, like the fit.
    """
    note = f" (extrapolated from {1_000_000 / scale:,.0f} to 1M)" if scale > 1 else ""
    measured = 1_000_000 / scale
    refined = min(1_000_000, r.get("fit_sample", 1_000_000)) / min(
        measured, r.get("fit_sample", measured)
    )
    fit = r["fit_seconds"] * refined + r.get("assign_seconds", 0.0) * (scale - 1)
    grown = {
        "feature_seconds": r["feature_seconds"] * scale,
        "fit_seconds": fit,
        "sweep_seconds": r["sweep_seconds"] + fit - r["fit_seconds"],
    }
    rows = []
    for metric, key, limit in (
        ("feature build (DuckDB)", "feature_seconds", 20),
        (f"fit at chosen k={r['k']} ({r['algorithm']})", "fit_seconds", 10),
        ("k='auto' sweep (scores, gap, stability)", "sweep_seconds", 90),
    ):
        value = grown[key]
        rows.append(
            BenchRow(
                SECTION,
                f"{label}: {metric}{note}",
                value,
                "s",
                r["plain_seconds"] * scale,
                "plain KMeans 1 init",
                f"<= {limit} s at 1M",
                value <= limit,
            )
        )
    if "feature_cpu" in r and scale == 1:
        rows.append(
            BenchRow(
                SECTION,
                f"{label}: CPU s (all threads) features / sweep / fit",
                r["feature_cpu"] + r["sweep_cpu"] + r["fit_cpu"],
                "s",
                r["plain_cpu"],
                "plain KMeans 1 init",
            )
        )
    if "sampled_inertia" in r:
        rows.append(
            BenchRow(
                SECTION,
                f"{label}: inertia, fit on {r['fit_sample']:,} then assign all",
                r["sampled_inertia"],
                baseline=r["full_inertia"],
                baseline_name="full fit from its centres",
            )
        )
        rows.append(
            BenchRow(SECTION, f"{label}: ARI sampled fit vs full fit", r["sampled_vs_full_ari"])
        )
    if "sampled_truth_ari" in r:
        rows.append(
            BenchRow(
                SECTION,
                f"{label}: ARI vs truth, fit on a sample then assign",
                r["sampled_truth_ari"],
                baseline=r["full_truth_ari"],
                baseline_name="full fit from its centres",
            )
        )
    if peak_mb:
        # Only what the run added above the process before the data (`base_rss_mb`) grows with
        # the bank; scaling the whole RSS also multiplied the interpreter and libraries by 10
        # (6.8 GB extrapolated from 100k where the 1M run peaked at 3.83 GB).
        base = min(r.get("base_rss_mb", 0.0), peak_mb)
        grown_mb = base + (peak_mb - base) * scale
        how = f" (extrapolated: {base:,.0f} MB before the data + {scale:g}x the growth above it)"
        rows.append(
            BenchRow(
                SECTION,
                f"{label}: peak RSS{how if scale > 1 else ''}",
                grown_mb,
                "MB",
                target="< 6000 MB at 1M",
                passed=grown_mb < 6000,
            )
        )
    return rows
