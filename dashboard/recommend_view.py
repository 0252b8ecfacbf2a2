"""The Recommendations page's texts: a customer's holdings and the offers blocked by rule as
markdown, so its first view draws no table grid (whose code Chromium loads before the page is
drawn: about 0.7 s of a 3 s first view under load). Pure functions; names shown literally."""

from __future__ import annotations

import pandas as pd

from dashboard.safe import literal

# The parts of the page drawn on demand (its "Show more" control), in order
MORE = {
    "scores": "Scores behind each offer",
    "evaluation": "Evaluation details",
    "pairs": "Which products go together",
}


def holdings_markdown(holdings: pd.DataFrame) -> str:
    """A customer's products as one markdown table: product, family and opening date."""
    opened = pd.to_datetime(holdings["opened_date"]).dt.strftime("%Y-%m-%d")
    rows = [
        f"| {literal(name)} | {literal(family)} | {day} |"
        for name, family, day in zip(holdings["name"], holdings["family"], opened, strict=True)
    ]
    return "\n".join(["| Product | Family | Opened |", "|---|---|---|", *rows])


def blocked_markdown(blocked: pd.DataFrame) -> str:
    """The products a business rule keeps from being offered, one line each with the rule."""
    return "\n".join(
        f"- **{literal(name)}** ({literal(family)}): {literal(rule)}"
        for name, family, rule in zip(
            blocked["name"], blocked["family"], blocked["rule"], strict=True
        )
    )
