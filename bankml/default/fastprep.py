"""The linear and tree models' fitted ColumnTransformer compiled into numpy, for fast scoring.

scikit-learn's ColumnTransformer validates and converts every block through pandas on each
call: most of one applicant's scoring time, and a fifth of a batch's. Once fitted, the
preprocessing of `bankml.default.candidates.preprocessor` is plain arithmetic: median
imputation (`where(isnan, statistic)`), optional standard scaling (`(x - mean) / scale`), the
loan-to-income log ratio (the fitted function itself) and a one-hot lookup per category. The
one-hot rows are read by passing probe values (every known category, one unseen, one missing)
through the fitted encoder itself, so unknown and infrequent categories land where scikit-learn
puts them. `compile_columns` checks the compiled transform against scikit-learn's on a probe
frame and returns None (the caller keeps scikit-learn's transform) for anything it does not
model or does not reproduce exactly; tests/unit/default/test_fastprep.py compares both on
random and edge inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

UNSEEN = "\x00bankml-unseen-category\x00"  # a category no training data can contain


@dataclass(frozen=True)
class _Numeric:
    columns: list[str]
    fill: np.ndarray  # median per column
    mean: np.ndarray | None  # standard scaling, when the pipeline scales
    scale: np.ndarray | None


@dataclass(frozen=True)
class _OneHot:
    column: str
    categories: dict  # category -> row of `rows`
    rows: np.ndarray  # one-hot output per known category, then unseen, then missing


@dataclass(frozen=True)
class _Ratio:
    columns: list[str]
    func: object
    kw_args: dict
    mean: np.ndarray | None
    scale: np.ndarray | None


@dataclass(frozen=True)
class CompiledColumns:
    """The transformer's blocks in output order; `transform` equals the ColumnTransformer's."""

    blocks: tuple

    def transform(self, X: pd.DataFrame | Columns) -> np.ndarray:
        """The transformed matrix of a frame, or of its `Columns` (shared by a blend's members,
        so each input column is read and each category column factorized once)."""
        columns = X if isinstance(X, Columns) else Columns(X)
        parts = []
        for block in self.blocks:  # a loop over the few blocks; rows stay vectorised
            if isinstance(block, _Numeric):
                values = columns.numbers(block.columns)
                values = np.where(np.isnan(values), block.fill, values)
                parts.append(_scaled(values, block.mean, block.scale))
            elif isinstance(block, _OneHot):
                parts.append(block.rows[_codes(block, columns.factorized(block.column))])
            else:
                values = columns.numbers(block.columns)
                out = np.asarray(block.func(values, **block.kw_args), dtype=float)
                parts.append(_scaled(out, block.mean, block.scale))
        # one C-ordered matrix (as hstack of C blocks gave: row sums add in the same order)
        out = np.empty((columns.rows, sum(p.shape[1] for p in parts)))
        start = 0
        for part in parts:
            out[:, start : start + part.shape[1]] = part
            start += part.shape[1]
        return out


SMALL_FRAME = 256  # rows: up to this many, one conversion of the whole frame is cheapest


class Columns:
    """Columns of a frame as numpy arrays, each read once (kept for the next caller: a blend's
    members read the same inputs). A few rows (one applicant, its counterfactual trials) are
    converted once as a whole: pandas' per-column access and sub-frame selection cost more than
    the arithmetic there. A batch is read column by column (no object copy)."""

    def __init__(self, X: pd.DataFrame):
        self.frame = X
        self.rows = len(X)
        self.at = {name: i for i, name in enumerate(X.columns)}
        small = len(X) <= SMALL_FRAME
        self.grid = _object_grid(X) if small else None
        self._numbers: dict[tuple, np.ndarray] = {}
        self._factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def numbers(self, names: list[str]) -> np.ndarray:
        """(rows x names) floats; missing values are NaN. Callers must not write to it."""
        key = tuple(names)
        if key not in self._numbers:
            self._numbers[key] = self._read_numbers(names)
        return self._numbers[key]

    def _read_numbers(self, names: list[str]) -> np.ndarray:
        if self.grid is not None:
            return self.grid[:, [self.at[n] for n in names]].astype(float)
        out = np.empty((len(names), self.rows))  # each column written contiguously
        for j, name in enumerate(names):
            out[j] = self.frame[name].to_numpy(dtype=float, na_value=np.nan)
        return out.T

    def column(self, name: str):
        if self.grid is not None:
            return self.grid[:, self.at[name]]
        return self.frame[name]

    def factorized(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """pd.factorize of a column (codes, distinct values; missing: -1), once per column."""
        if name not in self._factorized:
            self._factorized[name] = pd.factorize(self.column(name))
        return self._factorized[name]


def _scaled(values: np.ndarray, mean, scale) -> np.ndarray:
    if mean is not None:
        values = values - mean
    if scale is not None:
        values = values / scale
    return values


def _codes(block: _OneHot, factorized: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Row of `block.rows` per value: each distinct value looked up once, then spread back."""
    found, distinct = factorized  # missing values get -1
    unseen, missing = len(block.rows) - 2, len(block.rows) - 1
    lookup = np.array([*(block.categories.get(v, unseen) for v in distinct.tolist()), missing])
    return lookup[found]


def _scaler(step) -> tuple[np.ndarray | None, np.ndarray | None] | None:
    """(mean, scale) of a fitted StandardScaler; None when it is something else."""
    if type(step).__name__ != "StandardScaler":
        return None
    return (step.mean_ if step.with_mean else None, step.scale_ if step.with_std else None)


