"""Training: every candidate on the same folds, an optional time-budgeted search, the blend, and
the best explainable model calibrated and refitted (`train_default` -> `TrainResult`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.model_selection import ParameterSampler

from bankml import evaluate
from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import economics as economics_mod
from bankml.default import fairness
from bankml.default.behaviour import behaviour_columns
from bankml.default.blend import BlendModel, beats_blend, choose_blend, with_blend_members
from bankml.default.calibration import logit
from bankml.default.crossval import Folds, OutOfFold, make_folds, out_of_fold
from bankml.default.estimator import DefaultModel, PDModel
from bankml.default.features import (
    CATEGORICAL,
    NUMERIC,
    PROTECTED,
    FeatureSpec,
    bank_spec,
    binary_target,
    infer_spec,
)
from bankml.default.macro import macro_columns
from bankml.default.review import fair_lending, scorecard_review
from bankml.errors import InputError

Progress = Callable[[float, str], None]

# The deployed calibration map is learnt from out-of-fold scores of models fitted on at least
# 80 % of the rows, whatever the comparison's cv: with 3 folds the fold models see 67 % and are
# less sharp than the refit on all rows, so a map learnt on them over-states the refit's extremes.
CALIBRATION_FOLDS = 5

# The leaderboard's columns in reading order (the page shows them so; auc_vs_oracle only on the bank).
LEADERBOARD_COLUMNS = (
    "name",
    "imbalance",
    "roc_auc",
    "pr_auc",
    "gini",
    "ks",
    "brier",
    "log_loss",
    "fit_seconds",
    "subsampled",
    "explainable",
    "auc_vs_oracle",
    "chosen",
)


def _no_progress(fraction: float, message: str) -> None:
    return None


@dataclass(frozen=True)
class TrainResult:
    """The chosen model, the leaderboard of every candidate and out-of-fold validation rows."""

    model: PDModel
    leaderboard: pd.DataFrame
    validation: pd.DataFrame
    chosen: str
    spec: FeatureSpec
    oracle: dict | None = None
    seconds: float = 0.0
    parameters: dict = field(default_factory=dict)
    scorecard_points: pd.DataFrame | None = None
    diagnostics: dict = field(default_factory=dict)

    def metrics(self) -> dict:
        """Validation metrics of the calibrated chosen model at its cut-off."""
        v = self.validation
        out = evaluate.summary(v["y"], v["pd"])
        out.update(evaluate.confusion(v["y"], v["pd"], self.model.cutoff_))
        out["ece"] = evaluate.ece(v["y"], v["pd"])
        return out


@dataclass(frozen=True)
class Compared:
    """One leaderboard entry's out-of-fold result: its candidate, its params (None: preset)."""

    candidate: cands.Candidate
    params: dict | None
    proba: np.ndarray | None  # None: the fit computes its own out-of-fold predictions


def resolve_spec(
    frame: pd.DataFrame,
    target: str,
    protected: tuple[str, ...] | None,
    include_age: bool,
    use_protected: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, FeatureSpec]:
    """The bank's fixed spec when the frame is the loan frame, else types inferred from any CSV.

    On any CSV, columns whose names mark them as protected (`fairness.protected_columns`) join
    the named `protected` ones unless listed in `use_protected` (the user's explicit opt-in).
    """
    bank_like = all(c in frame.columns for c in (*NUMERIC, *CATEGORICAL))
    if bank_like and target == "defaulted":
        kept = tuple(protected) if protected is not None else PROTECTED
        # the bank's behavioural columns are inputs whenever the loan frame carries them
        extra = (*behaviour_columns(frame.columns), *macro_columns(frame.columns))
        spec = bank_spec(include_age, kept, extra)
        return frame, spec
    unknown = [c for c in use_protected if c not in frame.columns]
    if unknown:
        raise InputError(
            f"--use-protected column {unknown[0]!r} is not in the data: columns are "
            f"{list(frame.columns)[:20]}"
        )
    detected = fairness.protected_columns(frame.columns, exclude=(target, *use_protected))
    named = [c for c in (protected or ()) if c not in use_protected]
    return infer_spec(frame, target, tuple(dict.fromkeys([*named, *detected])))


@dataclass(frozen=True)
class SearchResult:
    """The best hyper-parameters a search found (None: none beat the preset) and their OOF."""

    params: dict | None
    oof: OutOfFold | None
    roc_auc: float


def search(
    candidate: cands.Candidate,
    spec: FeatureSpec,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    budget: float,
    random_state: int,
    baseline_auc: float,
) -> SearchResult:
    """Time-budgeted random search on the same folds, kept only if it beats `baseline_auc`."""
    best = SearchResult(None, None, baseline_auc)
    space = cands.SEARCH_SPACES.get(candidate.algorithm)
    if not space:
        return best
    started = time.perf_counter()
    size = int(np.prod([len(v) for v in space.values()]))
    for params in ParameterSampler(space, n_iter=min(50, size), random_state=random_state):
        if time.perf_counter() - started > budget:
            break
        oof = out_of_fold(
            lambda p=params: cands.pipeline(candidate, spec, random_state, p), X, y, folds
        )
        auc = evaluate.roc_auc(y, oof.proba)
        if auc > best.roc_auc:
            best = SearchResult(params, oof, auc)
    return best


