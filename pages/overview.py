"""Overview: the bank at a glance."""

from __future__ import annotations

import altair as alt
import streamlit as st

from bankml import formatting
from dashboard import charts, store

st.title("Overview")
st.caption("The bank at a glance: customers, lending, risk, spending and products.")
info = store.require_bank()
figures = store.overview(info)

summary, locale = figures["summary"], info.locale
money = formatting.currency(locale)
cols = st.columns(5)
cols[0].metric("Customers", formatting.count(summary.customers))
cols[1].metric("Loans", formatting.count(summary.loans))
cols[2].metric(
    "Exposure",
    formatting.money_short(summary.exposure, locale),
    help="Total amount lent across all loans.",
)
cols[3].metric(
    "Realised default rate",
    formatting.percent(summary.default_rate),
    help="Share of loans that actually defaulted in this bank.",
)
cols[4].metric(
    "Products per customer",
    f"{summary.mean_products:.2f}",
    help="Average number of bank products (accounts, cards, loans, insurance) a customer holds.",
)
st.caption(
    f"Bank: seed {info.seed}, {formatting.count(info.customers)} customers, locale {locale}, "
    f"generated {info.created_at[:16].replace('T', ' ')} UTC, hash {info.short_hash}. "
    f"Oracle AUC (how well the true, hidden PD ranks defaulters: the best any model can do) "
    f"{info.oracle_auc:.3f}."
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
    by_purpose = figures["by_purpose"].assign(purpose=lambda f: formatting.label_text(f["purpose"]))
    st.altair_chart(
        alt.Chart(by_purpose)
        .mark_bar()
        .encode(
            y=alt.Y("purpose:N", title="Purpose", sort="-x", axis=alt.Axis(**charts.FULL_LABELS)),
            x=alt.X("default_rate:Q", title="Default rate", axis=alt.Axis(format="%")),
            tooltip=["purpose", "loans", alt.Tooltip("default_rate:Q", format=".2%")],
        ),
        width="stretch",
    )

st.subheader("Spend by category over time")
st.altair_chart(
    alt.Chart(figures["spend"].assign(category=lambda f: formatting.label_text(f["category"])))
    .mark_area()
    .encode(
        x=alt.X("month:T", title="Month"),
        y=alt.Y("spend:Q", title=f"Spend per month ({money})", stack=True),
        color=charts.palette("category:N", "Category"),
        tooltip=[
            "month:T",
            "category",
            alt.Tooltip("spend:Q", title=f"Spend ({money})", format=",.0f"),
        ],
    ),
    width="stretch",
)

st.subheader("Product penetration")
st.altair_chart(
    alt.Chart(figures["penetration"])
    .mark_bar()
    .encode(
        y=alt.Y("product:N", title=None, sort="-x", axis=alt.Axis(**charts.FULL_LABELS)),
        x=alt.X("penetration:Q", title="Share of customers holding it", axis=alt.Axis(format="%")),
        color=charts.palette("family:N", "Family"),
        tooltip=["product", "family", alt.Tooltip("penetration:Q", format=".1%")],
    ),
    width="stretch",
)
