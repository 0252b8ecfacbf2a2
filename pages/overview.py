"""Overview: the bank at a glance."""

from __future__ import annotations

import altair as alt
import streamlit as st

from pages import _shared

st.title("Overview")
st.caption("The bank at a glance: customers, lending, risk, spending and products.")
info = _shared.require_bank()
figures = _shared.overview(info)

cols = st.columns(5)
cols[0].metric("Customers", f"{figures['summary'].customers:,}")
cols[1].metric("Loans", f"{figures['summary'].loans:,}")
cols[2].metric("Exposure", f"{figures['summary'].exposure / 1e6:,.1f} M")
cols[3].metric("Realised default rate", f"{figures['summary'].default_rate:.2%}")
cols[4].metric("Products per customer", f"{figures['summary'].mean_products:.2f}")
st.caption(
    f"Bank: seed {info.seed}, {info.customers:,} customers, locale {info.locale}, generated "
    f"{info.created_at[:16].replace('T', ' ')} UTC, hash {info.short_hash}. "
    f"Oracle AUC (scoring by the true PD) {info.oracle_auc:.3f}."
)

left, right = st.columns(2)
with left:
    st.subheader("Default rate by credit-score band")
    st.altair_chart(
        alt.Chart(figures["by_band"])
        .mark_bar()
        .encode(
            x=alt.X("credit_band:N", title="Credit-score band", sort=None),
            y=alt.Y("default_rate:Q", title="Default rate", axis=alt.Axis(format="%")),
            tooltip=["credit_band", "loans", alt.Tooltip("default_rate:Q", format=".2%")],
        ),
        width="stretch",
    )
with right:
    st.subheader("Default rate by loan purpose")
    st.altair_chart(
        alt.Chart(figures["by_purpose"])
        .mark_bar()
        .encode(
            y=alt.Y("purpose:N", title="Purpose", sort="-x"),
            x=alt.X("default_rate:Q", title="Default rate", axis=alt.Axis(format="%")),
            tooltip=["purpose", "loans", alt.Tooltip("default_rate:Q", format=".2%")],
        ),
        width="stretch",
    )

st.subheader("Spend by category over time")
st.altair_chart(
    alt.Chart(figures["spend"])
    .mark_area()
    .encode(
        x=alt.X("month:T", title="Month"),
        y=alt.Y("spend:Q", title="Spend", stack=True),
        color=alt.Color("category:N", title="Category"),
        tooltip=["month:T", "category", alt.Tooltip("spend:Q", format=",.0f")],
    ),
    width="stretch",
)

st.subheader("Product penetration")
st.altair_chart(
    alt.Chart(figures["penetration"])
    .mark_bar()
    .encode(
        y=alt.Y("product:N", title=None, sort="-x"),
        x=alt.X("penetration:Q", title="Share of customers holding it", axis=alt.Axis(format="%")),
        color=alt.Color("family:N", title="Family"),
        tooltip=["product", "family", alt.Tooltip("penetration:Q", format=".1%")],
    ),
    width="stretch",
)
