"""One number format for every page: counts, money in the bank's currency, percentages and PDs.

The dashboard shows the same quantity on several pages; formatting it in one place keeps
"12.9%" from appearing as "0.129" or "12.94 %" elsewhere. PDs are shown within a floor and a cap
(never "0.0%" or "100.0%": no model is that sure), and a change in PD in percentage points.
"""

from __future__ import annotations

import math

PD_FLOOR = 0.0003  # the model's own PD floor and cap (bankml.default.cutoff)
PD_CAP = 0.999

# Currency of each locale the synthetic bank can be generated in (synth.params.SUPPORTED_LOCALES).
CURRENCY = {
    "en_US": "$",
    "en_GB": "£",
    "de_DE": "€",
    "fr_FR": "€",
    "es_ES": "€",
    "it_IT": "€",
    "nl_NL": "€",
}


def currency(locale: str | None) -> str:
    """The currency symbol of a bank's locale ("$" when unknown, as the default bank is en_US)."""
    return CURRENCY.get(str(locale or ""), "$")


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def count(value: object) -> str:
    """A whole number with thousands separators: 20,000."""
    number = _finite(value)
    return "n/a" if number is None else f"{round(number):,}"


def money(
    value: object, locale: str | None = "en_US", decimals: int = 0, signed: bool = False
) -> str:
    """An amount with the bank's currency and thousands separators: $25,000 or €1,250.50.

    locale None means the currency is unknown (a model trained on an uploaded file): the number
    only. signed=True writes "+" before a gain, for differences.
    """
    number = _finite(value)
    if number is None:
        return "n/a"
    sign = "-" if number < 0 else "+" if signed and number > 0 else ""
    symbol = "" if locale is None else currency(locale)
    return f"{sign}{symbol}{abs(number):,.{decimals}f}"


def percent(value: object, decimals: int | None = None) -> str:
    """A fraction as a percentage: one decimal by default, two below 1%, none from 100% up."""
    number = _finite(value)
    if number is None:
        return "n/a"
    if decimals is None:
        size = abs(number)
        decimals = 2 if 0 < size < 0.01 else 0 if size >= 1 else 1
    return f"{number * 100:.{decimals}f}%"


def pd_text(value: object) -> str:
    """A probability of default: 12.9%, 0.45% below 1 % (never "0.0%"), or "<0.03%" / ">99.9%"
    outside the floor and cap."""
    number = _finite(value)
    if number is None:
        return "n/a"
    if number < PD_FLOOR:
        return f"<{PD_FLOOR:.2%}"
    if number > PD_CAP:
        return f">{PD_CAP:.1%}"
    return f"{number:.2%}" if number < 0.01 else f"{number:.1%}"


def pd_change(before: float, after: float) -> str | None:
    """The change between two PDs in percentage points ("+1.2 pp", "-0.04 pp").

    None when nothing changed (or less than 0.005 pp), so a metric shows no arrow; small moves
    keep two decimals so a real change never reads "+0.0".
    """
    delta = (float(after) - float(before)) * 100
    if not math.isfinite(delta) or abs(delta) < 0.005:
        return None
    decimals = 2 if abs(delta) < 0.1 else 1
    return f"{delta:+.{decimals}f} pp"


def decimal_places(step: float, integer: bool = False) -> int:
    """Decimals a number field should show so a loaded value is displayed as it is scored."""
    if integer:
        return 0
    return 4 if step < 0.1 else 2


def money_short(value: object, locale: str | None = "en_US") -> str:
    """A large amount in millions or thousands with the bank's currency: $26.8 M, €950 k."""
    number = _finite(value)
    if number is None:
        return "n/a"
    size = abs(number)
    if size >= 1e6:
        return f"{money(number / 1e6, locale, 1)} M"
    if size >= 1e4:
        return f"{money(number / 1e3, locale, 0)} k"
    return money(number, locale)


def label_text(values):
    """Category codes as words for charts: 'debt_consolidation' -> 'Debt consolidation'.

    Vectorised over a pandas Series (returns a Series); a single string works too.
    """
    import pandas as pd

    if isinstance(values, pd.Series):
        return values.astype(str).str.replace("_", " ", regex=False).str.capitalize()
    return str(values).replace("_", " ").capitalize()
