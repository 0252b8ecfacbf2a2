"""Customer segments: KMeans over behavioural features, how k was chosen, and who is in each segment."""

from __future__ import annotations

import altair as alt
import streamlit as st

from bankml.csvio import to_safe_csv
from bankml.errors import BankmlError
from bankml.segment import assign_new_customer, member_table
from bankml.segment.choice import GAP_TIE
from dashboard import customers, safe, store

HELP = {
    "segments": "How many groups the customers fall into. With 'auto' the number is chosen by the "
    "rule shown under 'Choosing k'; 'no clear segments' means the data do not support any.",
    "silhouette": "How much closer each customer is to its own segment than to the next one, "
    "from -1 to 1 (sampled). Above 0.25 segments are distinct; near 0 they overlap.",
    "stability": "Adjusted Rand index (ARI) between segmentations fitted on two random halves of "
    "the customers: 1 = the same segments every time, 0 = no better than chance.",
    "variance": "Share of the spread between customers that the 2-D scatter can show; the rest is "
    "in dimensions the picture flattens.",
}
COLOURS = "tableau20"  # 20 distinct hues, enough for k up to 20 without repeats

st.title("Customer segments")
st.caption("Customers grouped by spending mix, channels, life stage and products (KMeans).")
info = store.require_bank()

k = st.selectbox(
    "Number of segments",
    ["auto", *range(2, 11)],
    key="segment_k",
    help="auto: the gap statistic proposes k, checked by stability on half samples and by a "
    "reference cloud with the same correlations (see 'Choosing k').",
)
customer_count = info.row_counts.get("customers", 0)
if k == "auto":
    fitting = (
        f"Choosing the number of segments for {customer_count:,} customers: KMeans for each k, the "
        "gap statistic and stability on half samples, then profiles and the 2-D map (once per bank)"
    )
else:
    fitting = (
        f"Fitting {k} segments to {customer_count:,} customers: their features, KMeans, stability "
        "on two half samples, then profiles and the 2-D map (once per bank and k; choosing a "
        "segment, filtering or assigning below does not refit)"
    )
try:
    with st.spinner(f"{fitting}...", show_time=True):  # shown only when a fit runs (> 0.5 s)
        result = customers.segments(info, k)
except BankmlError as exc:
    safe.show_error(exc)
    st.stop()

names = result.profiles["name"]
cols = st.columns(4)
cols[0].metric("Segments", result.k if result.k else "no clear segments", help=HELP["segments"])
cols[1].metric("Silhouette", f"{result.silhouette:.3f}", help=HELP["silhouette"])
cols[2].metric("Stability (ARI)", f"{result.stability_ari:.3f}", help=HELP["stability"])
cols[3].metric(
    "Variance shown in the scatter",
    f"{sum(result.explained_variance):.0%}",
    help=HELP["variance"],
)
if result.k is None:
    st.warning(f"No clear cluster structure: {result.choice.reason}. All customers form one group.")

st.subheader("Choosing k")
if result.choice is not None:
    st.info(result.choice.reason)
scores = result.k_scores.reset_index()
base = alt.Chart(scores).encode(x=alt.X("k:O", title="k (segments)"))
marker = alt.Chart(scores[scores["chosen"]]).mark_rule(color="red").encode(x="k:O")
if "gap" in scores.columns:
    st.caption(
        "Gap: how much tighter the segments are than in a copy of the data with every feature "
        "shuffled on its own (no groups). auto takes the first k after which the gap stops "
        f"growing by more than its error (or {GAP_TIE:.0%}), provided fits on two halves agree (stability "
        f"ARI >= 0.5). Computed on {int(scores['choice_customers'].iloc[0]):,} customers."
    )
    left, right = st.columns(2)
    gap = base.encode(y=alt.Y("gap:Q", title="gap statistic"))
    left.altair_chart(
        gap.mark_line(point=True)
        + base.mark_errorbar()  # the axis keeps the line's title, not "gap statistic, low"
        .encode(y=alt.Y("low:Q", title="gap statistic"), y2="high:Q")
        .transform_calculate(low="datum.gap - datum.gap_se", high="datum.gap + datum.gap_se")
        + marker,
        width="stretch",
    )
    right.altair_chart(
        base.mark_line(point=True).encode(
            y=alt.Y(
                "stability:Q", title="stability (ARI, half samples)", scale=alt.Scale(domain=[0, 1])
            )
        )
        + marker,
        width="stretch",
    )
