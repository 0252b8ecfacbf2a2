"""What every deployed default model shares: input checks, calibration, the cut-off, scoring
and the explanation entry points (`PDModel`). `bankml.default.estimator.DefaultModel` is one
candidate's pipeline, `bankml.default.blend.BlendModel` a blend of several.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import joblib
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

from bankml.config import DEFAULT_ECONOMICS
from bankml.default import cutoff as cut
from bankml.default import economics as econ
from bankml.default import explain, reasons
from bankml.default.calibration import Calibrator, calibration_method, cross_calibrated, logit
from bankml.default.crossval import make_folds
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


CHUNK_ROWS = 16_384  # most rows a worker scores at a time: a chunk's arrays stay in cache
MIN_CHUNK_ROWS = 2_000  # fewer rows than this are not worth a thread of their own


def in_row_chunks(score, X: pd.DataFrame, chunk_rows: int | None = None):
    """`score(rows, threads=1)` over X in row chunks on a pool of every core this process may
    use; the outputs (an array or a tuple of arrays) joined in row order.

    Rows are scored independently, so the result equals one call on the whole frame. LightGBM
    (one thread per call: no OpenMP pool spinning beside Spark's workers or a busy server),
    numpy and scipy's products release the GIL, so the chunks' transforms, trees and path
    tables run side by side. Chunks hold at most `chunk_rows` (None: CHUNK_ROWS) and at least
    MIN_CHUNK_ROWS rows; a frame that makes one chunk is one plain call.
    """
    chunk_rows = chunk_rows or CHUNK_ROWS
    if len(X) < 2 * MIN_CHUNK_ROWS and len(X) <= chunk_rows:  # one applicant, a small upload
        return score(X, 1)
    workers = joblib.cpu_count()
    size = min(chunk_rows, max(MIN_CHUNK_ROWS, -(-len(X) // workers)))
    if len(X) <= size:
        return score(X, 1)
    starts = range(0, len(X), size)
    with ThreadPoolExecutor(min(workers, len(starts))) as pool:
        parts = list(pool.map(lambda s: score(X.iloc[s : s + size], 1), starts))
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))
    return np.concatenate(parts)


EXACT_NOTE = (
    "Each reason is an input's share of the model's log-odds score relative to the average "
    "applicant; the shares add up exactly to the score."
)


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
        wanted = pd.Index(self.features_)
        # reindex: a third of the cost of frame[list] on a few rows (missing columns were
        # rejected above, so it adds none)
        if frame.columns.equals(wanted):
            X = frame
        else:
            unique = frame.columns.is_unique
            X = frame.reindex(columns=wanted) if unique else frame[self.features_]
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

    def _raw_score(self, X: pd.DataFrame, threads: int | None = None) -> np.ndarray:
        """Log-odds of a prepared frame; `threads`: LightGBM's (None: one)."""
        raise NotImplementedError

    def _contributions(
        self, X: pd.DataFrame, exact_shap: bool = False, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _batch_contributions(
        self, X: pd.DataFrame, exact_shap: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`_contributions` of a prepared frame, a large one in row chunks on every core."""
        return in_row_chunks(
            lambda rows, threads: self._contributions(rows, exact_shap, threads), X
        )

    def _in_row_chunks(self, score, X: pd.DataFrame):
        """`in_row_chunks(score, X)`: `score(rows, threads)` over X's row chunks on every core."""
        return in_row_chunks(score, X)

    def decision_function(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's raw log-odds score (what reason codes add up to)."""
        return in_row_chunks(self._raw_score, self._prepare(frame))

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
        return self._batch_contributions(self._prepare(frame), exact_shap=exact_shap)

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

    def reasons_note(self) -> str:
        """One sentence for the page: how this model's reason codes are computed."""
        return EXACT_NOTE
