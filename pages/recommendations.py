"""Recommendations: which products to offer a customer, why, and how good the recommender is."""

from __future__ import annotations

import streamlit as st

from bankml import recommend
from bankml.errors import BankmlError
from dashboard import charts, customers, recommend_view, safe, store
from dashboard.recommend_view import MORE

st.title("Recommendations")
st.caption(
    "Products to offer each customer from a learned item-item model: what they hold, what "
    "customers opened next after the same products, and customers like them (segment, age, "
    "income, tenure, life stage) weigh in together, with business rules, a risk check on lending "
    "offers and an evaluation against the strongest baseline."
)
info = store.require_bank()
use_segments = st.toggle(
    "Use customer segments",
    value=True,
    key="rec_use_segments",
    help=(
        "Adds how closely each customer resembles each segment (from the Customer segments page)"
        " to the model's context; reasons name the segment."
    ),
)
try:
    context = customers.recommender(info, use_segments)
except BankmlError as exc:
    safe.show_error(exc)
    st.stop()

left, right = st.columns([1, 2])
search = left.text_input(
    "Find a customer", key="rec_customer_search", placeholder="customer ID or part of a name"
)
matches = recommend.find_customers(search, context, limit=50)
if matches.empty:
    left.warning(f"No customer matches {safe.literal(search)}.")
    st.stop()
names = dict(zip(matches["customer_id"], matches["name"], strict=True))
customer = left.selectbox(
    "Customer", list(names), format_func=lambda c: f"{c} · {names[c]}", key="rec_customer"
)
top_n = left.slider("How many offers", 1, 10, 5, key="rec_top_n")

try:
    profile = recommend.customer_profile(customer, context)
    holdings = recommend.customer_holdings(customer, context)
    offers = recommend.recommend_for_customer(customer, context, n=top_n)
    decisions = recommend.offer_decisions(customer, context)
except BankmlError as exc:
    safe.show_error(exc)
    st.stop()

with right:
    st.subheader(safe.literal(profile["name"]))
    cols = st.columns(3)
    cols[0].metric("Age", f"{profile['age']:.0f}")
    cols[1].metric("Annual income", f"{profile['annual_income']:,.0f}")
    cols[2].metric("Credit score", f"{profile['credit_score']:.0f}")
    # a line, not a metric: segment names are long and a metric cuts them off
    st.markdown(f"**Segment:** {safe.literal(profile.get('segment', 'segments off'))}")
    st.markdown("**Holds**")
    if holdings.empty:
        st.info("No products yet: offers come from customers like them (their context).")
    else:
        st.markdown(recommend_view.holdings_markdown(holdings))

st.subheader(f"Top {top_n} offers")
st.caption(context.risk.note)
for rank, offer in enumerate(offers.itertuples(index=False), start=1):  # at most 10 offers
    note = f"  \n*{safe.literal(offer.note)}*" if offer.note else ""
    st.markdown(
        f"**{rank}. {safe.literal(offer.name)}** ({safe.literal(offer.family)}): "
        f"{safe.literal(offer.reason)}{note}"
    )
blocked = decisions[~decisions["allowed"] & (decisions["rule"] != "already held")]
if not blocked.empty:
    with st.expander(f"Not offered by rule ({len(blocked)})"):
        st.markdown(recommend_view.blocked_markdown(blocked))

st.subheader("How good are the recommendations?")
try:
    evaluation = customers.recommender_evaluation(info, k=5, use_segments=use_segments)
except BankmlError as exc:
    safe.show_error(exc)
    st.stop()
summary = recommend.strongest_baseline(evaluation).to_dict(orient="records")
for split, reason in recommend.unavailable_splits(evaluation).items():
    st.info(f"NDCG@5, {split}: not evaluated on this bank. {reason}")
for column, row in zip(st.columns(len(summary)), summary, strict=True):
    column.metric(
        f"NDCG@5, {row['split']}",
        f"{row['in use']:.3f}",
        f"{row['vs baseline']:.2f}x {row['strongest baseline']} (strongest baseline)",
        delta_color="normal" if row["vs baseline"] >= 1 else "inverse",
        help=f"Oracle (generator's truth): {row['oracle']:.3f}; the model reaches"
        f" {row['vs oracle']:.2f}x of it.",
    )
st.caption(
    "Leave-one-out hides one holding of each customer with two or more. The temporal splits fit "
    "on holdings opened before a date and score the products opened after it, knowing only what "
    "the bank knew on that date (no segments: today's segments see later spending). The headline "
    "date is 12 months before the last opening (a yearly campaign back-tested on the bank's record "
    "before it); the earlier split, at the 80 % quantile of opening dates, sees only weeks of "
    "transactions and is shown for comparison. The oracle ranks by the generator's true "
    "propensities."
)
# The charts on demand: two Vega charts and a table below the fold slowed the first view.
more = st.segmented_control(
    "Show more",
    list(MORE),
    default=None,
    key="rec_more",
    format_func=MORE.get,
    help="The scores and model terms behind each offer, every method's scores on both splits, or "
    "the learned weights between products.",
)
if more == "scores":
    st.subheader("Scores and the model's terms behind each offer")
    st.dataframe(
        offers,
        hide_index=True,
        column_order=["name", "family", "reason", "note", "score", "evidence"],
        column_config={
            "name": "Product",
            "family": "Family",
            "reason": st.column_config.TextColumn("Why", width="large"),
            "note": st.column_config.TextColumn("Risk check", width="medium"),
            "score": st.column_config.NumberColumn("Score", format="%.3f"),
            "evidence": st.column_config.TextColumn(
                "Model terms",
                width="medium",
                help="Each held product or trait behind the offer and how much it adds to the score",
            ),
        },
    )
elif more == "evaluation":
    st.subheader("Every method on both splits")
    st.altair_chart(charts.evaluation_chart(evaluation), width="stretch")
    st.dataframe(evaluation, hide_index=True)
elif more == "pairs":
    st.subheader("Which products go together")
    st.caption(
        "Learned weight: how much holding the row's product raises the model's score for the "
        "column's product (blue raises, red lowers)."
    )
    st.altair_chart(charts.similarity_heatmap(recommend.similarity_frame(context)), width="stretch")
