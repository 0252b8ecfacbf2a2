"""AppTest: the Customer segments page renders, reacts to k and assigns a new customer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/customer_segments.py"


@pytest.fixture()
def page(segmented_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, segmented_bank_path, tmp_path / "models", PAGE)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def show(at: AppTest, section: str) -> AppTest:
    """Switch the page to one of its sections (dashboard.segment_view.SECTIONS) and check it ran."""
    at.button_group(key="segment_section").set_value(section).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_first_view_draws_the_profile_cards_only(page):
    """The overview first: the figures and one card per segment, as text (no chart and no table
    for Chromium to load before the page is drawn); the heatmap, the map, the evidence for k,
    the members and the assignment wait for a click on their section."""
    assert page.title[0].value == "Customer segments"
    k = int(metric(page, "Segments"))
    assert 6 <= k <= 8
    assert not page.get("vega_lite_chart") and not page.table
    assert sum("customers (" in m.value for m in page.markdown) == k  # a card per segment
    assert not page.dataframe and not page.get("download_button")
    assert not any(s.key == "segment_pick" for s in page.selectbox)


def test_the_heatmap_section_draws_the_heatmap_and_the_feature_meanings(page):
    show(page, "heatmap")
    charts = page.get("vega_lite_chart")
    assert len(charts) == 1 and '"std_diff"' in charts[0].proto.spec
    meanings = next(m.value for m in page.markdown if "Used to form the segments" in m.value)
    assert "**mix_" in meanings and meanings.count("\n- **") >= 10  # one line per feature
    assert not page.table  # text, not a 50-row st.table


def test_every_section_draws_its_content(page):
    k = int(metric(show(page, "choice"), "Segments"))
    assert len(page.get("vega_lite_chart")) == 4  # gap, stability, inertia, silhouette
    show(page, "map")
    assert len(page.get("vega_lite_chart")) == 1
    show(page, "members")
    assert len(page.dataframe) == 1 and len(page.dataframe[0].value) > 0
    assert len(page.get("download_button")) == 1
    assert len(page.selectbox(key="segment_pick").options) == k
    show(page, "assign")
    assert len(page.form_submit_button) == 1
    show(page, "profiles")
    assert not page.get("vega_lite_chart")


def test_the_map_draws_a_stratified_sample_and_says_so(page):
    """The map draws at most SCATTER_POINTS customers, and its caption says how many of the
    bank's customers it shows (the tests' bank has more than SCATTER_POINTS)."""
    import pyarrow as pa

    from dashboard.segment_view import SCATTER_POINTS
    from tests.conftest import SMALL_CUSTOMERS

    assert SMALL_CUSTOMERS > SCATTER_POINTS  # else this test would not see a sample
    show(page, "map")
    chart = page.get("vega_lite_chart")[0].proto
    tables = [pa.ipc.open_stream(d.data.data).read_all() for d in chart.datasets]
    if chart.HasField("data"):
        tables.append(pa.ipc.open_stream(chart.data.data).read_all())
    points = next(t for t in tables if "pc1" in t.column_names)
    assert points.num_rows == SCATTER_POINTS
    assert len(set(points.column("name").to_pylist())) == int(metric(page, "Segments"))
    notes = [c.value for c in page.caption if "customers shown" in c.value]
    assert len(notes) == 1
    assert notes[0].startswith(f"{SCATTER_POINTS:,} of {SMALL_CUSTOMERS:,} customers shown")


def test_changing_k_updates_the_segment_count(page):
    page.selectbox(key="segment_k").set_value(4).run()
    assert not page.exception
    assert metric(page, "Segments") == "4"
    show(page, "members")
    assert len(page.selectbox(key="segment_pick").options) == 4


def test_filter_narrows_the_member_table(page):
    show(page, "members")
    before = len(page.dataframe[0].value)
    page.text_input(key="segment_search").input("zzzz-no-such-customer").run()
    assert not page.exception
    assert len(page.dataframe[0].value) == 0 < before


def test_assign_form_returns_a_segment(page):
    names = show(page, "members").selectbox(key="segment_pick").options
    show(page, "assign")
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


def test_every_metric_has_help_and_the_choice_is_explained(page):
    assert all(m.help for m in page.metric)
    # four metrics side by side at 1400 px show about 30 characters of a label (and its help
    # icon): "Stability (ARI between half samples)" was cut off
    assert all(len(m.label) <= 30 for m in page.metric), [m.label for m in page.metric]
    assert any("gap statistic" in i.value for i in page.info)


def test_the_gap_chart_axis_reads_gap_statistic(page):
    """The error bars' layer must not add its field to the axis title ("gap statistic, low")."""
    import json

    show(page, "choice")
    gap = next(c for c in page.get("vega_lite_chart") if '"gap:Q"' in c.proto.spec or
               '"field": "gap"' in c.proto.spec)  # fmt: skip
    layers = json.loads(gap.proto.spec)["layer"]
    titles = {layer["encoding"]["y"].get("title") for layer in layers if "y" in layer["encoding"]}
    assert titles == {"gap statistic"}, titles


