"""Overview: the bank at a glance."""

from __future__ import annotations

import streamlit as st

from pages import _shared

st.title("Overview")
st.caption("The bank at a glance: its customers, loans and how they behave.")
info = _shared.require_bank()

cols = st.columns(4)
cols[0].metric("Customers", f"{info.row_counts['customers']:,}")
cols[1].metric("Loans", f"{info.row_counts['loans']:,}")
cols[2].metric("Realised default rate", f"{info.realised_default_rate:.2%}")
cols[3].metric("Transactions", f"{info.row_counts['transactions']:,}")

st.subheader("Tables")
st.dataframe(
    {"table": list(info.row_counts), "rows": list(info.row_counts.values())},
    hide_index=True,
)
