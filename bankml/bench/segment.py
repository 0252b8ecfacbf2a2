"""Bench: segmentation quality on the default bank, and speed/memory at 100k and 1M customers.

Quality baseline: choosing k by the silhouette maximum (the usual default). Speed baseline: plain
KMeans at k=6 (one init) on the same scaled matrix in the same process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bankml.bench import BenchRow, in_subprocess

SECTION = "segment"
TRUE_K = 7


def make_bank(customers: int, path: str) -> dict:
    """Child process: generate a bank into path (kept apart so its memory is not counted)."""
    from bankml.bank import regenerate
    from synth import BankParams

    started = time.perf_counter()
    info = regenerate(BankParams(customers=customers), path)
    return {
        "seconds": time.perf_counter() - started,
        "transactions": info.row_counts["transactions"],
    }


def measure(path: str) -> dict:
    """Features, the k="auto" sweep, the fit at the chosen k and plain KMeans, on one bank."""
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from bankml import data
    from bankml.segment import CustomerSegmenter, customer_features

    started = time.perf_counter()
    X = customer_features(path)
    feature_seconds = time.perf_counter() - started

    started = time.perf_counter()
    auto = CustomerSegmenter(k="auto").fit(X)
    sweep_seconds = time.perf_counter() - started

    started = time.perf_counter()
    fixed = CustomerSegmenter(k=auto.k_).fit(X)
    fit_seconds = time.perf_counter() - started

    Z = fixed.transform(X)
    started = time.perf_counter()
    KMeans(n_clusters=6, n_init=1, random_state=0).fit(Z)
    plain_seconds = time.perf_counter() - started

    truth = data.read_table("truth_segments", path, ["customer_id", "segment"])
    truth = truth.set_index("customer_id")["segment"].reindex(X.index).to_numpy()
    scores: pd.DataFrame = auto.k_scores_
    silhouette_k = int(scores["silhouette"].idxmax())
    silhouette_ari = float(
        adjusted_rand_score(truth, CustomerSegmenter(k=silhouette_k).fit(X).labels_)
    )
    return {
        "customers": len(X),
        "features": int(X.shape[1]),
        "feature_seconds": feature_seconds,
        "sweep_seconds": sweep_seconds,
        "fit_seconds": fit_seconds,
        "plain_seconds": plain_seconds,
        "k": auto.k_,
        "silhouette_k": silhouette_k,
        "ari": float(adjusted_rand_score(truth, auto.labels_)),
        "silhouette_ari": silhouette_ari,
        "algorithm": type(auto.model_).__name__,
        "n": int(np.size(truth)),
    }


def _rows(label: str, result: dict, peak_mb: float, full_targets: bool) -> list[BenchRow]:
    def row(metric, value, unit="", target="", passed=None, baseline=None, baseline_name=""):
        return BenchRow(
            SECTION, f"{label}: {metric}", value, unit, baseline, baseline_name, target, passed
        )

    features_target, fit_target, sweep_target = (20, 10, 90) if full_targets else (None, None, None)
    rows = [
        row(
            f"k='auto' chosen k (true {TRUE_K}; {result['algorithm']})",
            result["k"],
            baseline=result["silhouette_k"],
            baseline_name="silhouette argmax",
            target="7 +- 1",
            passed=abs(result["k"] - TRUE_K) <= 1,
        ),
        row(
            "ARI vs truth_segments",
            result["ari"],
            baseline=result["silhouette_ari"],
            baseline_name="k by silhouette",
            target=">= 0.80",
            passed=result["ari"] >= 0.80,
        ),
        row(
            "feature build (DuckDB)",
            result["feature_seconds"],
            "s",
            target=f"<= {features_target} s" if features_target else "",
            passed=result["feature_seconds"] <= features_target if features_target else None,
        ),
        row(
            f"clustering at chosen k={result['k']}",
            result["fit_seconds"],
            "s",
            baseline=result["plain_seconds"],
            baseline_name="plain KMeans k=6, 1 init",
            target=f"<= {fit_target} s" if fit_target else "",
            passed=result["fit_seconds"] <= fit_target if fit_target else None,
        ),
        row(
            "whole k='auto' sweep (k=2..11 + scores)",
            result["sweep_seconds"],
            "s",
            baseline=result["plain_seconds"],
            baseline_name="plain KMeans k=6, 1 init",
            target=f"<= {sweep_target} s" if sweep_target else "",
            passed=result["sweep_seconds"] <= sweep_target if sweep_target else None,
        ),
    ]
    if peak_mb:
        rows.append(row("peak RSS", peak_mb, "MB", target="< 6000 MB", passed=peak_mb < 6000))
    return rows


def run(quick: bool = False) -> list[BenchRow]:
    rows: list[BenchRow] = []
    sizes = [(10_000, "default 10k bank")]
    sizes.append((100_000, "100k bank") if quick else (1_000_000, "1M bank"))
    with tempfile.TemporaryDirectory() as folder:
        for customers, label in sizes:
            path = str(Path(folder) / f"bank{customers}.duckdb")
            made, _ = in_subprocess(
                "bankml.bench.segment.make_bank", customers=customers, path=path
            )
            result, peak = in_subprocess("bankml.bench.segment.measure", path=path)
            label = f"{label} ({made['transactions'] / 1e6:.1f}M txns)"
            rows.extend(_rows(label, result, peak, full_targets=customers >= 1_000_000))
    return rows
