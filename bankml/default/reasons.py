"""Exact additive attributions of a fitted pipeline's log-odds score, and plain-word reasons.

Linear models: coef x (x - training mean) per transformed column; LightGBM: path attributions
precomputed per leaf (`bankml.default.treepath`: exact in the sum, not Shapley values; exact
TreeSHAP on request); CatBoost: its exact TreeSHAP values. Transformed columns are mapped back to original input columns with an
attribution matrix (one-hot children summed; a derived ratio split equally between its parents),
so base + contributions reproduces the score exactly.

Reasons are stated per *reason group*: inputs that act together through a derived column are one
reason (loan amount and annual income are the loan-to-income ratio a lender reads, so the reason
names loan-to-income rather than half of it on each parent). Points follow the scorecard's
convention: points rise with safety, so a factor that raises the PD costs points (negative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from bankml.default.features import DESCRIPTIONS, MONEY_FEATURES, PERCENT_FEATURES

POINTS_PER_LOGIT = 20.0 / np.log(2.0)  # PDO scaling: 20 points double the odds
# derived reasons: name -> the inputs it is computed from (the bank's product reads these ratios)
DERIVED = {"loan_to_income": ("loan_amount", "annual_income")}
DERIVED_LABELS = {"loan_to_income": "loan-to-income"}


def to_points(contributions) -> np.ndarray:
    """Log-odds contributions in scorecard points: + is safer, - raises the PD (PDO 20)."""
    return -np.asarray(contributions, dtype=float) * POINTS_PER_LOGIT


def derived_in(model) -> frozenset[str]:
    """The derived reasons a fitted model computes from several inputs (its own or its blend
    members' attribution rows with more than one parent); a scorecard, which bins each input
    alone, has none."""
    found: set[str] = set()
    for member in getattr(model, "members_", None) or [model]:
        matrix = getattr(member, "attribution_", None)
        if matrix is None:
            continue
        for row in np.asarray(matrix):
            parents = {member.features_[i] for i in np.flatnonzero(row)}
            found.update(n for n, p in DERIVED.items() if len(parents) > 1 and parents == set(p))
    return frozenset(found)


def reason_groups(
    features: list[str], derived: frozenset[str] = frozenset()
) -> list[tuple[str, tuple[str, ...]]]:
    """(reason name, its input columns) in input order; the parents of each `derived` ratio the
    model computes form one reason."""
    groups: list[tuple[str, tuple[str, ...]]] = []
    taken: set[str] = set()
    for name, parents in DERIVED.items():
        if name in derived and all(p in features for p in parents):
            groups.append((name, parents))
            taken.update(parents)
    own = [(f, (f,)) for f in features if f not in taken]
    order = {f: i for i, f in enumerate(features)}
    return sorted([*own, *groups], key=lambda g: min(order[m] for m in g[1]))


def group_matrix(features: list[str], groups: list[tuple[str, tuple[str, ...]]]) -> np.ndarray:
    """(inputs x reasons) 0/1 matrix: contributions @ matrix sums each reason's inputs."""
    index = {f: i for i, f in enumerate(features)}
    matrix = np.zeros((len(features), len(groups)))
    for j, (_, members) in enumerate(groups):
        matrix[[index[m] for m in members], j] = 1.0
    return matrix


def grouped(
    frame: pd.DataFrame,
    contributions: np.ndarray,
    features: list[str],
    derived: frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The frame with derived reason columns added, contributions per reason, reason names.

    Exact: each reason's contribution is the sum of its inputs', so the total is unchanged.
    """
    groups = reason_groups(list(features), derived)
    names = [g[0] for g in groups]
    derived = {n: ratio_values(frame, DERIVED[n]) for n in names if n in DERIVED}
    frame = frame.assign(**derived) if derived else frame
    return frame, np.asarray(contributions) @ group_matrix(list(features), groups), names


def ratio_values(frame: pd.DataFrame, parents: tuple[str, ...]) -> np.ndarray:
    """numerator / denominator per row (NaN when the denominator is not positive)."""
    top, bottom = (_numbers(frame[p]) for p in parents[:2])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / bottom, np.nan)


def _numbers(column: pd.Series) -> np.ndarray:
    """Floats of a column (text coerced, NaN where not a number); numeric columns directly."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(float)


def parents_of(prep, features: list[str]) -> list[tuple[str, ...]]:
    """For each transformed column, the original input columns it was computed from."""
    if not hasattr(prep, "transformers_"):  # optbinning BinningProcess: one WOE column per variable
        return [(name,) for name in prep.get_support(names=True)]
    parents: list[tuple[str, ...]] = []
    for name, transformer, columns in prep.transformers_:
        if name == "remainder" or transformer == "drop":
            continue
        columns = list(columns)
        if name == "ratio":
            parents.append(tuple(columns))
            continue
        outputs = transformer.get_feature_names_out(columns)
        if len(outputs) == len(columns):
            parents.extend((c,) for c in columns)
            continue
        ordered = sorted(columns, key=len, reverse=True)
        for out in outputs:
            parents.append((next(c for c in ordered if str(out).startswith(f"{c}_")),))
    return parents


def attribution_matrix(parents: list[tuple[str, ...]], features: list[str]) -> np.ndarray:
    """(transformed columns x original features) weights that sum each row to one."""
    index = {f: i for i, f in enumerate(features)}
    matrix = np.zeros((len(parents), len(features)))
    for row, owners in enumerate(parents):
        for owner in owners:
            matrix[row, index[owner]] = 1.0 / len(owners)
    return matrix


def value_text(frame: pd.DataFrame, feature: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Human formatting of one input column, vectorised: 48%, 25000 style money, 3, 'car'.

    `rows` (positions) formats only those rows: a batch's reasons name a column for a few rows.
    Numbers are formatted once per distinct printed value (`_rounded_text`), categories by
    Python's str methods: the text is exactly what %-formatting each value gives.
    """
    texts, codes = value_codes(frame, feature, rows)
    return texts[codes]


def value_codes(
    frame: pd.DataFrame, feature: str, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(distinct texts, each row's position among them): `value_text` before it is spread to
    the rows, so a caller can build longer text once per distinct value."""
    column = frame[feature]
    if not pd.api.types.is_numeric_dtype(column.dtype):  # each distinct category once
        codes, distinct = pd.factorize(column)  # in the column's own storage; missing: -1
        codes = codes if rows is None else codes[rows]
        texts = [str(v).replace("_", " ") for v in np.asarray(distinct, dtype=object).tolist()]
        return np.array([*texts, "missing"], dtype=object), codes
    values = column.to_numpy()
    numbers = (values if rows is None else values[rows]).astype(float)
    if feature in PERCENT_FEATURES or feature in DERIVED:
        texts, codes = _rounded_text(numbers * 100, 0, "%")
    elif feature in MONEY_FEATURES:
        texts, codes = _rounded_text(numbers, 0, "")
    else:  # two decimals without trailing zeros: 2.5, 3, 0.25
        texts, codes = _rounded_text(numbers, 2, "", strip=True)
    codes[~np.isfinite(numbers)] = len(texts)
    return np.append(texts, np.array(["missing"], dtype=object)), codes


def _rounded_text(
    numbers: np.ndarray, decimals: int, suffix: str, strip: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """`"%.{decimals}f" % v + suffix` for every value, formatting each distinct printed value
    once: (distinct texts, each value's position among them).

    The printed text depends only on v correctly rounded to `decimals` (round half to even on
    the exact binary value, sign kept), which is np.rint(v * 10**decimals) unless v * 10**decimals
    lies within rounding error of a half (then the product's own rounding may cross it): those
    rare values, and huge ones, are formatted directly. `strip` drops trailing zeros and point.
    """

    def text(value: float) -> str:
        out = fmt % value
        return out.rstrip("0").rstrip(".") if strip else out

    fmt = f"%.{decimals}f" + suffix.replace("%", "%%")
    scale = 10.0**decimals
    scaled = numbers * scale if decimals else numbers
    keys = np.rint(scaled)
    with np.errstate(invalid="ignore"):
        tie = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) <= 2 * np.abs(np.spacing(scaled))
        direct = np.flatnonzero((tie & bool(decimals)) | (np.abs(scaled) >= 2.0**52))
    keys[direct] = 0.0
    distinct, inverse = np.unique(keys.view(np.int64), return_inverse=True)  # -0.0 kept apart
    texts = [text(k / scale if decimals else k) for k in distinct.view(np.float64).tolist()]
    codes = inverse.reshape(numbers.shape).astype(np.intp)
    codes.flat[direct] = len(texts) + np.arange(len(direct))  # each formatted on its own
    texts.extend(text(v) for v in numbers.flat[direct].tolist())
    return np.array(texts, dtype=object), codes


def label(feature: str) -> str:
    if feature in DERIVED_LABELS:
        return DERIVED_LABELS[feature]
    return DESCRIPTIONS.get(feature, str(feature).replace("_", " "))


def reason_texts(frame: pd.DataFrame, contributions: np.ndarray, features: list[str]) -> np.ndarray:
    """(rows x features) plain-word reason per cell: 'debt-to-income 48% raises risk (-6.1 points)'.

    Points in the scorecard's convention (a PD-raising factor costs points).
    """
    points = to_points(contributions)
    sign = np.where(points > 0, "+", "-")
    verb = np.where(contributions > 0, "raises", "lowers")
    magnitude = np.abs(points).round(1).astype(str)
    columns = []
    for j, feature in enumerate(features):
        values = value_text(frame, feature)
        columns.append(
            label(feature)
            + " "
            + values
            + " "
            + verb[:, j]
            + " risk ("
            + sign[:, j]
            + magnitude[:, j]
            + " points)"
        )
    return np.column_stack(columns) if columns else np.empty((len(frame), 0), dtype=object)


def _top_k(contributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(columns, values) of each row's k largest contributions, largest first, ties to the
    earlier column: the first k of a stable argsort of -contributions, by k argmax passes
    instead of a full sort. NaN ranks last (as in the sort) and never counts as positive."""
    work = np.where(np.isnan(contributions), -np.inf, contributions)
    rows = np.arange(len(work))
    order = np.empty((len(work), k), dtype=np.intp)
    chosen = np.empty((len(work), k))
    for slot in range(k):  # k passes over the matrix, rows vectorised
        order[:, slot] = np.argmax(work, axis=1)
        chosen[:, slot] = work[rows, order[:, slot]]  # -inf once a row has run out
        work[rows, order[:, slot]] = -np.inf
    return order, chosen


def top_reasons(
    frame: pd.DataFrame, contributions: np.ndarray, features: list[str], k: int = 3
) -> np.ndarray:
    """Top k PD-raising factors per row (empty string when fewer than k raise the PD)."""
    codes, texts = top_reason_codes(frame, contributions, features, k)
    return texts[codes]


def top_reason_codes(
    frame: pd.DataFrame, contributions: np.ndarray, features: list[str], k: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """`top_reasons` before its text is spread to the rows: (codes rows x k, texts), where
    texts[0] is "" (no reason) and each reason's text is built once per distinct value, so a
    batch maps the codes to text once, at the end (`text_column`), not cell by cell."""
    texts: list[str] = [""]
    codes = np.zeros((len(frame), k), dtype=np.int32)
    kk = min(k, contributions.shape[1])
    if kk == 0 or len(frame) == 0:
        return codes, np.array(texts, dtype=object)
    order, chosen = _top_k(np.asarray(contributions, dtype=float), kk)
    cells = np.flatnonzero(chosen > 0)  # a reason only where the factor raises the PD
    if not len(cells):  # no factor raises any row's PD (e.g. one very safe applicant)
        return codes, np.array(texts, dtype=object)
    named = order.ravel()[cells]
    # cells grouped by column, in row order (a stable sort of small integers: a radix sort)
    small = np.int16 if len(features) < 2**15 else np.intp
    by_column = np.argsort(named.astype(small), kind="stable")
    cells, named = cells[by_column], named[by_column]
    starts = np.flatnonzero(np.r_[True, named[1:] != named[:-1]])
    for start, stop in zip(starts, [*starts[1:], len(named)], strict=True):
        rows, slots = np.divmod(cells[start:stop], kk)  # one loop step per named column
        feature = features[named[start]]  # format only the rows where it is a top reason
        values, at = value_codes(frame, feature, rows)  # -1: a missing category (last text)
        codes[rows, slots] = len(texts) + np.where(at < 0, at + len(values), at)
        prefix = label(feature) + " "  # joined once per distinct value
        texts.extend(prefix + t for t in values.tolist())
    return codes, np.array(texts, dtype=object)


def text_columns(codes: np.ndarray, texts: np.ndarray) -> list[pd.Series]:
    """texts[codes[:, j]] per column j as string columns, mapped by Arrow (one take from the
    small text table: the same values and dtype as columns built from object arrays, a tenth
    of their cost on a batch)."""
    table = pa.array(np.asarray(texts, dtype=object).tolist(), pa.large_string())
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str"
    return [
        pd.Series(pd.array(table.take(pa.array(codes[:, j].astype(np.int64))), dtype=dtype))
        for j in range(codes.shape[1])
    ]
