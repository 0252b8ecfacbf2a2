"""The Recommendations page's texts (dashboard.recommend_view) without a page."""

from __future__ import annotations

import pandas as pd

from dashboard import recommend_view


def test_holdings_markdown_is_one_table_with_plain_dates_and_literal_names():
    holdings = pd.DataFrame(
        {
            "name": ["Everyday current account", "Card | gold"],
            "family": ["deposit", "card"],
            "opened_date": pd.to_datetime(["2011-09-16 00:00", "2014-06-05 13:00"]),
            "product_id": [1, 2],
        }
    )
    assert recommend_view.holdings_markdown(holdings).splitlines() == [
        "| Product | Family | Opened |",
        "|---|---|---|",
        "| Everyday current account | deposit | 2011-09-16 |",
        "| Card \\| gold | card | 2014-06-05 |",
    ]


def test_blocked_markdown_names_each_product_and_its_rule():
    blocked = pd.DataFrame(
        {"name": ["Mortgage", "Car *loan*"], "family": ["lending"] * 2, "rule": ["age", "risk"]}
    )
    assert recommend_view.blocked_markdown(blocked) == (
        "- **Mortgage** (lending): age\n- **Car \\*loan\\*** (lending): risk"
    )
