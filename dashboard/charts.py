"""Altair charts shared by the pages: one categorical palette, labels never cut, reference lines
(calibration diagonal, cut-offs) labelled. Drawing only: no caches, no data access."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml import formatting


def reason_chart(reasons: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Signed horizontal bars: each factor's points (scorecard convention: a factor that raises
    the PD costs points), red when it raises the PD, blue when it lowers it.

    (data, Vega-Lite spec) for st.vega_lite_chart: drawn on every scoring, so it skips Altair's
    schema validation (about 12 ms a chart).
    """
    data = pd.DataFrame(
        {
            "feature": formatting.label_text(reasons["feature"].astype(str)),
            "value": reasons["value"].astype(str),
            "points": reasons["points"].astype(float),
            "direction": np.where(reasons["points"] < 0, "raises PD", "lowers PD"),
        }
    )
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "points",
                "type": "quantitative",
                "title": "Points (as on the scorecard: - raises the PD, + lowers it)",
            },
            "y": {
                "field": "feature",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"labelLimit": 0},
            },
            "color": {
                "field": "direction",
                "type": "nominal",
                "scale": {"domain": ["raises PD", "lowers PD"], "range": ["#c0392b", "#2e86c1"]},
                "title": None,
            },
            "tooltip": [
                {"field": "feature", "type": "nominal"},
                {"field": "value", "type": "nominal"},
                {"field": "points", "type": "quantitative", "format": "+.1f"},
            ],
        },
    }
    return data, spec


# One categorical palette for every chart: 20 distinct colours, so the 13 spending categories or
# a dozen segments never share one (Vega's default has 10 and repeats).
PALETTE = "tableau20"
FULL_LABELS = {"labelLimit": 0}  # never cut a product, purpose or segment name short


def palette(field: str, title: str | None = None):
    """An Altair colour encoding on the shared categorical palette."""
    import altair as alt

    return alt.Color(field, title=title, scale=alt.Scale(scheme=PALETTE))


def calibration_chart(reliability: pd.DataFrame):
    """Mean predicted PD against the observed default rate per bin, with the diagonal a
    perfectly calibrated model would sit on."""
    import altair as alt

    top = float(max(reliability["mean_pd"].max(), reliability["observed"].max(), 0.01))
    diagonal = pd.DataFrame({"mean_pd": [0.0, top], "observed": [0.0, top]})
    line = (
        alt.Chart(diagonal)
        .mark_line(color="#7f8c8d", strokeDash=[5, 4])
        .encode(x="mean_pd:Q", y="observed:Q")
    )
    points = (
        alt.Chart(reliability)
        .mark_circle(color="#2e86c1", opacity=0.85)
        .encode(
            x=alt.X("mean_pd:Q", title="Predicted PD (bin mean)", axis=alt.Axis(format="%")),
            y=alt.Y("observed:Q", title="Observed default rate", axis=alt.Axis(format="%")),
            size=alt.Size("n:Q", title="Loans in bin"),
            tooltip=[
                alt.Tooltip("mean_pd:Q", title="Predicted", format=".1%"),
                alt.Tooltip("observed:Q", title="Observed", format=".1%"),
                alt.Tooltip("n:Q", title="Loans", format=","),
            ],
        )
    )
    return line + points


