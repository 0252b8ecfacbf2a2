"""Customer segments: KMeans over behavioural features, how k was chosen, and who is in each segment.

The headline figures, then one section at a time (dashboard.segment_view.SECTIONS): the profile
cards first (text only: a first view with no chart to load); the feature heatmap, the map, the
evidence for k, the members and the assignment on demand. Every chart at once (a scatter of
thousands of customers among them) took seconds to draw.
"""

from __future__ import annotations

import streamlit as st

from bankml.csvio import to_safe_csv
from bankml.errors import BankmlError
from bankml.segment import assign_new_customer, member_table
from dashboard import customers, safe, segment_view, store
from dashboard.segment_view import HELP, SECTIONS

st.title("Customer segments")
st.caption("Customers grouped by spending mix, channels, life stage and products (KMeans).")
info = store.require_bank()

k = st.selectbox("Number of segments", ["auto", *range(2, 11)], key="segment_k", help=HELP["k"])
customer_count = info.row_counts.get("customers", 0)
try:  # the spinner shows only when a fit runs (> 0.5 s)
    with st.spinner(f"{segment_view.fitting_text(k, customer_count)}...", show_time=True):
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
    "Variance shown in the map", f"{sum(result.explained_variance):.0%}", help=HELP["variance"]
)
if result.k is None:
    st.warning(f"No clear cluster structure: {result.choice.reason}. All customers form one group.")
if result.choice is not None:
    st.info(result.choice.reason)

section = st.segmented_control(
    "Show",
    list(SECTIONS),
    default="profiles",
    required=True,
    key="segment_section",
    format_func=SECTIONS.get,
    help="One section at a time; the fit above is shared, so switching never refits.",
)

if section == "profiles":
    st.subheader("Profiles")
    st.caption(
        "Each segment's name, size and what sets it apart from the whole bank. The feature heatmap "
        f"behind these traits is under **{SECTIONS['heatmap']}**."
    )
    grid = st.columns(3)
    for i, (segment, row) in enumerate(result.profiles.iterrows()):
        grid[i % 3].container(border=True).markdown(segment_view.card_markdown(segment, row))

elif section == "heatmap":
    st.subheader("Feature heatmap")
    st.caption(
        "Each cell: how far the segment's average sits from the whole bank, in standard deviations "
        "(red above, blue below). Feature meanings are listed under 'What the features mean'."
    )
    st.altair_chart(
        segment_view.profile_heatmap(result.feature_profile, result.feature_list), width="stretch"
    )
    with st.expander("What the features mean"):
        st.markdown(segment_view.feature_markdown(result.features))

elif section == "map":
    st.subheader("Customers in two dimensions (PCA)")
    points = segment_view.scatter_sample(result.projection)
    st.altair_chart(segment_view.scatter_chart(points, result.explained_variance), width="stretch")
    st.caption(segment_view.sample_note(len(points), len(result.labels)))

elif section == "choice":
    st.subheader("Choosing k")
    charts = segment_view.k_charts(result.k_scores)
    if "gap" in result.k_scores.columns:
        st.caption(segment_view.gap_caption(result.k_scores))
    else:
        st.caption("k was set by hand; choose 'auto' to see the evidence for a number of segments.")
    for pair in (charts[i : i + 2] for i in range(0, len(charts), 2)):
        for column, chart in zip(st.columns(2), pair, strict=False):
            column.altair_chart(chart, width="stretch")

elif section == "members":
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
            "Download CSV",
            to_safe_csv(members),
            f"segment_{pick}.csv",
            "text/csv",
            key="segment_csv",
        )

else:
    st.subheader("Assign a new customer")
    categories = segment_view.spend_categories(result.feature_list)
    with st.form("segment_assign"):
        a, b, c = st.columns(3)
        age = a.number_input("Age", 18, 110, 35, key="seg_age")
        income = b.number_input(
            "Annual income", 0, 10_000_000, 45_000, step=1_000, key="seg_income"
        )
        dependents = c.number_input("Dependents", 0, 20, 0, key="seg_dependents")
        per_month = a.number_input("Transactions per month", 0.0, 1000.0, 2.0, key="seg_txn")
        ticket = b.number_input(
            "Average transaction amount (avg ticket)", 0.0, 100_000.0, 80.0,
            key="seg_ticket", help=HELP["ticket"],
        )  # fmt: skip
        products = c.number_input("Products held", 0, 50, 3, key="seg_products")
        digital = st.slider(
            "Share of transactions online or on mobile", 0.0, 1.0, 0.5, key="seg_digital"
        )
        mix = st.multiselect("Main spending categories", categories, categories[:1], key="seg_mix")
        submitted = st.form_submit_button("Assign")
    if submitted:
        try:
            found = assign_new_customer(
                result, age=age, annual_income=income, dependents=dependents,
                transactions_per_month=per_month, average_ticket=ticket, digital_share=digital,
                spend_mix={m: 1.0 for m in mix}, n_products=products,
            )  # fmt: skip
        except BankmlError as exc:
            safe.show_error(exc)
        else:
            for warning in found.warnings:
                st.warning(f"Check this input: {warning}")
            st.success(f"Segment {found.segment}: {found.name}")
            if confidence := segment_view.confidence_text(found):
                st.markdown(confidence, help=HELP["margin"])
            if traits := segment_view.traits_text(found.traits):
                st.markdown(traits)
