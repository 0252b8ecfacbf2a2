"""Bench: the default model's scoring speed (issue 16's targets) beside LightGBM's own predict.

One applicant (PD, grade, reasons and the counterfactual a decline shows) in milliseconds; a batch
of 100,000 rows with reasons and PD-only, both measured in the same run beside the strongest
baseline on the same rows: LightGBM's own `predict` of its raw score on the already transformed
matrix, on every core (no reasons, no calibration, no preprocessing: the floor of any scoring
path that runs the trees). Each batch figure is the best of two interleaved runs, so a burst of
load on a shared machine hits all three alike.
"""

from __future__ import annotations

import time

import joblib
import numpy as np

from bankml.bench import BenchRow

SECTION = "default"
BATCH_ROWS = 100_000
REPEATS = 2


def lightgbm_member(model):
    """The model's LightGBM part (the model itself or a blend member), or None."""
    for member in getattr(model, "members_", None) or [model]:
        clf = member._clf() if hasattr(member, "_clf") else None
        if hasattr(clf, "booster_"):
            return member
    return None


def _batch_rates(model, batch) -> dict[str, float]:
    """rows/s of score_frame (with reasons), predict_pd and LightGBM's own predict (when the
    model has a LightGBM part), best of REPEATS interleaved runs on the same rows."""
    model.score_frame(batch.head(3_000))  # first-call costs (compiled tables) are not the batch's
    runs = {"reasons": lambda: model.score_frame(batch), "pd": lambda: model.predict_pd(batch)}
    tree = lightgbm_member(model)
    if tree is not None:
        matrix = tree._transform(model._prepare(batch))
        booster, threads = tree._clf().booster_, joblib.cpu_count()
        runs["lightgbm"] = lambda: booster.predict(matrix, raw_score=True, num_threads=threads)
    best = dict.fromkeys(runs, np.inf)
    for _ in range(REPEATS):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: len(batch) / seconds for name, seconds in best.items()}


def speed_rows(model, frame, batch_rows: int = BATCH_ROWS) -> list[BenchRow]:
    """Issue 16's speed targets: one applicant, and a batch with reasons beside PD-only scoring
    and LightGBM's own predict of the same rows (drawn with replacement from `frame`)."""
    model.score_frame(frame.iloc[[0]])
    timings = []
    for i in range(60):
        row = frame.iloc[[i % len(frame)]]
        started = time.perf_counter()
        scored = model.score_frame(row)
        model.counterfactual(row, current_pd=float(scored["pd"].iloc[0]))
        timings.append(time.perf_counter() - started)
    single_ms = float(np.median(timings) * 1000)
    batch = frame.sample(batch_rows, replace=len(frame) < batch_rows, random_state=0)
    rate = _batch_rates(model, batch)
    lightgbm = rate.get("lightgbm")
    name = f"LightGBM's own predict (raw score, {joblib.cpu_count()} threads, same rows)"
    rows = [
        BenchRow(
            SECTION,
            "one applicant: PD + grade + reasons + counterfactual, median",
            single_ms,
            "ms",
            target="< 10 ms",
            passed=single_ms < 10,
        ),
        BenchRow(
            SECTION,
            f"batch scoring with reasons ({len(batch):,} rows; PD only {rate['pd']:,.0f} rows/s, "
            "same run)",
            rate["reasons"],
            "rows/s",
            baseline=rate["pd"] if lightgbm is None else lightgbm,
            baseline_name="PD only, no reasons" if lightgbm is None else name,
            target=">= 100,000 rows/s",
            passed=rate["reasons"] >= 100_000,
        ),
        BenchRow(
            SECTION,
            f"batch scoring, PD only ({len(batch):,} rows)",
            rate["pd"],
            "rows/s",
            baseline=lightgbm,
            baseline_name="" if lightgbm is None else name,
        ),
    ]
    return rows + attribution_rows(model, batch.head(2_000))


def attribution_rows(model, sample) -> list[BenchRow]:
    """For a model whose reasons are not exact Shapley values (LightGBM's path attributions):
    their speed beside exact TreeSHAP on the same rows, and how often the top factor agrees."""
    from bankml.default.estimator import EXACT_NOTE

    if model.reasons_note() == EXACT_NOTE:
        return []
    started = time.perf_counter()
    _, exact, _ = model.contributions(sample, exact_shap=True)
    exact_rate = len(sample) / (time.perf_counter() - started)
    started = time.perf_counter()
    _, path, _ = model.contributions(sample)
    path_rate = len(sample) / (time.perf_counter() - started)
    agree = float(np.mean(np.argmax(path, axis=1) == np.argmax(exact, axis=1)))
    return [
        BenchRow(
            SECTION,
            f"reasons' attributions, {len(sample):,} loans: path attributions, compiled tree walk "
            "(exact in the sum)",
            path_rate,
            "rows/s",
            baseline=exact_rate,
            baseline_name="exact TreeSHAP, same rows",
        ),
        BenchRow(
            SECTION,
            f"reasons' top factor equals exact TreeSHAP's ({len(sample):,} loans)",
            agree,
            baseline_name="share of rows",
        ),
    ]
