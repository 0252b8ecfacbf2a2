"""Metrics shared by every model: tiny pure functions over arrays, reports as tidy DataFrames.

Credit-risk vocabulary (Gini, KS, Brier; PSI lives in `bankml.default.drift`) follows the credit-scoring tools. "Positive" is a
default; a loan is approved when its PD is below the cut-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn import metrics as skm

from bankml.errors import InputError

DISPARATE_IMPACT_FLAG = 0.8


def _arrays(y, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(int).ravel()
    score = np.asarray(score, dtype=float).ravel()
    if len(y) != len(score):
        raise InputError(f"labels ({len(y)}) and scores ({len(score)}) differ in length")
    return y, score


def _both_classes(y: np.ndarray) -> bool:
    return 0 < y.sum() < len(y)


def roc_auc(y, score) -> float:
    """ROC AUC as the Mann-Whitney statistic on average ranks (a tie counts half): the number
    scikit-learn's roc_auc_score gives, without its input checks, which cost more than the AUC in
    the hundreds of small AUCs of a training's proxy check. Anything else (missing scores,
    labels other than 0/1) goes to scikit-learn, which says what is wrong."""
    y, score = _arrays(y, score)
    if not _both_classes(y):
        return float("nan")
    positive = y == 1
    if not (np.isfinite(score).all() and (positive | (y == 0)).all()):
        return float(skm.roc_auc_score(y, score))
    ranks = rankdata(score)
    n_pos = int(positive.sum())
    n_neg = len(y) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(y, score) -> float:
    """Average precision: the area under the precision-recall curve (the imbalanced-data view)."""
    y, score = _arrays(y, score)
    return float(skm.average_precision_score(y, score)) if _both_classes(y) else float("nan")


def gini(y, score) -> float:
    return 2.0 * roc_auc(y, score) - 1.0


def ks(y, score) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score CDFs of defaulters and non-defaulters."""
    y, score = _arrays(y, score)
    if not _both_classes(y):
        return float("nan")
    fpr, tpr, _ = skm.roc_curve(y, score)
    return float(np.max(tpr - fpr))


def brier(y, pd_) -> float:
    y, pd_ = _arrays(y, pd_)
    return float(np.mean((pd_ - y) ** 2))