def test_legends_show_whole_segment_names(page):
    show(page, "map")
    specs = [c.spec for c in page.get("vega_lite_chart")]
    assert any('"labelLimit": 0' in spec and '"tableau20"' in spec for spec in specs)


def test_implausible_customer_gets_warnings_and_an_explanation(page):
    show(page, "assign")
    page.number_input(key="seg_age").set_value(18)
    page.number_input(key="seg_income").set_value(9_000_000)
    page.number_input(key="seg_dependents").set_value(12)
    page.number_input(key="seg_txn").set_value(900.0)
    page.form_submit_button[0].click().run()
    assert not page.exception
    warnings = [w.value for w in page.warning]
    assert any("12 dependents" in w for w in warnings)
    assert any("900 transactions a month" in w for w in warnings)
    assert len(page.success) == 1
    text = " ".join(m.value for m in page.markdown)
    assert "Confidence" in text and "runner-up" in text and "What placed it there" in text


def test_first_view_reads_the_stored_fit_and_fits_nothing(
    segmented_bank_path, tmp_path, monkeypatch
):
    """As `make run` does: a generated bank (a link to its generation file), then the start-up
    precompute; the first view then shows that fit without fitting or building features. (The
    run's segmented bank is that generated bank with precompute's fit beside it.)"""
    import shutil
    import time

    from bankml.segment import precompute

    shutil.copytree(segmented_bank_path.parent, tmp_path / "bank", symlinks=True)
    bank = tmp_path / "bank" / "bank.duckdb"
    monkeypatch.setenv("BANKML_DB", str(bank))
    assert precompute() is not None  # bankml.startup's call: the default path from the env

    def forbidden(*args, **kwargs):
        raise AssertionError("the first view fitted or built features although a fit is stored")

    for name in ("bankml.segment.segment_customers", "bankml.segment.customer_features"):
        monkeypatch.setattr(name, forbidden)
    monkeypatch.setattr("bankml.segment.features.customer_features", forbidden)
    started = time.perf_counter()
    at = open_page(monkeypatch, bank, tmp_path / "models", PAGE)
    seconds = time.perf_counter() - started
    assert 6 <= int(metric(at, "Segments")) <= 8
    show(at, "members")
    assert len(at.selectbox(key="segment_pick").options) == int(metric(at, "Segments"))
    assert seconds < 20, f"first view took {seconds:.1f} s"  # measured about 3 s


def test_a_fixed_k_fit_says_what_it_does_and_unrelated_reruns_do_not_refit(page, monkeypatch):
    """The fixed-k fit (seconds on a large bank) runs under a spinner naming k, the customer count
    and the steps; picking a segment or filtering afterwards reuses the fit."""
    import contextlib

    import streamlit as st

    import bankml.segment

    fits, spinners = [], []
    fit = bankml.segment.stored_or_fit
    monkeypatch.setattr(
        bankml.segment, "stored_or_fit", lambda *a, **kw: fits.append(kw.get("k")) or fit(*a, **kw)
    )
    spinner = st.spinner

    @contextlib.contextmanager
    def recording(text="", **kwargs):
        spinners.append(text)
        with spinner(text, **kwargs):
            yield

    monkeypatch.setattr(st, "spinner", recording)
    from dashboard import store

    store.clear_caches()  # a k=3 fit cached by another test of this process would hide the fit
    page.selectbox(key="segment_k").set_value(3).run()
    assert not page.exception and metric(page, "Segments") == "3"
    assert fits == [3]
    show(page, "members")
    from tests.conftest import SMALL_CUSTOMERS

    said = f"Fitting 3 segments to {SMALL_CUSTOMERS:,} customers"
    assert any(said in t and "KMeans" in t for t in spinners), spinners
    page.selectbox(key="segment_pick").set_value(1).run()
    page.text_input(key="segment_search").input("a").run()
    show(page, "map")  # another section: the same fit
    assert not page.exception
    assert fits == [3]  # the cached fit, not a refit
