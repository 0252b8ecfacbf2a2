"""The default-risk model: candidates on the same folds, a calibrated PD, a money cut-off, reasons.

`DefaultModel` is the fitted, deployable estimator; `train_default` compares candidates and returns
a `TrainResult` (the model, its leaderboard and out-of-fold validation predictions).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterSampler, StratifiedKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from bankml import evaluate
from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import counterfactual, fairness, reasons, scorecard
from bankml.default import cutoff as cut
from bankml.default.features import (
    CATEGORICAL,
    NUMERIC,
    PROTECTED,
    FeatureSpec,
    bank_spec,
    build_schema,
    infer_spec,
)
from bankml.errors import InputError

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    return None


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def amount_column(spec: FeatureSpec) -> str | None:
    """The loan-amount column the money cut-off weighs losses by (None: every loan counts 1)."""
    if "loan_amount" in spec.numeric:
        return "loan_amount"
    return next((c for c in spec.numeric if "amount" in c.lower()), None)


def _folds(y: np.ndarray, cv: int, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    minority = int(min(np.sum(y == 1), np.sum(y == 0)))
    if minority < 2:
        raise InputError(f"the target needs at least 2 rows of each class, found {minority}")
    splitter = StratifiedKFold(n_splits=min(cv, minority), shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(y)), y))


def _oof(make, X: pd.DataFrame, y: np.ndarray, folds) -> tuple[np.ndarray, float, bool]:
    """Out-of-fold probabilities of a pipeline factory on fixed folds; mean fit seconds; subsampled."""
    out = np.zeros(len(y))
    seconds, subsampled = 0.0, False
    for train, test in folds:
        model = make()
        started = time.perf_counter()
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            model.fit(X.iloc[train], y[train])
        seconds += time.perf_counter() - started
        out[test] = model.predict_proba(X.iloc[test])[:, 1]
        subsampled = subsampled or bool(getattr(model.named_steps["clf"], "subsampled_", False))
    return out, seconds / len(folds), subsampled


class _Calibrator:
    """Monotone map from the raw log-odds score to a PD (Platt sigmoid or isotonic)."""

    def __init__(self, method: str):
        self.method = method

    def fit(self, score: np.ndarray, y: np.ndarray) -> _Calibrator:
        if self.method == "isotonic":
            self.model_ = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)
            self.model_.fit(score, y)
        else:
            fitted = LogisticRegression(C=1e6, max_iter=1000).fit(score.reshape(-1, 1), y)
            self.slope_, self.intercept_ = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
        return self

    def transform(self, score: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            return self.model_.predict(score)
        # elementwise, so one row and a batch give bit-identical PDs
        return 1.0 / (
            1.0 + np.exp(-(self.slope_ * np.asarray(score, dtype=float) + self.intercept_))
        )


def blend_score(member_scores: list[np.ndarray], weights) -> np.ndarray:
    """The blend's log-odds: the weighted sum of its members' log-odds (reason codes add likewise)."""
    return sum(w * np.asarray(s, dtype=float) for w, s in zip(weights, member_scores, strict=True))


def blend_weights(member_oof: list[np.ndarray], linear_share: float) -> list[float]:
    """Weights on the members' log-odds, the linear member first: each member divided by the
    spread of its out-of-fold log-odds (a forest's are compressed), the linear one given
    `linear_share` and the tree members the rest in equal parts."""
    spread = [max(float(np.std(_logit(p))), 1e-6) for p in member_oof]
    shares = [linear_share] + [(1.0 - linear_share) / (len(spread) - 1)] * (len(spread) - 1)
    return [share / s for share, s in zip(shares, spread, strict=True)]


def _catboost_pool(Xt: np.ndarray):
    from catboost import Pool

    return Pool(Xt)


def _cross_calibrated(score: np.ndarray, y: np.ndarray, method: str, folds) -> np.ndarray:
    """Honest validation PDs: the calibrator itself is cross-fitted on the same folds."""
    out = np.zeros(len(y))
    for train, test in folds:
        out[test] = _Calibrator(method).fit(score[train], y[train]).transform(score[test])
    return out


class DefaultModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability of default with a money-chosen cut-off and exact reason codes.

    Parameters
    ----------
    spec : FeatureSpec, which columns are numeric / categorical inputs (None: the bank's spec).
    candidate : name of a candidate in `bankml.default.candidates.KNOWN` (must be explainable).
    params : hyper-parameters for the classifier (from the search); for the blend
        {"members": [linear name, tree name], "weights": [w_linear, w_tree]}.
    calibration : "sigmoid", "isotonic" or "auto" (isotonic when there are >= 1,000 defaults).
    economics : margin and loss given default that price the cut-off.

    Attributes
    ----------
    pipeline_ : fitted (imblearn) Pipeline(prep, [resampler], clf), refitted on all rows.
    calibrator_ : maps the pipeline's log-odds score to a PD, fitted on out-of-fold scores and
        applied to the pipeline refitted on all rows: what CalibratedClassifierCV(ensemble=False)
        does, but reusing the comparison's folds and keeping one score that reasons add up to.
    cutoff_ : PD cut-off with the highest back-tested profit.
    schema_ : FeatureSchema of the inputs; features_ : input column names.
    members_ : the blend's fitted member models (blend only; pipeline_ is then None): its score is
        the weighted sum of theirs, and so are its contributions, so reasons stay exact.
    """

    def __init__(
        self,
        spec: FeatureSpec | None = None,
        candidate: str = "lightgbm",
        params: dict | None = None,
        calibration: str = "auto",
        economics: LendingEconomics = DEFAULT_ECONOMICS,
        cv: int = 5,
        random_state: int = 0,
    ):
        self.spec = spec
        self.candidate = candidate
        self.params = params
        self.calibration = calibration
        self.economics = economics
        self.cv = cv
        self.random_state = random_state

    def _candidate(self) -> cands.Candidate:
        found = [c for c in cands.KNOWN if c.name == self.candidate]
        if not found or not found[0].explainable:
            raise InputError(f"{self.candidate!r} is not a deployable (explainable) candidate")
        return found[0]

    def _make(self):
        return cands.pipeline(self.candidate_, self.spec_, self.random_state, self.params)

    def _blend_members(self) -> tuple[list[str], list[float]]:
        params = self.params or {}
        members, weights = list(params.get("members", ())), list(params.get("weights", ()))
        if len(members) < 2 or len(members) != len(weights):
            raise InputError(
                f"a blend needs params members and weights of equal length >= 2, got {params}"
            )
        return members, [float(w) for w in weights]

    def _fit_members(self, X, y, folds, member_oof: dict | None) -> np.ndarray:
        """Fit the blend's members on all rows (reusing their out-of-fold predictions if given);
        returns the blend's out-of-fold probabilities."""
        names, self.weights_ = self._blend_members()
        member_oof = member_oof or {}
        self.members_ = [
            DefaultModel(
                spec=self.spec_,
                candidate=name,
                calibration=self.calibration,
                economics=self.economics,
                cv=self.cv,
                random_state=self.random_state,
            ).fit(X, y, oof_proba=member_oof.get(name), folds=folds)
            for name in names
        ]
        oof = [_logit(member_oof[n]) if n in member_oof else None for n in names]
        if any(o is None for o in oof):
            oof = [
                _logit(_oof(m._make, X, y, folds)[0]) if o is None else o
                for m, o in zip(self.members_, oof, strict=True)
            ]
        return 1.0 / (1.0 + np.exp(-blend_score(oof, self.weights_)))

    def fit(
        self,
        X: pd.DataFrame,
        y,
        oof_proba: np.ndarray | None = None,
        folds=None,
        member_oof: dict[str, np.ndarray] | None = None,
    ):
        """Fit on all rows; calibrate and pick the cut-off on out-of-fold scores (reused if given).

        `member_oof` (blend only): the members' out-of-fold probabilities on the same folds.
        """
        self.spec_ = self.spec or bank_spec()
        self.candidate_ = self._candidate()
        self.features_ = list(self.spec_.features)
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is missing: required {self.features_}")
        y = np.asarray(y).astype(int)
        X = X[self.features_]
        folds = folds or _folds(y, self.cv, self.random_state)
        blend = self.candidate_.kind == "blend"
        if blend:
            blended = self._fit_members(X, y, folds, member_oof)
            oof_proba = blended if oof_proba is None else oof_proba
        elif oof_proba is None:
            oof_proba, _, _ = _oof(self._make, X, y, folds)
        score = _logit(oof_proba)
        method = self.calibration
        if method == "auto":
            method = "isotonic" if y.sum() >= 1000 else "sigmoid"
        self.calibration_ = method
        self.calibrator_ = _Calibrator(method).fit(score, y)
        self.validation_pd_ = _cross_calibrated(score, y, method, folds)
        self.pipeline_ = None
        if not blend:
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                self.pipeline_ = self._make().fit(X, y)
        self.schema_ = build_schema(X, self.spec_)
        self.amount_column_ = amount_column(self.spec_)
        amount = X[self.amount_column_].to_numpy(float) if self.amount_column_ else 1.0
        self.cutoff_ = evaluate.best_cutoff(y, self.validation_pd_, amount, self.economics)
        if not blend:
            prep = self.pipeline_.named_steps["prep"]
            self.attribution_ = reasons.attribution_matrix(
                reasons.parents_of(prep, self.features_), self.features_
            )
            self.train_mean_ = np.asarray(self._transform(X).mean(axis=0)).ravel()
        self.classes_ = np.array([0, 1])
        self.base_rate_ = float(y.mean())
        return self

    # ---- scoring -------------------------------------------------------------------------
    def _prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "calibrator_")
        if not isinstance(frame, pd.DataFrame):
            raise InputError("scoring needs a table (DataFrame) with named columns")
        missing = [c for c in self.features_ if c not in frame.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is missing: required {self.features_}")
        X = frame[self.features_]
        converted = {}
        for f in self.schema_.numeric:  # convert only what is not numeric already (fast path)
            if not pd.api.types.is_numeric_dtype(X[f.name]) or X[f.name].dtype == bool:
                converted[f.name] = pd.to_numeric(X[f.name], errors="coerce").astype(float)
        for f in self.schema_.categorical:
            if not pd.api.types.is_string_dtype(X[f.name]):
                converted[f.name] = X[f.name].astype("str").where(X[f.name].notna(), np.nan)
        return X.assign(**converted) if converted else X

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline_.named_steps["prep"].transform(X), dtype=float)

    def _clf(self):
        clf = self.pipeline_.named_steps["clf"]
        return getattr(clf, "estimator_", clf)

    def _score_and_contrib(self, Xt: np.ndarray, contributions: bool) -> tuple:
        """Raw log-odds score, and per-transformed-column contributions plus base when asked."""
        clf = self._clf()
        if hasattr(clf, "booster_"):
            if contributions:
                raw = clf.booster_.predict(Xt, pred_contrib=True)
                return raw.sum(axis=1), raw[:, :-1], raw[:, -1]
            return clf.booster_.predict(Xt, raw_score=True), None, None
        if hasattr(clf, "get_feature_importance"):  # CatBoost: exact TreeSHAP of its trees
            if contributions:
                shap = clf.get_feature_importance(_catboost_pool(Xt), type="ShapValues")
                return shap.sum(axis=1), shap[:, :-1], shap[:, -1]
            return clf.predict(Xt, prediction_type="RawFormulaVal"), None, None
        if hasattr(clf, "coef_"):
            coef = clf.coef_.ravel()
            score = (Xt * coef).sum(axis=1) + clf.intercept_[0]  # row-wise: batch == single
            if contributions:
                base = float(clf.intercept_[0] + self.train_mean_ @ coef)
                return score, (Xt - self.train_mean_) * coef, np.full(len(Xt), base)
            return score, None, None
        return _logit(clf.predict_proba(Xt)[:, 1]), None, None

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        if self.pipeline_ is None:  # blend: members read the frame prepared by the same schema
            return blend_score([m._raw_score(X) for m in self.members_], self.weights_)
        return self._score_and_contrib(self._transform(X), False)[0]

    def decision_function(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's raw log-odds score (what reason codes add up to)."""
        return self._raw_score(self._prepare(frame))

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated PD per row; extra columns ignored, unknown categories handled."""
        return self.calibrator_.transform(self.decision_function(frame))

    def pd_from_score(self, score) -> np.ndarray:
        """Calibrated PD for raw log-odds scores (e.g. the `score` an explanation adds up to)."""
        check_is_fitted(self, "calibrator_")
        return self.calibrator_.transform(np.atleast_1d(np.asarray(score, dtype=float)))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        p = self.predict_pd(frame)
        return np.column_stack([1 - p, p])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """1 = predicted default (PD at or above the cut-off)."""
        return (self.predict_pd(frame) >= self.cutoff_).astype(int)

    def grade(self, pd_) -> np.ndarray:
        check_is_fitted(self, "cutoff_")
        return cut.grade(pd_, self.cutoff_)

    def decision(self, pd_) -> np.ndarray:
        check_is_fitted(self, "cutoff_")
        return cut.decision(pd_, self.cutoff_)

    def contributions(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, contributions rows x features_, base) with base + sum(contributions) == score."""
        return self._contributions(self._prepare(frame))

    def _contributions(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.pipeline_ is None:  # blend: the weighted sum of exact member attributions
            parts = [m._contributions(X) for m in self.members_]
            return tuple(blend_score([p[i] for p in parts], self.weights_) for i in range(3))
        score, contrib, base = self._score_and_contrib(self._transform(X), True)
        if contrib is None:
            raise InputError(f"{self.candidate} has no exact additive explanation")
        return score, contrib @ self.attribution_, base

    def explain(self, frame_one_row: pd.DataFrame) -> pd.DataFrame:
        """One applicant's attribution per input column, largest |contribution| first.

        `attrs["base"]` + contribution.sum() == the model's log-odds score (`attrs["score"]`).
        """
        if len(frame_one_row) != 1:
            raise InputError(f"explain takes one applicant, got {len(frame_one_row)} rows")
        X = self._prepare(frame_one_row)
        score, contrib, base = self._contributions(X)
        texts = reasons.reason_texts(X, contrib, self.features_)[0]
        out = pd.DataFrame(
            {
                "feature": self.features_,
                "value": [X.iloc[0][f] for f in self.features_],
                "contribution": contrib[0],
                "points": contrib[0] * reasons.POINTS_PER_LOGIT,
                "text": texts,
            }
        )
        out = out.iloc[np.argsort(-np.abs(out["contribution"].to_numpy()), kind="stable")]
        out = out.reset_index(drop=True)
        out.attrs.update(base=float(base[0]), score=float(score[0]))
        return out

    def score_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """PD, grade, decision and the top three PD-raising reasons for every row (vectorised)."""
        X = self._prepare(frame)
        score, contrib, _ = self._contributions(X)
        pd_ = self.calibrator_.transform(score)
        top = reasons.top_reasons(X, contrib, self.features_, k=3)
        return pd.DataFrame(
            {
                "pd": pd_,
                "grade": self.grade(pd_),
                "decision": self.decision(pd_),
                "reason_1": top[:, 0],
                "reason_2": top[:, 1],
                "reason_3": top[:, 2],
            },
            index=frame.index,
        )

    def counterfactual(
        self, frame_one_row: pd.DataFrame, current_pd: float | None = None
    ) -> dict | None:
        """The smallest change of loan amount and/or term, priced by the product's rules, that
        brings the PD under the cut-off (`bankml.default.counterfactual.advise`); None when the
        PD already is under it or no allowed change reaches it. `current_pd` saves re-scoring
        the applicant when the caller already has its PD."""
        X = self._prepare(frame_one_row)
        if len(X) != 1:
            raise InputError(f"counterfactual takes one applicant, got {len(X)} rows")
        current = float(self.predict_pd(X)[0]) if current_pd is None else float(current_pd)
        if current < self.cutoff_:
            return None
        return counterfactual.advise(self, X, current)

    def feature_importance(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Global importance: mean |contribution| per input column over a frame (log-odds units)."""
        _, contrib, _ = self.contributions(frame)
        values = np.abs(contrib).mean(axis=0)
        return pd.DataFrame({"feature": self.features_, "importance": values}).sort_values(
            "importance", ascending=False, ignore_index=True
        )

    def scorecard_table(self, role: str = "in use") -> pd.DataFrame | None:
        """Points per bin of every kept characteristic (scorecard models only; see
        `bankml.default.scorecard` for the screening, signs and scaling)."""
        if self.candidate_.kind != "scorecard":
            return None
        return scorecard.points_table(self.pipeline_.named_steps["prep"], self._clf(), role)


@dataclass(frozen=True)
class TrainResult:
    """The chosen model, the leaderboard of every candidate and out-of-fold validation rows."""

    model: DefaultModel
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
        spec = bank_spec(include_age, tuple(protected) if protected is not None else PROTECTED)
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


def _searched(
    candidate: cands.Candidate,
    spec: FeatureSpec,
    X: pd.DataFrame,
    y: np.ndarray,
    folds,
    budget: float,
    random_state: int,
    baseline_auc: float,
) -> tuple[dict | None, np.ndarray | None, float, float]:
    """Time-budgeted random search on the same folds; best params, their OOF proba, AUC, fit s."""
    space = cands.SEARCH_SPACES.get(candidate.algorithm)
    if not space:
        return None, None, baseline_auc, 0.0
    started = time.perf_counter()
    best: tuple[dict | None, np.ndarray | None, float, float] = (None, None, baseline_auc, 0.0)
    size = int(np.prod([len(v) for v in space.values()]))
    for params in ParameterSampler(space, n_iter=min(50, size), random_state=random_state):
        if time.perf_counter() - started > budget:
            break
        proba, seconds, _ = _oof(
            lambda p=params: cands.pipeline(candidate, spec, random_state, p), X, y, folds
        )
        auc = evaluate.roc_auc(y, proba)
        if auc > best[2]:
            best = (params, proba, auc, seconds)
    return best


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
) -> TrainResult:
    """Compare candidates on the same stratified folds, calibrate the best explainable one.

    The deployed model must give exact reason codes, so it is the best explainable candidate by
    out-of-fold ROC AUC; others still appear on the leaderboard for comparison.
    `oracle` (true PD indexed by loan_id) adds the best possible model's metrics.
    On any CSV, protected columns found by name are not inputs unless named in `use_protected`;
    the notice and a proxy check (how well the inputs predict each) are in `diagnostics`.
    """
    from bankml.default.features import binary_target

    started = time.perf_counter()
    if target not in frame.columns:
        raise InputError(
            f"target column {target!r} not found: columns are {list(frame.columns)[:20]}"
        )
    frame, spec = resolve_spec(frame, target, protected, include_age, tuple(use_protected))
    y = binary_target(frame[target], positive).to_numpy()
    X = frame[spec.features]
    folds = _folds(y, cv, random_state)
    chosen_list = _with_blend_members(cands.candidates(candidates))
    searching = candidates in ("all", "all_small")
    rows, oof = [], {}
    total = len(chosen_list) + (2 if searching else 0) + 1
    for i, candidate in enumerate(chosen_list):
        if candidate.kind == "blend":
            continue
        progress(i / total, f"cross-validating {candidate.name}")
        proba, seconds, subsampled = _oof(
            lambda c=candidate: cands.pipeline(c, spec, random_state), X, y, folds
        )
        oof[candidate.name] = (candidate, None, proba)
        rows.append(_row(candidate.name, candidate, y, proba, seconds, subsampled))
    blend = next((c for c in chosen_list if c.kind == "blend"), None)
    if blend is not None:
        params, proba = _blended(board_rows=rows, oof=oof, y=y)
        oof[blend.name] = (blend, params, proba)
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
            candidate = oof[name][0]
            auc0 = float(board.loc[board["name"] == name, "roc_auc"].iloc[0])
            params, proba, _, seconds = _searched(
                candidate, spec, X, y, folds, per_second, random_state, auc0
            )
            if params is not None:
                tuned = f"{name} (tuned)"
                oof[tuned] = (candidate, params, proba)
                rows.append(_row(tuned, candidate, y, proba, seconds, False, params))
        board = pd.DataFrame(rows)
    explainable = board[board["explainable"]].sort_values("roc_auc", ascending=False)
    if explainable.empty:
        raise InputError(
            "no explainable candidate was compared: include scorecard, logistic or lightgbm"
        )
    chosen = str(explainable["name"].iloc[0])
    if blend is not None and not _beats_blend(oof[chosen][2], oof[blend.name][2], y, folds):
        chosen = blend.name
    candidate, params, proba = oof[chosen]
    progress((total - 1) / total, f"calibrating and refitting {chosen}")
    model = DefaultModel(
        spec=spec,
        candidate=candidate.name,
        params=params,
        cv=cv,
        economics=economics,
        random_state=random_state,
    )
    member_oof = {n: oof[n][2] for n in (params or {}).get("members", ()) if n in oof}
    model.fit(X, y, oof_proba=proba, folds=folds, member_oof=member_oof or None)
    points, diagnostics = _scorecard_review(model, oof, X, y, folds, spec, cv, random_state)
    validation = pd.DataFrame({"y": y, "pd": model.validation_pd_, "score": _logit(proba)})
    validation["amount"] = X[model.amount_column_].to_numpy(float) if model.amount_column_ else 1.0
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
    diagnostics.update(_fair_lending(frame, spec, tuple(use_protected), random_state))
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
            "calibration": model.calibration_,
            "classifier_params": params or {},
            "economics": vars(economics),
        },
    )


def _fair_lending(frame, spec, use_protected: tuple[str, ...], random_state: int) -> dict:
    """The protected-column notice and the proxy check of the inputs against each attribute."""
    excluded = fairness.protected_columns(spec.protected)
    excluded.update({c: "named by the user" for c in spec.protected if c not in excluded})
    out: dict = {"protected_notice": fairness.protected_notice(excluded, use_protected)}
    present = [c for c in spec.protected if c in frame.columns]
    if present:
        out["proxy_check"] = fairness.proxy_check(
            frame, list(spec.features), present, random_state=random_state
        )
    return out


def _scorecard_review(model, oof, X, y, folds, spec, cv, random_state) -> tuple:
    """The scorecard's points and screening: the model in use, a blend's member, or a
    challenger refitted for review when another model decides."""
    card, role = model, "in use"
    if model.candidate_.kind == "blend" and "scorecard" in model.params.get("members", ()):
        card = model.members_[model.params["members"].index("scorecard")]
        role = "blend member"
    elif model.candidate_.kind != "scorecard":
        if "scorecard" not in oof:
            return None, {}
        card = DefaultModel(spec=spec, candidate="scorecard", cv=cv, random_state=random_state)
        card.fit(X, y, oof_proba=oof["scorecard"][2], folds=folds)
        role = "challenger"
    diagnostics = {
        "scorecard_screening": scorecard.screening_table(card._clf()),
        "scorecard_scaling": {
            "pdo": scorecard.PDO,
            "base_score": scorecard.BASE_SCORE,
            "base_odds": scorecard.BASE_ODDS,
            "min_iv": scorecard.MIN_IV,
            "max_correlation": scorecard.MAX_CORRELATION,
            "text": scorecard.SCALING_TEXT,
            "role": role,
        },
    }
    return card.scorecard_table(role), diagnostics


def _with_blend_members(chosen: tuple[cands.Candidate, ...]) -> tuple[cands.Candidate, ...]:
    """Asking for the blend compares its members too (a tree model and a linear model at least)."""
    if not any(c.kind == "blend" for c in chosen):
        return chosen
    names = {c.name for c in chosen}
    needed = []
    if not names & set(cands.TREE_MEMBERS):
        needed.append(cands.FOREST_MEMBER)
    if not names & set(cands.LINEAR_MEMBERS):
        needed.append(cands.LINEAR_MEMBERS[0])
    extra = tuple(c for c in cands.KNOWN if c.name in needed and c.name not in names)
    return extra + chosen


def _blended(board_rows: list[dict], oof: dict, y: np.ndarray) -> tuple[dict, np.ndarray]:
    """The blend of the best linear candidate and every tree member compared, from their
    out-of-fold predictions: the linear share is the grid value (cands.LINEAR_SHARES) with the
    best out-of-fold ROC AUC, the trees share the rest equally."""
    linear = max(
        (r for r in board_rows if r["name"] in cands.LINEAR_MEMBERS), key=lambda r: r["roc_auc"]
    )["name"]
    members = [linear, *(n for n in cands.TREE_MEMBERS if n in oof)]
    best: tuple[float, dict, np.ndarray] | None = None
    for share in cands.LINEAR_SHARES:
        weights = blend_weights([oof[m][2] for m in members], share)
        score = blend_score([_logit(oof[m][2]) for m in members], weights)
        auc = evaluate.roc_auc(y, score)
        if best is None or auc > best[0]:
            params = {"members": members, "weights": weights, "linear_share": share}
            best = (auc, params, 1.0 / (1.0 + np.exp(-score)))
    return best[1], best[2]


def _beats_blend(leader: np.ndarray, blend: np.ndarray, y: np.ndarray, folds) -> bool:
    """One-standard-error rule: on small data a single model displaces the blend (the low-variance
    default) only if its fold-wise AUC gain exceeds one standard error of that gain."""
    gains = np.array(
        [evaluate.roc_auc(y[t], leader[t]) - evaluate.roc_auc(y[t], blend[t]) for _, t in folds]
    )
    return bool(gains.mean() > gains.std(ddof=1) / np.sqrt(len(gains)))


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
