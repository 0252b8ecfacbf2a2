"""The Model performance page's figures and texts (dashboard.performance_text) and its choice
between stored and re-computed tables (dashboard.performance), without a page."""

from __future__ import annotations

from dataclasses import replace

from bankml.config import DEFAULT_ECONOMICS
from dashboard import models, performance
from dashboard import performance_text as texts

CARD = {
    "algorithm": "logistic",
    "metrics": {"roc_auc": 0.81234, "brier": 0.123456},
    "cutoff": 0.215,
    "source": "bank 20,000 customers seed 42",
    "data_hash": "abc",
    "pricing_policy": "rate and term of each loan",
}


def test_headline_metrics_format_the_card_and_explain_the_jargon():
    metrics = texts.headline_metrics(CARD)
    assert [(label, value) for label, value, _ in metrics] == [
        ("Model", "logistic"),
        ("ROC AUC (out of fold)", "0.812"),
        ("Brier (calibrated)", "0.1235"),
        ("Money cut-off (PD)", "21.5%"),
    ]
    assert metrics[0][2] is None and all(note for _, _, note in metrics[1:])


def test_source_notice_stale_bank_model_csv_model_and_current():
    assert texts.source_notice(CARD, "abc", "Registry") is None
    kind, text = texts.source_notice(CARD, "new-hash", "Registry")
    assert kind == "warning" and "earlier version of this bank" in text and "**Registry**" in text
    csv = {**CARD, "source": "upload *loans*.csv", "data_hash": "csv"}
    kind, text = texts.source_notice(csv, "abc", "Registry")
    assert kind == "info" and r"\*loans\*.csv" in text and "not on the synthetic bank" in text


def test_what_if_and_refer_band_texts_quote_their_figures():
    money = {"cutoff": 0.18, "refer_band": (0.12, 0.25)}
    settings = {"lgd": 0.45, "funding": 0.04, "horizon": 24}
    text = texts.what_if_economics_text(money, settings, 0.215, "Registry")
    assert "would be 18.0% (refer band 12.0%-25.0%)" in text and "own 21.5%" in text
    assert "`bankml train --lgd 0.45 --funding-cost 0.04 --horizon-months 24`" in text
    band = texts.refer_band_caption((0.12, 0.25), 0.01)
    assert band.startswith("Refer band: PDs from 12.0% to 25.0%") and "less than 1.0%" in band


def test_cutoff_caption_says_what_if_only_and_names_a_moved_slider():
    assert texts.cutoff_caption(0.215, 0.215, 0.215).endswith("own cut-off 21.5%.")
    assert texts.cutoff_caption(0.215, 0.3, 0.215).endswith("; shown here at 30.0%.")


def test_business_metrics_use_the_bank_currency_or_none():
    view = {
        "approval_rate": 0.8,
        "defaulters_caught": 0.55,
        "bad_debt_avoided": 1_250_000,
        "profit_vs_approve_all": 30_000,
    }
    values = [value for _, value, _ in texts.business_metrics(view, "en_US")]
    assert values == ["80.0%", "55.0%", "$1,250,000", "+$30,000"]
    assert "$" not in texts.business_metrics(view, None)[2][1]
    assert texts.money_units("en_US") == "$" and texts.money_units(None) == "amount units"


def test_captions_state_the_assumptions():
    economics = replace(DEFAULT_ECONOMICS, funding_cost=0.04, horizon_months=24)
    profit = texts.profit_caption(economics)
    assert "minus 4.0% funding over 24 months" in profit and "60.0% of its exposure" in profit
    assert texts.calibration_caption(0.0123).endswith("by loans) 1.23%.")
    assert "cut-off 21.5% (set under Money)" in texts.fairness_caption(0.215, "Money")
    assert texts.loss_caption(False).endswith("(vintage).")
    assert texts.loss_caption(True).endswith("under the economics set under Cut-off and money.")


def test_tables_are_the_stored_ones_unless_a_what_if_differs(monkeypatch):
    stored = {"cutoff": 0.215, "business": "stored"}
    calls = []
    monkeypatch.setattr(models, "economics_view", lambda card, e: calls.append("econ") or "priced")
    monkeypatch.setattr(
        models, "cutoff_tables", lambda card, c, e: calls.append((c, e)) or "computed"
    )
    own = DEFAULT_ECONOMICS
    assert performance.money_tables(CARD, stored, own, False) is stored
    assert performance.cutoff_tables(CARD, stored, 0.215, own, False) is stored
    assert calls == []
    assert performance.money_tables(CARD, stored, own, True) == "priced"
    assert performance.cutoff_tables(CARD, stored, 0.3, own, False) == "computed"
    assert performance.cutoff_tables(CARD, stored, 0.215, own, True) == "computed"
    assert calls == ["econ", (0.3, None), (0.215, own)]
