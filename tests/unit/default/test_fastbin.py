"""The compiled scorecard binning equals optbinning's transform exactly, and the fast reason
text equals the plain %-formatting and full-sort selection it replaces (issue 16 speed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from optbinning import BinningProcess  # first: optbinning before anything importing cvxpy

from bankml.default import fastbin, reasons
from bankml.default.features import MONEY_FEATURES, PERCENT_FEATURES


@pytest.fixture(scope="module")
def process() -> BinningProcess:
    rng = np.random.default_rng(3)
    n = 4000
    amount = rng.gamma(2.0, 5000.0, n)
    score = rng.normal(680, 50, n).round()
    score[rng.random(n) < 0.05] = np.nan  # a missing bin at fit time
    flat = rng.random(n)  # no signal: may get no split at all
    purpose = rng.choice(
        ["car", "home", "debt", "medical", "rare_a", "rare_b"],
        n,
        p=[0.3, 0.3, 0.25, 0.13, 0.01, 0.01],
    )
    logit = -2 + amount / 20000 - (np.nan_to_num(score, nan=680) - 680) / 40
    logit += np.where(purpose == "debt", 0.7, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"amount": amount, "score": score, "flat": flat, "purpose": purpose})
    return BinningProcess(
        variable_names=list(X.columns),
        categorical_variables=["purpose"],
        max_n_prebins=10,
        min_prebin_size=0.05,
    ).fit(X, y)


def _inputs(process: BinningProcess, rng) -> pd.DataFrame:
    """Random rows plus every edge: split points, just either side, +-inf, NaN, unseen and
    missing categories."""
    edges = {}
    for name in ("amount", "score", "flat"):
        splits = np.asarray(process.get_binned_variable(name).splits, dtype=float)
        edges[name] = [
            *splits,
            *np.nextafter(splits, -np.inf),
            *np.nextafter(splits, np.inf),
            -np.inf,
            np.inf,
            np.nan,
            -1e300,
            1e300,
            0.0,
            -0.0,
        ]
    longest = max(len(v) for v in edges.values())
    n = 3000
    frame = pd.DataFrame(
        {
            "amount": np.r_[
                rng.gamma(2.0, 5000.0, n) * rng.choice([1, 5], n),
                edges["amount"],
                [np.nan] * (longest - len(edges["amount"])),
            ],
            "score": np.r_[
                rng.normal(680, 80, n).round(),
                edges["score"],
                [np.nan] * (longest - len(edges["score"])),
            ],
            "flat": np.r_[
                rng.random(n) * 2 - 0.5, edges["flat"], [np.nan] * (longest - len(edges["flat"]))
            ],
        }
    )
    levels = np.array(
        ["car", "home", "debt", "medical", "rare_a", "rare_b", "yacht", ""], dtype=object
    )
    purpose = rng.choice(levels, len(frame)).astype(object)
    purpose[rng.random(len(frame)) < 0.05] = None
    frame["purpose"] = pd.Series(purpose, dtype="str")
    return frame


def test_compiled_binning_equals_optbinning_on_random_and_edge_inputs(process):
    compiled = fastbin.compile_binning(process)
    assert compiled is not None
    assert compiled.names == list(process.get_support(names=True))
    frame = _inputs(process, np.random.default_rng(11))
    expected = np.asarray(process.transform(frame), dtype=float)
    got = compiled.transform(frame)
    np.testing.assert_array_equal(got, expected)  # exact, bit for bit
    # the same memory order as optbinning's frame output, so row sums add identically
    assert got.flags["F_CONTIGUOUS"]
    coef = np.linspace(-1, 1, got.shape[1])
    np.testing.assert_array_equal((got * coef).sum(axis=1), (expected * coef).sum(axis=1))


def test_compiled_binning_handles_a_single_row_and_no_rows(process):
    compiled = fastbin.compile_binning(process)
    frame = _inputs(process, np.random.default_rng(5))
    for part in (frame.iloc[[3]], frame.iloc[[len(frame) - 1]], frame.iloc[:0]):
        np.testing.assert_array_equal(
            compiled.transform(part), np.asarray(process.transform(part), dtype=float)
        )


def test_what_is_not_modelled_is_not_compiled(process):
    from sklearn.preprocessing import StandardScaler

    assert fastbin.compile_binning(StandardScaler()) is None
    special = BinningProcess(variable_names=["x"], special_codes=[-1])
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"x": rng.normal(size=500)})
    special.fit(x, (rng.random(500) < 0.3).astype(int))
    assert fastbin.compile_binning(special) is None


# ---- reason text: the fast paths against the plain implementations they replaced -----------
def _plain_value_text(frame: pd.DataFrame, feature: str) -> np.ndarray:
    values = frame[feature].to_numpy()
    if not pd.api.types.is_numeric_dtype(frame[feature].dtype):
        text = np.char.replace(values.astype(str), "_", " ")
        return np.where(pd.isna(values), "missing", text).astype(object)
    numbers = values.astype(float)
    if feature in PERCENT_FEATURES or feature in reasons.DERIVED:
        text = np.char.mod("%.0f%%", numbers * 100)
    elif feature in MONEY_FEATURES:
        text = np.char.mod("%.0f", numbers)
    else:
        text = np.char.rstrip(np.char.rstrip(np.char.mod("%.2f", numbers), "0"), ".")
    return np.where(np.isfinite(numbers), text, "missing").astype(object)


def _plain_top_reasons(frame, contributions, features, k=3):
    out = np.full((len(frame), k), "", dtype=object)
    kk = min(k, contributions.shape[1])
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :kk]
    chosen = np.take_along_axis(contributions, order, axis=1)
    for i in range(len(frame)):
        for s in range(kk):
            if chosen[i, s] > 0:
                feature = features[order[i, s]]
                out[i, s] = reasons.label(feature) + " " + _plain_value_text(frame, feature)[i]
    return out


@pytest.mark.parametrize(
    "feature",
    [
        sorted(PERCENT_FEATURES)[0],
        sorted(MONEY_FEATURES)[0],
        "credit_score",
        "loan_to_income",
        "purpose",
    ],
)
def test_value_text_equals_plain_formatting_on_ties_and_edges(feature):
    rng = np.random.default_rng(2)
    edges = [
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -0.5,
        -2.5,
        0.125,
        0.005,
        0.015,
        1.005,
        2.675,
        -0.001,
        -0.004,
        -0.006,
        1e16,
        -1e17,
        2.0**53 + 2,
        0.995,
        9.995,
        0.285,
        1.115,
        -9.975,
        np.nan,
        np.inf,
        -np.inf,
        1e-300,
        123.455,
    ]
    x = np.r_[
        edges,
        np.arange(-4000, 4000) / 400.0,
        rng.normal(0, 3, 5000),
        rng.integers(-100, 100000, 5000).astype(float),
        np.round(rng.random(5000), 3),
    ]
    if feature == "purpose":
        column = pd.Series(
            rng.choice(["car", "debt_consolidation", None, "a_b_c"], len(x)), dtype="str"
        )
    else:
        column = pd.Series(x)
    frame = pd.DataFrame({feature: column})
    expected = _plain_value_text(frame, feature)
    np.testing.assert_array_equal(reasons.value_text(frame, feature), expected)
    rows = rng.integers(0, len(x), 700)
    np.testing.assert_array_equal(reasons.value_text(frame, feature, rows), expected[rows])


def test_top_reasons_equal_a_full_stable_sort_with_ties_nan_and_negatives():
    rng = np.random.default_rng(4)
    features = ["credit_score", "annual_income", "debt_to_income", "purpose", "loan_to_income"]
    n = 400
    frame = pd.DataFrame(
        {
            "credit_score": rng.normal(680, 50, n),
            "annual_income": rng.gamma(2, 30000, n),
            "debt_to_income": rng.random(n),
            "purpose": pd.Series(rng.choice(["car", "home_improvement", None], n), dtype="str"),
            "loan_to_income": rng.random(n),
        }
    )
    contributions = rng.choice([-0.5, 0.0, 0.2, 0.2, 0.7, np.nan], size=(n, len(features)))
    contributions[:50] = rng.normal(size=(50, len(features)))
    for k in (1, 3, 7):
        np.testing.assert_array_equal(
            reasons.top_reasons(frame, contributions, features, k=k),
            _plain_top_reasons(frame, contributions, features, k=k),
        )
    assert reasons.top_reasons(frame.iloc[:0], contributions[:0], features).shape == (0, 3)


def test_reason_text_columns_equal_columns_built_from_the_text():
    """The batch's reason columns mapped from codes by Arrow are the columns pandas builds from
    the texts themselves: same values, same (default string) dtype."""
    texts = np.array(["", "credit score 580", "loan purpose car", "missing"], dtype=object)
    codes = np.array([[1, 2, 0], [3, 0, 0], [2, 1, 3], [0, 0, 0]], dtype=np.int32)
    columns = reasons.text_columns(codes, texts)
    assert len(columns) == 3
    for j, column in enumerate(columns):
        pd.testing.assert_series_equal(column, pd.Series(texts[codes[:, j]].tolist()))
    assert [len(c) for c in reasons.text_columns(codes[:0], texts)] == [0, 0, 0]
