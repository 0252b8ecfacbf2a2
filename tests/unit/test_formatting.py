"""The dashboard's one number format: separators, currency by locale, PDs within floor and cap."""

from __future__ import annotations

import math

from bankml import formatting


def test_counts_and_money_have_separators_and_the_banks_currency():
    assert formatting.count(20000) == "20,000"
    assert formatting.money(25000, "en_US") == "$25,000"
    assert formatting.money(1250.5, "de_DE", decimals=2) == "€1,250.50"
    assert formatting.money(-300, "en_GB") == "-£300"
    assert formatting.money(math.nan, "en_US") == "n/a"
    assert formatting.money(1500, "en_US", signed=True) == "+$1,500"
    assert formatting.money(1500, None) == "1,500"  # currency unknown: the number only


def test_pd_is_never_shown_as_certain():
    assert formatting.pd_text(0.0) == "<0.03%"
    assert formatting.pd_text(0.0004) == "0.04%"  # never "0.0%"
    assert formatting.pd_text(1.0) == ">99.9%"
    assert formatting.pd_text(0.1294) == "12.9%"
    assert formatting.pd_text(None) == "n/a"


def test_percent_keeps_small_values_readable():
    assert formatting.percent(0.0042) == "0.42%"
    assert formatting.percent(0.237) == "23.7%"
    assert formatting.percent(1.5) == "150%"


def test_pd_change_has_no_arrow_when_nothing_moved():
    assert formatting.pd_change(0.12, 0.12) is None
    assert formatting.pd_change(0.12, 0.12 + 1e-9) is None
    assert formatting.pd_change(0.12, 0.1203) == "+0.03 pp"
    assert formatting.pd_change(0.12, 0.10) == "-2.0 pp"


def test_decimal_places_show_loaded_fractions_as_scored():
    assert formatting.decimal_places(0.02) == 4
    assert formatting.decimal_places(1.0) == 2
    assert formatting.decimal_places(1.0, integer=True) == 0


def test_short_money_and_labels_read_as_words():
    import pandas as pd

    assert formatting.money_short(26_848_940, "en_US") == "$26.8 M"
    assert formatting.money_short(950_000, "fr_FR") == "€950 k"
    assert formatting.label_text("debt_consolidation") == "Debt consolidation"
    codes = pd.Series(["credit_card", "car"])
    assert formatting.label_text(codes).tolist() == ["Credit card", "Car"]
