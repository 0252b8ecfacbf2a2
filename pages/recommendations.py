"""Recommendations: which products to offer a customer, why, and how good the recommender is."""

from __future__ import annotations

import streamlit as st

from bankml import recommend
from bankml.errors import BankmlError
from pages import _shared, _ui

st.title("Recommendations")
st.caption(
    "Products to offer each customer by item-based collaborative filtering over holdings, "
    "with the held products behind each offer, business rules and an evaluation against baselines."
)
info = _shared.require_bank()
use_segments = st.toggle(
    "Use customer segments",
    value=False,
    key="rec_use_segments",
    help="Cold-start customers get their segment's most popular products (fits the segmentation once).",
)
try:
    context = _shared.recommender(info, use_segments)
except BankmlError as exc:
    _shared.show_error(exc)
    st.stop()

left, right = st.columns([1, 2])
search = left.text_input(
    "Find a customer", key="rec_customer_search", placeholder="customer ID or part of a name"
)
matches = recommend.find_customers(search, context, limit=50)
if matches.empty:
    left.warning(f"No customer matches {_shared.literal(search)}.")
    st.stop()
names = dict(zip(matches["customer_id"], matches["name"], strict=True))
customer = left.selectbox(
    "Customer", list(names), format_func=lambda c: f"{c} · {names[c]}", key="rec_customer"
)
top_n = left.slider("How many offers", 1, 10, 5, key="rec_top_n")

try:
    profile = recommend.customer_profile(customer, context)
    holdings = recommend.customer_holdings(customer, context)
    offers = recommend.recommend_for_customer(customer, n=top_n, context=context)
    decisions = recommend.offer_decisions(customer, context=context)
except BankmlError as exc:
    _shared.show_error(exc)
    st.stop()

with right:
    st.subheader(_shared.literal(profile["name"]))
    cols = st.columns(4)
    cols[0].metric("Age", f"{profile['age']:.0f}")
    cols[1].metric("Annual income", f"{profile['annual_income']:,.0f}")
    cols[2].metric("Credit score", f"{profile['credit_score']:.0f}")
    cols[3].metric("Segment", str(profile.get("segment", "—")))
    st.markdown("**Holds**")
    if holdings.empty:
        st.info("No products yet: offers come from popularity (cold start).")
    else:
        st.dataframe(holdings, hide_index=True)

st.subheader(f"Top {top_n} offers")
st.caption(context.risk.note)
st.dataframe(
    offers,
    hide_index=True,
    column_config={"score": st.column_config.NumberColumn(format="%.3f")},
)
blocked = decisions[~decisions["allowed"] & (decisions["rule"] != "already held")]
if not blocked.empty:
    with st.expander(f"Not offered by rule ({len(blocked)})"):
        st.dataframe(blocked[["name", "family", "rule"]], hide_index=True)

st.subheader("How good are the recommendations?")
evaluation = _shared.recommender_evaluation(info, k=5, use_segments=use_segments)
st.caption(
    "Seeded hold-out: one holding (or 20 %) of each customer with two or more is hidden; "
    "each method ranks the rest. The oracle ranks by the generator's true propensities."
)
st.altair_chart(_ui.evaluation_chart(evaluation), width="stretch")
st.dataframe(evaluation, hide_index=True)

st.subheader("Which products go together")
st.altair_chart(_ui.similarity_heatmap(recommend.similarity_frame(context)), width="stretch")
