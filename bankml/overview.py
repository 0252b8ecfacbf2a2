"""The bank at a glance: aggregate figures and tidy frames for the Overview page, computed in DuckDB."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from bankml import data


@dataclass(frozen=True)
class BankSummary:
    """Headline figures of one bank."""

    customers: int
    loans: int
    exposure: float
    default_rate: float
    mean_products: float
    transactions: int
    spend: float


def summary(path: str | os.PathLike | None = None) -> BankSummary:
    row = data.query(
        """
        SELECT
          (SELECT count(*) FROM customers) AS customers,
          (SELECT count(*) FROM loans) AS loans,
          (SELECT coalesce(sum(loan_amount), 0) FROM loans) AS exposure,
          (SELECT coalesce(avg(defaulted), 0) FROM loans) AS default_rate,
          (SELECT count(*) FROM holdings) / greatest((SELECT count(*) FROM customers), 1) AS mean_products,
          (SELECT count(*) FROM transactions) AS transactions,
          (SELECT coalesce(sum(amount), 0) FROM transactions) AS spend
        """,
        path,
    ).iloc[0]
    return BankSummary(
        customers=int(row["customers"]),
        loans=int(row["loans"]),
        exposure=float(row["exposure"]),
        default_rate=float(row["default_rate"]),
        mean_products=float(row["mean_products"]),
        transactions=int(row["transactions"]),
        spend=float(row["spend"]),
    )


def default_rate_by(column: str, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Loans, defaults and default rate per value of a loans column (purpose, term_months, ...)."""
    allowed = {"purpose", "term_months"}
    if column not in allowed:
        raise ValueError(f"column must be one of {sorted(allowed)}")
    return data.query(
        f"""
        SELECT CAST({column} AS VARCHAR) AS {column}, count(*) AS loans, sum(defaulted) AS defaults,
               avg(defaulted) AS default_rate
        FROM loans GROUP BY 1 ORDER BY default_rate DESC
        """,
        path,
    )


def default_rate_by_credit_band(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Default rate per credit-score band of the applicant: the risk gradient at a glance."""
    return data.query(
        """
        SELECT CASE WHEN c.credit_score < 580 THEN '300-579 poor'
                    WHEN c.credit_score < 670 THEN '580-669 fair'
                    WHEN c.credit_score < 740 THEN '670-739 good'
                    WHEN c.credit_score < 800 THEN '740-799 very good'
                    ELSE '800-850 excellent' END AS credit_band,
               count(*) AS loans, avg(l.defaulted) AS default_rate
        FROM loans l JOIN customers c USING (customer_id)
        GROUP BY 1 ORDER BY 1
        """,
        path,
    )


def monthly_spend_by_category(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Total card/account spend per month and category (seasonality shows here)."""
    return data.query(
        """
        SELECT date_trunc('month', ts) AS month, category, sum(amount) AS spend
        FROM transactions GROUP BY 1, 2 ORDER BY 1, 2
        """,
        path,
    )


def product_penetration(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Share of customers holding each product."""
    return data.query(
        """
        SELECT p.name AS product, p.family,
               count(h.customer_id) / (SELECT count(*) FROM customers) AS penetration
        FROM products p LEFT JOIN holdings h USING (product_id)
        GROUP BY 1, 2 ORDER BY penetration DESC
        """,
        path,
    )