def log_loss(y, pd_) -> float:
    y, pd_ = _arrays(y, pd_)
    p = np.clip(pd_, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def confusion(y, pd_, cutoff: float) -> dict[str, float]:
    """Counts and rates when loans with PD >= cutoff are declined (predicted to default)."""
    y, pd_ = _arrays(y, pd_)
    declined = pd_ >= cutoff
    tp = int(np.sum(declined & (y == 1)))
    fp = int(np.sum(declined & (y == 0)))
    fn = int(np.sum(~declined & (y == 1)))
    tn = int(np.sum(~declined & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "accuracy": (tp + tn) / max(len(y), 1),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "approval_rate": float(np.mean(~declined)) if len(y) else 0.0,
    }


def summary(y, pd_) -> dict[str, float]:
    """All threshold-free metrics of one set of predictions."""
    return {
        "roc_auc": roc_auc(y, pd_),
        "pr_auc": pr_auc(y, pd_),
        "gini": gini(y, pd_),
        "ks": ks(y, pd_),
        "brier": brier(y, pd_),
        "log_loss": log_loss(y, pd_),
    }


def curves(y, score) -> dict[str, pd.DataFrame]:
    """ROC and precision-recall curves as tidy frames (for charts)."""
    y, score = _arrays(y, score)
    fpr, tpr, _ = skm.roc_curve(y, score)
    precision, recall, _ = skm.precision_recall_curve(y, score)
    return {
        "roc": pd.DataFrame({"fpr": fpr, "tpr": tpr}),
        "pr": pd.DataFrame({"recall": recall, "precision": precision}),
    }


def reliability_curve(y, pd_, bins: int = 10) -> pd.DataFrame:
    """Mean predicted PD vs observed default rate per PD decile, with a Wilson 95 % interval."""
    y, pd_ = _arrays(y, pd_)
    order = np.argsort(pd_, kind="stable")
    groups = np.empty(len(y), dtype=int)
    groups[order] = np.arange(len(y)) * bins // max(len(y), 1)
    frame = pd.DataFrame({"bin": groups, "pd": pd_, "y": y})
    out = frame.groupby("bin").agg(mean_pd=("pd", "mean"), observed=("y", "mean"), n=("y", "size"))
    z = 1.96
    n, p = out["n"].to_numpy(float), out["observed"].to_numpy(float)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return out.assign(lower=centre - half, upper=centre + half).reset_index()


def ece(y, pd_, bins: int = 10) -> float:
    """Expected calibration error: the n-weighted mean |observed - predicted| over PD deciles."""
    curve = reliability_curve(y, pd_, bins)
    weights = curve["n"] / curve["n"].sum()
    return float(np.sum(weights * np.abs(curve["observed"] - curve["mean_pd"])))


def profit_curve(y, pd_, gain, loss, cutoffs: np.ndarray | None = None) -> pd.DataFrame:
    """Realised profit of approving every loan with PD < cut-off, for a grid of cut-offs.

    A repaid loan earns its `gain`, a default loses its `loss` (per loan, e.g. from
    `bankml.default.economics.loan_values`). Vectorised with a sort and cumulative sums, so the
    whole curve costs one pass. A back-test of a cut-off, not how it is chosen (by expected value).
    """
    y, pd_ = _arrays(y, pd_)
    gain = np.broadcast_to(np.asarray(gain, dtype=float), y.shape)
    loss = np.broadcast_to(np.asarray(loss, dtype=float), y.shape)
    if cutoffs is None:
        cutoffs = np.round(np.linspace(0.0, 1.0, 201), 4)
        cutoffs[-1] = 1.0 + 1e-9
    outcome = np.where(y == 1, -loss, gain)
    order = np.argsort(pd_, kind="stable")
    sorted_pd = pd_[order]
    cum_gain = np.concatenate([[0.0], np.cumsum(outcome[order])])
    cum_bad = np.concatenate([[0], np.cumsum(y[order])])
    cum_bad_loss = np.concatenate([[0.0], np.cumsum((loss * y)[order])])
    approved = np.searchsorted(sorted_pd, cutoffs, side="left")
    total_bad = max(int(y.sum()), 1)
    all_profit = float(outcome.sum())
    bad_loss = float((loss * y).sum())
    profit = cum_gain[approved]
    return pd.DataFrame(
        {
            "cutoff": np.minimum(cutoffs, 1.0),
            "approval_rate": approved / max(len(y), 1),
            "approved": approved,
            "profit": profit,
            "profit_vs_approve_all": profit - all_profit,
            "defaulters_caught": 1.0 - cum_bad[approved] / total_bad,
            "bad_debt_avoided": bad_loss - cum_bad_loss[approved],
        }
    )


def fairness_report(y, pd_, cutoff: float, group) -> pd.DataFrame:
    """Approval rate, TPR (defaulters declined) and FPR (good payers declined) per group.

    The disparate-impact ratio is each group's approval rate over the best group's; a ratio below
    0.8 (the four-fifths rule) is flagged.
    """
    y, pd_ = _arrays(y, pd_)
    frame = pd.DataFrame(
        {
            "group": pd.Series(np.asarray(group)).astype(str).to_numpy(),
            "approved": pd_ < cutoff,
            "y": y,
        }
    )
    frame["declined_bad"] = ~frame["approved"] & (frame["y"] == 1)
    frame["declined_good"] = ~frame["approved"] & (frame["y"] == 0)
    out = frame.groupby("group", sort=True).agg(
        n=("y", "size"),
        default_rate=("y", "mean"),
        approval_rate=("approved", "mean"),
        declined_bad=("declined_bad", "sum"),
        declined_good=("declined_good", "sum"),
        bad=("y", "sum"),
    )
    good = out["n"] - out["bad"]
    out["tpr"] = np.where(out["bad"] > 0, out["declined_bad"] / out["bad"].clip(lower=1), np.nan)
    out["fpr"] = np.where(good > 0, out["declined_good"] / good.clip(lower=1), np.nan)
    best = out["approval_rate"].max()
    out["disparate_impact"] = out["approval_rate"] / best if best > 0 else np.nan
    out["flagged"] = out["disparate_impact"] < DISPARATE_IMPACT_FLAG
    return out[
        ["n", "default_rate", "approval_rate", "tpr", "fpr", "disparate_impact", "flagged"]
    ].reset_index()


def age_band(age) -> pd.Series:
    """Age groups used by the fairness report."""
    return pd.cut(
        pd.Series(np.asarray(age, dtype=float)),
        bins=[0, 25, 35, 50, 65, 200],
        labels=["18-24", "25-34", "35-49", "50-64", "65+"],
        right=False,
    ).astype(str)


@dataclass(frozen=True)
class NestedCV:
    """Outer-fold scores of a whole training procedure (selection included) on held-out rows.

    `pooled_auc` is the ROC AUC of all outer predictions together, `mean_auc` the mean of the
    per-fold AUCs; `chosen` names what each outer fold's training picked.
    """

    pooled_auc: float
    mean_auc: float
    fold_auc: tuple[float, ...]
    chosen: tuple[str, ...]
    y: np.ndarray = field(repr=False)
    score: np.ndarray = field(repr=False)


def nested_cv_auc(
    frame: pd.DataFrame,
    target: str,
    train_fn: Callable[[pd.DataFrame], object],
    cv: int = 5,
    random_state: int = 0,
    positive: str | None = None,
    group_column: str | None = None,
) -> NestedCV:
    """Nested cross-validation: `train_fn` runs the whole training (its own candidate selection on
    inner folds of what it is given) on each outer training part, and is scored on the held-out
    outer fold it never saw (the target column is removed before scoring).

    `train_fn(train_frame)` returns a fitted model with `predict_pd(frame)` or `predict_proba`.
    The outer folds are the leaderboard's (`crossval.make_folds`): StratifiedKFold(cv, shuffle=True,
    random_state), grouped by `group_column` (default `customer_id` when the frame has it) so no
    customer's rows are on both sides of an outer split, as the inner folds of `train_default` are.
    """
    from bankml.default.crossval import make_folds
    from bankml.default.features import binary_target

    if target not in frame.columns:
        raise InputError(f"target column {target!r} not found: columns are {list(frame.columns)}")
    y = binary_target(frame[target], positive).to_numpy()
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < cv:
        raise InputError(f"nested {cv}-fold CV needs {cv} rows of each class, found {minority}")
    if group_column is None and "customer_id" in frame.columns:
        group_column = "customer_id"
    if group_column is not None and group_column not in frame.columns:
        raise InputError(
            f"group column {group_column!r} not found: columns are {list(frame.columns)}"
        )
    groups = frame[group_column].to_numpy() if group_column else None
    score = np.zeros(len(y))
    fold_auc, chosen = [], []
    for train, test in make_folds(y, cv, random_state, groups):
        model = train_fn(frame.iloc[train])
        held_out = frame.iloc[test].drop(columns=[target])
        if hasattr(model, "predict_pd"):
            score[test] = model.predict_pd(held_out)
        else:
            score[test] = model.predict_proba(held_out)[:, 1]
        fold_auc.append(roc_auc(y[test], score[test]))
        chosen.append(str(getattr(model, "candidate", type(model).__name__)))
    return NestedCV(
        pooled_auc=roc_auc(y, score),
        mean_auc=float(np.mean(fold_auc)),
        fold_auc=tuple(fold_auc),
        chosen=tuple(chosen),
        y=y,
        score=score,
    )
