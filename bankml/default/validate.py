"""Row-level validation of applicant data against a model's FeatureSchema (batch CSV and form).

Numbers are converted first (`pd.to_numeric(errors="coerce")`, recording the cells that were not
numbers), then pandera checks every range lazily, so every bad row is named, not only the first.
A batch whose every number is present, in range and whole where it must be (`_all_in_schema`, a
few vectorised comparisons per column) has nothing for pandera to report and skips it: pandera's
per-batch overhead was a tenth of a large batch's scoring time.

Decisions, documented once:
- a missing required column stops the whole file (InputError naming it and the required list);
- a row with a blank, non-numeric, infinite, out-of-range or fractional-where-whole value is
  rejected and listed in `errors`; the other rows go on to scoring;
- a category never seen in training is *scored* (the model's encoder maps it to "unknown") and
  listed in `warnings`; the applicant form only offers known levels;
- columns the model does not use (ids, names) are carried through unchanged and listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from bankml.default.behaviour import PREFIX as BEHAVIOUR_PREFIX
from bankml.default.macro import PREFIX as MACRO_PREFIX
from bankml.default.schema import CategoricalField, FeatureSchema, NumericField
from bankml.errors import InputError

ROW_COLUMN = "input_row"
ISSUE_COLUMNS = ["row", "column", "value", "reason"]


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating a frame: rows that pass, and every problem found, by row and column.

    `valid` keeps the input order and all input columns (numeric features converted to numbers)
    plus `input_row`, the 1-based data row number (the header is not counted). `errors` lists
    rejected cells; `warnings` lists accepted oddities (unseen categories).
    """

    valid: pd.DataFrame
    errors: pd.DataFrame
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    missing_columns: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    rows_in: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        return sorted(set(self.errors["row"].astype(int))) if len(self.errors) else []

    def summary(self) -> str:
        parts = [f"{len(self.valid):,} of {self.rows_in:,} rows valid"]
        if len(self.errors):
            parts.append(f"{len(self.rejected_rows):,} rejected ({len(self.errors):,} problems)")
        if len(self.warnings):
            parts.append(f"{len(self.warnings):,} warnings")
        if self.extra_columns:
            parts.append(f"{len(self.extra_columns)} extra columns carried through")
        return "; ".join(parts)