def _row(name, candidate, y, proba, seconds, subsampled, params=None) -> dict:
    return {
        "name": name,
        "algorithm": candidate.algorithm,
        "imbalance": candidate.imbalance,
        **evaluate.summary(y, proba),
        "fit_seconds": seconds,
        "subsampled": subsampled,
        "explainable": candidate.explainable,
        "params": params or {},
    }


def _fit_chosen(compared: Compared, spec, X, y, folds, oof: dict, cv, economics, random_state):
    """The chosen entry refitted on all rows, calibrated on its out-of-fold predictions."""
    options = {"spec": spec, "cv": cv, "economics": economics, "random_state": random_state}
    if compared.candidate.kind == "blend":
        params = compared.params
        model = BlendModel(members=params["members"], weights=params["weights"], **options)
        member_oof = {n: oof[n].proba for n in params["members"] if n in oof}
        return model.fit(X, y, oof_proba=compared.proba, folds=folds, member_oof=member_oof)
    model = DefaultModel(candidate=compared.candidate.name, params=compared.params, **options)
    return model.fit(X, y, oof_proba=compared.proba, folds=folds)


def train_default(
    frame: pd.DataFrame,
    target: str = "defaulted",
    candidates: str | list[str] = "quick",
    protected: tuple[str, ...] | None = None,
    include_age: bool = False,
    random_state: int = 0,
    progress: Progress = _no_progress,
    cv: int = 5,
    search_seconds: float = 60.0,
    economics: LendingEconomics = DEFAULT_ECONOMICS,
    oracle: pd.Series | None = None,
    positive: str | None = None,
    use_protected: tuple[str, ...] = (),
    group_column: str | None = None,
    reviews: bool = True,
) -> TrainResult:
    """Compare candidates on the same stratified folds, calibrate the best explainable one.

    The deployed model must give exact reason codes, so it is the best explainable candidate by
    out-of-fold ROC AUC; others still appear on the leaderboard for comparison.
    `oracle` (true PD indexed by loan_id) adds the best possible model's metrics.
    On any CSV, protected columns found by name are not inputs unless named in `use_protected`;
    the notice and a proxy check (how well the inputs predict each) are in `diagnostics`.
    Folds are grouped by `group_column` (default `customer_id` when the frame has it): no
    customer's loans on both sides of a split; the column is never an input.
    `reviews=False` skips what describes the deployed model for its card and nothing else reads
    (the scorecard's points and screening, the fair-lending proxy check: a small table's
    costliest step): for callers that keep only the model and its out-of-fold figures, such as
    the out-of-time test. Model, leaderboard and validation are the same either way.
    """
    started = time.perf_counter()
    if target not in frame.columns:
        raise InputError(
            f"target column {target!r} not found: columns are {list(frame.columns)[:20]}"
        )
    frame, spec = resolve_spec(frame, target, protected, include_age, tuple(use_protected))
    y = binary_target(frame[target], positive).to_numpy()
    group_column, spec = _grouping(frame, spec, group_column)
    X = frame[spec.features]
    groups = frame[group_column].to_numpy() if group_column else None
    folds = make_folds(y, cv, random_state, groups)
    chosen_list = with_blend_members(cands.candidates(candidates))
    searching = candidates in ("all", "all_small")
    rows: list[dict] = []
    compared: dict[str, Compared] = {}
    member_oof: dict[str, OutOfFold] = {}
    total = len(chosen_list) + (2 if searching else 0) + 1
    for i, candidate in enumerate(chosen_list):
        if candidate.kind == "blend":
            continue
        progress(i / total, f"cross-validating {candidate.name}")
        result = out_of_fold(lambda c=candidate: cands.pipeline(c, spec, random_state), X, y, folds)
        compared[candidate.name] = Compared(candidate, None, result.proba)
        member_oof[candidate.name] = result
        rows.append(
            _row(candidate.name, candidate, y, result.proba, result.fit_seconds, result.subsampled)
        )
    blend = next((c for c in chosen_list if c.kind == "blend"), None)
    if blend is not None:
        probas = {name: c.proba for name, c in compared.items()}
        params, proba = choose_blend(board_rows=rows, oof=probas, y=y)
        compared[blend.name] = Compared(blend, params, proba)
        seconds = sum(r["fit_seconds"] for r in rows if r["name"] in params["members"])
        rows.append(_row(blend.name, blend, y, proba, seconds, False, params))
    board = pd.DataFrame(rows)
    if searching:
        per_second = max(search_seconds, 0.0) / 2
        # the best-ranked explainable candidate of each of the two best tunable algorithms
        top = board[board["explainable"]].sort_values("roc_auc", ascending=False)
        top = top[top["algorithm"].isin(list(cands.SEARCH_SPACES))]
        tunable = list(top.drop_duplicates("algorithm")["name"].head(2))
        for j, name in enumerate(tunable):
            progress((len(chosen_list) + j) / total, f"searching hyper-parameters of {name}")
            candidate = compared[name].candidate
            auc0 = float(board.loc[board["name"] == name, "roc_auc"].iloc[0])
            found = search(candidate, spec, X, y, folds, per_second, random_state, auc0)
            if found.params is not None:
                tuned = f"{name} (tuned)"
                compared[tuned] = Compared(candidate, found.params, found.oof.proba)
                rows.append(
                    _row(
                        tuned,
                        candidate,
                        y,
                        found.oof.proba,
                        found.oof.fit_seconds,
                        False,
                        found.params,
                    )
                )
        board = pd.DataFrame(rows)
    explainable = board[board["explainable"]].sort_values("roc_auc", ascending=False)
    if explainable.empty:
        raise InputError(
            "no explainable candidate was compared: include scorecard, logistic or lightgbm"
        )
    chosen = str(explainable["name"].iloc[0])
    if blend is not None and compared[blend.name].params.get("fixed_model"):
        chosen = blend.name  # small data: the blend is the model (cands.SMALL_LINEAR_SHARE)
    elif blend is not None and not beats_blend(
        compared[chosen].proba, compared[blend.name].proba, y, folds
    ):
        chosen = blend.name
    progress((total - 1) / total, f"calibrating and refitting {chosen}")
    winner = compared[chosen]
    fit_folds, fit_oof, fit_entry = folds, member_oof, winner
    if len(folds) < CALIBRATION_FOLDS:  # see CALIBRATION_FOLDS: refit-like calibration scores
        fit_folds = make_folds(y, CALIBRATION_FOLDS, random_state, groups)
        fit_oof, fit_entry = {}, replace(winner, proba=None)
    model = _fit_chosen(fit_entry, spec, X, y, fit_folds, fit_oof, cv, economics, random_state)
    points, diagnostics = None, {}
    if reviews:
        points, diagnostics = scorecard_review(model, compared, X, y, folds, spec, cv, random_state)
    validation = pd.DataFrame({"y": y, "pd": model.validation_pd_, "score": logit(winner.proba)})
    validation = validation.assign(**economics_mod.validation_columns(model, frame))
    for column in (*spec.protected, "loan_id"):
        if column in frame.columns:
            validation[column] = frame[column].to_numpy()
    oracle_metrics = None
    if oracle is not None and "loan_id" in frame.columns:
        truth = oracle.reindex(frame["loan_id"].to_numpy()).to_numpy(float)
        if np.isfinite(truth).all():
            validation["oracle_pd"] = truth
            oracle_metrics = evaluate.summary(y, truth)
            board["auc_vs_oracle"] = board["roc_auc"] / oracle_metrics["roc_auc"]
    if reviews:
        diagnostics.update(fair_lending(frame, spec, tuple(use_protected), random_state))
    board["chosen"] = board["name"] == chosen
    board = board.sort_values("roc_auc", ascending=False, ignore_index=True)
    progress(1.0, f"chose {chosen}")
    return TrainResult(
        model=model,
        leaderboard=board,
        validation=validation,
        chosen=chosen,
        spec=spec,
        oracle=oracle_metrics,
        scorecard_points=points,
        diagnostics=diagnostics,
        seconds=time.perf_counter() - started,
        parameters={
            "candidates": candidates if isinstance(candidates, str) else list(candidates),
            "cv": cv,
            "random_state": random_state,
            "include_age": include_age,
            "protected": list(spec.protected),
            "use_protected": list(use_protected),
            "target": target,
            "positive": positive,
            "group_column": group_column,
            "calibration": model.calibration_,
            "classifier_params": winner.params or {},
            "economics": dict(vars(model.economics_)),
            "pricing_policy": model.policy_,
        },
    )


def _grouping(
    frame: pd.DataFrame, spec: FeatureSpec, group_column: str | None
) -> tuple[str | None, FeatureSpec]:
    """The column folds are grouped by (named, or customer_id when present), kept out of inputs."""
    if group_column is None:
        group_column = "customer_id" if "customer_id" in frame.columns else None
    elif group_column not in frame.columns:
        raise InputError(
            f"group column {group_column!r} not found: columns are {list(frame.columns)[:20]}"
        )
    if group_column is None or group_column not in spec.features:
        return group_column, spec
    return group_column, replace(
        spec,
        numeric=tuple(c for c in spec.numeric if c != group_column),
        categorical=tuple(c for c in spec.categorical if c != group_column),
        dropped=(*spec.dropped, group_column),
    )
