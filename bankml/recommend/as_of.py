"""What the bank knew on a date: customer features and context as of a temporal split's date.

The temporal evaluation fits on holdings opened before a date and scores what was opened after it,
so its customer context must come from that date too. Segments fitted on the bank as it is now see
every later transaction and holding (the customer features count products held and the spend mix
of the whole window); here the same feature definition (`bankml.customer_features`) runs over
the data as of the date instead: transactions before it, holdings opened before it, loans applied
for before it, and age and tenure wound back to it. The other profile columns (income, education,
dependents, credit score...) are the customers table's: the bank holds one snapshot of them.
"""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd

from bankml import data
from bankml.customer_features import build_query, finish
from bankml.errors import InputError, StoreError


def wind_back(customers: pd.DataFrame, date: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The customers' age and tenure on `date`, when the table holds them as of `last`.

    Ages go back by the whole years between, rounded (a year back to the day is one year, not
    the floor of 11.99 months' worth)."""
    months = max((pd.Timestamp(last) - pd.Timestamp(date)).days, 0) / 30.44
    return customers.assign(
        age=customers["age"] - np.round(months / 12),
        tenure_months=np.clip(customers["tenure_months"] - np.round(months), 0, None),
    )


def _tables_before(path, date: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """customers, products and the transactions, holdings and loans dated before `date`."""
    when = pd.Timestamp(date).to_pydatetime()  # exact: the split date may fall within a second
    queries = {
        "customers": "SELECT * FROM customers",
        "products": "SELECT * FROM products",
        "transactions": "SELECT customer_id, ts, amount, category, channel FROM transactions"
        " WHERE ts < ?",
        "holdings": "SELECT * FROM holdings WHERE opened_date < ?",
        "loans": "SELECT customer_id, loan_amount FROM loans WHERE application_date < ?",
    }
    with data.connect(path) as con:
        try:
            return {
                name: con.execute(sql, [when] if "?" in sql else None).df()
                for name, sql in queries.items()
            }
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"the bank at {path} is incomplete or damaged ({first})") from None


def transaction_span(path: str | os.PathLike | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first, last) transaction time of the bank at path; None when it records no transactions
    (no table, or an empty one: e.g. a bank built from a holdings file alone)."""
    with data.connect(path) as con:
        try:
            present = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
            if "transactions" not in present:
                return None
            first, last = con.execute("SELECT min(ts), max(ts) FROM transactions").fetchone()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"the bank at {path} is incomplete or damaged ({first})") from None
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last))


def features_as_of(
    path: str | os.PathLike | None, date: pd.Timestamp, last: pd.Timestamp
) -> pd.DataFrame:
    """`customer_features` of every customer computed from what the bank knew on `date`.

    last: the date the customers table describes (the bank's last holding date), to wind age and
    tenure back from. Customers with no transaction before the date keep the bank's mix and zero
    spend, as customer_features does for customers without transactions.
    """
    tables = _tables_before(path, date)
    if tables["transactions"].empty:
        raise InputError(
            f"the bank has no transactions before {pd.Timestamp(date):%Y-%m-%d}: no spending"
            " behaviour to build features as of that date"
        )
    tables["customers"] = wind_back(tables["customers"], date, last)
    categories = sorted(tables["transactions"]["category"].astype(str).unique())
    with duckdb.connect() as con:  # in memory: the query reads the frames registered here
        for name, frame in tables.items():
            con.register(name, frame)
        frame = con.execute(build_query(categories)).df()
    return finish(frame, categories)
