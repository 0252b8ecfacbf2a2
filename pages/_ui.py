"""UI building blocks shared by the pages: the sidebar, Altair charts and the retrain flow.

Caches and model/bank access live in pages/_shared.py; this module only draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bankml import config
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
                f"**{info.customers:,} customers** · seed {info.seed} · {info.locale}  \n"
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
        from bankml.byod import model_is_stale

        st.markdown(
            f"**{literal(card.get('algorithm', '?'))}** · cut-off {card.get('cutoff', 0):.1%}  \n"
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
            "feature": reasons["feature"].astype(str),
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
            "y": {"field": "feature", "type": "nominal", "sort": None, "title": None},
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


def pd_chart(pds: pd.Series, cutoff: float):
    """Histogram of scored PDs with the cut-off as a red rule."""
    import altair as alt

    hist = (
        alt.Chart(pd.DataFrame({"pd": pds.to_numpy(float)}))
        .mark_bar()
        .encode(
            x=alt.X("pd:Q", bin=alt.Bin(maxbins=40), title="Probability of default"),
            y=alt.Y("count():Q", title="Applicants"),
        )
    )
    rule = alt.Chart(pd.DataFrame({"cutoff": [cutoff]})).mark_rule(color="#c0392b")
    return hist + rule.encode(x="cutoff:Q")


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


def train_with_progress(info: BankInfo, candidates: str = "quick") -> None:
    """Train on the bank with a progress bar, register the model as current, then rerun fresh."""
    from bankml.default import train_bank_model

    bar = st.progress(0.0, text="Starting...")
    try:
        train_bank_model(
            info.path,
            config.models_dir(),
            candidates=candidates,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
        )
    except BankmlError as exc:
        show_error(exc)
        return
    clear_caches()
    st.rerun()
