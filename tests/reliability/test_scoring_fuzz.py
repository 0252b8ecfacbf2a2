"""RELIABILITY 15 (bounded, atheris-free): batch scoring is total on arbitrary uploads.

tests/unit/test_csvio.py already fuzzes read_csv_upload alone; this extends the same promise to
the whole upload path, bankml.default.scoring.score_batch (read, validate, score): any bytes give a
clean BatchResult or the library's InputError, never another exception and never a hang
(hypothesis' per-example deadline of 5 s).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bankml.bank import regenerate
from bankml.default import loan_frame, train_default
from bankml.default.batch_summary import template
from bankml.default.scoring import score_batch
from bankml.errors import InputError
from synth import BankParams

# hypothesis fuzzing of the whole upload path: make test only
pytestmark = pytest.mark.load

FUZZ = settings(
    max_examples=120,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_ALPHABET = st.sampled_from(list(',;\t|"\n\r =+-@.0123456789eE-abcé王\ufeff\x00'))
_CELLS = st.one_of(
    st.text(_ALPHABET, max_size=12),
    st.sampled_from(["", "nan", "inf", "-inf", "1e308", "-1", "0", "NA", "=1+1", "１２"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz-bank") / "bank.duckdb"
    regenerate(BankParams(customers=800, seed=3, txn_per_customer=2), path)
    frame = loan_frame(path)
    return train_default(frame, candidates=["logistic"], cv=3, reviews=False).model


@pytest.fixture(scope="module")
def valid(model) -> pd.DataFrame:
    """Three valid applicants as text cells, in the template's column order."""
    return pd.read_csv(io.BytesIO(template(model.schema_)), dtype=str, keep_default_na=False)


def _check(raw: bytes, model) -> None:
    try:
        result = score_batch(raw, model, name="fuzz.csv")
    except InputError as exc:
        assert str(exc).strip()
        assert "Traceback" not in str(exc)
        return
    scored = result.scored
    pd_ = scored["pd"].to_numpy(float)
    assert np.isfinite(pd_).all() and ((pd_ >= 0) & (pd_ <= 1)).all()
    assert len(scored) + len(result.report.rejected_rows) == result.rows_in
    assert set(scored["decision"]) <= {"approve", "refer", "decline"}
    assert (scored["decision"].to_numpy() == model.decision(pd_)).all()


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(_ALPHABET, max_size=400).map(lambda t: t.encode("utf-8")),
        st.text(_ALPHABET, max_size=200).map(lambda t: t.encode("utf-16")),
    )
)
def test_score_batch_is_total_on_arbitrary_bytes(model, raw):
    _check(raw, model)


@FUZZ
@given(data=st.data())
def test_score_batch_is_total_on_valid_headers_with_fuzzed_cells(model, valid, data):
    """The real header (so validation and scoring run) with arbitrary cells and column drops."""
    frame = valid.copy()
    for _ in range(data.draw(st.integers(0, 8))):
        row = data.draw(st.integers(0, len(frame) - 1))
        column = data.draw(st.sampled_from(list(frame.columns)))
        frame.loc[row, column] = data.draw(_CELLS)
    if data.draw(st.booleans()):
        frame = frame.drop(columns=[data.draw(st.sampled_from(list(frame.columns)))])
    sep = data.draw(st.sampled_from([",", ";", "\t"]))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    raw = frame.to_csv(index=False, sep=sep).encode(encoding)
    _check(raw, model)


def test_the_fuzzed_path_scores_clean_rows(model, valid):
    """Sanity for the property above: the unmutated template scores every row."""
    result = score_batch(valid.to_csv(index=False).encode(), model, name="fuzz.csv")
    assert len(result.scored) == len(valid)
    assert result.scored["pd"].between(0, 1).all()
