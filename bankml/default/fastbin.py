"""A fitted optbinning BinningProcess compiled into numpy lookup tables, for fast scoring.

optbinning's transform walks every variable through pandas masks and takes (most of a batch's
scoring time, and most of one applicant's). Once fitted, a WOE binning is just a lookup: a
numeric value's bin is `np.searchsorted(splits, x, side="right")` (what optbinning's
`np.digitize(x, splits, right=False)` computes), a category's bin is its position among the
known categories, and missing values have their own value. The table of values per bin is
read by passing *probe* rows (one per bin, one unseen category, one missing value) through the
process's own transform, so every output float is optbinning's own: the compiled transform
equals `process.transform(X)` exactly (tests/unit/default/test_fastbin.py checks it on random
and edge inputs).

Processes this module does not model (special codes, per-variable transform parameters,
piecewise or multiclass binnings) are not compiled: `compile_binning` returns None and the
caller keeps optbinning's transform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankml.default.fastprep import Columns

UNSEEN = "\x00bankml-unseen-category\x00"  # a category no training data can contain


@dataclass(frozen=True)
class _Variable:
    name: str
    numeric: bool
    splits: np.ndarray  # numeric: ascending split points
    categories: pd.Index  # categorical: every category that belongs to a bin
    values: np.ndarray  # per bin (numeric) or per category then unseen (categorical)
    missing: float  # the value of a missing input


@dataclass(frozen=True)
class CompiledBinning:
    """The selected variables' lookup tables, in the process's output column order."""

    variables: tuple[_Variable, ...]

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """(rows x selected variables) WOE matrix, equal to the process's transform of X."""
        # column-major, as the process's DataFrame output converts: numpy's row sums (the
        # score) then add in the same order, so scores are bit-identical too
        out = np.empty((len(X), len(self.variables)), order="F")
        numeric = [v.name for v in self.variables if v.numeric]
        # one conversion for every numeric column (a few rows: of the whole frame, as one
        # object block): pandas' per-column access was most of one applicant's time
        columns = Columns(X)
        matrix = columns.numbers(numeric) if numeric else None
        at = {name: i for i, name in enumerate(numeric)}
        for j, var in enumerate(self.variables):  # a loop over columns; rows stay vectorised
            if var.numeric:
                x = matrix[:, at[var.name]]
                out[:, j] = var.values[np.searchsorted(var.splits, x, side="right")]
                missing = np.isnan(x)
            else:
                codes, missing = _codes(var, columns.column(var.name))
                out[:, j] = var.values[codes]
            if missing.any():
                out[missing, j] = var.missing
        return out


def _codes(var: _Variable, column) -> tuple[np.ndarray, np.ndarray]:
    """(position of each value among the variable's categories, -1 when unseen; missing mask).

    Each distinct value is looked up once (exact equality, as optbinning's isin: a value that is
    not a string equals no category), then spread back to the rows.
    """
    found, distinct = pd.factorize(column)  # missing values get -1
    index = {c: i for i, c in enumerate(var.categories.tolist())}
    lookup = np.array([*(index.get(v, -1) for v in distinct.tolist()), -1], dtype=np.intp)
    return lookup[found], found == -1


def _compilable(process) -> bool:
    if not hasattr(process, "get_binned_variable"):  # not an optbinning BinningProcess
        return False
    if getattr(process, "special_codes", None) or process.binning_transform_params:
        return False
    names = process.get_support(names=True)
    return all(type(process.get_binned_variable(n)).__name__ == "OptimalBinning" for n in names)


def _categories(binning) -> list | None:
    """Every category placed in a bin (others pooled included), from the binning table; None
    when one is not a string (not modelled here)."""
    table = binning.binning_table.build()
    found: list[str] = []
    for cell in table["Bin"]:
        if not isinstance(cell, str):  # "Special", "Missing" and the totals row are strings
            found.extend(cell)
    return found if all(isinstance(c, str) for c in found) else None


def compile_binning(process) -> CompiledBinning | None:
    """Lookup tables for a fitted BinningProcess (None for another transformer, or when it
    uses what is not modelled here)."""
    if not _compilable(process):
        return None
    names = list(process.get_support(names=True))
    probes: dict[str, list] = {}
    plans = []
    for name in names:
        binning = process.get_binned_variable(name)
        if binning.dtype == "numerical":
            splits = np.asarray(binning.splits, dtype=float)
            # -inf falls in bin 0, split k in bin k+1 (left-closed bins), NaN is missing
            probes[name] = [-np.inf, *splits.tolist(), np.nan]
            plans.append((name, True, splits, pd.Index([], dtype=object)))
        else:
            known = _categories(binning)
            if known is None or len(set(known)) != len(known):
                return None
            categories = pd.Index(known, dtype=object)
            probes[name] = [*categories.tolist(), UNSEEN, np.nan]
            plans.append((name, False, np.empty(0), categories))
    length = max(len(p) for p in probes.values())
    frame = {}
    for name, (_, numeric, _, _) in zip(names, plans, strict=True):
        values = probes[name] + [probes[name][0]] * (length - len(probes[name]))
        frame[name] = pd.Series(values, dtype=float if numeric else object)
    table = np.asarray(process.transform(pd.DataFrame(frame)), dtype=float)
    variables = []
    for j, (name, numeric, splits, categories) in enumerate(plans):
        n = len(probes[name])
        variables.append(
            _Variable(name, numeric, splits, categories, table[: n - 1, j].copy(), table[n - 1, j])
        )
    return CompiledBinning(tuple(variables))
