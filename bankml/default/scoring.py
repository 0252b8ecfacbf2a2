"""Batch scoring: bytes or a frame in, scored valid rows plus the rejected ones and drift out.

One call serves the CLI (`bankml score`) and the Default prediction page, so both validate,
score and export the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankml.csvio import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, read_csv_upload, to_safe_csv
from bankml.default.validate import (
    ROW_COLUMN,
    ValidationReport,
    typical_behaviour,
    validate_frame,
)
from bankml.errors import InputError

RESULT_COLUMNS = ("pd", "grade", "decision", "reason_1", "reason_2", "reason_3")
UPLOADED_SUFFIX = " (uploaded)"


@dataclass(frozen=True)
class BatchResult:
    """Scored valid rows (input order, every input column kept), the validation report and drift.

    `scored` holds `input_row`, the uploaded columns, then pd, grade, decision, reason_1..3.
    `drift` is `bankml.default.drift.batch_drift`'s report (PSI, noise level, verdict and score
    shift per feature and of the PD) against the training reference, when known.
    """

    scored: pd.DataFrame
    report: ValidationReport
    drift: pd.DataFrame | None = None
    source: str = "upload.csv"

    @property
    def errors(self) -> pd.DataFrame:
        return self.report.errors

    @property
    def warnings(self) -> pd.DataFrame:
        return self.report.warnings

    @property
    def rows_in(self) -> int:
        return self.report.rows_in

    @property
    def score_psi(self) -> float | None:
        if self.drift is None:
            return None
        hit = self.drift.loc[self.drift["feature"] == "PD (score)", "psi"]
        return float(hit.iloc[0]) if len(hit) else None

    def issues(self) -> pd.DataFrame:
        """Errors and warnings in one table (row, column, value, reason, severity) by row."""
        both = pd.concat(
            [self.errors.assign(severity="error"), self.warnings.assign(severity="warning")],
            ignore_index=True,
        )
        return both.sort_values(["row", "severity"], kind="stable").reset_index(drop=True)

    def to_csv(self) -> bytes:
        """The scored rows as formula-safe CSV."""
        return to_safe_csv(self.scored)

    def summary(self) -> dict:
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "scored": len(self.scored),
            "rejected": len(self.report.rejected_rows),
            "warnings": len(self.warnings),
            "extra_columns": list(self.report.extra_columns),
            "approve": int((self.scored["decision"] == "approve").sum()) if len(self.scored) else 0,
            "mean_pd": float(self.scored["pd"].mean()) if len(self.scored) else None,
            "score_psi": self.score_psi,
        }


def _reserve(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename uploaded columns that clash with the ones scoring adds (e.g. a re-uploaded export)."""
    clash = [c for c in frame.columns if c in (ROW_COLUMN, *RESULT_COLUMNS)]
    return frame.rename(columns={c: f"{c}{UPLOADED_SUFFIX}" for c in clash}) if clash else frame


def read_batch(
    source: bytes | pd.DataFrame,
    name: str = "upload.csv",
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_bytes: int = MAX_BYTES,
) -> pd.DataFrame:
    """An uploaded file's bytes (sniffed and parsed) or a frame, with reserved names freed."""
    if isinstance(source, pd.DataFrame):
        frame = source
    elif isinstance(source, bytes | bytearray | memoryview):
        frame = read_csv_upload(bytes(source), name, max_rows, max_columns, max_bytes)
    else:
        raise InputError(f"{name}: expected CSV bytes or a table, got {type(source).__name__}")
    return _reserve(frame)


