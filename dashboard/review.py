"""Drawing helpers for the credit-risk review: scorecard screening, proxy check, batch drift,
counterfactual advice and the bank's difficulty figures (plain names and help text).

Kept apart from dashboard.charts so each module stays short; this module only draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bankml import formatting
from bankml.default.fairness import STRONG_PROXY_AUC
from dashboard.safe import literal

# Credit-risk review tables: plain column names and help (the data keeps its short names).
SCORECARD_ROLES = {
    "in use": "the model that scores applicants",
    "blend member": "one member of the blend that scores applicants",
    "challenger": "refitted for review only: another model scores applicants",
}
PROXY_COLUMNS = {
    "attribute": st.column_config.TextColumn("Protected attribute"),
    "groups": st.column_config.NumberColumn("Groups", help="Classes the attribute is split into (age in bands)."),
    "proxy_auc": st.column_config.NumberColumn(
        "Predictable from the inputs (AUC)", format="%.3f",
        help="Cross-validated ROC AUC of a model predicting the attribute from the model inputs: "
        "0.5 says nothing, 1 a perfect proxy.",
    ),
    "strongest_input": st.column_config.TextColumn("Strongest single input"),
    "strongest_input_auc": st.column_config.NumberColumn(
        "Its AUC alone", format="%.3f", help="How well that one input predicts the attribute."
    ),
    "flagged": st.column_config.CheckboxColumn(
        "Strong proxy", help=f"AUC at least {STRONG_PROXY_AUC:g}: the model could "
        "discriminate through its inputs although the attribute itself is excluded.",
    ),
}  # fmt: skip
DRIFT_COLUMNS = {
    "feature": st.column_config.TextColumn("Input"),
    "psi": st.column_config.NumberColumn(
        "Shift (PSI)", format="%.3f",
        help="Population stability index on bins taken from the training data: below 0.10 "
        "stable, 0.10-0.25 moderate, above significant.",
    ),
    "noise": st.column_config.NumberColumn(
        "Noise level", format="%.3f",
        help="The PSI two samples of one population exceed only 1% of the time at these row "
        "counts: a PSI below it cannot be told from chance.",
    ),
    "band": st.column_config.TextColumn("Verdict"),
    "rows": st.column_config.NumberColumn("Rows", format="localized"),
    "missing_reference": st.column_config.NumberColumn("Missing in training", format="percent"),
    "missing_batch": st.column_config.NumberColumn(
        "Missing in batch", format="percent", help="Missing values count as their own bin."
    ),
    "score_shift": st.column_config.NumberColumn(
        "Score shift (points)", format="%+.1f",
        help="Mean change in score points this input causes between training and batch "
        "(characteristic analysis); positive: the batch scores safer.",
    ),
}  # fmt: skip


def screening_columns(min_iv: float, max_correlation: float) -> dict:
    """Column names and help for the scorecard's screening table, with its thresholds."""
    return {
        "characteristic": st.column_config.TextColumn("Characteristic"),
        "iv": st.column_config.NumberColumn(
            "Information value", format="%.4f",
            help=f"How well the binned characteristic separates defaulters from good payers; "
            f"below {min_iv:g} it is dropped as too weak.",
        ),
        "kept": st.column_config.CheckboxColumn("Kept"),
        "reason": st.column_config.TextColumn(
            "Why dropped",
            help=f"Too weak (IV below {min_iv:g}), correlated above {max_correlation:g} with a "
            "stronger characteristic, or a coefficient whose sign runs against its bins.",
        ),
    }  # fmt: skip


def highlight_flagged(frame: pd.DataFrame, column: str = "flagged"):
    """A Styler that shades every row whose `column` is true (e.g. a strong proxy)."""

    def shade(row: pd.Series) -> list[str]:
        colour = "background-color: rgba(255, 75, 75, 0.18)" if bool(row[column]) else ""
        return [colour] * len(row)

    return frame.style.apply(shade, axis=1)


