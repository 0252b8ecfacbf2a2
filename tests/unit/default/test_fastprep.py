"""The compiled ColumnTransformer equals scikit-learn's transform exactly (issue 16 speed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import fastprep, reasons
from bankml.default.features import FeatureSpec, build_schema

SPEC = FeatureSpec(
    numeric=("loan_amount", "annual_income", "credit_score", "term_months"),
    categorical=("purpose", "home_ownership"),
)


def _frame(rng, n: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "loan_amount": rng.gamma(2.0, 5000.0, n),
            "annual_income": rng.gamma(3.0, 20000.0, n),
            "credit_score": rng.normal(680, 50, n).round(),
            "term_months": rng.choice([12, 36, 60], n),
            "purpose": rng.choice(["car", "home", "debt", "rare"], n, p=[0.4, 0.35, 0.249, 0.001]),
            "home_ownership": rng.choice(["own", "rent", "mortgage"], n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "credit_score"] = np.nan
    frame.loc[rng.random(n) < 0.03, "home_ownership"] = np.nan
    return frame.astype({"purpose": "str", "home_ownership": "str"})


@pytest.fixture(scope="module", params=["tree", "linear"])
def fitted(request):
    rng = np.random.default_rng(11)
    X = _frame(rng, 3000)
    y = (rng.random(3000) < 0.2).astype(int)
    prep = cands.preprocessor(SPEC, request.param).fit(X, y)
    return prep, build_schema(X, SPEC)


def test_compiled_transform_equals_scikit_learn_on_random_and_edge_rows(fitted):
    prep, schema = fitted
    compiled = fastprep.compile_columns(prep, fastprep.probe_frame(schema))
    assert compiled is not None
    rows = _frame(np.random.default_rng(12), 500)
    rows.loc[:20, "purpose"] = "never seen"  # unknown: the infrequent column
    rows.loc[20:40, "purpose"] = "rare"  # infrequent at fit
    rows.loc[40:60, "annual_income"] = 0.0  # the ratio's guard
    rows.loc[60:80, "loan_amount"] = np.nan
    rows.loc[80:90, "home_ownership"] = "castle"  # unknown, no infrequent column: all zeros
    rows = rows.astype({"purpose": "str", "home_ownership": "str"})
    np.testing.assert_array_equal(compiled.transform(rows), prep.transform(rows))
    one = rows.iloc[[3]]
    np.testing.assert_array_equal(compiled.transform(one), prep.transform(one))


def test_a_transformer_it_does_not_model_is_not_compiled(fitted):
    _, schema = fitted
    card = cands.preprocessor(SPEC, "scorecard")
    assert fastprep.compile_columns(card, fastprep.probe_frame(schema)) is None


def test_no_reason_for_rows_where_nothing_raises_the_pd():
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    top = reasons.top_reasons(frame, np.array([[-0.5], [-0.1]]), ["a"], k=3)
    assert (top == "").all() and top.shape == (2, 3)
