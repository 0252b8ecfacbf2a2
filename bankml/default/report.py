"""Model-performance views over out-of-fold validation rows: one call per chart or table.

`validation` is the frame saved with a model (columns y, pd, amount, optional oracle_pd and
protected attributes), so every figure is measured on rows the model did not train on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml import evaluate
from bankml.config import LendingEconomics
from bankml.default import economics as econ


def curve_frames(validation: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """ROC and PR curves of the model and (when known) the oracle, long format with a series."""
    series = {"model": validation["pd"]}
    if "oracle_pd" in validation.columns:
        series["oracle (true PD)"] = validation["oracle_pd"]
    out: dict[str, list[pd.DataFrame]] = {"roc": [], "pr": []}
    for name, score in series.items():
        curves = evaluate.curves(validation["y"], score)
        for kind, frame in curves.items():
            step = max(len(frame) // 400, 1)  # thin to ~400 points per line for the browser
            out[kind].append(frame.iloc[::step].assign(series=name))
    return {kind: pd.concat(frames, ignore_index=True) for kind, frames in out.items()}


def metrics_table(validation: pd.DataFrame) -> pd.DataFrame:
    """Threshold-free metrics of the calibrated model beside the oracle's."""
    rows = {"model": evaluate.summary(validation["y"], validation["pd"])}
    rows["model"]["ece"] = evaluate.ece(validation["y"], validation["pd"])
    if "oracle_pd" in validation.columns:
        rows["oracle (true PD)"] = evaluate.summary(validation["y"], validation["oracle_pd"])
        rows["oracle (true PD)"]["ece"] = evaluate.ece(validation["y"], validation["oracle_pd"])
    return pd.DataFrame(rows).T.reset_index(names="scored by")


def _money(validation: pd.DataFrame) -> tuple:
    """Per-loan gain and loss of the validation rows (rows saved without them: 1 and 1)."""
    if "gain" in validation.columns:
        return validation["gain"], validation["loss"]
    return 1.0, 1.0


def business_view(validation: pd.DataFrame, cutoff: float) -> dict[str, float]:
    """What a cut-off means in money: approval rate, defaulters caught, bad debt avoided, profit
    realised on the out-of-fold loans (a back-test of the expected-value choice)."""
    gain, loss = _money(validation)
    row = evaluate.profit_curve(
        validation["y"], validation["pd"], gain, loss, np.array([cutoff])
    ).iloc[0]
    return {
        "cutoff": float(cutoff),
        "approval_rate": float(row["approval_rate"]),
        "defaulters_caught": float(row["defaulters_caught"]),
        "bad_debt_avoided": float(row["bad_debt_avoided"]),
        "profit": float(row["profit"]),
        "profit_vs_approve_all": float(row["profit_vs_approve_all"]),
    }


def profit_frame(validation: pd.DataFrame) -> pd.DataFrame:
    """Realised profit and approval rate for every cut-off on a 0.005 grid (the profit chart)."""
    gain, loss = _money(validation)
    return evaluate.profit_curve(validation["y"], validation["pd"], gain, loss)


def confusion_frame(validation: pd.DataFrame, cutoff: float) -> pd.DataFrame:
    """2 x 2 confusion matrix at a cut-off (rows: what happened; columns: the decision)."""
    c = evaluate.confusion(validation["y"], validation["pd"], cutoff)
    return pd.DataFrame(
        {"approved": [c["tn"], c["fn"]], "declined": [c["fp"], c["tp"]]},
        index=["repaid", "defaulted"],
    )


def economics_view(validation: pd.DataFrame, economics: LendingEconomics) -> dict:
    """The money views under `economics` (the page's what-if): the validation loans re-priced, the
    expected-value cut-off and refer band they imply, the realised profit curve and the portfolio's
    expected loss by grade and vintage."""
    priced = econ.revalue(validation, economics)
    values = econ.LoanValues(
        priced["gain"].to_numpy(float),
        priced["loss"].to_numpy(float),
        priced["ead"].to_numpy(float),
    )
    chosen = econ.choose_cutoff(priced["pd"].to_numpy(float), values, economics)
    return {
        "cutoff": chosen.cutoff,
        "refer_band": [chosen.refer_low, chosen.refer_high],
        "expected_profit": chosen.expected_profit,
        "profit": profit_frame(priced),
        "business": business_view(priced, chosen.cutoff),
        **portfolio_frames(priced, economics),
    }


def portfolio_frames(validation: pd.DataFrame, economics: LendingEconomics) -> dict:
    """Expected loss = PD x LGD x EAD by grade and by vintage, keyed portfolio_by_grade / _vintage
    (rows saved without exposures: none)."""
    if "ead" not in validation.columns or "grade" not in validation.columns:
        return {}
    view = econ.portfolio_view(validation, economics)
    return {f"portfolio_{key}": frame for key, frame in view.items()}
