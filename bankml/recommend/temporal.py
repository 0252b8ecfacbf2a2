"""The temporal split's protocols: where the date falls, and the guards that keep the test fair.

Principle (the headline protocol): a bank back-tests a campaign as "as of a year ago, what would
we have offered, and what did customers open in the following 12 months?". So the split date is a
fixed horizon (HORIZON_MONTHS = 12: a yearly campaign) before the end of the data (the last
opening on record); the test is what customers opened in that last year, and the context is the
bank's whole record before it (holdings opened and, where the bank has them, transactions made
before the date). The date is set by the horizon alone, never by a figure it produces.

The earlier protocol put the date at the 80 % quantile of all opening dates (TEMPORAL_QUANTILE).
Holdings are opened over decades (tenure) while a bank records transactions only over its data
window, so that date lands near the window's start (on the 5k banks, one to seven weeks into three
years of transactions): every model was starved of the behaviour the bank records. It is still
evaluated, beside the headline, so the change of protocol can be seen ("3 weeks of behaviour").

Guards (InputError, naming the dates and counts): the horizon must leave history before the date
(at least MIN_HISTORY_SHARE of the holdings), enough customers opening a new product after it
(MIN_TEST_CUSTOMERS) and, when the bank records transactions, at least MIN_TRANSACTION_MONTHS of
them before it. A holdings table alone (no transactions) is enough for the split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml.errors import InputError
from bankml.recommend.bank import _matrix
from bankml.recommend.sequence import opening_dates

HORIZON_MONTHS = 12  # the headline: what was opened in the last 12 months (a yearly campaign)
TEMPORAL_QUANTILE = 0.8  # the earlier protocol: 80 % of all holdings were opened before the date
MIN_HISTORY_SHARE = 0.5  # at least half of the holdings opened before the date
MIN_TEST_CUSTOMERS = 50  # customers opening a new product after it: fewer is noise, not a test
MIN_TRANSACTION_MONTHS = 6  # of transactions before the date, when the bank records any


def split_date(
    holdings: pd.DataFrame,
    horizon_months: int | None = HORIZON_MONTHS,
    quantile: float | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(split date, last opening): horizon_months before the last opening, or, with quantile
    (and horizon_months None), that quantile of all opening dates (the earlier protocol)."""
    dates = opening_dates(holdings, "for a temporal split")
    if len(dates) == 0:
        raise InputError("holdings are empty: no history for a temporal split")
    last = dates.max()
    if (horizon_months is None) == (quantile is None):
        raise InputError("give exactly one of horizon_months and quantile for a temporal split")
    if quantile is not None:
        if not 0 < quantile < 1:
            raise InputError(f"quantile={quantile!r} must be between 0 and 1 (exclusive)")
        return dates.quantile(quantile), last
    if int(horizon_months) != horizon_months or not 1 <= horizon_months <= 120:
        raise InputError(f"horizon_months={horizon_months!r} must be a whole number from 1 to 120")
    return last - pd.DateOffset(months=int(horizon_months)), last


def temporal_split(
    holdings: pd.DataFrame,
    customer_ids: np.ndarray,
    product_ids: np.ndarray,
    horizon_months: int | None = HORIZON_MONTHS,
    quantile: float | None = None,
    min_test_customers: int = MIN_TEST_CUSTOMERS,
) -> tuple[sp.csr_matrix, sp.csr_matrix, pd.Timestamp, pd.Timestamp]:
    """(train, test, split date, last opening): holdings opened before the date vs on or after it.

    The date: `split_date` (the last horizon_months by default; quantile=0.8 with
    horizon_months=None is the earlier protocol). A product counts as opened after the date only if
    the customer did not hold it before. Needs only holdings (customer_id, product_id, opened_date).
    """
    split, last = split_date(holdings, horizon_months, quantile)
    dates = opening_dates(holdings, "for a temporal split")
    before = (dates < split).to_numpy()
    window = (
        f"the last {horizon_months} months (from {split:%Y-%m-%d} to {last:%Y-%m-%d})"
        if quantile is None
        else f"the openings from {split:%Y-%m-%d} (quantile {quantile})"
    )
    if not before.any() or before.all():
        raise InputError(f"holdings were all opened on one side of {split:%Y-%m-%d}: no history"
                         " and test for a temporal split")  # fmt: skip
    if quantile is None and before.mean() < MIN_HISTORY_SHARE:
        raise InputError(
            f"{window} hold {1 - before.mean():.0%} of the {len(before)} holdings: a temporal"
            f" split needs at least {MIN_HISTORY_SHARE:.0%} of them opened before"
            f" {split:%Y-%m-%d} as history (first opening {dates.min():%Y-%m-%d})"
        )
    customers = pd.DataFrame({"customer_id": customer_ids})
    products = pd.DataFrame({"product_id": product_ids})
    train, _, _ = _matrix(customers, products, holdings[before])
    after, _, _ = _matrix(customers, products, holdings[~before])
    test = (after - after.multiply(train)).tocsr()
    test.eliminate_zeros()
    scored = int((np.diff(test.indptr) > 0).sum())
    if quantile is None and scored < min_test_customers:
        raise InputError(
            f"in {window} only {scored} customer(s) opened a product they did not hold: a"
            f" temporal split needs at least {min_test_customers}"
        )
    return train, test, split, last


def check_transaction_history(
    span: tuple[pd.Timestamp, pd.Timestamp] | None, split: pd.Timestamp
) -> None:
    """InputError unless the bank's transactions (first, last; None = it records none) start at
    least MIN_TRANSACTION_MONTHS before the split date: the context is the behaviour before it."""
    if span is None:
        return
    first = pd.Timestamp(span[0])
    if first > split - pd.DateOffset(months=MIN_TRANSACTION_MONTHS):
        raise InputError(
            f"the bank's transactions start on {first:%Y-%m-%d}, less than"
            f" {MIN_TRANSACTION_MONTHS} months before the temporal split date {split:%Y-%m-%d}"
            f" ({HORIZON_MONTHS} months before the last opening): too little behaviour to"
            f" back-test on; a bank needs at least {HORIZON_MONTHS + MIN_TRANSACTION_MONTHS}"
            " months of transactions"
        )