def counterfactual_text(cf: dict) -> str:
    """The advice, what it does to rate, payment and debt-to-income, and the PD before -> after."""
    labels = {
        "interest_rate": ("Rate", lambda v: f"{v:.2f}%"),
        "monthly_payment": ("Monthly payment", lambda v: f"{v:,.0f}"),
        "debt_to_income": ("Debt-to-income", lambda v: formatting.percent(v)),
    }
    changes = cf.get("changes", {})
    advice = []  # the advice itself; its effects follow as a list (not repeated inline)
    if "loan_amount" in changes:
        advice.append(
            f"borrow {changes['loan_amount']['to']:,.0f} instead of {changes['loan_amount']['from']:,.0f}"
        )
    if "term_months" in changes:
        c = changes["term_months"]
        advice.append(f"over {c['to']:.0f} months instead of {c['from']:.0f}")
    head = " ".join(advice) or str(cf["text"])
    lines = [f"**To be approved: {literal(head)}**"]
    for field, (label, fmt) in labels.items():
        change = cf.get("consequences", {}).get(field)
        if change:
            lines.append(f"- {label}: {fmt(change['from'])} → {fmt(change['to'])}")
    before = formatting.pd_text(cf["pd_before"]) if "pd_before" in cf else "?"
    lines.append(f"- PD: {before} → {formatting.pd_text(cf['pd'])}, under the cut-off")
    return "\n".join(lines)


DIFFICULTY = (  # key in the difficulty report, label, how to show it, help
    ("oracle_auc", "Oracle AUC (matured loans)", "auc",
     "ROC AUC of the true PD on matured booked loans: the best ranking any model could reach."),
    ("logistic_to_oracle", "Application-only logistic", "ratio",
     "Out-of-fold AUC of a logistic regression on the application columns alone, as a share of "
     "the oracle's on the same loans: behaviour in the transactions must add the rest."),
    ("gbm_to_oracle", "Gradient boosting + behaviour", "ratio",
     "Out-of-fold AUC of a gradient-boosted model adding customer-grain transaction features, "
     "as a share of the oracle's on the same loans."),
    ("segment_recoverability", "Segment-recoverability ceiling", "share",
     "Cross-validated accuracy of a supervised model predicting the true segment from customer, "
     "transaction and holdings data: no clustering can recover the segments better."),
    ("declined_share", "Declined applications", "share",
     "Share of applications the bank's past policy declined: they have no outcome (selection bias)."),
    ("immature_share", "Immature loans", "share",
     "Share of booked loans opened less than one outcome horizon before the data ends: no outcome yet."),
)  # fmt: skip


def show_difficulty(difficulty: dict) -> None:
    """The bank's difficulty figures as metrics with help; says so when the bank has none."""
    if not difficulty:
        st.caption("This bank was generated without difficulty figures: regenerate it to see them.")
        return
    if difficulty.get("logistic_to_oracle") is None:
        st.caption(
            "The model ceilings (application-only logistic, segment recoverability) were not "
            'computed for this bank: regenerate it with "Compute the model ceilings" ticked.'
        )
    shown = [
        (k, label, kind, text)
        for k, label, kind, text in DIFFICULTY
        if difficulty.get(k) is not None
    ]
    low, high = difficulty.get("quarterly_default_min"), difficulty.get("quarterly_default_max")
    cols = st.columns(4)
    for i, (key, label, kind, text) in enumerate(shown):
        value = float(difficulty[key])
        shown_value = f"{value:.3f}" if kind == "auc" else (
            f"{value:.3f} x oracle" if kind == "ratio" else formatting.percent(value)
        )  # fmt: skip
        cols[i % 4].metric(label, shown_value, help=text)
    if low is not None and high is not None:
        cols[len(shown) % 4].metric(
            "Quarterly default rate",
            f"{formatting.percent(low)} – {formatting.percent(high)}",
            help="Lowest and highest default rate of matured loans by application quarter: the "
            "economic cycle moves every applicant's risk.",
        )
