"""The customer-feature query was rewritten for speed (two scans of the transactions instead of
three, an integer month key): its result must stay what the previous text computed,
because credit risk, segmentation and the recommender all read it. The previous text is kept
here, verbatim but for its DuckDB month word, as the reference."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from bankml import customer_features as cf


def _previous_query(categories: list[str]) -> str:
    """The feature query before the rewrite (three scans, months keyed by a truncated timestamp)."""
    words = {**cf.DIALECTS["duckdb"], "month": "date_trunc('month', {ts})"}
    digital = ", ".join(cf._literal(c) for c in cf.DIGITAL_CHANNELS)
    per_category = ",\n".join(
        f"sum(CASE WHEN category = {cf._literal(c)} THEN amount ELSE 0 END) AS amt_{cf.slug(c)}, "
        f"sum(CASE WHEN category = {cf._literal(c)} THEN 1 ELSE 0 END) AS n_{cf.slug(c)}"
        for c in categories
    )
    bank_mix = ",\n".join(
        f"CAST(sum(n_{cf.slug(c)}) AS DOUBLE) / sum(txn_count) AS mix_{cf.slug(c)}"
        for c in categories
    )
    columns = ",\n".join(
        f"CAST({cf._expand(f.sql, words)} AS DOUBLE) AS {f.name}" for f in cf.definition(categories)
    )
    month = words["month"].format(ts="ts")
    months = words["months_between"].format(start="min(ts)", end="max(ts)")
    return f"""
WITH b AS (SELECT max(ts) AS end_ts, {months} + 1 AS n_months FROM transactions),
t AS (SELECT customer_id, count(*) AS txn_count, sum(amount) AS total_spend, max(ts) AS last_ts,
           avg(CASE WHEN channel IN ({digital}) THEN 1 ELSE 0 END) AS digital_share,
           avg(CASE WHEN channel IN ('branch', 'atm') THEN 1 ELSE 0 END) AS branch_atm_share,
           {per_category}
    FROM transactions GROUP BY customer_id),
p AS (SELECT {bank_mix} FROM t),
m AS (SELECT customer_id, sum(s) AS s1, sum(s * s) AS s2, count(*) AS active_months
    FROM (SELECT customer_id, {month} AS month, sum(amount) AS s
          FROM transactions GROUP BY customer_id, {month}) monthly
    GROUP BY customer_id),
h AS (SELECT hh.customer_id, count(*) AS n_products, count(DISTINCT pr.family) AS n_product_families
    FROM holdings hh JOIN products pr ON hh.product_id = pr.product_id GROUP BY hh.customer_id),
l AS (SELECT customer_id, count(*) AS n_loans, sum(loan_amount) AS loan_exposure
    FROM loans GROUP BY customer_id)
SELECT c.customer_id, {columns}, CAST(b.n_months AS DOUBLE) AS window_months
FROM customers c CROSS JOIN b CROSS JOIN p
LEFT JOIN t ON c.customer_id = t.customer_id
LEFT JOIN m ON c.customer_id = m.customer_id
LEFT JOIN h ON c.customer_id = h.customer_id
LEFT JOIN l ON c.customer_id = l.customer_id
ORDER BY c.customer_id
"""


def _both(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    categories = [
        r[0]
        for r in con.execute("SELECT DISTINCT category FROM transactions ORDER BY 1").fetchall()
    ]
    return (
        con.execute(_previous_query(categories)).df(),
        con.execute(cf.build_query(categories)).df(),
    )


def _assert_same(before: pd.DataFrame, after: pd.DataFrame) -> None:
    assert list(after.columns) == list(before.columns)
    assert list(after.dtypes) == list(before.dtypes)
    assert after["customer_id"].tolist() == before["customer_id"].tolist()
    values = before.columns.drop("customer_id")
    np.testing.assert_allclose(
        after[values].to_numpy(), before[values].to_numpy(), rtol=1e-9, atol=1e-9
    )


def test_same_features_as_the_previous_query(small_bank_path):
    with duckdb.connect(str(small_bank_path), read_only=True) as con:
        before, after = _both(con)
    assert len(before) == 3_000
    _assert_same(before, after)


def test_same_features_with_quiet_customers_and_one_category(small_bank_path, tmp_path):
    """Customers without transactions, with one category only, or with one transaction keep
    the previous values (zero spend, the bank's mix, the longest recency)."""
    path = tmp_path / "edge.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"ATTACH '{small_bank_path}' AS src (READ_ONLY)")
        for table in ("customers", "holdings", "products", "loans"):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
        # customers 1-10 silent, 11-20 spend in groceries only, 21-30 have a single transaction
        con.execute(
            """CREATE TABLE transactions AS
            SELECT * REPLACE (CASE WHEN customer_id <= 20 THEN 'groceries' ELSE category END
                              AS category)
            FROM src.transactions
            WHERE customer_id > 10
              AND (customer_id > 30 OR customer_id <= 20
                   OR txn_id IN (SELECT min(txn_id) FROM src.transactions GROUP BY customer_id))"""
        )
        con.execute("DETACH src")
        before, after = _both(con)
    quiet = after[after["customer_id"] <= 10]
    assert (quiet["txn_count"] == 0).all() and (quiet["total_spend"] == 0).all()
    assert (after.loc[after["customer_id"].between(21, 30), "txn_count"] == 1).all()
    _assert_same(before, after)
