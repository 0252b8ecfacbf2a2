"""Customer segments: KMeans over behavioural features, how k was chosen, and who is in each segment."""

from __future__ import annotations

import altair as alt
import streamlit as st

from bankml.csvio import to_safe_csv
from bankml.errors import BankmlError
from bankml.segment import assign, member_table, new_customer_row
from pages import _shared

st.title("Customer segments")
st.caption("Customers grouped by spending mix, channels, life stage and products (KMeans).")
info = _shared.require_bank()

k = st.selectbox(
    "Number of segments",
    ["auto", *range(2, 11)],
    key="segment_k",
    help="auto picks the sharpest elbow of the inertia curve (see the charts below)",
)
try:
    result = _shared.segments(info, k)
except BankmlError as exc:
    _shared.show_error(exc)
    st.stop()

cols = st.columns(4)
cols[0].metric("Segments", result.k)
cols[1].metric("Silhouette", f"{result.silhouette:.3f}")
cols[2].metric("Stability (ARI between seeds)", f"{result.stability_ari:.3f}")
cols[3].metric("Variance shown in the scatter", f"{sum(result.explained_variance):.0%}")

st.subheader("Choosing k")
st.caption(
    "auto takes the sharpest elbow of the inertia curve: the k whose improvement over k-1 is "
    "largest relative to the next one's. The red line marks the k in use."
)
scores = result.k_scores.reset_index()
base = alt.Chart(scores).encode(x=alt.X("k:O", title="k (segments)"))
chosen = alt.Chart(scores[scores["chosen"]]).mark_rule(color="red").encode(x="k:O")
left, right = st.columns(2)
left.altair_chart(
    base.mark_line(point=True).encode(y=alt.Y("inertia:Q", title="inertia (within-segment SS)"))
    + chosen,
    width="stretch",
)
right.altair_chart(
    base.mark_line(point=True).encode(y=alt.Y("silhouette:Q", title="silhouette (sampled)"))
    + chosen,
    width="stretch",
)

st.subheader("Customers in two dimensions (PCA)")
st.altair_chart(
    alt.Chart(result.projection)
    .mark_circle(size=18, opacity=0.6)
    .encode(
        x=alt.X("pc1:Q", title=f"PC1 ({result.explained_variance[0]:.0%} of variance)"),
        y=alt.Y("pc2:Q", title=f"PC2 ({result.explained_variance[1]:.0%} of variance)"),
        color=alt.Color("name:N", title="segment"),
        tooltip=["customer_id:Q", "name:N", "pc1:Q", "pc2:Q"],
    )
    .interactive(),
    width="stretch",
)

st.subheader("Profiles")
heat = result.feature_profile[result.feature_profile["feature"].isin(result.feature_list)]
st.altair_chart(
    alt.Chart(heat)
    .mark_rect()
    .encode(
        x=alt.X("feature:N", title="feature"),
        y=alt.Y("name:N", title="segment"),
        color=alt.Color(
            "std_diff:Q",
            title="sd from population",
            scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True),
        ),
        tooltip=["name:N", "feature:N", "mean:Q", "population_mean:Q", "std_diff:Q"],
    ),
    width="stretch",
)
grid = st.columns(3)
for i, (segment, row) in enumerate(result.profiles.iterrows()):
    with grid[i % 3].container(border=True):
        st.markdown(f"**{row['name']}** · segment {segment}")
        st.caption(f"{row['size']:,} customers ({row['share']:.1%})")
        st.write(row["traits"])
        if "top_products" in row and isinstance(row["top_products"], str):
            st.caption(f"Over-represented: {row['top_products']}")
        if "default_rate" in row:
            st.caption(f"Default rate of its loans: {row['default_rate']:.1%}")

st.subheader("Customers of a segment")
pick = st.selectbox(
    "Segment",
    list(result.profiles.index),
    key="segment_pick",
    format_func=lambda s: f"{s}: {result.profiles.loc[s, 'name']}",
)
search = st.text_input("Filter by name or city", key="segment_search")
try:
    members = member_table(result, pick, info.path, search)
except BankmlError as exc:
    _shared.show_error(exc)
else:
    st.dataframe(members, hide_index=True, width="stretch")
    st.download_button(
        "Download CSV", to_safe_csv(members), f"segment_{pick}.csv", "text/csv", key="segment_csv"
    )

st.subheader("Assign a new customer")
categories = [c.removeprefix("mix_") for c in result.feature_list if c.startswith("mix_")]
with st.form("segment_assign"):
    a, b, c = st.columns(3)
    age = a.number_input("Age", 18, 110, 35, key="seg_age")
    income = b.number_input("Annual income", 0, 10_000_000, 45_000, step=1_000, key="seg_income")
    dependents = c.number_input("Dependents", 0, 20, 0, key="seg_dependents")
    per_month = a.number_input("Transactions per month", 0.0, 1000.0, 2.0, key="seg_txn")
    ticket = b.number_input("Average transaction amount", 0.0, 100_000.0, 80.0, key="seg_ticket")
    products = c.number_input("Products held", 0, 50, 3, key="seg_products")
    digital = st.slider(
        "Share of transactions online or on mobile", 0.0, 1.0, 0.5, key="seg_digital"
    )
    mix = st.multiselect("Main spending categories", categories, [categories[0]], key="seg_mix")
    submitted = st.form_submit_button("Assign")
if submitted:
    try:
        row = new_customer_row(
            result,
            age=age,
            annual_income=income,
            dependents=dependents,
            transactions_per_month=per_month,
            average_ticket=ticket,
            digital_share=digital,
            spend_mix={m: 1.0 for m in mix},
            n_products=products,
        )
        segment = int(assign(result, row).iloc[0])
        st.success(f"Segment {segment}: {result.profiles.loc[segment, 'name']}")
    except BankmlError as exc:
        _shared.show_error(exc)
