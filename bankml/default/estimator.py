"""The deployable default-risk estimators: a calibrated PD, a money cut-off and exact reasons.

`PDModel` holds what every deployed model shares (input checks, calibration, cut-off, scoring
and explanation entry points); `DefaultModel` is one candidate's pipeline refitted on all rows.
The blend of several of them is `bankml.default.blend.BlendModel`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from threadpoolctl import threadpool_limits

from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import cutoff as cut
from bankml.default import economics as econ
from bankml.default import explain, fastbin, fastprep, reasons, scorecard, treepath
from bankml.default.calibration import Calibrator, calibration_method, cross_calibrated, logit
from bankml.default.crossval import make_folds, out_of_fold
from bankml.default.features import FeatureSpec, bank_spec, build_schema
from bankml.default.validate import typical_behaviour
from bankml.errors import InputError


def _is_matrix(X) -> bool:
    """A plain matrix (array, or a frame without string column names) rather than a named table."""
    if not isinstance(X, pd.DataFrame):
        return True
    if X.columns.inferred_type in ("string", "empty"):  # cached by pandas: no walk per call
        return False
    return not all(isinstance(c, str) for c in X.columns)


SMALL_BATCH = 2_000  # rows: below this, starting LightGBM's thread pool costs more than the work


def _threads(Xt: np.ndarray) -> dict:
    """LightGBM predict arguments: one thread for small inputs (one applicant's predict took
    25 ms with the thread pool on a busy machine, 0.3 ms on one thread), its default otherwise."""
    return {"num_threads": 1} if len(Xt) < SMALL_BATCH else {}


def amount_column(spec: FeatureSpec) -> str | None:
    """The loan-amount column the money cut-off weighs losses by (None: every loan counts 1)."""
    if "loan_amount" in spec.numeric:
        return "loan_amount"
    return next((c for c in spec.numeric if "amount" in c.lower()), None)


class PDModel(ClassifierMixin, BaseEstimator):
    """What every deployed default model shares, whatever produces its raw log-odds score.

    Subclasses fit their score and call `_start_fit` / `_finish_fit`, and implement `_raw_score`
    and `_contributions` on a prepared frame. Attributes after fit: calibrator_ (log-odds -> PD,
    fitted on out-of-fold scores: what CalibratedClassifierCV(ensemble=False) does, reusing the
    comparison's folds), validation_pd_ (cross-calibrated out-of-fold PDs), economics_ and
    policy_ (how loans are priced), cutoff_ and refer_band_ (the PD cut-off with the highest
    expected profit on those PDs, and the PDs an underwriter reviews), schema_, features_,
    amount_column_, base_rate_.
    """

    def _start_fit(self, X, y) -> tuple[pd.DataFrame, np.ndarray]:
        """The feature columns and 0/1 targets; a plain matrix is taken as numeric columns x0..."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        self.matrix_input_ = _is_matrix(X)
        if self.matrix_input_:  # scikit-learn style input: every column numeric, in order
            matrix = check_array(X, dtype=float, ensure_all_finite="allow-nan")
            columns = [f"x{i}" for i in range(matrix.shape[1])]
            X = pd.DataFrame(matrix, columns=columns)
            self.spec_ = self.spec or FeatureSpec(numeric=tuple(columns), categorical=())
        else:
            self.spec_ = self.spec or bank_spec()
        self.features_ = list(self.spec_.features)
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is missing: required {self.features_}")
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) != 2:
            raise InputError(
                f"Only binary classification is supported: the target has {len(classes)} "
                "class(es), a probability of default needs exactly two"
            )
        binary = y.dtype == bool or set(classes.tolist()) == {0, 1}
        self.classes_ = np.array([0, 1]) if binary else classes
        self.n_features_in_ = len(self.features_)
        self.amount_column_ = amount_column(self.spec_)
        pricing = [c for c in (econ.RATE_COLUMN, econ.TERM_COLUMN) if c in X.columns]
        self.pricing_columns_ = [c for c in pricing if c not in self.features_]
        # the loan's own pricing (rate, term) prices the cut-off even when it is not an input
        return X[self.features_ + self.pricing_columns_], (y == classes[1]).astype(int)

    def _folds(self, y: np.ndarray, folds):
        return folds or make_folds(y, self.cv, self.random_state)

    def _finish_fit(self, X: pd.DataFrame, y: np.ndarray, oof_proba: np.ndarray, folds) -> None:
        """Calibrate on out-of-fold scores; price every loan and choose the cut-off and refer
        band by expected profit on the cross-calibrated out-of-fold PDs (not realised profit)."""
        score = logit(oof_proba)
        self.calibration_ = calibration_method(self.calibration, y)
        self.calibrator_ = Calibrator(self.calibration_).fit(score, y)
        self.validation_pd_ = cross_calibrated(score, y, self.calibration_, folds)
        self.schema_ = build_schema(X[self.features_], self.spec_)
        self.base_rate_ = float(y.mean())
        self.economics_ = self.economics or DEFAULT_ECONOMICS
        terms = econ.loan_terms(X, self.amount_column_, self.economics_)
        self.policy_ = terms.policy
        values = econ.loan_values(terms, self.economics_, self.base_rate_)
        chosen = econ.choose_cutoff(self.validation_pd_, values, self.economics_)
        self.cutoff_ = chosen.cutoff
        self.refer_band_ = (chosen.refer_low, chosen.refer_high)

    def loan_values(self, frame: pd.DataFrame) -> econ.LoanValues:
        """Gain if repaid, loss if defaulted and exposure at default of every row's loan under the
        model's economics (`bankml.default.economics`); the policy used is `policy_`."""
        check_is_fitted(self, "economics_")
        terms = econ.loan_terms(frame, self.amount_column_, self.economics_)
        return econ.loan_values(terms, self.economics_, self.base_rate_)

    def loan_economics(self, frame: pd.DataFrame, pd_=None) -> pd.DataFrame:
        """Per applicant: EAD, profit if repaid, loss if defaulted, break-even PD and expected
        profit at its PD (computed when not given)."""
        pd_ = self.predict_pd(frame) if pd_ is None else np.asarray(pd_, dtype=float)
        values = self.loan_values(frame)
        return pd.DataFrame(
            {
                "ead": values.ead,
                "profit_if_repaid": values.gain,
                "loss_if_default": values.loss,
                "break_even_pd": values.gain / np.maximum(values.gain + values.loss, 1e-12),
                "expected_profit": values.expected(pd_),
            },
            index=frame.index,
        )

    # ---- scoring -------------------------------------------------------------------------
    def _prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "calibrator_")
        if _is_matrix(frame):
            if not getattr(self, "matrix_input_", False):
                raise InputError("scoring needs a table (DataFrame) with named columns")
            matrix = check_array(frame, dtype=float, ensure_all_finite="allow-nan")
            if matrix.shape[1] != len(self.features_):
                raise ValueError(
                    f"X has {matrix.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{len(self.features_)} features as input"
                )
            frame = pd.DataFrame(matrix, columns=self.features_)
        typical = typical_behaviour(self.schema_, frame.columns)  # new customers: typical values
        frame = frame.assign(**typical) if typical else frame
        missing = [c for c in self.features_ if c not in frame.columns]
        if missing:
            raise InputError(f"column {missing[0]!r} is missing: required {self.features_}")
        X = frame if list(frame.columns) == self.features_ else frame[self.features_]
        converted = {}
        # once, as a dict: per-column access was a single applicant's main cost
        dtypes = dict(zip(X.columns, X.dtypes, strict=True))
        for f in self.schema_.numeric:  # convert only what is not numeric already (fast path)
            if not pd.api.types.is_numeric_dtype(dtypes[f.name]) or pd.api.types.is_bool_dtype(
                dtypes[f.name]
            ):
                converted[f.name] = pd.to_numeric(X[f.name], errors="coerce").astype(float)
        for f in self.schema_.categorical:
            if not pd.api.types.is_string_dtype(dtypes[f.name]):
                converted[f.name] = X[f.name].astype("str").where(X[f.name].notna(), np.nan)
        return X.assign(**converted) if converted else X

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _contributions(
        self, X: pd.DataFrame, exact_shap: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def decision_function(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's raw log-odds score (what reason codes add up to)."""
        return self._raw_score(self._prepare(frame))

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated PD per row; extra columns ignored, unknown categories handled."""
        score = self.decision_function(frame)  # first: an unfitted model raises NotFittedError
        return self.calibrator_.transform(score)

    def pd_from_score(self, score) -> np.ndarray:
        """Calibrated PD for raw log-odds scores (e.g. the `score` an explanation adds up to)."""
        check_is_fitted(self, "calibrator_")
        return self.calibrator_.transform(np.atleast_1d(np.asarray(score, dtype=float)))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        p = self.predict_pd(frame)
        return np.column_stack([1 - p, p])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """1 = predicted default (PD at or above the cut-off); classes_[1] for other labels."""
        default = self.predict_pd(frame) >= self.cutoff_
        return self.classes_[default.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are imputed inside every pipeline
        tags.classifier_tags.multi_class = False  # a probability of default: two classes
        return tags

    def grade(self, pd_) -> np.ndarray:
        """Grade on the fixed master scale (`bankml.default.cutoff.master_scale`)."""
        check_is_fitted(self, "cutoff_")
        return cut.grade(pd_)

    def decision(self, pd_) -> np.ndarray:
        """approve / refer / decline around the expected-value refer band."""
        check_is_fitted(self, "cutoff_")
        band = getattr(self, "refer_band_", None)
        if band is None:  # a model saved before the band was chosen by expected value
            band = tuple(f * self.cutoff_ for f in cut.LEGACY_REFER_BAND)
        return cut.decision(pd_, *band)

    # ---- explanation (bankml.default.explain) -----------------------------------------------
    def _derived_reasons(self) -> frozenset[str]:
        """`reasons.derived_in(self)`, computed once (it reads the fitted attribution)."""
        if "derived_reasons_" not in self.__dict__:
            self.derived_reasons_ = reasons.derived_in(self)
        return self.derived_reasons_

    def contributions(
        self, frame: pd.DataFrame, exact_shap: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, contributions rows x features_, base) with base + sum(contributions) == score.

        LightGBM models attribute by their trees' paths (`bankml.default.treepath`: exact in
        the sum, fast, not Shapley values); `exact_shap=True` asks for exact TreeSHAP instead.
        """
        return self._contributions(self._prepare(frame), exact_shap=exact_shap)

    def explain(self, frame_one_row: pd.DataFrame) -> pd.DataFrame:
        """One applicant's attribution per input column, largest |contribution| first."""
        return explain.explain_one(self, frame_one_row)

    def score_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """PD, grade, decision and the top three PD-raising reasons for every row (vectorised)."""
        return explain.score_with_reasons(self, frame)

    def counterfactual(
        self, frame_one_row: pd.DataFrame, current_pd: float | None = None
    ) -> dict | None:
        """Smallest change of loan amount and/or term, priced by the product's rules, that
        approves (or None): `bankml.default.counterfactual.advise`."""
        return explain.counterfactual(self, frame_one_row, current_pd)

    def feature_importance(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Global importance: mean |contribution| per input column over a frame (log-odds units)."""
        return explain.feature_importance(self, frame)

    def scorecard_table(self, role: str = "in use") -> pd.DataFrame | None:
        """Points per bin of every kept characteristic (scorecard models only, else None)."""
        return None


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
        with warnings.catch_warnings(), threadpool_limits(1):
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

    def _compiled_binning(self) -> fastbin.CompiledBinning | None:
        """The scorecard's binning as lookup tables (None for other preprocessors); compiled at
        fit, or on first use for a model pickled before it was (a pure cache of fitted state)."""
        if "binning_" not in self.__dict__:
            self.binning_ = fastbin.compile_binning(self.pipeline_.named_steps["prep"])
        return self.binning_

    def _paths(self) -> treepath.PathTable | None:
        """The LightGBM trees' per-leaf path attributions (None for other classifiers);
        compiled on first use and kept (a pure cache of fitted state)."""
        if "paths_" not in self.__dict__:
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

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        binning = self._compiled_binning()
        if binning is not None:  # equal to optbinning's transform, without its pandas overhead
            return binning.transform(X)
        columns = self._compiled_columns()
        if columns is not None:  # equal to scikit-learn's transform, without its checks
            return columns.transform(X)
        return np.asarray(self.pipeline_.named_steps["prep"].transform(X), dtype=float)

    def _clf(self):
        clf = self.pipeline_.named_steps["clf"]
        return getattr(clf, "estimator_", clf)

    def _score_and_contrib(self, Xt: np.ndarray, contributions: bool) -> tuple:
        """Raw log-odds score, and per-transformed-column contributions plus base when asked."""
        clf = self._clf()
        if hasattr(clf, "booster_"):
            if contributions:
                raw = clf.booster_.predict(Xt, pred_contrib=True, **_threads(Xt))
                return raw.sum(axis=1), raw[:, :-1], raw[:, -1]
            return clf.booster_.predict(Xt, raw_score=True, **_threads(Xt)), None, None
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

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return self._score_and_contrib(self._transform(X), False)[0]

    def _contributions(
        self, X: pd.DataFrame, exact_shap: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Xt = self._transform(X)
        paths = None if exact_shap else self._paths()
        if paths is not None:  # one pred_leaf pass gives the score and the path attributions
            leaves = self._clf().booster_.predict(Xt, pred_leaf=True, **_threads(Xt))
            score, contrib = paths.score_and_contributions(leaves)
            return score, contrib, np.full(len(score), paths.base)
        score, contrib, base = self._score_and_contrib(Xt, True)
        if contrib is None:
            raise InputError(f"{self.candidate} has no exact additive explanation")
        return score, contrib @ self.attribution_, base

    def scorecard_table(self, role: str = "in use") -> pd.DataFrame | None:
        """Points per bin of every kept characteristic (scorecard models only; see
        `bankml.default.scorecard` for the screening, signs and scaling)."""
        if self.candidate_.kind != "scorecard":
            return None
        return scorecard.points_table(self.pipeline_.named_steps["prep"], self._clf(), role)