def _numeric(transformer, columns: list[str]) -> _Numeric | None:
    steps = [s for _, s in transformer.steps]
    impute = steps[0]
    if type(impute).__name__ != "SimpleImputer" or impute.strategy not in ("median", "mean"):
        return None
    fill = np.asarray(impute.statistics_, dtype=float)
    if np.isnan(fill).any() or impute.add_indicator or len(steps) > 2:
        return None  # all-missing training columns are dropped by scikit-learn: not modelled
    scaling = _scaler(steps[1]) if len(steps) == 2 else (None, None)
    if scaling is None:
        return None
    return _Numeric(list(columns), fill, *scaling)


def _one_hot(transformer, columns: list[str]) -> list[_OneHot] | None:
    steps = [s for _, s in transformer.steps]
    if len(steps) != 2 or type(steps[1]).__name__ != "OneHotEncoder":
        return None
    encoder = steps[1]
    if encoder.drop is not None or getattr(encoder, "sparse_output", False):
        return None
    blocks = []
    start = 0
    known_lists = [list(c) for c in encoder.categories_]
    if not all(isinstance(v, str) for known in known_lists for v in known):
        return None
    length = max(len(k) for k in known_lists) + 2
    probe = {}
    for column, known in zip(columns, known_lists, strict=True):
        values = [*known, UNSEEN, np.nan]
        probe[column] = pd.Series(values + [known[0]] * (length - len(values)), dtype=object)
    table = np.asarray(transformer.transform(pd.DataFrame(probe)), dtype=float)
    rare = getattr(encoder, "infrequent_categories_", [None] * len(known_lists))
    # without drop: one column per frequent category, plus one for the infrequent ones pooled
    widths = [
        len(k) - (0 if r is None else len(r) - 1) for k, r in zip(known_lists, rare, strict=True)
    ]
    for column, known, width in zip(columns, known_lists, widths, strict=True):
        rows = table[: len(known) + 2, start : start + width].copy()
        blocks.append(_OneHot(column, {c: i for i, c in enumerate(known)}, rows))
        start += width
    return blocks if start == table.shape[1] else None


def _ratio(transformer, columns: list[str]) -> _Ratio | None:
    steps = [s for _, s in transformer.steps]
    function = steps[0]
    if type(function).__name__ != "FunctionTransformer" or function.validate:
        return None
    scaling = _scaler(steps[1]) if len(steps) == 2 else (None, None)
    if scaling is None or len(steps) > 2:
        return None
    return _Ratio(list(columns), function.func, dict(function.kw_args or {}), *scaling)


def compile_columns(prep, probe: pd.DataFrame) -> CompiledColumns | None:
    """Compiled numpy transform of a fitted `candidates.preprocessor` ColumnTransformer, checked
    to equal scikit-learn's on `probe` (training rows with missing and unseen values added);
    None for another transformer or when anything differs."""
    if type(prep).__name__ != "ColumnTransformer" or not hasattr(prep, "transformers_"):
        return None
    blocks: list = []
    for name, transformer, columns in prep.transformers_:
        if name == "remainder":
            if transformer != "drop":
                return None
            continue
        if transformer == "drop" or not hasattr(transformer, "steps"):
            return None
        build = {"num": _numeric, "cat": _one_hot, "ratio": _ratio}.get(name)
        made = build(transformer, list(columns)) if build else None
        if made is None:
            return None
        blocks.extend(made if isinstance(made, list) else [made])
    compiled = CompiledColumns(tuple(blocks))
    expected = np.asarray(prep.transform(probe), dtype=float)
    try:
        got = compiled.transform(probe)
    except (TypeError, ValueError, KeyError):
        return None
    same = got.shape == expected.shape and np.array_equal(got, expected, equal_nan=True)
    return compiled if same else None


def probe_frame(schema) -> pd.DataFrame:
    """Rows that exercise every branch of the transform, from a model's input schema: a typical
    applicant, every field at its minimum and maximum, numbers missing, every known level, an
    unseen category and a missing one."""
    rows = []
    typical = schema.defaults()
    rows.append(dict(typical))
    rows.append({**typical, **{f.name: f.minimum for f in schema.numeric}})
    rows.append({**typical, **{f.name: f.maximum for f in schema.numeric}})
    rows.append({**typical, **{f.name: np.nan for f in schema.numeric}})
    rows.append({**typical, **{f.name: UNSEEN for f in schema.categorical}})
    rows.append({**typical, **{f.name: np.nan for f in schema.categorical}})
    most = max((len(f.levels) for f in schema.categorical), default=0)
    for i in range(most):
        rows.append(
            {**typical, **{f.name: f.levels[i % len(f.levels)] for f in schema.categorical}}
        )
    frame = pd.DataFrame(rows, columns=schema.names)
    for f in schema.numeric:
        frame[f.name] = frame[f.name].astype(float)
    for f in schema.categorical:
        frame[f.name] = frame[f.name].astype("str").where(frame[f.name].notna(), np.nan)
    return frame


def _object_grid(X: pd.DataFrame) -> np.ndarray:
    """The frame as one object array with NaN for every missing value; a fresh copy, so a
    read-only (memory-mapped) input is never written to."""
    grid = np.array(X.to_numpy(dtype=object), dtype=object, copy=True)
    grid[pd.isna(grid)] = np.nan
    return grid
