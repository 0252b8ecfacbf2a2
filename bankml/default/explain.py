"""Explanations of a fitted PD model: one applicant's reasons, reasons for a batch, the smallest
change that approves a declined applicant (priced by `counterfactual`) and global importance.

Functions take the fitted model (`bankml.default.pdmodel.PDModel`): its exact additive
contributions make every explanation add up to the score the PD is calibrated from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml.default import reasons
from bankml.default.counterfactual import advise
from bankml.default.macro import macro_columns
from bankml.errors import InputError


# ---- inputs never stated as reasons --------------------------------------------------------
# The model uses them, but an adverse-action reason must name something about the applicant:
# the macro inputs (`bankml.default.macro`: unemployment, policy rate of the application month)
# are the same for everyone applying that month, and no applicant can change them. Their share
# of the score goes into the applicant's baseline (`explain_one`'s attrs["economy"]), the batch's
# reason_1..3 are the top applicant-level factors, and the counterfactual moves only
# `counterfactual.ACTIONABLE` (never one of these: tested).
def not_reasons(names) -> tuple[str, ...]:
    """The reasons among `names` that are never stated to an applicant (the macro inputs)."""
    return macro_columns(names)


def _stated(names: list[str]) -> np.ndarray:
    """Boolean mask over `names`: True where the reason may be stated to the applicant."""
    hidden = set(not_reasons(names))
    return np.array([n not in hidden for n in names], dtype=bool)


def explain_one(model, frame_one_row: pd.DataFrame) -> pd.DataFrame:
    """One applicant's attribution per reason, largest |contribution| first.

    A reason is an input column, or a derived ratio for the inputs it is computed from
    (`reasons.reason_groups`: loan-to-income for loan amount and income). `contribution` is in
    log-odds (+ raises the PD), `points` in the scorecard's convention (+ is safer), `inputs` the
    columns behind each reason. Inputs in `not_reasons` (the economy of the application month)
    are no rows: their log-odds are `attrs["economy"]`, part of the applicant's baseline
    `attrs["base"]`, so `attrs["base"]` + contribution.sum() == the log-odds score
    (`attrs["score"]`).
    """
    if len(frame_one_row) != 1:
        raise InputError(f"explain takes one applicant, got {len(frame_one_row)} rows")
    X = model._prepare(frame_one_row)
    score, contrib, base = model._contributions(X)
    derived = model._derived_reasons()
    shown, contrib, names = reasons.grouped(X, contrib, model.features_, derived)
    stated = _stated(names)
    economy = float(contrib[0, ~stated].sum())
    contrib, names = contrib[:, stated], np.asarray(names, dtype=object)[stated].tolist()
    texts = reasons.reason_texts(shown, contrib, names)[0]
    inputs = dict(reasons.reason_groups(list(model.features_), derived))
    first = shown.iloc[0]  # once: taking the row per reason was most of explain's time
    out = pd.DataFrame(
        {
            "feature": names,
            "value": [first[f] for f in names],
            "contribution": contrib[0],
            "points": reasons.to_points(contrib[0]),
            "text": texts,
            "inputs": [", ".join(inputs[n]) for n in names],
        }
    )
    out = out.iloc[np.argsort(-np.abs(out["contribution"].to_numpy()), kind="stable")]
    out = out.reset_index(drop=True)
    out.attrs.update(base=float(base[0]) + economy, score=float(score[0]), economy=economy)
    return out


def score_with_reasons(model, frame: pd.DataFrame) -> pd.DataFrame:
    """PD, grade, decision and the top three PD-raising reasons for every row (vectorised);
    reasons are grouped as in `explain_one` (loan-to-income, not its two halves) and never name
    a `not_reasons` input (the economy)."""
    X = model._prepare(frame)
    derived = model._derived_reasons()

    def chunk(rows: pd.DataFrame, threads: int) -> tuple[np.ndarray, ...]:
        """Score and top reasons' codes of some rows: a large frame's chunks run on every core.
        Each chunk's codes index its own text table; the tables are joined below."""
        score, contrib, _ = model._contributions(rows, threads=threads)
        shown, grouped, names = reasons.grouped(rows, contrib, model.features_, derived)
        stated = _stated(names)
        if not stated.all():
            grouped, names = grouped[:, stated], np.asarray(names, dtype=object)[stated].tolist()
        codes, texts = reasons.top_reason_codes(shown, grouped, names, k=3)
        return score, codes, texts, np.array([len(texts)]), np.array([len(rows)])

    score, codes, texts, sizes, lengths = model._in_row_chunks(chunk, X)
    # chunk i's codes start after the text tables of the chunks before it
    codes = codes + np.repeat(np.cumsum(sizes) - sizes, lengths)[:, None].astype(codes.dtype)
    pd_ = model.calibrator_.transform(score)
    top = reasons.text_columns(codes, texts)
    out = pd.DataFrame(
        {
            "pd": pd_,
            "grade": model.grade(pd_),
            "decision": model.decision(pd_),
            **{f"reason_{j + 1}": column for j, column in enumerate(top)},
        }
    )
    out.index = frame.index
    return out


def counterfactual(
    model, frame_one_row: pd.DataFrame, current_pd: float | None = None
) -> dict | None:
    """The smallest change of loan amount and/or term, priced by the product's rules, that
    brings the PD under the cut-off (`bankml.default.counterfactual.advise`); None when the
    PD already is under it or no allowed change reaches it. `current_pd` saves re-scoring
    the applicant when the caller already has its PD."""
    X = model._prepare(frame_one_row)
    if len(X) != 1:
        raise InputError(f"counterfactual takes one applicant, got {len(X)} rows")
    current = float(model.predict_pd(X)[0]) if current_pd is None else float(current_pd)
    if current < model.cutoff_:
        return None
    return advise(model, X, current)


def feature_importance(model, frame: pd.DataFrame) -> pd.DataFrame:
    """Global importance: mean |contribution| per reason over a frame (log-odds units), reasons
    grouped as in `explain_one`."""
    X = model._prepare(frame)
    _, contrib, _ = model._batch_contributions(X)
    _, contrib, names = reasons.grouped(X, contrib, model.features_, model._derived_reasons())
    values = np.abs(contrib).mean(axis=0)
    return pd.DataFrame({"feature": names, "importance": values}).sort_values(
        "importance", ascending=False, ignore_index=True
    )
