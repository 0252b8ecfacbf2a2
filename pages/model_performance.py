"""Model performance: candidates compared, curves against the oracle, the cut-off in money,
fairness, feature importance, the scorecard and the model registry."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bankml import byod, evaluate, formatting, registry
from bankml.default import LEADERBOARD_COLUMNS, fairness_by_group, report
from bankml.default.candidates import BLEND_NAME
from bankml.errors import BankmlError
from pages import _shared, _ui

st.title("Model performance")
st.caption("How good the default model is, what its cut-off costs and earns, and who it affects.")
_ui.show_flash()
info = _shared.require_bank()

try:
    found = _shared.current_model()
except BankmlError as exc:
    _shared.show_error(exc)
    found = None
if found is None:
    st.info("No usable model is registered. Train one on this bank (about 10 seconds).")
    if st.button("Train a model", key="train_first", type="primary"):
        _ui.train_with_progress(info)
    st.stop()
model, card = found
validation = _shared.model_validation(card)

cols = st.columns(4)
cols[0].metric("Model", card["algorithm"])
cols[1].metric("ROC AUC (out of fold)", f"{card['metrics']['roc_auc']:.3f}")
cols[2].metric("Brier (calibrated)", f"{card['metrics']['brier']:.4f}")
cols[3].metric(
    "Money cut-off (PD)",
    formatting.pd_text(model.cutoff_),
    help="The PD at and above which the model declines: chosen at training to maximise profit.",
)
# One staleness rule (bankml.byod.model_is_stale, as in the sidebar): only a model trained on an
# earlier version of this bank is stale. A model trained on an uploaded CSV is not: retraining on
# the bank would throw it away, so say what its figures are instead.
if byod.model_is_stale(card, info.content_hash):
    st.warning("This model was trained on an earlier version of this bank: retrain it below.")
elif card.get("data_hash") != info.content_hash:
    st.info(
        f"This model was trained on {_shared.literal(card.get('source', 'uploaded data'))}, not on "
        "the synthetic bank: the figures below are its own out-of-fold validation on that file."
    )

st.subheader("Candidates on the same folds")
st.dataframe(
    card["leaderboard"],
    hide_index=True,
    key="leaderboard",
    column_order=list(LEADERBOARD_COLUMNS),
)
if any(row.get("name") == BLEND_NAME for row in card["leaderboard"]):
    st.caption(
        "Small data: the blend of the best linear model and the tree models is kept unless a single"
        " model beats it by more than one standard error across the folds, so the chosen model is"
        " not always the top row."
    )

if validation is not None:
    curves = report.curve_frames(validation)
    left, right = st.columns(2)
    left.markdown("**ROC curve**")
    left.line_chart(curves["roc"], x="fpr", y="tpr", color="series")
    right.markdown("**Precision-recall curve**")
    right.line_chart(curves["pr"], x="recall", y="precision", color="series")
    st.dataframe(report.metrics_table(validation), hide_index=True)

    st.subheader("Calibration")
    reliability = evaluate.reliability_curve(validation["y"], validation["pd"])
    st.scatter_chart(reliability, x="mean_pd", y="observed", size="n")
    st.caption(f"Expected calibration error {evaluate.ece(validation['y'], validation['pd']):.4f}.")

    st.subheader("Cut-off and money")
    cutoff = st.slider(
        "What if the cut-off were... (decline when PD is at least)",
        0.0,
        1.0,
        float(round(model.cutoff_, 3)),
        0.005,
        key="cutoff",
        format="%.3f",
        help="A what-if: moving it redraws the figures below but does not change the model's "
        "cut-off, which scoring keeps using.",
    )
    st.caption(
        f"What-if only: the model scores with its own cut-off {formatting.pd_text(model.cutoff_)}"
        + ("." if cutoff == round(model.cutoff_, 3) else f"; shown here at {cutoff:.1%}.")
    )
    view = report.business_view(validation, cutoff)
    cols = st.columns(4)
    cols[0].metric("Approval rate", f"{view['approval_rate']:.1%}")
    cols[1].metric("Defaulters caught", f"{view['defaulters_caught']:.1%}")
    cols[2].metric("Bad debt avoided", f"{view['bad_debt_avoided']:,.0f}")
    cols[3].metric("Profit vs approve-all", f"{view['profit_vs_approve_all']:+,.0f}")
    left, right = st.columns(2)
    left.line_chart(report.profit_frame(validation), x="cutoff", y="profit")
    right.markdown("**Confusion matrix at this cut-off**")
    right.dataframe(report.confusion_frame(validation, cutoff))

    st.subheader("Fairness")
    st.caption(
        "Approval rate, defaulters declined (TPR) and good payers declined (FPR) per group; "
        "a disparate-impact ratio below 0.8 is flagged. These attributes are not model inputs."
    )
    for name, table in fairness_by_group(validation, cutoff).items():
        st.markdown(f"**By {name}**")
        st.dataframe(table, hide_index=True)

st.subheader("What drives the PD")
st.caption("Mean absolute contribution to the log-odds score over the training data.")
if card.get("importance"):  # recorded at training: also right for a model trained on a CSV
    st.bar_chart(
        pd.DataFrame(card["importance"]), x="feature", y="importance", horizontal=True,
        sort="-importance",
    )  # fmt: skip
else:
    try:
        importance = model.feature_importance(_shared.loan_frame(info).head(2000))
        st.bar_chart(importance, x="feature", y="importance", horizontal=True, sort="-importance")
    except BankmlError as exc:  # an older card, from a CSV whose columns the bank lacks
        _shared.show_error(exc)
if card.get("scorecard_points"):
    st.markdown("**Scorecard points** (600 points at odds 50:1, 20 points double the odds)")
    st.dataframe(card["scorecard_points"], hide_index=True)

st.subheader("Model registry")
models = registry.list_models()
st.dataframe(models, hide_index=True)
left, right = st.columns([3, 1])
choice = left.selectbox("Model", models["id"], key="switch_model")
if right.button("Make current", key="make_current"):
    try:
        registry.set_current(choice)
    except BankmlError as exc:
        _shared.show_error(exc)
    else:
        _shared.clear_caches()
        _ui.flash_and_rerun(("success", f"Model {choice} is now current."))
with st.expander("Card of the current model"):
    st.json(card, expanded=False)
which = st.radio("Retrain with", ["quick", "all"], horizontal=True, key="retrain_which")
if st.button("Retrain and register", key="retrain"):
    _ui.train_with_progress(info, which)
