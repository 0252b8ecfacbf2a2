"""The blend: a weighted sum of explainable members' log-odds, calibrated like any single model.

Its score is the weighted sum of its members' scores and so are its contributions, so reason
codes stay exact (TreeSHAP for tree members). `choose_blend` forms it from the members'
out-of-fold predictions; `beats_blend` is the one-standard-error rule that keeps it as the
small-data default unless a single model is clearly better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml import evaluate
from bankml.config import LendingEconomics
from bankml.default import candidates as cands
from bankml.default import fastprep
from bankml.default.calibration import logit, sigmoid
from bankml.default.crossval import out_of_fold
from bankml.default.estimator import EXACT_NOTE, DefaultModel, PDModel
from bankml.default.features import FeatureSpec
from bankml.errors import InputError


def blend_score(member_scores: list[np.ndarray], weights) -> np.ndarray:
    """The blend's log-odds: the weighted sum of its members' log-odds (reason codes add likewise)."""
    return sum(w * np.asarray(s, dtype=float) for w, s in zip(weights, member_scores, strict=True))


def blend_weights(
    member_oof: list[np.ndarray], linear_share: float, n_linear: int = 1
) -> list[float]:
    """Weights on the members' log-odds, the `n_linear` linear members first: each member divided
    by the spread of its out-of-fold log-odds (a forest's are compressed), the linear ones given
    `linear_share` and the tree members the rest, each part in equal shares."""
    spread = [max(float(np.std(logit(p))), 1e-6) for p in member_oof]
    trees = len(spread) - n_linear
    shares = [linear_share / n_linear] * n_linear + [(1.0 - linear_share) / trees] * trees
    return [share / s for share, s in zip(shares, spread, strict=True)]


def stacked_weights(
    member_oof: list[np.ndarray], y: np.ndarray, weights: list[float], shrink: float
) -> list[float]:
    """`weights` (from `blend_weights`) moved a fraction `shrink` of the way to stacking weights.

    The stacking weights are a logistic regression of the target on the members' out-of-fold
    log-odds, each divided by its spread (so a coefficient is a share), negative coefficients set
    to 0 and the rest scaled to sum to 1; the shares are then `shrink` x stacked + (1 - shrink) x
    fixed: on a small table the stacked ones are noisy, so the pull to the fixed shares is strong.
    """
    from sklearn.linear_model import LogisticRegression

    spread = np.array([max(float(np.std(logit(p))), 1e-6) for p in member_oof])
    fixed = np.asarray(weights, dtype=float) * spread
    Z = np.column_stack([logit(p) for p in member_oof]) / spread
    coef = np.clip(LogisticRegression(C=1.0, max_iter=1000).fit(Z, y).coef_.ravel(), 0, None)
    stacked = coef / coef.sum() if coef.sum() > 0 else fixed / fixed.sum()
    shares = shrink * stacked + (1.0 - shrink) * fixed
    return [float(w) for w in shares / spread]


class BlendModel(PDModel):
    """Calibrated PD of a log-odds blend of single candidates, with exact reason codes.

    Parameters
    ----------
    members : names of explainable single candidates (`bankml.default.candidates.KNOWN`).
    weights : one weight per member on its log-odds score.
    spec, calibration, economics, cv, random_state : as for `DefaultModel`.

    Attributes
    ----------
    members_ : the fitted member `DefaultModel`s (each refitted on all rows); weights_ : floats.
    """

    candidate = cands.BLEND_NAME

    def __init__(
        self,
        spec: FeatureSpec | None = None,
        members: tuple[str, ...] | list[str] = (),
        weights: tuple[float, ...] | list[float] = (),
        calibration: str = "auto",
        economics: LendingEconomics | None = None,
        cv: int = 5,
        random_state: int = 0,
    ):
        self.spec = spec
        self.members = members
        self.weights = weights
        self.calibration = calibration
        self.economics = economics
        self.cv = cv
        self.random_state = random_state

    def _checked_members(self) -> tuple[list[str], list[float]]:
        members, weights = list(self.members), list(self.weights)
        if len(members) < 2 or len(members) != len(weights):
            raise InputError(
                "a blend needs members and weights of equal length >= 2, "
                f"got members {members} and weights {weights}"
            )
        return members, [float(w) for w in weights]

    def fit(
        self,
        X: pd.DataFrame,
        y,
        oof_proba: np.ndarray | None = None,
        folds=None,
        member_oof: dict[str, np.ndarray] | None = None,
    ):
        """Fit every member on all rows, calibrate the blended score on out-of-fold predictions.

        `member_oof`: the members' out-of-fold probabilities on the same folds (reused, not refit).
        """
        names, self.weights_ = self._checked_members()
        self.__dict__.pop("derived_reasons_", None)  # a refit recomputes the cached reasons
        X, y = self._start_fit(X, y)
        folds = self._folds(y, folds)
        member_oof = member_oof or {}
        members = [
            DefaultModel(
                spec=self.spec_,
                candidate=name,
                calibration=self.calibration,
                economics=self.economics,
                cv=self.cv,
                random_state=self.random_state,
            )
            for name in names
        ]
        probas = [
            member_oof[n]
            if n in member_oof
            else out_of_fold(m._factory(self.spec_), X[self.features_], y, folds).proba
            for n, m in zip(names, members, strict=True)
        ]
        self.members_ = [
            m.fit(X, y, oof_proba=p, folds=folds) for m, p in zip(members, probas, strict=True)
        ]
        if oof_proba is None:
            oof_proba = sigmoid(blend_score([logit(p) for p in probas], self.weights_))
        self._finish_fit(X, y, oof_proba, folds)
        return self

    def reasons_note(self) -> str:
        """How the reasons are computed: path attributions when a member uses them."""
        notes = {m.reasons_note() for m in self.members_}
        return next((n for n in notes if n != EXACT_NOTE), EXACT_NOTE)

    def _raw_score(self, X: pd.DataFrame, threads: int | None = None) -> np.ndarray:
        # members read the frame prepared by the same schema, each input column read once
        X = fastprep.Columns(X)
        return blend_score([m._raw_score(X, threads) for m in self.members_], self.weights_)

    def _contributions(
        self, X: pd.DataFrame, exact_shap: bool = False, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = fastprep.Columns(X)  # the members' transforms share its column reads
        parts = [m._contributions(X, exact_shap, threads) for m in self.members_]
        return tuple(_weighted_sum([p[i] for p in parts], self.weights_) for i in range(3))


def _weighted_sum(arrays: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """`blend_score` of arrays the caller owns (fresh member outputs), in place: the same
    products added in the same order, without a temporary per member."""
    out = np.multiply(arrays[0], weights[0], out=np.asarray(arrays[0], dtype=float))
    for w, a in zip(weights[1:], arrays[1:], strict=True):
        out += np.multiply(a, w, out=np.asarray(a, dtype=float))
    return out


def with_blend_members(chosen: tuple[cands.Candidate, ...]) -> tuple[cands.Candidate, ...]:
    """Asking for the blend compares its members too (a tree model and a linear model at least)."""
    if not any(c.kind == "blend" for c in chosen):
        return chosen
    names = {c.name for c in chosen}
    needed = []
    if not names & {*cands.TREE_MEMBERS, cands.MONOTONE_MEMBER}:
        needed.append(cands.FOREST_MEMBER)
    if not names & set(cands.LINEAR_MEMBERS):
        needed.append(cands.LINEAR_MEMBERS[0])
    extra = tuple(c for c in cands.KNOWN if c.name in needed and c.name not in names)
    return extra + chosen


def choose_blend(board_rows: list[dict], oof: dict[str, np.ndarray], y: np.ndarray):
    """The blend from its members' out-of-fold probabilities (`oof` by name).

    Small data (both small-data trees, forest and CatBoost, compared): the logistic regression
    of `cands.LOGISTIC_PATH` with the best out-of-fold ROC AUC (its L2 strength chosen on the
    inner folds) and both trees, the linear part at `cands.SMALL_LINEAR_SHARE` and the trees in
    equal parts, moved `cands.SMALL_STACK_SHRINK` of the way to the members' stacking weights on
    the same out-of-fold predictions (`stacked_weights`); the blend is then the model
    (`fixed_model` in params: `train_default` lets no single model displace it). Otherwise (a bank-sized table's quick set) the best linear candidate with the
    monotone LightGBM, the logistic when compared (cands.LARGE_LINEAR_MEMBER: its linear terms
    extrapolate to a later economy where WOE bins stay flat), at the share of
    cands.LINEAR_SHARES with the best out-of-fold ROC AUC.
    Returns (params {"members", "weights", "linear_share"[, "fixed_model"]}, the blend's
    out-of-fold proba)."""
    auc = {r["name"]: r["roc_auc"] for r in board_rows}
    trees = [n for n in cands.TREE_MEMBERS if n in oof]
    path = [n for n in cands.LOGISTIC_PATH if n in oof and n in auc]
    if trees == list(cands.TREE_MEMBERS) and path:
        members = [max(path, key=auc.get), *trees]
        member_oof = [oof[m] for m in members]
        fixed = blend_weights(member_oof, cands.SMALL_LINEAR_SHARE, 1)
        weights = stacked_weights(member_oof, y, fixed, cands.SMALL_STACK_SHRINK)
        score = blend_score([logit(oof[m]) for m in members], weights)
        params = {
            "members": members,
            "weights": weights,
            "linear_share": cands.SMALL_LINEAR_SHARE,
            "stack_shrink": cands.SMALL_STACK_SHRINK,
            "fixed_model": True,
        }
        return params, sigmoid(score)
    linear_names = cands.LINEAR_MEMBERS
    if not trees:
        trees = [cands.MONOTONE_MEMBER]
        if cands.LARGE_LINEAR_MEMBER in oof:
            linear_names = (cands.LARGE_LINEAR_MEMBER,)
    linear = max((r for r in board_rows if r["name"] in linear_names), key=lambda r: r["roc_auc"])[
        "name"
    ]
    best: tuple[float, dict, np.ndarray] | None = None
    members = [linear, *trees]
    for share in cands.LINEAR_SHARES:
        weights = blend_weights([oof[m] for m in members], share, 1)
        score = blend_score([logit(oof[m]) for m in members], weights)
        auc_ = evaluate.roc_auc(y, score)
        if best is None or auc_ > best[0]:
            params = {"members": members, "weights": weights, "linear_share": share}
            best = (auc_, params, sigmoid(score))
    return best[1], best[2]


def beats_blend(leader: np.ndarray, blend: np.ndarray, y: np.ndarray, folds) -> bool:
    """One-standard-error rule: on small data a single model displaces the blend (the low-variance
    default) only if its fold-wise AUC gain exceeds one standard error of that gain."""
    gains = np.array(
        [evaluate.roc_auc(y[t], leader[t]) - evaluate.roc_auc(y[t], blend[t]) for _, t in folds]
    )
    return bool(gains.mean() > gains.std(ddof=1) / np.sqrt(len(gains)))