else:
    st.caption("k was set by hand; choose 'auto' to see the evidence for a number of segments.")
left, right = st.columns(2)
left.altair_chart(
    base.mark_line(point=True).encode(y=alt.Y("inertia:Q", title="inertia (within-segment SS)"))
    + marker,
    width="stretch",
)
right.altair_chart(
    base.mark_line(point=True).encode(y=alt.Y("silhouette:Q", title="silhouette (sampled)"))
    + marker,
    width="stretch",
)

legend = alt.Legend(title="segment", labelLimit=0, orient="bottom", columns=2)
colour = alt.Color("name:N", legend=legend, scale=alt.Scale(scheme=COLOURS))
st.subheader("Customers in two dimensions (PCA)")
st.altair_chart(
    alt.Chart(result.projection)
    .mark_circle(size=18, opacity=0.6)
    .encode(
        x=alt.X("pc1:Q", title=f"PC1 ({result.explained_variance[0]:.0%} of variance)"),
        y=alt.Y("pc2:Q", title=f"PC2 ({result.explained_variance[1]:.0%} of variance)"),
        color=colour,
        tooltip=["customer_id:Q", "name:N", "pc1:Q", "pc2:Q"],
    )
    .interactive(),
    width="stretch",
)

st.subheader("Profiles")
st.caption(
    "Each cell: how far the segment's average sits from the whole bank, in standard deviations "
    "(red above, blue below). Feature meanings are listed under 'What the features mean'."
)
heat = result.feature_profile[result.feature_profile["feature"].isin(result.feature_list)]
st.altair_chart(
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
    ),
    width="stretch",
)
with st.expander("What the features mean"):
    st.table(
        result.features[["name", "description", "cluster"]]
        .rename(columns={"cluster": "used to form segments"})
        .set_index("name")
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
    format_func=lambda s: f"{s}: {names[s]}",
)
search = st.text_input("Filter by name or city", key="segment_search")
try:
    members = member_table(result, pick, info.path, search)
except BankmlError as exc:
    safe.show_error(exc)
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
    ticket = b.number_input(
        "Average transaction amount (avg ticket)",
        0.0,
        100_000.0,
        80.0,
        key="seg_ticket",
        help="Average amount of one card transaction: total spend divided by transactions.",
    )
    products = c.number_input("Products held", 0, 50, 3, key="seg_products")
    digital = st.slider(
        "Share of transactions online or on mobile", 0.0, 1.0, 0.5, key="seg_digital"
    )
    mix = st.multiselect(
        "Main spending categories",
        categories,
        [categories[0]] if categories else [],
        key="seg_mix",
    )
    submitted = st.form_submit_button("Assign")
if submitted:
    try:
        found = assign_new_customer(
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
    except BankmlError as exc:
        safe.show_error(exc)
    else:
        for warning in found.warnings:
            st.warning(f"Check this input: {warning}")
        st.success(f"Segment {found.segment}: {found.name}")
        if found.runner_up is not None:
            st.markdown(
                f"Confidence **{found.confidence}**: {found.margin:.0%} closer to this segment's "
                f"centre than to the runner-up, segment {found.runner_up}: "
                f"{found.runner_up_name}.",
                help="Margin = (distance to runner-up - distance to chosen) / distance to "
                "runner-up: 0 on the boundary, 100 % at the centre. High >= 30 %, low < 10 %.",
            )
        if found.traits:
            st.markdown("What placed it there:\n" + "\n".join(f"- {t}" for t in found.traits))
