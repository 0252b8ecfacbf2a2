"""Column names, formats and help for the Model performance tables (the data keeps its short
names; the page shows these)."""

from __future__ import annotations

import streamlit as st

# Plain names and help for the fairness table's columns (the data keeps its short names).
FAIRNESS_COLUMNS = {
    "group": st.column_config.TextColumn("Group"),
    "n": st.column_config.NumberColumn("Loans", format="localized"),
    "default_rate": st.column_config.NumberColumn("Default rate", format="percent"),
    "approval_rate": st.column_config.NumberColumn("Approval rate", format="percent"),
    "tpr": st.column_config.NumberColumn(
        "Defaulters declined", format="percent",
        help="True positive rate: share of this group's defaulters the cut-off declines.",
    ),
    "fpr": st.column_config.NumberColumn(
        "Good payers declined", format="percent",
        help="False positive rate: share of this group's good payers the cut-off declines.",
    ),
    "disparate_impact": st.column_config.NumberColumn(
        "Approval ratio to best group", format="%.2f",
        help="Disparate impact: this group's approval rate divided by the highest group's; "
        "below 0.8 is flagged (the four-fifths rule).",
    ),
    "flagged": st.column_config.CheckboxColumn("Below 0.8"),
}  # fmt: skip

METRIC_COLUMNS = {
    "scored by": st.column_config.TextColumn("Scored by"),
    "roc_auc": st.column_config.NumberColumn("ROC AUC", format="%.3f", help="Ranking quality: 0.5 coin flip, 1 perfect."),
    "pr_auc": st.column_config.NumberColumn("PR AUC", format="%.3f", help="Precision-recall area: ranking quality focused on the defaulters."),
    "gini": st.column_config.NumberColumn("Gini", format="%.3f", help="2 x AUC - 1, the banking convention."),
    "ks": st.column_config.NumberColumn("KS", format="%.3f", help="Largest gap between the PD distributions of defaulters and good payers."),
    "brier": st.column_config.NumberColumn("Brier", format="%.4f", help="Mean squared error of the PD: lower is better."),
    "log_loss": st.column_config.NumberColumn("Log loss", format="%.4f", help="Penalises confident wrong PDs: lower is better."),
    "ece": st.column_config.NumberColumn("Calibration error", format="%.4f", help="Expected calibration error: average gap between predicted PD and observed rate."),
}  # fmt: skip

EL_COLUMNS = {
    "grade": st.column_config.TextColumn("Grade"),
    "vintage": st.column_config.TextColumn("Vintage"),
    "loans": st.column_config.NumberColumn("Loans", format="localized"),
    "mean_pd": st.column_config.NumberColumn("Mean PD", format="percent"),
    "exposure": st.column_config.NumberColumn("Exposure (EAD)", format="localized"),
    "expected_loss": st.column_config.NumberColumn("Expected loss", format="localized"),
    "el_rate": st.column_config.NumberColumn("Loss / exposure", format="percent"),
}
SCALE_COLUMNS = {
    "grade": st.column_config.TextColumn("Grade"),
    "pd_from": st.column_config.NumberColumn("PD from", format="percent"),
    "pd_to": st.column_config.NumberColumn("PD below", format="percent"),
}

LEADERBOARD_COLUMNS = {
    **METRIC_COLUMNS,
    "name": st.column_config.TextColumn("Candidate"),
    "imbalance": st.column_config.TextColumn("Class weighting"),
    "fit_seconds": st.column_config.NumberColumn("Fit (s)", format="%.2f"),
    "subsampled": st.column_config.CheckboxColumn("Subsampled"),
    "explainable": st.column_config.CheckboxColumn("Reason codes"),
    "auc_vs_oracle": st.column_config.NumberColumn(
        "AUC / oracle AUC", format="%.3f", help="Share of the best possible ranking reached."
    ),
    "chosen": st.column_config.CheckboxColumn("Chosen"),
}
