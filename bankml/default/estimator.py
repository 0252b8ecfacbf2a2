"""The deployable default-risk estimator: one candidate's pipeline with a calibrated PD, a money
cut-off and exact reasons (`DefaultModel`), on the shared `PDModel`
(`bankml.default.pdmodel`). The blend of several is `bankml.default.blend.BlendModel`.

Scoring runs on compiled forms of the fitted pipeline, each equal to what it replaces: the
scorecard's binning (`fastbin`), the ColumnTransformer (`fastprep`) and, for LightGBM, the
trees' per-leaf path attributions (`treepath`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bankml.config import LendingEconomics
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import fastbin, fastprep, reasons, scorecard, treepath
from bankml.default.calibration import logit
from bankml.default.crossval import out_of_fold
from bankml.default.features import FeatureSpec
from bankml.default.pdmodel import EXACT_NOTE, PDModel, amount_column
from bankml.errors import InputError
from bankml.threads import one_thread

__all__ = ["EXACT_NOTE", "PATH_NOTE", "DefaultModel", "PDModel", "amount_column"]

PATH_NOTE = (
    "Reasons follow the trees' decision paths: every split this applicant passes moves the "
    "expected score, and the move is credited to the input split on. They add up exactly to "
    "the score; they are not Shapley values, and inputs split near the top of the trees can "
    "get more credit than their fair share."
)


def _threads(threads: int | None) -> dict:
    """LightGBM predict arguments: one thread unless the caller asks for more. A batch is
    parallelised by row chunks on a thread pool (`pdmodel.in_row_chunks`); LightGBM's own
    OpenMP pool cost one applicant 25 ms on a busy machine (0.3 ms on one thread)."""
    return {"num_threads": threads or 1}


class DefaultModel(PDModel):
    """One candidate's pipeline with a calibrated PD, a money-chosen cut-off and exact reasons.

    Parameters
    ----------
    spec : FeatureSpec, which columns are numeric / categorical inputs (None: the bank's spec).
    candidate : name of a single candidate in `bankml.default.candidates.KNOWN` (explainable).
    params : hyper-parameters for the classifier (from the search).
    calibration : "sigmoid", "isotonic" or "auto" (isotonic when there are >= 1,000 defaults).
    economics : margin and loss given default that price the cut-off (None: DEFAULT_ECONOMICS).

    Attributes
    ----------
    pipeline_ : fitted (imblearn) Pipeline(prep, [resampler], clf), refitted on all rows; the
        calibrator maps its log-odds score to a PD (see `PDModel`).
    """

    def __init__(
        self,
        spec: FeatureSpec | None = None,
        candidate: str = "lightgbm",
        params: dict | None = None,
        calibration: str = "auto",
        economics: LendingEconomics | None = None,
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
        if found and found[0].kind == "blend":
            raise InputError(f"{self.candidate!r} is a blend: fit it with BlendModel")
        if not found or not found[0].explainable:
            raise InputError(f"{self.candidate!r} is not a deployable (explainable) candidate")
        return found[0]

    def _factory(self, spec: FeatureSpec):
        """A maker of fresh unfitted pipelines of this candidate (for out-of-fold predictions)."""
        candidate = self._candidate()
        return lambda: cands.pipeline(candidate, spec, self.random_state, self.params)

    def _make(self):
        return cands.pipeline(self.candidate_, self.spec_, self.random_state, self.params)

    def fit(self, X: pd.DataFrame, y, oof_proba: np.ndarray | None = None, folds=None):
        """Fit on all rows; calibrate and pick the cut-off on out-of-fold scores (reused if given)."""
        self.candidate_ = self._candidate()
        X, y = self._start_fit(X, y)
        folds = self._folds(y, folds)
        if oof_proba is None:
            oof_proba = out_of_fold(self._make, X[self.features_], y, folds).proba
        self._finish_fit(X, y, oof_proba, folds)
        X = X[self.features_]
        with warnings.catch_warnings(), one_thread():
            warnings.simplefilter("ignore")
            self.pipeline_ = self._make().fit(X, y)
        prep = self.pipeline_.named_steps["prep"]
        self.__dict__.pop("binning_", None)  # a refit recompiles the binning and the paths
        self.__dict__.pop("paths_", None)
        self.__dict__.pop("columns_", None)
        self.__dict__.pop("derived_reasons_", None)
        self.attribution_ = reasons.attribution_matrix(
            reasons.parents_of(prep, self.features_), self.features_
        )
        self.train_mean_ = np.asarray(self._transform(X).mean(axis=0)).ravel()
        self._paths()  # compiled once here rather than on the first scoring call
        return self

    def __setstate__(self, state: dict) -> None:
        """Loading a model compiles what a model pickled before the compiled tree walk lacks
        (`_paths`), so the first request after an upgrade does not pay it."""
        super().__setstate__(state)
        if "pipeline_" in self.__dict__ and "paths_" in self.__dict__:
            self._paths()

    def _compiled_binning(self) -> fastbin.CompiledBinning | None:
        """The scorecard's binning as lookup tables (None for other preprocessors); compiled at
        fit, or on first use for a model pickled before it was (a pure cache of fitted state)."""
        if "binning_" not in self.__dict__:
            self.binning_ = fastbin.compile_binning(self.pipeline_.named_steps["prep"])
        return self.binning_

    def _paths(self) -> treepath.PathTable | None:
        """The LightGBM trees' per-leaf path attributions (None for other classifiers);
        compiled on first use and kept (a pure cache of fitted state)."""
        cached = self.__dict__.get("paths_")
        if "paths_" not in self.__dict__ or (cached is not None and "trees" not in vars(cached)):
            # not compiled yet, or pickled before the compiled walk (`treewalk`) existed
            clf = self._clf()
            booster = getattr(clf, "booster_", None)
            compiled = (
                None if booster is None else treepath.compile_paths(booster, self.attribution_)
            )
            self.paths_ = compiled
        return self.paths_

    def _compiled_columns(self) -> fastprep.CompiledColumns | None:
        """The ColumnTransformer compiled to numpy (None for the scorecard's binning, or what
        `fastprep` does not reproduce exactly); compiled on first use and kept."""
        if "columns_" not in self.__dict__:
            prep = self.pipeline_.named_steps["prep"]
            self.columns_ = fastprep.compile_columns(prep, fastprep.probe_frame(self.schema_))
        return self.columns_

    def _transform(self, X: pd.DataFrame | fastprep.Columns) -> np.ndarray:
        """The pipeline's input matrix of a prepared frame, or of its `fastprep.Columns` (a
        blend's members share one, so each input column is read once)."""
        columns = self._compiled_columns() if self._compiled_binning() is None else None
        if columns is not None:  # equal to scikit-learn's transform, without its checks
            return columns.transform(X)
        frame = X.frame if isinstance(X, fastprep.Columns) else X
        binning = self._compiled_binning()
        if binning is not None:  # equal to optbinning's transform, without its pandas overhead
            return binning.transform(frame)
        return np.asarray(self.pipeline_.named_steps["prep"].transform(frame), dtype=float)

    def _clf(self):
        clf = self.pipeline_.named_steps["clf"]
        return getattr(clf, "estimator_", clf)

    def _score_and_contrib(
        self, Xt: np.ndarray, contributions: bool, threads: int | None = None
    ) -> tuple:
        """Raw log-odds score, and per-transformed-column contributions plus base when asked."""
        clf = self._clf()
        if hasattr(clf, "booster_"):
            if contributions:
                raw = clf.booster_.predict(Xt, pred_contrib=True, **_threads(threads))
                return raw.sum(axis=1), raw[:, :-1], raw[:, -1]
            return clf.booster_.predict(Xt, raw_score=True, **_threads(threads)), None, None
        if hasattr(clf, "get_feature_importance"):  # CatBoost: exact TreeSHAP of its trees
            if contributions:
                from catboost import Pool

                shap = clf.get_feature_importance(Pool(Xt), type="ShapValues")
                return shap.sum(axis=1), shap[:, :-1], shap[:, -1]
            return clf.predict(Xt, prediction_type="RawFormulaVal"), None, None
        if hasattr(clf, "coef_"):
            coef = clf.coef_.ravel()
            score = (Xt * coef).sum(axis=1) + clf.intercept_[0]  # row-wise: batch == single
            if contributions:
                base = float(clf.intercept_[0] + self.train_mean_ @ coef)
                return score, (Xt - self.train_mean_) * coef, np.full(len(Xt), base)
            return score, None, None
        return logit(clf.predict_proba(Xt)[:, 1]), None, None

    def _raw_score(self, X: pd.DataFrame, threads: int | None = None) -> np.ndarray:
        paths = self._paths()
        if paths is not None and paths.trees is not None:  # the compiled walk, score only
            return paths.walk(self._transform(X), contributions=False)[0]
        return self._score_and_contrib(self._transform(X), False, threads)[0]

    def _contributions(
        self, X: pd.DataFrame, exact_shap: bool = False, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Xt = self._transform(X)
        paths = None if exact_shap else self._paths()
        if paths is not None and paths.trees is not None:  # one compiled pass: both
            score, contrib = paths.walk(Xt)
            return score, contrib, np.full(len(score), paths.base)
        if paths is not None:  # one pred_leaf pass gives the score and the path attributions
            leaves = self._clf().booster_.predict(Xt, pred_leaf=True, **_threads(threads))
            score, contrib = paths.score_and_contributions(leaves)
            return score, contrib, np.full(len(score), paths.base)
        clf = self._clf()
        if hasattr(clf, "coef_") and not hasattr(clf, "booster_"):
            # linear: each input's share in one product, the coefficients folded into the
            # attribution matrix ((x - mean) * coef @ A == x @ (coef * A) - mean * coef @ A)
            coef = clf.coef_.ravel()
            weights = coef[:, None] * self.attribution_
            score = self._score_and_contrib(Xt, False, threads)[0]
            base = np.full(len(Xt), float(clf.intercept_[0] + self.train_mean_ @ coef))
            return score, Xt @ weights - self.train_mean_ @ weights, base
        score, contrib, base = self._score_and_contrib(Xt, True, threads)
        if contrib is None:
            raise InputError(f"{self.candidate} has no exact additive explanation")
        return score, contrib @ self.attribution_, base

    def reasons_note(self) -> str:
        """One sentence for the page: how this model's reason codes are computed."""
        return PATH_NOTE if self._paths() is not None else EXACT_NOTE

    def scorecard_table(self, role: str = "in use") -> pd.DataFrame | None:
        """Points per bin of every kept characteristic (scorecard models only; see
        `bankml.default.scorecard` for the screening, signs and scaling)."""
        if self.candidate_.kind != "scorecard":
            return None
        return scorecard.points_table(self.pipeline_.named_steps["prep"], self._clf(), role)
