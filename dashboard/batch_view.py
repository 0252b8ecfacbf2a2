"""The Default prediction page's batch result: outcome, decisions counted, scored table, problem
rows and drift against the training data. This module only draws.
"""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.default import batch_summary
from bankml.default.drift import TOO_FEW
from dashboard import charts, review, safe


def show_batch(result, name: str, cutoff: float) -> None:
    """Results first: the outcome, the decisions counted, then identifier, PD, grade, decision."""
    summary = result.summary()
    kind, text = batch_summary.outcome(
        summary["rows_in"], summary["scored"], summary["rejected"], summary["warnings"]
    )
    {"success": st.success, "warning": st.warning, "error": st.error}[kind](safe.literal(text))
    if len(result.scored):
        counts = batch_summary.decision_counts(result.scored)
        cols = st.columns(4)
        for col, (decision, n) in zip(cols, counts.items(), strict=False):
            share = formatting.percent(n / len(result.scored))
            col.metric(decision.title(), formatting.count(n), help=f"{share} of the scored rows")
        mean_pd = formatting.pd_text(summary["mean_pd"])
        cols[3].metric(
            "Mean PD", mean_pd, help="Average probability of default of the scored rows."
        )
        st.subheader("Scored applicants")
        st.dataframe(
            batch_summary.for_export(result.scored),
            hide_index=True,
            column_config={
                "pd": st.column_config.NumberColumn(
                    "PD", format="percent", help="Probability of default"
                ),
                "reason_1": st.column_config.TextColumn("Top reason"),
            },
        )
        st.altair_chart(charts.pd_chart(result.scored["pd"], cutoff), width="stretch")
        st.download_button(
            "Download scored CSV", batch_summary.export_csv(result.scored),
            f"scored_{name.rsplit('.', 1)[0]}.csv", "text/csv", key="batch_download",
            on_click="ignore",
        )  # fmt: skip
    if len(result.issues()):
        st.subheader("Rows with problems (not scored unless marked warning)")
        st.dataframe(result.issues(), hide_index=True)
    if result.report.extra_columns:
        extra = ", ".join(result.report.extra_columns)
        st.caption(f"Carried through, not used by the model: {safe.literal(extra)}")
    if len(result.scored) and result.drift is not None:
        st.subheader("Drift against the training data")
        st.caption(
            "PSI per input on bins from the training data, the PD's first: below 0.10 stable, "
            "0.10-0.25 moderate, above significant; a PSI within the noise level cannot be told "
            "from chance."
        )
        st.dataframe(
            result.drift, hide_index=True, key="batch_drift", column_config=review.DRIFT_COLUMNS
        )
        if (result.drift["band"] == TOO_FEW).any():
            st.caption(
                f"{TOO_FEW.capitalize()}: with this few rows even a batch from the training "
                "population would show a PSI this large, so no verdict is given."
            )
