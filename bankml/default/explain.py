"""Explanations of a fitted PD model: one applicant's reasons, reasons for a batch, the smallest
change that approves a declined applicant, global importance and the scorecard's points table.

Functions take the fitted model (`bankml.default.estimator.PDModel`): its exact additive
contributions make every explanation add up to the score the PD is calibrated from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml.default import reasons
from bankml.errors import InputError

COUNTERFACTUAL_FEATURES = ("loan_amount", "term_months", "debt_to_income")


def explain_one(model, frame_one_row: pd.DataFrame) -> pd.DataFrame:
    """One applicant's attribution per input column, largest |contribution| first.

    `attrs["base"]` + contribution.sum() == the model's log-odds score (`attrs["score"]`).
    """
    if len(frame_one_row) != 1:
        raise InputError(f"explain takes one applicant, got {len(frame_one_row)} rows")
    X = model._prepare(frame_one_row)
    score, contrib, base = model._contributions(X)
    texts = reasons.reason_texts(X, contrib, model.features_)[0]
    out = pd.DataFrame(
        {
            "feature": model.features_,
            "value": [X.iloc[0][f] for f in model.features_],
            "contribution": contrib[0],
            "points": contrib[0] * reasons.POINTS_PER_LOGIT,
            "text": texts,
        }
    )
    out = out.iloc[np.argsort(-np.abs(out["contribution"].to_numpy()), kind="stable")]
    out = out.reset_index(drop=True)
    out.attrs.update(base=float(base[0]), score=float(score[0]))
    return out


def score_with_reasons(model, frame: pd.DataFrame) -> pd.DataFrame:
    """PD, grade, decision and the top three PD-raising reasons for every row (vectorised)."""
    X = model._prepare(frame)
    score, contrib, _ = model._contributions(X)
    pd_ = model.calibrator_.transform(score)
    top = reasons.top_reasons(X, contrib, model.features_, k=3)
    return pd.DataFrame(
        {
            "pd": pd_,
            "grade": model.grade(pd_),
            "decision": model.decision(pd_),
            "reason_1": top[:, 0],
            "reason_2": top[:, 1],
            "reason_3": top[:, 2],
        },
        index=frame.index,
    )


def _change_grid(row: pd.Series, usable: list[str], schema) -> pd.DataFrame:
    """Candidate values of each changeable feature, every combination, within the schema's range."""
    options = {}
    for f in usable:
        field_ = schema.field(f)
        v = float(row[f])
        if f == "loan_amount":
            grid = v * np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
        elif f == "term_months":
            grid = np.array([v, 12, 24, 36, 48, 60, 72, 84], dtype=float)
        else:
            grid = v - np.array([0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4])
        options[f] = np.unique(np.clip(grid, field_.minimum, field_.maximum))
    mesh = np.meshgrid(*options.values(), indexing="ij")
    return pd.DataFrame({f: m.ravel() for f, m in zip(options, mesh, strict=True)})


def counterfactual(
    model, frame_one_row: pd.DataFrame, current_pd: float | None = None
) -> dict | None:
    """Smallest change to one or two of loan amount, term, debt-to-income that brings PD under
    the cut-off; None when the PD already is under it or no bounded change reaches it.
    `current_pd` saves re-scoring the applicant when the caller already has its PD."""
    X = model._prepare(frame_one_row)
    if len(X) != 1:
        raise InputError(f"counterfactual takes one applicant, got {len(X)} rows")
    current = float(model.predict_pd(X)[0]) if current_pd is None else float(current_pd)
    if current < model.cutoff_:
        return None
    usable = [f for f in COUNTERFACTUAL_FEATURES if f in model.features_]
    if not usable:
        return None
    row = X.iloc[0]
    grid = _change_grid(row, usable, model.schema_)
    changed = np.column_stack([~np.isclose(grid[f], float(row[f])) for f in usable])
    grid = grid[(changed.sum(axis=1) >= 1) & (changed.sum(axis=1) <= 2)]
    if grid.empty:
        return None
    trial = pd.DataFrame({c: np.repeat(row[c], len(grid)) for c in model.features_})
    for f in usable:
        trial[f] = grid[f].to_numpy()
    pds = model.predict_pd(trial)
    cost = sum(
        np.abs(grid[f].to_numpy() - float(row[f])) / max(abs(float(row[f])), 1e-2) for f in usable
    )
    ok = pds < model.cutoff_
    if not ok.any():
        return None
    best = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
    changes = {
        f: {"from": float(row[f]), "to": float(grid[f].iloc[best])}
        for f in usable
        if not np.isclose(grid[f].iloc[best], float(row[f]))
    }
    words = ", ".join(
        f"{reasons.label(f)} from {c['from']:g} to {c['to']:g}" for f, c in changes.items()
    )
    return {
        "changes": changes,
        "pd": float(pds[best]),
        "pd_before": current,
        "text": f"Change {words}",
    }


def feature_importance(model, frame: pd.DataFrame) -> pd.DataFrame:
    """Global importance: mean |contribution| per input column over a frame (log-odds units)."""
    _, contrib, _ = model.contributions(frame)
    values = np.abs(contrib).mean(axis=0)
    return pd.DataFrame({"feature": model.features_, "importance": values}).sort_values(
        "importance", ascending=False, ignore_index=True
    )


def scorecard_table(binning, logistic) -> pd.DataFrame:
    """Points per bin of every characteristic of a WOE-binned logistic (PDO 20, 600 at odds 50)."""
    names = list(binning.get_support(names=True))
    factor = reasons.POINTS_PER_LOGIT
    offset = 600 - factor * np.log(50)
    n = len(names)
    frames = []
    for name, coef in zip(names, logistic.coef_.ravel(), strict=True):
        table = binning.get_binned_variable(name).binning_table.build()
        table = table[~table.index.isin(["Totals"])]
        woe = pd.to_numeric(table["WoE"], errors="coerce").fillna(0.0).to_numpy()
        points = offset / n - factor * (coef * woe + logistic.intercept_[0] / n)
        frames.append(
            pd.DataFrame(
                {
                    "characteristic": name,
                    "bin": table["Bin"].astype(str).to_numpy(),
                    "count": table["Count"].to_numpy(),
                    "event_rate": pd.to_numeric(table["Event rate"], errors="coerce").to_numpy(),
                    "woe": woe,
                    "points": points.round(1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
