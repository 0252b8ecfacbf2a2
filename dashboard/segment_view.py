"""The Customer segments page's sections, texts and charts: pure functions of a SegmentResult.

The page (pages/customer_segments.py) draws the headline figures and one section at a time
(`SECTIONS`); every chart, sample and caption it shows is built here so tests can call them.
Drawing only: no caches, no data access.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml.segment.choice import GAP_TIE

SECTIONS = {
    "profiles": "Profiles",
    "heatmap": "Feature heatmap",
    "map": "Map of customers",
    "choice": "Choosing k",
    "members": "Customers of a segment",
    "assign": "Assign a new customer",
}
HELP = {
    "segments": "How many groups the customers fall into. With 'auto' the number is chosen by the "
    "rule shown under 'Choosing k'; 'no clear segments' means the data do not support any.",
    "silhouette": "How much closer each customer is to its own segment than to the next one, "
    "from -1 to 1 (sampled). Above 0.25 segments are distinct; near 0 they overlap.",
    "stability": "Adjusted Rand index (ARI) between segmentations fitted on two random halves of "
    "the customers: 1 = the same segments every time, 0 = no better than chance.",
    "variance": "Share of the spread between customers that the 2-D scatter can show; the rest is "
    "in dimensions the picture flattens.",
    "k": "auto: the gap statistic proposes k, checked by stability on half samples and by a "
    "reference cloud with the same correlations (see 'Choosing k').",
    "ticket": "Average amount of one card transaction: total spend divided by transactions.",
    "margin": "Margin = (distance to runner-up - distance to chosen) / distance to runner-up: 0 on "
    "the boundary, 100 % at the centre. High >= 30 %, low < 10 %.",
}
COLOURS = "tableau20"  # 20 distinct hues, enough for k up to 20 without repeats
# Points drawn in the map: every customer of a 20k bank (or the 5,000 the projection keeps) is
# megabytes of chart data and seconds of drawing; 2,500 show the same shapes.
SCATTER_POINTS = 2_500
SCATTER_FLOOR = 30  # a small segment keeps up to this many points, so it stays visible


def fitting_text(k: str | int, customers: int) -> str:
    """What the spinner says while a segmentation is fitted (shown only when a fit runs)."""
    if k == "auto":
        return (
            f"Choosing the number of segments for {customers:,} customers: KMeans for each k, the "
            "gap statistic and stability on half samples, then profiles and the 2-D map (once per "
            "bank)"
        )
    return (
        f"Fitting {k} segments to {customers:,} customers: their features, KMeans, stability "
        "on two half samples, then profiles and the 2-D map (once per bank and k; choosing a "
        "segment, filtering or assigning below does not refit)"
    )


def scatter_sample(
    points: pd.DataFrame,
    limit: int = SCATTER_POINTS,
    floor: int = SCATTER_FLOOR,
    seed: int = 0,
) -> pd.DataFrame:
    """`limit` rows of `points` (all when fewer), stratified by segment with a fixed seed: each
    segment keeps its share of the rows (largest remainders), a small one at least `floor` rows
    or all it has (then a few more than `limit` in all)."""
    if len(points) <= limit:
        return points
    size = points["segment"].value_counts(sort=False)
    exact = size * limit / len(points)
    quota = np.floor(exact).astype(int)
    short = limit - int(quota.sum())  # rows left to give: to the largest remainders
    quota.loc[(exact - quota).sort_values(ascending=False, kind="stable").index[:short]] += 1
    quota = np.maximum(quota, np.minimum(size, floor))
    shuffled = points.iloc[np.random.default_rng(seed).permutation(len(points))]
    rank = shuffled.groupby("segment", sort=False).cumcount()
    keep = rank.to_numpy() < shuffled["segment"].map(quota).to_numpy()
    return shuffled[keep].sort_index()


def sample_note(shown: int, customers: int) -> str:
    """The caption under the map: how many customers it shows out of the bank's."""
    if shown >= customers:
        return f"All {customers:,} customers shown."
    return (
        f"{shown:,} of {customers:,} customers shown: a random sample, each segment in proportion "
        f"to its size (at least {SCATTER_FLOOR} points of a small one). The axes come from a PCA "
        "of the customers' clustering features."
    )


def scatter_chart(points: pd.DataFrame, explained: tuple[float, float]):
    """Customers on the first two principal components, coloured by segment, whole names."""
    import altair as alt

    legend = alt.Legend(title="segment", labelLimit=0, orient="bottom", columns=2)
    return (
        alt.Chart(points[["customer_id", "name", "pc1", "pc2"]])
        .mark_circle(size=18, opacity=0.6)
        .encode(
            x=alt.X("pc1:Q", title=f"PC1 ({explained[0]:.0%} of variance)"),
            y=alt.Y("pc2:Q", title=f"PC2 ({explained[1]:.0%} of variance)"),
            color=alt.Color("name:N", legend=legend, scale=alt.Scale(scheme=COLOURS)),
            tooltip=["customer_id:Q", "name:N", "pc1:Q", "pc2:Q"],
        )
        .interactive()
    )


