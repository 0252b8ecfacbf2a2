"""AppTest: the Customer segments page renders, reacts to k and assigns a new customer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/customer_segments.py"


@pytest.fixture()
def page(small_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, small_bank_path, tmp_path / "models", PAGE)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_renders_charts_cards_and_table(page):
    assert page.title[0].value == "Customer segments"
    k = int(metric(page, "Segments"))
    assert 6 <= k <= 8
    assert len(page.get("vega_lite_chart")) >= 4  # elbow, silhouette, scatter, heatmap
    assert len(page.dataframe) == 1 and len(page.dataframe[0].value) > 0
    assert len(page.get("download_button")) == 1
    assert len(page.selectbox(key="segment_pick").options) == k


def test_changing_k_updates_the_segment_count(page):
    page.selectbox(key="segment_k").set_value(4).run()
    assert not page.exception
    assert metric(page, "Segments") == "4"
    assert len(page.selectbox(key="segment_pick").options) == 4


def test_filter_narrows_the_member_table(page):
    before = len(page.dataframe[0].value)
    page.text_input(key="segment_search").input("zzzz-no-such-customer").run()
    assert not page.exception
    assert len(page.dataframe[0].value) == 0 < before


def test_assign_form_returns_a_segment(page):
    names = page.selectbox(key="segment_pick").options
    page.number_input(key="seg_age").set_value(72)
    page.number_input(key="seg_income").set_value(30_000)
    page.slider(key="seg_digital").set_value(0.1)
    page.multiselect(key="seg_mix").set_value(["health", "groceries"])
    page.form_submit_button[0].click().run()
    assert not page.exception
    assert len(page.success) == 1
    message = page.success[0].value
    assert message.startswith("Segment ")
    assert "senior" in message.lower()  # an old, in-branch health spender
    assert any(option.split(": ", 1)[1] in message for option in names)
