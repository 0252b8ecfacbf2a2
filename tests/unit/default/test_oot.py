"""Out-of-time validation: earlier matured vintages train, the latest test (issue 16, item 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import loan_frame, oracle_pd
from bankml.default.oot import out_of_time, split_by_time
from bankml.errors import InputError


@pytest.fixture(scope="module")
def every_loan(small_bank_path) -> pd.DataFrame:
    return loan_frame(small_bank_path, matured_only=False)


def test_split_puts_the_latest_dates_in_test(small_bank_path):
    frame = loan_frame(small_bank_path)
    early, late, cutoff = split_by_time(frame, 0.2)
    dates = pd.to_datetime(frame["application_date"])
    assert dates.iloc[early].max() < cutoff <= dates.iloc[late].min()
    assert len(early) + len(late) == len(frame)
    assert 0.15 <= len(late) / len(frame) <= 0.25


def test_out_of_time_reports_in_and_out_of_time_beside_oracle(every_loan, small_bank_path):
    assert every_loan["defaulted"].isna().any(), "the bank must have immature loans"
    matured = int(every_loan["defaulted"].notna().sum())
    result = out_of_time(every_loan, oracle_pd(small_bank_path), candidates=["logistic"], cv=3)
    # immature loans never enter training or testing
    assert result.n_train + result.n_test == matured
    table = result.table
    assert set(table["period"]) == {"in-time", "out-of-time"}
    assert set(table["role"]) == {"chosen", "baseline", "oracle"}
    for column in ("roc_auc", "gini", "ks", "brier"):
        assert table[column].between(0, 1).all()
    assert np.allclose(table["gini"], 2 * table["roc_auc"] - 1)
    oot = table[table["period"] == "out-of-time"]
    assert (oot["n"] == result.n_test).all()
    assert result.metric("oracle", "out-of-time", "auc_vs_oracle") == pytest.approx(1.0)
    # a real model, not noise, on the later vintages
    assert result.metric("chosen", "out-of-time") > 0.6
    assert result.as_dict()["rows"][0]["period"] == "in-time"


def test_out_of_time_refuses_what_it_cannot_split():
    frame = pd.DataFrame(
        {"defaulted": [0, 1] * 10, "application_date": ["2024-01-01"] * 20, "x": range(20)}
    )
    with pytest.raises(InputError, match="one application date"):
        out_of_time(frame)
    with pytest.raises(InputError, match="0.05-0.5"):
        split_by_time(frame, 0.9)
    with pytest.raises(InputError, match="application_date"):
        out_of_time(frame.drop(columns="application_date"))
