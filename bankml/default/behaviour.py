"""Behavioural features per loan: the customer's transactions strictly before the application date.

A behavioural scorecard may only use what the bank knew when it decided, so every feature is
computed from the applicant's transactions with `ts < application_date` (later spending, which may
already show the default coming, never enters). The features follow the shared customer-grain
definition (`bankml.customer_features`): the spend mix shrunk towards the bank's mix, frequency,
ticket size, channel use and the level and volatility of monthly spend, computed as of each
application. A loan applied for before any transaction has the bank's mix and zero flows.
"""

from __future__ import annotations

import os

import pandas as pd

from bankml import data
from bankml.customer_features import DIGITAL_CHANNELS, MIX_PRIOR_PER_CATEGORY, slug

PREFIX = "beh_"
FLOWS = {
    "beh_history_months": "months of transaction history before the application",
    "beh_txn_per_month": "transactions per month before the application",
    "beh_avg_ticket": "average transaction amount before the application",
    "beh_digital_share": "share of transactions online or on mobile before the application",
    "beh_branch_atm_share": "share of transactions in a branch or at an ATM before the application",
    "beh_monthly_spend_mean": "average monthly spend before the application",
    "beh_monthly_spend_cv": "volatility of monthly spend (std / mean) before the application",
    "beh_active_month_share": "share of months with a transaction before the application",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_query(categories: list[str], table: str = "loans", key: str = "loan_id") -> str:
    """One DuckDB statement: a row per loan (ordered by loan_id) with every behavioural column.

    `table`/`key` name the rows to describe: the booked `loans` (loan_id) or every through-the-door
    application (`applications`, application_id, returned as loan_id: a booked loan keeps its id).
    """
    if (table, key) not in (("loans", "loan_id"), ("applications", "application_id")):
        raise ValueError(f"behaviour rows come from loans or applications, not {table!r}")
    prior = MIX_PRIOR_PER_CATEGORY * len(categories)
    counts = ", ".join(
        f"sum(CASE WHEN category = {_literal(c)} THEN 1 ELSE 0 END) AS n_{slug(c)}"
        for c in categories
    )
    bank_mix = ", ".join(
        f"avg(CASE WHEN category = {_literal(c)} THEN 1.0 ELSE 0.0 END) AS mix_{slug(c)}"
        for c in categories
    )
    mix = ",\n       ".join(
        f"(coalesce(a.n_{slug(c)}, 0) + {prior} * p.mix_{slug(c)})"
        f" / (coalesce(a.n, 0) + {prior}) AS {PREFIX}mix_{slug(c)}"
        for c in categories
    )
    digital = ", ".join(_literal(c) for c in DIGITAL_CHANNELS)
    return f"""
WITH l0 AS (SELECT {key} AS loan_id, customer_id, application_date FROM {table}),
w AS (SELECT min(ts) AS start_ts FROM transactions),
p AS (SELECT {bank_mix} FROM transactions),
lt AS (SELECT l.loan_id, t.ts, t.amount, t.category, t.channel
       FROM l0 l JOIN transactions t
         ON t.customer_id = l.customer_id AND t.ts < CAST(l.application_date AS TIMESTAMP)),
a AS (SELECT loan_id, count(*) AS n, sum(amount) AS spend,
             avg(CASE WHEN channel IN ({digital}) THEN 1.0 ELSE 0.0 END) AS digital,
             avg(CASE WHEN channel IN ('branch', 'atm') THEN 1.0 ELSE 0.0 END) AS branch_atm,
             {counts}
      FROM lt GROUP BY loan_id),
m AS (SELECT loan_id, sum(s) AS s1, sum(s * s) AS s2, count(*) AS active
      FROM (SELECT loan_id, date_trunc('month', ts) AS month, sum(amount) AS s
            FROM lt GROUP BY loan_id, date_trunc('month', ts)) monthly
      GROUP BY loan_id),
h AS (SELECT l.loan_id,
             CAST(greatest(date_diff('month', w.start_ts, CAST(l.application_date AS TIMESTAMP)), 0)
                  AS DOUBLE) AS months
      FROM l0 l CROSS JOIN w)
SELECT h.loan_id,
       h.months AS beh_history_months,
       coalesce(a.n, 0) / greatest(h.months, 1) AS beh_txn_per_month,
       coalesce(a.spend / nullif(a.n, 0), 0) AS beh_avg_ticket,
       coalesce(a.digital, 0) AS beh_digital_share,
       coalesce(a.branch_atm, 0) AS beh_branch_atm_share,
       coalesce(m.s1, 0) / greatest(h.months, 1) AS beh_monthly_spend_mean,
       coalesce(sqrt(greatest(coalesce(m.s2, 0) / greatest(h.months, 1)
                              - power(coalesce(m.s1, 0) / greatest(h.months, 1), 2), 0))
                / nullif(coalesce(m.s1, 0) / greatest(h.months, 1), 0), 0) AS beh_monthly_spend_cv,
       least(coalesce(m.active, 0) / greatest(h.months, 1), 1) AS beh_active_month_share,
       {mix}
FROM h CROSS JOIN p
LEFT JOIN a ON h.loan_id = a.loan_id
LEFT JOIN m ON h.loan_id = m.loan_id
ORDER BY h.loan_id
"""


def behaviour_features(path: str | os.PathLike | None = None, table: str = "loans") -> pd.DataFrame:
    """Every loan's behavioural columns (index loan_id, float), from its earlier transactions.

    table="applications" describes every application (declined ones too) the same way.

    Empty (no columns) when the bank has no transactions: the model then uses application
    columns only.
    """
    with data.connect(path) as con:
        if con.execute("SELECT count(*) FROM transactions").fetchone()[0] == 0:
            return pd.DataFrame(index=pd.Index([], name="loan_id"))
        categories = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT category FROM transactions ORDER BY category"
            ).fetchall()
        ]
        data.quiet_progress(con)
        key = "loan_id" if table == "loans" else "application_id"
        frame = con.execute(build_query(categories, table, key)).df()
    return frame.set_index("loan_id").astype(float)


def behaviour_columns(columns) -> tuple[str, ...]:
    """The behavioural columns among `columns`, in order."""
    return tuple(c for c in columns if str(c).startswith(PREFIX))


def describe(column: str) -> str:
    """A readable label for a behavioural column (the form and reason codes show it)."""
    if column in FLOWS:
        return FLOWS[column]
    return f"share of transactions in {column.removeprefix(PREFIX + 'mix_')} before the application"