def profit_chart(profit: pd.DataFrame, model_cutoff: float, chosen: float, money: str):
    """Profit by cut-off with the model's cut-off (and the what-if one, when moved) marked."""
    import altair as alt

    curve = (
        alt.Chart(profit)
        .mark_line(color="#2e86c1")
        .encode(
            x=alt.X(
                "cutoff:Q", title="Cut-off PD (decline at or above)", axis=alt.Axis(format="%")
            ),
            y=alt.Y("profit:Q", title=f"Profit ({money})", axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("cutoff:Q", title="Cut-off", format=".1%"),
                alt.Tooltip("profit:Q", title=f"Profit ({money})", format=",.0f"),
            ],
        )
    )
    marks = [("model cut-off", model_cutoff, "#c0392b")]
    if abs(chosen - model_cutoff) > 1e-9:
        marks.append(("what-if", chosen, "#e67e22"))
    layers = [curve]
    for i, (name, value, colour) in enumerate(marks):
        mark = pd.DataFrame({"cutoff": [value], "label": [f"{name} {formatting.pd_text(value)}"]})
        layers.append(alt.Chart(mark).mark_rule(color=colour, strokeWidth=2).encode(x="cutoff:Q"))
        layers.append(
            alt.Chart(mark)
            .mark_text(align="left", dx=4, dy=4 + 14 * i, baseline="top", color=colour)
            .encode(x="cutoff:Q", y=alt.value(0), text="label:N")
        )
    return alt.layer(*layers)


def pd_chart(pds: pd.Series, cutoff: float):
    """Histogram of scored PDs with the cut-off as a labelled red rule."""
    import altair as alt

    hist = (
        alt.Chart(pd.DataFrame({"pd": pds.to_numpy(float)}))
        .mark_bar()
        .encode(
            x=alt.X(
                "pd:Q",
                bin=alt.Bin(maxbins=40),
                title="Probability of default",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("count():Q", title="Applicants"),
        )
    )
    marker = pd.DataFrame({"cutoff": [cutoff], "label": [f"cut-off {formatting.pd_text(cutoff)}"]})
    rule = alt.Chart(marker).mark_rule(color="#c0392b", strokeWidth=2).encode(x="cutoff:Q")
    text = (
        alt.Chart(marker)
        .mark_text(align="left", dx=4, dy=-4, baseline="top", color="#c0392b", fontWeight="bold")
        .encode(x="cutoff:Q", y=alt.value(0), text="label:N")
    )
    return hist + rule + text


def evaluation_chart(table: pd.DataFrame):
    """Grouped bars: hit rate and NDCG of each method on the leave-one-out split."""
    import altair as alt

    frame = table[table["split"] == "leave-one-out"].melt(
        id_vars=["method"], value_vars=["hit_rate", "ndcg"], var_name="metric", value_name="value"
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("method:N", title=None, sort=None),
            xOffset="metric:N",
            y=alt.Y(
                "value:Q", title="Score at k (higher is better)", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("metric:N", title="Metric"),
            tooltip=["method", "metric", alt.Tooltip("value:Q", format=".3f")],
        )
    )


def similarity_heatmap(frame: pd.DataFrame):
    """Learned item-item weights as a heatmap: how much holding a product raises another's score."""
    import altair as alt

    order = list(dict.fromkeys(frame["held"]))
    limit = float(max(frame["weight"].abs().max(), 1e-6))
    axis = alt.Axis(labelLimit=400, labelOverlap=False, labelAngle=-45)
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("offered:N", sort=order, title="Product offered", axis=axis),
            y=alt.Y(
                "held:N",
                sort=order,
                title="Product held",
                axis=alt.Axis(labelLimit=400, labelOverlap=False),
            ),
            color=alt.Color(
                "weight:Q",
                title=["Learned weight:", "lift to the offered", "product's score"],
                scale=alt.Scale(scheme="redblue", domain=[-limit, limit], reverse=True),
            ),
            tooltip=[
                alt.Tooltip("held:N", title="Held"),
                alt.Tooltip("offered:N", title="Offered"),
                alt.Tooltip("weight:Q", title="Learned weight", format="+.3f"),
            ],
        )
        .properties(height=560)
    )


def thin_curve(curve: pd.DataFrame, by: str = "series", points: int = 150) -> pd.DataFrame:
    """At most about `points` evenly spaced rows of each `by` group, first and last kept: a ROC or
    PR curve of every threshold (800+ rows) draws the same line and costs the browser seconds."""
    position = curve.groupby(by, sort=False).cumcount()
    size = curve.groupby(by, sort=False)[by].transform("size")
    step = np.maximum(1, np.ceil(size / points)).astype(int)
    return curve[(position % step == 0) | (position == size - 1)]