def _fmt(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 1e4 else f"{value:.10g}"


def allowed(spec: NumericField | CategoricalField) -> str:
    """The allowed values of a field in words, for error messages and help text."""
    if isinstance(spec, NumericField):
        kind = "a whole number" if spec.integer else "a number"
        return f"{kind} from {_fmt(spec.minimum)} to {_fmt(spec.maximum)}"
    return "one of " + ", ".join(spec.levels)


def _check_columns(
    frame: pd.DataFrame, schema: FeatureSchema, given: int | None = None
) -> tuple[list[str], list[str]]:
    """Missing and extra columns; `given` is how many columns the user supplied (before typical
    behavioural values were added), so a one-column file still reads as a delimiter problem."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a table of applicants, got {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        seen: set[str] = set()
        dups = [c for c in columns if c in seen or seen.add(c)]
        raise InputError(f"duplicate column name(s): {', '.join(dict.fromkeys(dups))}")
    required = schema.names
    missing = [c for c in required if c not in columns]
    if missing and (len(columns) if given is None else given) == 1 and len(required) > 1:
        raise InputError(
            f"only one column was found ({columns[0][:60]!r}) but the model needs {len(required)}: "
            "the delimiter was not recognised; use comma, semicolon, tab or pipe"
        )
    if missing:
        lowered = {c.lower().strip(): c for c in columns}
        hints = [f"{m} (found {lowered[m.lower()]!r})" for m in missing if m.lower() in lowered]
        hint = f"; check the spelling of {', '.join(hints)}" if hints else ""
        raise InputError(
            f"missing required column(s): {', '.join(missing)}{hint}. "
            f"Required columns: {', '.join(required)}"
        )
    extra = [c for c in columns if c not in required]
    return missing, extra


def _issues(rows: np.ndarray, column: str, values, reason) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": np.asarray(rows, dtype=np.int64),
            "column": column,
            "value": pd.Series(values, dtype=object).map(_show).to_numpy(dtype=object),
            "reason": reason,
        }
    )


def _show(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _pandera_schema(schema: FeatureSchema) -> pa.DataFrameSchema:
    columns = {}
    for spec in schema.numeric:
        checks = [
            pa.Check(
                lambda s, lo=spec.minimum, hi=spec.maximum: s.between(lo, hi),
                name="range",
                error="range",
            )
        ]
        if spec.integer:
            checks.append(
                pa.Check(
                    lambda s: np.isfinite(s) & (np.mod(s, 1) == 0) | ~np.isfinite(s),
                    name="whole",
                    error="whole",
                )
            )
        columns[spec.name] = pa.Column(float, checks=checks, nullable=False, coerce=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _all_in_schema(numeric: pd.DataFrame, schema: FeatureSchema) -> bool:
    """True when `_pandera_schema` has no failure to report: every value present, within its
    range (inclusive, as `between`) and whole where the field is integer."""
    for spec in schema.numeric:
        values = numeric[spec.name].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            inside = (values >= spec.minimum) & (values <= spec.maximum)  # False for NaN
        if not inside.all():
            return False
        finite = values[np.isfinite(values)]
        if spec.integer and not (np.mod(finite, 1) == 0).all():
            return False
    return True


def typical_behaviour(schema: FeatureSchema, given) -> dict[str, float]:
    """Typical values for the behavioural and macro columns `given` lacks.

    A new applicant (no transaction history with the bank, or a batch of application columns
    only) is scored as a typical customer on the behavioural inputs (the training median) and in
    the training period's typical economy on the macro inputs (their median month), not refused.
    """
    return {
        f.name: f.default
        for f in schema.numeric
        if f.name.startswith((BEHAVIOUR_PREFIX, MACRO_PREFIX)) and f.name not in given
    }


def validate_frame(frame: pd.DataFrame, schema: FeatureSchema) -> ValidationReport:
    """Check every row against the schema; returns the valid rows and every problem found.

    Raises InputError only for file-level problems (a missing column, duplicate names).
    Missing behavioural columns take their typical values (`typical_behaviour`).
    """
    given = None
    if isinstance(frame, pd.DataFrame):
        given = len(frame.columns)
        fill = typical_behaviour(schema, [str(c) for c in frame.columns])
        frame = frame.assign(**fill) if fill else frame
    _, extra = _check_columns(frame, schema, given)
    n = len(frame)
    rows = np.arange(1, n + 1, dtype=np.int64)
    work = frame.reset_index(drop=True).copy()
    problems: list[pd.DataFrame] = []
    warnings: list[pd.DataFrame] = []

    numeric = pd.DataFrame(index=work.index)
    for spec in schema.numeric:
        original = work[spec.name]
        if pd.api.types.is_bool_dtype(original):
            original = original.astype(object)
        if pd.api.types.is_numeric_dtype(original):
            values = pd.to_numeric(original, errors="coerce").astype(float)
            not_number = np.zeros(n, dtype=bool)
        else:
            text = original.astype(object).where(original.notna(), "").astype(str).str.strip()
            values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
            not_number = (values.isna() & (text != "")).to_numpy()
        if not_number.any():
            problems.append(
                _issues(
                    rows[not_number],
                    spec.name,
                    original[not_number],
                    f"not a number: expected {allowed(spec)}",
                )
            )
        numeric[spec.name] = values.to_numpy()
        work[spec.name] = values.to_numpy()

    try:
        if not _all_in_schema(numeric, schema):  # else pandera would find nothing to report
            _pandera_schema(schema).validate(numeric, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        for (column, check), group in cases.groupby(["column", "check"], sort=False):
            index = group["index"].astype(np.int64).to_numpy()
            values = numeric[column].to_numpy()[index]
            spec = schema.field(str(column))
            if check == "not_nullable":
                original = frame[column].reset_index(drop=True)
                # cells already reported as "not a number" are not also "missing"
                blank = original.astype(object).where(original.notna(), "").astype(str).str.strip()
                keep = (blank.to_numpy()[index] == "") | original.isna().to_numpy()[index]
                if pd.api.types.is_numeric_dtype(original):
                    keep = np.ones(len(index), dtype=bool)
                index = index[keep]
                reason = f"missing value: expected {allowed(spec)}"
                problems.append(_issues(rows[index], column, [""] * len(index), reason))
                continue
            if check == "range":
                infinite = np.isinf(values)
                if infinite.any():
                    problems.append(
                        _issues(
                            rows[index[infinite]],
                            column,
                            values[infinite],
                            f"infinite value: expected {allowed(spec)}",
                        )
                    )
                index, values = index[~infinite], values[~infinite]
                reason = f"out of range: allowed {allowed(spec)}"
            else:
                reason = f"not a whole number: expected {allowed(spec)}"
            if len(index):
                problems.append(_issues(rows[index], column, values, reason))

    for spec in schema.categorical:
        original = work[spec.name]
        text = original.astype(object).where(original.notna(), "").astype(str).str.strip()
        blank = (text == "").to_numpy()
        if blank.any():
            problems.append(
                _issues(
                    rows[blank],
                    spec.name,
                    [""] * int(blank.sum()),
                    f"missing value: expected {allowed(spec)}",
                )
            )
        unseen = (~text.isin(spec.levels)).to_numpy() & ~blank
        if unseen.any() and spec.levels:
            warnings.append(
                _issues(
                    rows[unseen],
                    spec.name,
                    text[unseen],
                    "category not seen in training: scored as 'unknown'",
                )
            )
        work[spec.name] = text.to_numpy(dtype=object)

    errors = _combine(problems)
    bad = np.isin(rows, errors["row"].to_numpy()) if len(errors) else np.zeros(n, dtype=bool)
    valid = work.loc[~bad].copy()
    valid.insert(0, ROW_COLUMN, rows[~bad])
    for spec in schema.categorical:
        valid[spec.name] = valid[spec.name].astype("str")
    for spec in schema.numeric:
        if spec.integer and max(abs(spec.minimum), abs(spec.maximum)) < 2**53:
            # every kept value is finite and whole
            valid[spec.name] = valid[spec.name].astype(np.int64)
    return ValidationReport(
        valid=valid.reset_index(drop=True),
        errors=errors,
        warnings=_combine(warnings),
        missing_columns=(),
        extra_columns=tuple(extra),
        rows_in=n,
    )


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS}).astype(
            {"row": np.int64}
        )
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


def validate_applicant(values: dict, schema: FeatureSchema) -> pd.DataFrame:
    """One applicant from the form (or an API call) -> a one-row frame of the model's inputs.

    Stricter than the batch path: the first problem raises InputError naming the field and its
    allowed range, and a category must be one the model knows (the form offers only those).
    Behavioural fields not given take their typical values (`typical_behaviour`).
    """
    if not isinstance(values, dict):
        raise InputError(f"expected a mapping of field -> value, got {type(values).__name__}")
    values = {**typical_behaviour(schema, values), **values}
    missing = [name for name in schema.names if name not in values]
    if missing:
        raise InputError(
            f"missing field(s): {', '.join(missing)}. Required: {', '.join(schema.names)}"
        )
    row: dict[str, object] = {}
    for spec in schema.numeric:
        value = values[spec.name]
        if isinstance(value, bool) or value is None:
            number = math.nan
        else:
            try:
                number = float(str(value).strip()) if isinstance(value, str) else float(value)
            except (TypeError, ValueError):
                raise InputError(
                    f"{spec.name}={value!r} is not a number: expected {allowed(spec)}"
                ) from None
        if math.isnan(number):
            raise InputError(f"{spec.name} is missing: expected {allowed(spec)}")
        if not (spec.minimum <= number <= spec.maximum):
            raise InputError(f"{spec.name}={value!r} is out of range: allowed {allowed(spec)}")
        if spec.integer and number != math.floor(number):
            raise InputError(
                f"{spec.name}={value!r} is not a whole number: expected {allowed(spec)}"
            )
        row[spec.name] = int(number) if spec.integer and abs(number) < 2**53 else number
    for spec in schema.categorical:
        value = values[spec.name]
        text = "" if value is None else str(value).strip()
        if not text:
            raise InputError(f"{spec.name} is missing: expected {allowed(spec)}")
        if spec.levels and text not in spec.levels:
            raise InputError(
                f"{spec.name}={value!r} is not a known category: expected {allowed(spec)}"
            )
        row[spec.name] = text
    frame = pd.DataFrame([row], columns=schema.names)
    for spec in schema.categorical:
        frame[spec.name] = frame[spec.name].astype("str")
    return frame