def score_batch(
    source: bytes | pd.DataFrame,
    model,
    name: str = "upload.csv",
    reference: pd.DataFrame | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> BatchResult:
    """Validate every row against the model's schema and score the valid ones.

    A missing required column raises InputError (nothing is scored); bad rows are reported,
    not scored. PSI drift is computed against `reference` (the training frame) or the model's
    own `reference_` sample when it has one. Behavioural columns the batch lacks take typical
    values (scored as a customer without history) and are left out of the drift table.
    """
    frame = read_batch(source, name, max_rows=max_rows, max_bytes=max_bytes)
    report = validate_frame(frame, model.schema_)
    valid = report.valid
    if len(valid):
        result = model.score_frame(valid[list(model.features_)])
        result = result.reset_index(drop=True)[list(RESULT_COLUMNS)]
        scored = pd.concat([valid.reset_index(drop=True), result], axis=1)
    else:
        scored = valid.assign(
            **{c: pd.Series(dtype=float if c == "pd" else object) for c in RESULT_COLUMNS}
        )
    from bankml.default.drift import batch_drift

    reference = getattr(model, "reference_", None) if reference is None else reference
    drift = batch_drift(model, reference, valid) if reference is not None and len(valid) else None
    filled = typical_behaviour(model.schema_, [str(c) for c in frame.columns])
    if drift is not None and filled:  # typical values stood in: their PSI would be a false alarm
        drift = drift[~drift["feature"].isin(list(filled))].reset_index(drop=True)
    return BatchResult(scored=scored, report=report, drift=drift, source=name)


@dataclass(frozen=True)
class ApplicantResult:
    """One applicant scored: PD, grade, decision, reason codes and, for a decline, what would help."""

    applicant: pd.DataFrame
    pd: float
    grade: str
    decision: str
    explanation: pd.DataFrame | None
    counterfactual: dict | None
    economics: dict | None = (
        None  # EAD, profit if repaid, loss if default, break-even PD, E[profit]
    )

    def reasons(self, k: int = 4) -> pd.DataFrame:
        """The k largest factors either way (feature, contribution, points, text), signed."""
        return self.explanation.head(k).reset_index(drop=True)

    def decision_reasons(self, k: int = 4) -> pd.DataFrame:
        """The reasons to state for the decision, largest first.

        A decline or referral names only factors that raised the PD (as an adverse-action notice
        does, and as the batch's reason_1..3 do); an approval names the k largest either way.
        """
        if self.decision == "approve":
            return self.reasons(k)
        raising = self.explanation[self.explanation["contribution"] > 0]
        return raising.sort_values("contribution", ascending=False, kind="stable").head(k)


def score_applicant(values: dict, model, explain: bool = True) -> ApplicantResult:
    """Validate one applicant (field bounds from the model's schema) and score it.

    With explain=True (the default) also its reason codes and, for a decline, the counterfactual;
    a what-if that only shows the new PD passes False and skips both.
    """
    from bankml.default.validate import validate_applicant

    frame = validate_applicant(values, model.schema_)
    if explain:  # one pass: the PD comes from the score the reason codes add up to
        explanation = model.explain(frame)
        pd_ = float(model.pd_from_score(explanation.attrs["score"])[0])
    else:
        explanation, pd_ = None, float(model.predict_pd(frame)[0])
    counterfactual = (
        model.counterfactual(frame, current_pd=pd_) if explain and pd_ >= model.cutoff_ else None
    )
    return ApplicantResult(
        applicant=frame,
        pd=pd_,
        grade=str(model.grade(np.array([pd_]))[0]),
        decision=str(model.decision(np.array([pd_]))[0]),
        explanation=explanation,
        counterfactual=counterfactual,
        economics=model.loan_economics(frame, [pd_]).iloc[0].to_dict() if explain else None,
    )


def applicant_from_loan(loans: pd.DataFrame, loan_id, schema) -> dict:
    """An existing applicant's inputs by loan ID, clipped to the schema so a form can show them."""
    try:
        wanted = int(loan_id)
    except (TypeError, ValueError):
        raise InputError(f"loan ID {loan_id!r} is not a whole number") from None
    hit = loans.loc[loans["loan_id"] == wanted] if "loan_id" in loans.columns else loans.iloc[:0]
    if hit.empty:
        low, high = (
            (int(loans["loan_id"].min()), int(loans["loan_id"].max())) if len(loans) else (0, 0)
        )
        raise InputError(f"no loan with ID {wanted}: loan IDs run from {low} to {high}")
    row = hit.iloc[0]
    values: dict = {}
    for spec in schema.numeric:
        value = pd.to_numeric(row.get(spec.name), errors="coerce")
        value = (
            spec.default if pd.isna(value) else float(np.clip(value, spec.minimum, spec.maximum))
        )
        values[spec.name] = int(round(value)) if spec.integer else value
    for spec in schema.categorical:
        value = str(row.get(spec.name, spec.default))
        values[spec.name] = value if value in spec.levels else spec.default
    return values
