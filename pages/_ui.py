"""UI building blocks shared by the pages: the sidebar, Altair charts and the retrain flow.

Caches and model/bank access live in pages/_shared.py; this module only draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bankml import config, formatting
from bankml.data import BankInfo
from bankml.errors import BankmlError
from pages._shared import (
    clear_caches,
    current_bank,
    current_card,
    literal,
    show_error,
)


def sidebar() -> None:
    info = current_bank()
    with st.sidebar:
        st.caption("Bank in use")
        if info is None:
            st.warning("No bank yet: generate one on the Data page.")
        else:
            st.markdown(
                f"**{formatting.count(info.customers)} customers** · seed {info.seed} · "
                f"{info.locale}  \n"
                f"generated {info.created_at[:16].replace('T', ' ')} UTC  \n"
                f"hash `{info.short_hash}`"
            )
        st.caption("Model in use")
        try:
            card = current_card()
        except BankmlError:
            st.warning("The current model is unusable: retrain it on Model performance.")
            return
        if card is None:
            st.caption("none yet: train one on Model performance")
            return
        from bankml.default.byod import model_is_stale

        st.markdown(
            f"**{literal(card.get('algorithm', '?'))}** · "
            f"cut-off {formatting.pd_text(card.get('cutoff', 0))}  \n"
            f"trained on {literal(card.get('source', '?'))}"
        )
        if info is not None and model_is_stale(card, info.content_hash):
            st.warning("Stale: trained on an earlier bank. Retrain on Model performance.")


def reason_chart(reasons: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Signed horizontal bars: each factor's points, red when it raises the PD, blue when it lowers.

    (data, Vega-Lite spec) for st.vega_lite_chart: drawn on every scoring, so it skips Altair's
    schema validation (about 12 ms a chart).
    """
    data = pd.DataFrame(
        {
            "feature": formatting.label_text(reasons["feature"].astype(str)),
            "value": reasons["value"].astype(str),
            "points": reasons["points"].astype(float),
            "direction": np.where(reasons["points"] > 0, "raises PD", "lowers PD"),
        }
    )
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "points",
                "type": "quantitative",
                "title": "Contribution to the score (points; + raises the PD)",
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


FLASH = "flash_message"


def flash_and_rerun(*messages: tuple[str, str]) -> None:
    """Rerun the whole app so the sidebar shows the new bank or model, and say what happened.

    The sidebar is drawn before the page, so after a regeneration or a training in the page it
    still shows the old state until a rerun; the (kind, text) messages survive the rerun in
    session state, kind "success" or "warning".
    """
    st.session_state[FLASH] = list(messages)
    st.rerun(scope="app")


def show_flash() -> None:
    """The messages left by flash_and_rerun, once."""
    for kind, text in st.session_state.pop(FLASH, []):
        if kind == "warning":
            st.warning(literal(text), icon=":material/warning:")
        else:
            st.success(literal(text), icon=":material/check_circle:")


def store_first_views() -> None:
    """Compute what the Model performance page's first view needs, right after a training,
    and store it beside the model (bankml.default.performance_view): no page fits anything on first view."""
    from bankml.default import performance_view

    performance_view.ensure(config.models_dir())


def train_with_progress(info: BankInfo, candidates: str = "quick", economics=None) -> None:
    """Train on the bank with a progress bar, register the model as current, then rerun fresh
    with a message naming the new model (never a silent rerun). `economics`: a LendingEconomics
    to price the cut-off with (None: the default policy)."""
    from bankml.default import train_bank_model

    bar = st.progress(0.0, text="Starting...")
    try:
        result, folder = train_bank_model(
            info.path,
            config.models_dir(),
            candidates=candidates,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
            **({"economics": economics} if economics is not None else {}),
        )
        bar.progress(1.0, text="Preparing the Model performance view...")
        store_first_views()
    except BankmlError as exc:
        show_error(exc)
        return
    clear_caches()
    auc = result.metrics().get("roc_auc", float("nan"))
    name = folder.name if folder is not None else "?"
    flash_and_rerun(
        (
            "success",
            f"Model {name} ({result.chosen}) trained on this bank and now current: "
            f"ROC AUC {auc:.3f} out of fold.",
        )
    )
