"""Rows a bank would question: they are segmented, but they do not vote on k or move the centres.

A real extract carries filled-in placeholders (a missing income replaced by the bank's median, a
default written for an unknown value) and absurd amounts (a sentinel such as 99,999,999). Such a
row's position in feature space says more about the extract than about the customer, so a
segmentation that lets it vote can invent a segment for it. Two general rules, neither of which
knows which rows were damaged or how:

* **placeholder**: a value held by at least `HEAP_SHARE` of the rows of a column and by at least
  `HEAP_RATIO` times as many rows as the column's next most common value (a "disguised missing
  value", Pearson 2006): a genuine measurement is rarely that much more common than every other.
  Whole-number columns whose values are all common (age, dependents, products held) have
  no such single heap and are never flagged.
* **far out**: an amount or count (the columns clustered on a log scale) more than `FAR_IQR`
  interquartile ranges beyond the nearer quartile on that log scale (Tukey's fences, widened so
  that only values a bank would not believe are caught).

Thresholds set on seeds 2-10 of every scenario and on the choose scenarios (3,000 customers):
there the placeholder heap of a filled-in income held 3.5-3.8 % of the rows at 7.9-10.4x the next
value (98-119 rows flagged per defects bank), while on the other banks no column was flagged (the
most common value at most 1.9x the next where looked at); the far-out rule flagged one row.
`CustomerSegmenter` always flags these rows; with `question=True` they also sit out the choice
of k and the fit (on the defects seeds that moved k both ways, so it is off by default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml.segment.features import Feature

HEAP_SHARE = 0.02
HEAP_RATIO = 5.0
FAR_IQR = 5.0
SAMPLE = 50_000  # rows the heaps and quartiles are read from


def questioned_rows(
    values: np.ndarray, features: list[Feature], sample: int = SAMPLE
) -> pd.DataFrame:
    """Which rows a bank would question and why, as a frame with one boolean column per reason
    and column (`placeholder:<name>`, `far out:<name>`); `values` are the model's inputs after
    the features' log1p transform. The heaps and quartiles are read off a fixed-seed sample of
    `sample` rows (a 1M-row bank costs 20 sorts of 50k values), every row is then checked."""
    n = len(values)
    flags: dict[str, np.ndarray] = {}
    if n == 0:
        return pd.DataFrame(flags, index=pd.RangeIndex(0))
    rows = np.random.default_rng(0).choice(n, size=sample, replace=False) if n > sample else None
    for j, feature in enumerate(features):
        name = feature.name
        column = values[:, j]
        seen = column if rows is None else column[rows]
        kinds, counts = np.unique(seen, return_counts=True)
        if len(counts) > 1:
            order = np.argsort(counts)[::-1]
            top, second = counts[order[0]], counts[order[1]]
            if top >= HEAP_SHARE * len(seen) and top >= HEAP_RATIO * second:
                flags[f"placeholder:{name}"] = column == kinds[order[0]]
        if feature.transform == "log1p":
            low, high = np.quantile(seen, [0.25, 0.75])
            spread = FAR_IQR * (high - low)
            if spread > 0:
                far = (column < low - spread) | (column > high + spread)
                if far.any():
                    flags[f"far out:{name}"] = far
    return pd.DataFrame(flags, index=pd.RangeIndex(n))


def questioned_mask(values: np.ndarray, features: list[Feature]) -> np.ndarray:
    """True for every row that any rule of `questioned_rows` flags."""
    table = questioned_rows(values, features)
    if table.shape[1] == 0:
        return np.zeros(len(values), dtype=bool)
    return table.to_numpy().any(axis=1)
