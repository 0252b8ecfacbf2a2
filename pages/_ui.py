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
        from bankml.byod import model_is_stale

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
    """Product x product item-CF similarity as a heatmap (0 = never held together)."""
    import altair as alt

    order = list(dict.fromkeys(frame["product_a"]))
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("product_b:N", sort=order, title="Product"),
            y=alt.Y("product_a:N", sort=order, title="Held product"),
            color=alt.Color(
                "similarity:Q", title="Cosine similarity", scale=alt.Scale(scheme="blues")
            ),
            tooltip=["product_a", "product_b", alt.Tooltip("similarity:Q", format=".2f")],
        )
        .properties(height=520)
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


def train_with_progress(info: BankInfo, candidates: str = "quick") -> None:
    """Train on the bank with a progress bar, register the model as current, then rerun fresh
    with a message naming the new model (never a silent rerun)."""
    from bankml.default import train_bank_model

    bar = st.progress(0.0, text="Starting...")
    try:
        result, folder = train_bank_model(
            info.path,
            config.models_dir(),
            candidates=candidates,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
        )
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
