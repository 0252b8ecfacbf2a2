"""Bad cells that every row-level check must name (the row-validation and reliability tests)."""

from __future__ import annotations

# Bad numeric cells every row-level check must name: row index -> (column, value, reason).
BAD_NUMBER_CELLS = {
    10: ("annual_income", "fifty thousand", "not a number"),
    20: ("annual_income", -5, "out of range"),
    30: ("debt_to_income", float("nan"), "missing value"),
    40: ("debt_to_income", float("inf"), "infinite value"),
    50: ("annual_income", float("-inf"), "infinite value"),
}
