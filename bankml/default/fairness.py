"""Fairness and drift reports for a trained model: by gender and age band, PSI per feature."""

from __future__ import annotations

import pandas as pd

from bankml import evaluate


def fairness_by_group(validation: pd.DataFrame, cutoff: float) -> dict[str, pd.DataFrame]:
    """evaluate.fairness_report per protected column present (age shown in bands)."""
    out: dict[str, pd.DataFrame] = {}
    for column in ("gender", "marital_status", "age"):
        if column not in validation.columns:
            continue
        group = evaluate.age_band(validation[column]) if column == "age" else validation[column]
        name = "age band" if column == "age" else column
        out[name] = evaluate.fairness_report(validation["y"], validation["pd"], cutoff, group)
    return out


def drift_report(model, training: pd.DataFrame, batch: pd.DataFrame) -> pd.DataFrame:
    """PSI per model feature between the training frame and a scored batch, plus the score's PSI."""
    report = evaluate.psi_report(
        training, batch, [c for c in model.features_ if c in batch.columns]
    )
    if all(c in batch.columns for c in model.features_):
        score = evaluate.psi(model.predict_pd(training), model.predict_pd(batch))
        extra = pd.DataFrame(
            {"feature": ["PD (score)"], "psi": [score], "band": [evaluate.psi_band(score)]}
        )
        report = pd.concat([extra, report], ignore_index=True)
    return report
