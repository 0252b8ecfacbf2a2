"""AppTest: the Recommendations page renders, and picking a customer shows offers with reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/recommendations.py"


@pytest.fixture()
def page(small_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, small_bank_path, tmp_path / "models", PAGE)


def offers_frame(at) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "reason" in d.value.columns]
    assert frames, "no recommendations table on the page"
    return frames[0]


def test_page_renders_offers_evaluation_and_heatmap(page):
    assert page.title[0].value == "Recommendations"
    offers = offers_frame(page)
    assert len(offers) == 5
    charts = page.get("vega_lite_chart")
    assert len(charts) >= 2, "evaluation chart and similarity heatmap"
    evaluation = [d.value for d in page.dataframe if "ndcg" in d.value.columns][0]
    assert {"item-cf", "popularity", "oracle"} <= set(evaluation["method"])


def test_picking_a_customer_shows_recommendations_with_reasons(page, small_bank):
    holdings = small_bank["holdings"]
    counts = holdings.groupby("customer_id").size()
    customer = int(counts[counts >= 2].index[3])
    page.text_input(key="rec_customer_search").set_value(str(customer)).run()
    page.selectbox(key="rec_customer").set_value(customer).run()
    page.slider(key="rec_top_n").set_value(3).run()
    assert not page.exception, [e.message for e in page.exception]
    offers = offers_frame(page)
    held = set(holdings.loc[holdings["customer_id"] == customer, "product_id"])
    assert len(offers) == 3
    assert not held & set(offers["product_id"])
    cf = offers[offers["source"] == "item-cf"]
    assert len(cf) and cf["reason"].str.startswith("because you hold").all()
    names = small_bank["products"].set_index("product_id")["name"]
    held_names = set(names.loc[list(held)])
    for reason in cf["reason"]:
        assert any(name in reason for name in held_names)


def test_search_by_name_and_no_match(page, small_bank):
    customers = small_bank["customers"]
    name = str(customers["name"].iloc[10])
    page.text_input(key="rec_customer_search").set_value(name).run()
    assert not page.exception
    options = page.selectbox(key="rec_customer").options
    assert f"{int(customers['customer_id'].iloc[10])} · {name}" in options
    assert all(name in option for option in options)
    page.text_input(key="rec_customer_search").set_value("zzzz-nobody").run()
    assert not page.exception
    assert any("No customer matches" in w.value for w in page.warning)


def test_cold_start_customer_with_segments(small_bank_path, small_bank, monkeypatch, tmp_path):
    import bankml.segment

    customers = small_bank["customers"]
    labels = pd.Series(
        np.where(customers["age"] < 40, "younger", "older"), index=customers["customer_id"]
    )
    monkeypatch.setattr(
        bankml.segment, "segment_labels", lambda path=None, **_: labels, raising=False
    )
    at = open_page(monkeypatch, small_bank_path, tmp_path / "models", PAGE)
    at.toggle(key="rec_use_segments").set_value(True).run()
    empty = sorted(set(customers["customer_id"]) - set(small_bank["holdings"]["customer_id"]))
    customer = int(empty[0])
    at.text_input(key="rec_customer_search").set_value(str(customer)).run()
    at.selectbox(key="rec_customer").set_value(customer).run()
    assert not at.exception, [e.message for e in at.exception]
    offers = offers_frame(at)
    assert (offers["source"] == "segment popularity").all()
    segment = labels[customer]
    assert offers["reason"].str.contains(f"segment {segment}").all()
    assert segment in [m.value for m in at.metric]
