"""AppTest: the Recommendations page renders offers with readable reasons, the evaluation against the
strongest baseline, and a labelled heatmap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/recommendations.py"


@pytest.fixture()
def page(small_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, small_bank_path, tmp_path / "models", PAGE)


def offers_frame(at):
    """The offers' scores and model terms, drawn on demand (Show more)."""
    show(at, "scores")
    frames = [d.value for d in at.dataframe if "reason" in d.value.columns]
    assert frames, "no recommendations table on the page"
    return frames[0]


def segment_shown(at) -> list[str]:
    """The segment line(s) under the customer's name, markdown escapes removed."""
    lines = [m.value.replace("\\", "") for m in at.markdown]
    return [t.removeprefix("**Segment:** ") for t in lines if t.startswith("**Segment:** ")]


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def show(at, more: str):
    """Open one of the parts drawn on demand (pages/recommendations.py MORE)."""
    at.button_group(key="rec_more").set_value(more).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_first_view_has_the_offers_and_the_headline_evaluation_but_no_chart_or_grid(page):
    """Offers, holdings and the headline figures as text: no chart and no table grid for Chromium
    to load before the page is drawn."""
    assert sum(m.value.startswith(("**1. ", "**5. ")) for m in page.markdown) == 2
    # leave-one-out and both temporal protocols (the 12-month headline and the earlier one)
    assert sum(m.label.startswith("NDCG@5") for m in page.metric) == 3
    assert not page.get("vega_lite_chart") and not page.dataframe
    assert len(offers_frame(page)) == 5


def test_page_renders_offers_evaluation_against_the_strongest_baseline_and_heatmap(page):
    assert page.title[0].value == "Recommendations"
    offers = offers_frame(page)
    assert len(offers) == 5
    show(page, "evaluation")
    assert len(page.get("vega_lite_chart")) == 1
    evaluation = [d.value for d in page.dataframe if "ndcg" in d.value.columns][0]
    assert {"item-item + context (in use)", "popularity", "segment popularity", "oracle"} <= set(
        evaluation["method"]
    )
    labels = [m.label for m in page.metric]
    assert any(label.startswith("NDCG@5, leave-one-out") for label in labels)
    assert any(label.startswith("NDCG@5, temporal, last 12 months") for label in labels)
    assert any(label.startswith("NDCG@5, temporal, 80 % quantile") for label in labels)
    deltas = [m.delta for m in page.metric if m.label.startswith("NDCG@5")]
    assert all("(strongest baseline)" in d for d in deltas)
    assert any("risk check off" in c.value for c in page.caption)


def test_heatmap_legend_names_what_it_shows_and_labels_every_product(page, small_bank):
    show(page, "pairs")
    specs = [s for s in chart_specs(page) if s.get("mark", {}).get("type") == "rect"]
    assert specs, "no heatmap"
    encoding = specs[0]["encoding"]
    assert "Learned weight" in " ".join(encoding["color"]["title"])
    assert encoding["x"]["title"] == "Product offered" and encoding["y"]["title"] == "Product held"
    assert encoding["x"]["axis"]["labelOverlap"] is False
    assert encoding["y"]["axis"]["labelOverlap"] is False
    domain = encoding["color"]["scale"]["domain"]
    # centred on 0 at the scale of the weights (unit spread of scores), not a fixed -5..5
    assert domain[0] == -domain[1] and 0 < domain[1] < 5
    assert len(encoding["x"]["sort"]) == len(small_bank["products"])


def test_picking_a_customer_shows_offers_with_reasons(page, small_bank):
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
    names = small_bank["products"].set_index("product_id")["name"]
    held_names = set(names.loc[list(held)])
    for reason, evidence in zip(offers["reason"], offers["evidence"], strict=True):
        assert reason.startswith(("Customers who hold ", "Customers like you ("))
        if reason.startswith("Customers who hold "):
            assert any(name in reason for name in held_names)
        assert "+" in evidence, "the weights live in their own column"
    shown = [m.value.replace("\\", "") for m in page.markdown]
    for rank, reason in enumerate(offers["reason"], start=1):
        assert any(t.startswith(f"**{rank}. ") and reason in t for t in shown), "reason shown whole"


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


def test_segment_names_shown_and_segments_can_be_turned_off(page, small_bank):
    empty = sorted(
        set(small_bank["customers"]["customer_id"]) - set(small_bank["holdings"]["customer_id"])
    )
    customer = int(empty[0])
    page.text_input(key="rec_customer_search").set_value(str(customer)).run()
    page.selectbox(key="rec_customer").set_value(customer).run()
    assert not page.exception, [e.message for e in page.exception]
    segment = segment_shown(page)[0]
    assert segment != "segments off" and not segment.isdigit(), "a segment name, not an id"
    offers = offers_frame(page)
    assert len(offers) == 5 and offers["reason"].str.startswith("Customers like you (").all()
    page.toggle(key="rec_use_segments").set_value(False).run()
    assert not page.exception, [e.message for e in page.exception]
    assert segment_shown(page) == ["segments off"]
    assert not offers_frame(page)["reason"].str.contains(segment, regex=False).any()


def test_holdings_read_plainly_and_the_segment_name_has_its_full_text(page):
    holds = next(m.value for m in page.markdown if m.value.startswith("| Product |"))
    header, _, first = holds.splitlines()[:3]
    assert header == "| Product | Family | Opened |"  # no raw ids
    assert re.fullmatch(r"\| .+ \| .+ \| \d{4}-\d{2}-\d{2} \|", first)
    # a line, not a metric: a metric cuts long segment names off
    line = next(m.value for m in page.markdown if m.value.startswith("**Segment:**"))
    assert "segments off" not in line and len(line) > len("**Segment:** ")
    assert not any(m.label == "Segment" for m in page.metric)


def test_the_page_recommends_with_the_soft_memberships_the_bench_measures(
    small_bank_path, monkeypatch, tmp_path
):
    from bankml.data import bank_info
    from dashboard import customers

    monkeypatch.setenv("BANKML_DB", str(small_bank_path))
    monkeypatch.setenv("BANKML_MODELS", str(tmp_path / "models"))
    info = bank_info(small_bank_path)
    memberships = customers.segment_memberships(info.content_hash, str(info.path))
    assert memberships.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert (memberships.max(axis=1) < 1.0).any()  # customers between segments keep both
    context = customers.recommender(info, use_segments=True)
    assert context.segment_note == "segments on (soft memberships)"
