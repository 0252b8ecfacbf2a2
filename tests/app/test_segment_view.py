"""The Customer segments page's helpers (dashboard.segment_view): the map's sample, its caption, the
fit's spinner text and the assignment's explanation, without a browser or a bank."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dashboard import segment_view


def points(sizes: dict[int, int]) -> pd.DataFrame:
    """A projection frame as bankml.segment makes it: one row per customer of each segment."""
    segment = np.repeat(list(sizes), list(sizes.values()))
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "customer_id": np.arange(len(segment)) + 1,
            "pc1": rng.normal(size=len(segment)),
            "pc2": rng.normal(size=len(segment)),
            "segment": segment,
            "name": [f"segment {s}" for s in segment],
        }
    )


def test_sample_keeps_each_segments_share_and_the_limit():
    frame = points({0: 3_000, 1: 1_500, 2: 500})
    sample = segment_view.scatter_sample(frame, limit=1_000)
    assert len(sample) == 1_000
    assert sample["segment"].value_counts().to_dict() == {0: 600, 1: 300, 2: 100}
    assert sample["customer_id"].is_unique and sample.index.is_monotonic_increasing
    assert set(sample["customer_id"]) <= set(frame["customer_id"])


def test_sample_keeps_a_small_segment_visible_and_is_repeatable():
    frame = points({0: 9_990, 1: 10})
    sample = segment_view.scatter_sample(frame, limit=500, floor=30)
    counts = sample["segment"].value_counts().to_dict()
    assert counts[1] == 10  # all it has (below the floor), not the 0.5 its share would give
    assert counts[0] == 500  # its share rounded up by the largest remainder
    again = segment_view.scatter_sample(frame, limit=500, floor=30)
    pd.testing.assert_frame_equal(sample, again)


def test_sample_of_a_small_projection_is_the_projection():
    frame = points({0: 40, 1: 60})
    assert segment_view.scatter_sample(frame, limit=2_500) is frame


@pytest.mark.parametrize("limit", [997, 2_500, 4_999])
def test_sample_size_is_exact_for_any_limit(limit):
    frame = points({0: 2_345, 1: 1_234, 2: 987, 3: 434})
    assert len(segment_view.scatter_sample(frame, limit=limit, floor=0)) == limit


def test_sample_note_says_how_many_customers_the_map_shows():
    assert segment_view.sample_note(2_500, 20_000).startswith(
        "2,500 of 20,000 customers shown: a random sample, each segment in proportion"
    )
    assert segment_view.sample_note(3_000, 3_000) == "All 3,000 customers shown."


def test_fitting_text_names_k_the_customers_and_that_nothing_refits():
    assert segment_view.fitting_text("auto", 20_000).startswith(
        "Choosing the number of segments for 20,000 customers"
    )
    fixed = segment_view.fitting_text(4, 20_000)
    assert fixed.startswith("Fitting 4 segments to 20,000 customers") and "does not refit" in fixed


def test_assignment_texts():
    found = SimpleNamespace(
        runner_up=3, runner_up_name="Young savers", confidence="high", margin=0.42
    )
    text = segment_view.confidence_text(found)
    assert text.startswith("Confidence **high**: 42% closer") and "segment 3: Young savers" in text
    assert segment_view.confidence_text(SimpleNamespace(runner_up=None)) is None
    assert segment_view.traits_text(["older", "in branch"]) == (
        "What placed it there:\n- older\n- in branch"
    )
    assert segment_view.traits_text([]) is None


def test_card_lines_and_spend_categories():
    row = pd.Series({"top_products": "mortgage", "default_rate": 0.0412})
    assert segment_view.card_lines(row) == [
        "Over-represented: mortgage",
        "Default rate of its loans: 4.1%",
    ]
    assert segment_view.card_lines(pd.Series({"top_products": float("nan")})) == []
    assert segment_view.spend_categories(["age", "mix_health", "mix_travel"]) == [
        "health",
        "travel",
    ]


def test_a_card_is_one_markdown_block():
    row = pd.Series(
        {"name": "Young digital", "size": 2400, "share": 0.12, "traits": "mobile first",
         "top_products": "Travel card", "default_rate": 0.031}
    )  # fmt: skip
    text = segment_view.card_markdown(3, row)
    assert text.splitlines() == [
        "**Young digital** · segment 3  ",
        ":gray[2,400 customers (12.0%)]  ",
        "mobile first  ",
        ":gray[Over-represented: Travel card]  ",
        ":gray[Default rate of its loans: 3.1%]",
    ]


def test_feature_markdown_lists_the_clustering_features_first():
    features = pd.DataFrame(
        {
            "name": ["age", "mix_food", "n_products"],
            "description": ["Age in years", "Share of spend on food", "Products held"],
            "cluster": [True, True, False],
        }
    )
    text = segment_view.feature_markdown(features)
    used, described = text.split("**Described only**")
    assert "- **age**: Age in years" in used and "- **mix_food**: Share of spend" in used
    assert "n_products" not in used and "- **n_products**: Products held" in described
