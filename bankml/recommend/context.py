"""Customer context as pseudo-items: segment, age, income and tenure bands, life-stage flags.

Each customer gets a handful of 0/1 context columns with readable names ("aged 25-34", "with
dependents", "Young professionals"), so the learned item-item model weighs them like products and
its explanations can say "customers like you (Young professionals, aged 25-34) often hold Y".
Every band and flag is declared here, once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml.customer_features import INCOME_SENTINEL
from bankml.errors import InputError
from bankml.recommend.memberships import MIN_MEMBERSHIP

AGE_BANDS = ((0, 25, "aged under 25"), (25, 35, "aged 25-34"), (35, 50, "aged 35-49"),
             (50, 65, "aged 50-64"), (65, 999, "aged 65 or over"))  # fmt: skip
INCOME_BANDS = ((0, 25_000, "income under 25k"), (25_000, 45_000, "income 25k-45k"),
                (45_000, 75_000, "income 45k-75k"), (75_000, 120_000, "income 75k-120k"),
                (120_000, np.inf, "income 120k or more"))  # fmt: skip
TENURE_BANDS = ((0, 12, "customer for under a year"), (12, 36, "customer for 1-3 years"),
                (36, 120, "customer for 3-10 years"), (120, 10_000, "customer for 10+ years"))  # fmt: skip
# (column, value) -> readable flag; values not listed get no flag
FLAGS = {
    ("marital_status", "married"): "married",
    ("employment_status", "self_employed"): "self-employed",
    ("employment_status", "unemployed"): "not working",
    ("employment_status", "retired"): "retired",
    ("employment_status", "student"): "a student",
    ("home_ownership", "rent"): "renting",
    ("home_ownership", "mortgage"): "paying a mortgage",
    ("home_ownership", "own"): "owns their home",
    ("education", "master"): "master's degree",
    ("education", "doctorate"): "doctorate",
}
REQUIRED = ("age", "annual_income", "tenure_months")
# The segment column's value (the others are 1): a ridge penalises a column scaled by w like one
# with l2 / w^2, so the segment, the strongest single piece of context, is shrunk less. Chosen on
# the seed-0 20k bank (leave-one-out and temporal NDCG@5 over 1, 2, 4, 8, 16); reported on other
# seeds.
SEGMENT_WEIGHT = 8.0


def _band(values: pd.Series, bands: tuple, column: str) -> np.ndarray:
    """Index of the band of each value (-1 = missing), clear error for values outside every band.

    An income at the extract's sentinel (INCOME_SENTINEL, as customer_features reads it) is
    missing, not "income 120k or more".
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(float)
    if column == "annual_income":
        x = np.where(x >= INCOME_SENTINEL, np.nan, x)
    edges = np.array([low for low, _, _ in bands] + [bands[-1][1]], dtype=float)
    index = np.searchsorted(edges, x, side="right") - 1
    bad = np.isfinite(x) & ((index < 0) | (index >= len(bands)))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"customers column {column!r} has {float(x[row])!r} at row {row}: allowed"
            f" {edges[0]:g}..{edges[-1]:g}"
        )
    return np.where(np.isfinite(x), index, -1)


def customer_context(
    customers: pd.DataFrame, segments: pd.Series | pd.DataFrame | None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """customers x context flags (CSR; 1, or SEGMENT_WEIGHT for the segment) and their readable names.

    Rows in customers' order.

    segments: segment name per customer, aligned with customers' rows (None = segments off), or
    soft memberships (customers x segment names, see bankml.recommend.memberships): each segment
    column then holds SEGMENT_WEIGHT x the customer's membership (below MIN_MEMBERSHIP: none).
    """
    missing = [c for c in REQUIRED if c not in customers.columns]
    if missing:
        raise InputError(f"customers table lacks column(s) {', '.join(missing)}")
    n = len(customers)
    blocks: list[np.ndarray] = []  # one column index per customer per block (-1 = none)
    names: list[str] = []
    for column, bands in (("age", AGE_BANDS), ("annual_income", INCOME_BANDS),
                          ("tenure_months", TENURE_BANDS)):  # fmt: skip
        index = _band(customers[column], bands, column)
        blocks.append(np.where(index >= 0, index + len(names), -1))
        names += [label for _, _, label in bands]
    if "dependents" in customers.columns:
        has = pd.to_numeric(customers["dependents"], errors="coerce").fillna(0).to_numpy() > 0
        blocks.append(np.where(has, len(names), -1))
        names.append("with dependents")
    for (column, value), label in FLAGS.items():
        if column in customers.columns:
            hit = customers[column].astype(str).to_numpy() == value
            blocks.append(np.where(hit, len(names), -1))
            names.append(label)
    soft = isinstance(segments, pd.DataFrame)
    if segments is not None and len(segments) != n:
        raise InputError(f"segments has {len(segments)} rows but there are {n} customers")
    if segments is not None and not soft:
        known = segments.notna().to_numpy()
        codes, levels = pd.factorize(segments.astype(str).where(known), sort=True)
        blocks.append(np.where(codes >= 0, codes + len(names), -1))
        names += [str(level) for level in levels]
    columns = np.column_stack(blocks) if blocks else np.empty((n, 0), np.int64)
    value = np.ones(columns.shape, np.float32)
    if segments is not None and not soft:
        value[:, -1] = SEGMENT_WEIGHT
    rows = np.repeat(np.arange(n), columns.shape[1])
    flat = columns.ravel()
    keep = flat >= 0
    matrix = sp.csr_matrix((value.ravel()[keep], (rows[keep], flat[keep])), shape=(n, len(names)))
    if soft:
        share = np.nan_to_num(segments.to_numpy(float))
        share[share < MIN_MEMBERSHIP] = 0.0
        block = sp.csr_matrix((SEGMENT_WEIGHT * share).astype(np.float32))
        matrix = sp.hstack([matrix, block], format="csr", dtype=np.float32)
        names += [str(c) for c in segments.columns]
    return matrix, np.array(names, dtype=object)