def gap_caption(scores: pd.DataFrame) -> str:
    """How auto reads the gap statistic, and on how many customers it was computed."""
    return (
        "Gap: how much tighter the segments are than in a copy of the data with every feature "
        "shuffled on its own (no groups). auto takes the first k after which the gap stops "
        f"growing by more than its error (or {GAP_TIE:.0%}), provided fits on two halves agree "
        f"(stability ARI >= 0.5). Computed on {int(scores['choice_customers'].iloc[0]):,} "
        "customers."
    )


def k_charts(k_scores: pd.DataFrame) -> list:
    """The evidence for k, one chart per score with the chosen k marked in red: the gap with its
    error bars and the half-sample stability (when k was chosen by auto), inertia, silhouette."""
    import altair as alt

    scores = k_scores.reset_index()
    base = alt.Chart(scores).encode(x=alt.X("k:O", title="k (segments)"))
    marker = alt.Chart(scores[scores["chosen"]]).mark_rule(color="red").encode(x="k:O")
    charts = []
    if "gap" in scores.columns:
        gap = base.encode(y=alt.Y("gap:Q", title="gap statistic"))
        errors = (
            base.mark_errorbar()  # the axis keeps the line's title, not "gap statistic, low"
            .encode(y=alt.Y("low:Q", title="gap statistic"), y2="high:Q")
            .transform_calculate(low="datum.gap - datum.gap_se", high="datum.gap + datum.gap_se")
        )
        stability = alt.Y(
            "stability:Q", title="stability (ARI, half samples)", scale=alt.Scale(domain=[0, 1])
        )
        charts += [
            gap.mark_line(point=True) + errors + marker,
            base.mark_line(point=True).encode(y=stability) + marker,
        ]
    inertia = alt.Y("inertia:Q", title="inertia (within-segment SS)")
    silhouette = alt.Y("silhouette:Q", title="silhouette (sampled)")
    charts += [
        base.mark_line(point=True).encode(y=inertia) + marker,
        base.mark_line(point=True).encode(y=silhouette) + marker,
    ]
    return charts


def profile_heatmap(feature_profile: pd.DataFrame, features: list[str]):
    """Each segment's mean per clustering feature, in standard deviations from the whole bank."""
    import altair as alt

    heat = feature_profile[feature_profile["feature"].isin(features)]
    return (
        alt.Chart(heat)
        .mark_rect()
        .encode(
            x=alt.X("feature:N", title="feature"),
            y=alt.Y("name:N", title="segment", axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "std_diff:Q",
                title="sd from population",
                scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True),
            ),
            tooltip=["name:N", "feature:N", "mean:Q", "population_mean:Q", "std_diff:Q"],
        )
    )


def feature_table(features: pd.DataFrame) -> pd.DataFrame:
    """What each feature means and whether it formed the segments, one row per feature name."""
    return (
        features[["name", "description", "cluster"]]
        .rename(columns={"cluster": "used to form segments"})
        .set_index("name")
    )


def feature_markdown(features: pd.DataFrame) -> str:
    """What each feature means, as one markdown list: those that formed the segments first, then
    those only described. One text element instead of a 50-row `st.table` (a cell element per
    value, drawn even inside a closed expander) keeps the section light."""
    table = feature_table(features)
    used = table["used to form segments"].astype(bool)
    parts = []
    for title, rows in (
        ("Used to form the segments", table[used]),
        ("Described only", table[~used]),
    ):
        if len(rows):
            lines = (f"- **{name}**: {text}" for name, text in rows["description"].items())
            parts.append(f"**{title}**\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def card_lines(row: pd.Series) -> list[str]:
    """A segment card's captions after its traits: products over-represented, default rate."""
    lines = []
    if isinstance(row.get("top_products"), str):
        lines.append(f"Over-represented: {row['top_products']}")
    if "default_rate" in row.index:
        lines.append(f"Default rate of its loans: {row['default_rate']:.1%}")
    return lines


def card_markdown(segment: int, row: pd.Series) -> str:
    """A segment card as one markdown block (name, size, traits, captions in grey): one element
    per card instead of five keeps the page's first view light."""
    lines = [
        f"**{row['name']}** · segment {segment}",
        f":gray[{row['size']:,} customers ({row['share']:.1%})]",
        str(row["traits"]),
        *(f":gray[{line}]" for line in card_lines(row)),
    ]
    return "  \n".join(lines)


def spend_categories(feature_list: list[str]) -> list[str]:
    """The spending categories the assignment form offers: the clustering's mix_ features."""
    return [c.removeprefix("mix_") for c in feature_list if c.startswith("mix_")]


def confidence_text(found) -> str | None:
    """How sure an assignment is: the margin over the runner-up segment (None without one)."""
    if found.runner_up is None:
        return None
    return (
        f"Confidence **{found.confidence}**: {found.margin:.0%} closer to this segment's centre "
        f"than to the runner-up, segment {found.runner_up}: {found.runner_up_name}."
    )


def traits_text(traits: list[str]) -> str | None:
    """The features that placed a new customer in its segment, as a markdown list."""
    if not traits:
        return None
    return "What placed it there:\n" + "\n".join(f"- {t}" for t in traits)
