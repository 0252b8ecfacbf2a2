"""Model performance: candidates compared, vintage curves, curves against the oracle, the cut-off
in money, fairness, feature importance, the scorecard, the validation report and the registry."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from bankml import formatting, registry
from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
from bankml.default import byod
from bankml.errors import BankmlError
from dashboard import charts, columns, models, review, safe, sidebar, store

st.title("Model performance")
st.caption("How good the default model is, what its cut-off costs and earns, and who it affects.")
sidebar.show_flash()
info = store.require_bank()

try:  # the verified card is enough: the first view never unpickles the model
    card = models.current_card()
except BankmlError as exc:
    safe.show_error(exc)
    card = None
if card is None:
    st.info("No usable model is registered. Train one on this bank (about 10 seconds).")
    if st.button("Train a model", key="train_first", type="primary"):
        sidebar.train_with_progress(info)
    st.stop()
# Every first-view table, stored beside the model at training (built here once if missing).
stored = models.performance_view(card)
model_cutoff = float(card["cutoff"])
retrain_economics = None  # the Lending economics inputs, when shown: retraining prices with them

cols = st.columns(4)
cols[0].metric("Model", card["algorithm"])
cols[1].metric(
    "ROC AUC (out of fold)",
    f"{card['metrics']['roc_auc']:.3f}",
    help="Chance that a random defaulter gets a higher PD than a random good payer: 0.5 is a coin "
    "flip, 1 is perfect. Measured on loans the model did not train on.",
)
cols[2].metric(
    "Brier (calibrated)",
    f"{card['metrics']['brier']:.4f}",
    help="Mean squared gap between the PD and what happened (0 or 1): lower is better.",
)
cols[3].metric(
    "Money cut-off (PD)",
    formatting.pd_text(model_cutoff),
    help="The PD at and above which the model declines: chosen at training to maximise profit.",
)
# One staleness rule (bankml.default.byod.model_is_stale, as in the sidebar): only a model trained on an
# earlier version of this bank is stale. A model trained on an uploaded CSV is not: retraining on
# the bank would throw it away, so say what its figures are instead.
if byod.model_is_stale(card, info.content_hash):
    st.warning("This model was trained on an earlier version of this bank: retrain it below.")
elif card.get("data_hash") != info.content_hash:
    st.info(
        f"This model was trained on {safe.literal(card.get('source', 'uploaded data'))}, not on "
        "the synthetic bank: the figures below are its own out-of-fold validation on that file."
    )

st.subheader("Candidates on the same folds")
st.dataframe(
    card["leaderboard"],
    hide_index=True,
    key="leaderboard",
    column_order=stored["leaderboard_columns"] if stored else None,
    column_config={
        **columns.METRIC_COLUMNS,
        "name": st.column_config.TextColumn("Candidate"),
        "imbalance": st.column_config.TextColumn("Class weighting"),
        "fit_seconds": st.column_config.NumberColumn("Fit (s)", format="%.2f"),
        "subsampled": st.column_config.CheckboxColumn("Subsampled"),
        "explainable": st.column_config.CheckboxColumn("Reason codes"),
        "auc_vs_oracle": st.column_config.NumberColumn(
            "AUC / oracle AUC", format="%.3f", help="Share of the best possible ranking reached."
        ),
        "chosen": st.column_config.CheckboxColumn("Chosen"),
    },
)
if stored and stored["has_blend"]:
    st.caption(
        "Small data: the blend of the best linear model and the tree models is kept unless a single"
        " model beats it by more than one standard error across the folds, so the chosen model is"
        " not always the top row."
    )

st.subheader("Vintage curves")
try:
    curves = models.vintages(info)
except BankmlError as exc:
    safe.show_error(exc)
    curves = None
if curves is not None and len(curves):
    st.line_chart(
        curves, x="months_on_book", y="cumulative_default_rate", color="vintage",
        x_label="Months on book", y_label="Cumulative default rate",
    )  # fmt: skip
    st.caption(
        "The bank's matured loans by application quarter: the share that has defaulted after each "
        "month on book. A curve above the others is a worse vintage, whatever the model says."
    )
elif curves is not None:
    st.info("No loan of this bank has matured yet: no vintage to draw.")

if stored is not None:
    left, right = st.columns(2)
    left.markdown("**ROC curve**")
    left.line_chart(
        stored["roc"], x="fpr", y="tpr", color="series",
        x_label="False positive rate (good payers declined)",
        y_label="True positive rate (defaulters caught)",
    )  # fmt: skip
    right.markdown("**Precision-recall curve**")
    right.line_chart(
        stored["pr"], x="recall", y="precision", color="series",
        x_label="Recall (defaulters caught)", y_label="Precision (declined who default)",
    )  # fmt: skip
    st.dataframe(stored["metrics"], hide_index=True, column_config=columns.METRIC_COLUMNS)

    st.subheader("Calibration")
    st.altair_chart(charts.calibration_chart(stored["reliability"]), width="stretch")
    st.caption(
        "Each dot is a group of loans with similar PDs: on the dashed diagonal the predicted PD "
        "equals the default rate observed. Expected calibration error (the average gap, weighted "
        f"by loans) {formatting.percent(stored['ece'], 2)}."
    )

    st.subheader("Lending economics")
    model_economics = LendingEconomics(**card["economics"]) if card.get("economics") else None
    economics = model_economics or DEFAULT_ECONOMICS
    st.caption(
        f"Pricing: {safe.literal(card.get('pricing_policy') or 'not recorded')}. A repaid loan "
        "earns its rate minus the funding cost on its amortising balance over the horizon; a "
        "default loses the loss given default of its exposure at default (EAD). The model's "
        "cut-off and refer band maximise the expected profit from the PDs; change the settings to "
        "see what another policy would choose."
    )
    cols = st.columns(3)
    lgd = cols[0].number_input(
        "Loss given default", 0.0, 1.0, float(economics.loss_given_default), 0.05,
        format="%.2f", key="econ_lgd", help="Share of the exposure lost when a loan defaults.",
    )  # fmt: skip
    funding = cols[1].number_input(
        "Funding cost (a year)", 0.0, 0.5, float(economics.funding_cost), 0.005,
        format="%.3f", key="econ_funding", help="What the bank pays for the money it lends.",
    )  # fmt: skip
    horizon = cols[2].number_input(
        "Horizon (months)", 1, 480, int(economics.horizon_months), 1, key="econ_horizon",
        help="Months of interest earned and of exposure to default (the PD's own horizon).",
    )  # fmt: skip
    chosen_economics = replace(
        economics, loss_given_default=lgd, funding_cost=funding, horizon_months=int(horizon)
    )
    what_if_economics = model_economics is not None and chosen_economics != model_economics
    retrain_economics = chosen_economics
    money_view = stored
    if what_if_economics:
        money_view = models.economics_view(card, chosen_economics)
        low, high = money_view["refer_band"]
        st.info(
            f"Under these settings the expected-value cut-off would be "
            f"{formatting.pd_text(money_view['cutoff'])} (refer band "
            f"{formatting.pd_text(low)}-{formatting.pd_text(high)}). The model keeps scoring with "
            f"its own {formatting.pd_text(model_cutoff)} until retrained with them (Retrain below, "
            f"or `bankml train --lgd {lgd:g} --funding-cost {funding:g} --horizon-months {horizon}`)."
        )
    elif card.get("refer_band"):
        low, high = card["refer_band"]
        st.caption(
            f"Refer band: PDs from {formatting.pd_text(low)} to {formatting.pd_text(high)} go to an "
            "underwriter: approving or declining them moves the expected profit by less than "
            f"{formatting.percent(economics.refer_tolerance)} of its best value."
        )

    st.subheader("Cut-off and money")
    cutoff = st.slider(
        "What if the cut-off were... (decline when PD is at least)",
        0.0,
        1.0,
        stored["cutoff"],
        0.005,
        key="cutoff",
        format="%.3f",
        help="A what-if: moving it redraws the figures below but does not change the model's "
        "cut-off, which scoring keeps using.",
    )
    st.caption(
        f"What-if only: the model scores with its own cut-off {formatting.pd_text(model_cutoff)}"
        + ("." if cutoff == stored["cutoff"] else f"; shown here at {cutoff:.1%}.")
    )
    if cutoff == stored["cutoff"] and not what_if_economics:
        at_cutoff = stored
    else:
        at_cutoff = models.cutoff_tables(
            card, cutoff, chosen_economics if what_if_economics else None
        )
    view = at_cutoff["business"]
    locale = info.locale if str(card.get("source", "")).startswith("bank ") else None
    money = formatting.currency(locale) if locale else "amount units"
    cols = st.columns(4)
    cols[0].metric(
        "Approval rate", formatting.percent(view["approval_rate"]), help="Share of loans approved."
    )
    cols[1].metric(
        "Defaulters caught",
        formatting.percent(view["defaulters_caught"]),
        help="Share of the loans that defaulted which this cut-off declines.",
    )
    cols[2].metric(
        "Bad debt avoided",
        formatting.money(view["bad_debt_avoided"], locale),
        help="Loss given default on the exposure of the declined loans that would have defaulted.",
    )
    cols[3].metric(
        "Profit vs approve-all",
        formatting.money(view["profit_vs_approve_all"], locale, signed=True),
        help="Profit at this cut-off minus the profit of approving every loan.",
    )
    left, right = st.columns(2)
    left.markdown("**Profit by cut-off**")
    left.altair_chart(
        charts.profit_chart(money_view["profit"], model_cutoff, cutoff, money),
        width="stretch",
    )
    left.caption(
        f"Realised on out-of-fold loans: each repaid loan earns its rate minus "
        f"{formatting.percent(chosen_economics.funding_cost)} funding over "
        f"{chosen_economics.horizon_months} months; each default loses "
        f"{formatting.percent(chosen_economics.loss_given_default)} of its exposure. A back-test: "
        "the cut-off itself is chosen by expected profit."
    )
    right.markdown("**Confusion matrix at this cut-off**")
    right.dataframe(at_cutoff["confusion"])

    st.subheader("Fairness")
    st.caption(
        "Approval rate, defaulters declined (TPR) and good payers declined (FPR) per group; "
        "a disparate-impact ratio below 0.8 is flagged. These attributes are not model inputs."
    )
    for name, table in at_cutoff["fairness"].items():
        st.markdown(f"**By {formatting.label_text(name).lower()}**")
        st.dataframe(table, hide_index=True, column_config=columns.FAIRNESS_COLUMNS)

    st.subheader("Portfolio: expected loss")
    st.caption(
        "Expected loss = PD x loss given default x exposure at default, over the out-of-fold loans, "
        "by grade on the fixed master scale and by application quarter (vintage)."
    )
    left, right = st.columns(2)
    if "portfolio_by_grade" in money_view:
        left.markdown("**By grade**")
        left.dataframe(
            money_view["portfolio_by_grade"], hide_index=True, column_config=columns.EL_COLUMNS
        )
    if "portfolio_by_vintage" in money_view:
        right.markdown("**By vintage**")
        right.dataframe(
            money_view["portfolio_by_vintage"], hide_index=True, column_config=columns.EL_COLUMNS
        )
    if "master_scale" in stored:
        st.markdown("**Master scale**: every PD maps to one fixed grade, whatever the cut-off")
        st.dataframe(stored["master_scale"], hide_index=True, column_config=columns.SCALE_COLUMNS)

diagnostics = card.get("diagnostics") or {}
if diagnostics.get("protected_notice") or diagnostics.get("proxy_check"):
    if stored is None:
        st.subheader("Fairness")
    if diagnostics.get("protected_notice"):
        st.info(safe.literal(diagnostics["protected_notice"]))
    if diagnostics.get("proxy_check"):
        st.markdown("**Proxy check: can the inputs stand in for a protected attribute?**")
        proxies = pd.DataFrame(diagnostics["proxy_check"])
        st.dataframe(
            review.highlight_flagged(proxies), hide_index=True, key="proxy_check",
            column_config=review.PROXY_COLUMNS,
        )  # fmt: skip
        if proxies["flagged"].any():
            st.warning(
                "Strong proxies (shaded rows): the model could discriminate through these inputs "
                "although the attribute itself is not an input."
            )

st.subheader("What drives the PD")
st.caption("Mean absolute contribution to the log-odds score over the training data.")
if card.get("importance"):  # recorded at training: also right for a model trained on a CSV
    st.bar_chart(
        pd.DataFrame(card["importance"]), x="feature", y="importance", horizontal=True,
        sort="-importance",
    )  # fmt: skip
else:
    try:
        model = models.require_model()[0]  # an older card without importance: load the model
        importance = model.feature_importance(store.loan_frame(info).head(2000))
        st.bar_chart(importance, x="feature", y="importance", horizontal=True, sort="-importance")
    except BankmlError as exc:  # an older card, from a CSV whose columns the bank lacks
        safe.show_error(exc)
scaling = diagnostics.get("scorecard_scaling") or {}
if card.get("scorecard_points") or scaling:
    role = str(scaling.get("role", "in use"))
    st.subheader(f"Scorecard ({role})")
    st.caption(
        f"{review.SCORECARD_ROLES.get(role, role).capitalize()}. "
        + (f"Scaling: {scaling['text']}." if scaling.get("text") else "")
    )
if card.get("scorecard_points"):
    st.markdown("**Scorecard points** per bin of each kept characteristic")
    st.dataframe(card["scorecard_points"], hide_index=True, key="scorecard_points")
if diagnostics.get("scorecard_screening"):
    min_iv, max_corr = scaling.get("min_iv", 0.02), scaling.get("max_correlation", 0.7)
    st.markdown("**Screening of the characteristics**")
    st.caption(
        f"Kept when the information value is at least {min_iv:g} and no stronger kept "
        f"characteristic correlates above {max_corr:g}; a characteristic whose coefficient runs "
        "against its bins is dropped and the scorecard refitted."
    )
    st.dataframe(
        pd.DataFrame(diagnostics["scorecard_screening"]), hide_index=True,
        key="scorecard_screening", column_config=review.screening_columns(min_iv, max_corr),
    )  # fmt: skip

st.subheader("Validation report")
st.caption(
    "One self-contained HTML file (opens offline) with the data, method, in-time and out-of-time "
    "performance, calibration, stability, vintages, fairness, scorecard and limitations. Building "
    "it refits the model on the earlier vintages for the out-of-time test (up to a minute)."
)
if st.button("Build the validation report", key="build_report"):
    try:
        st.session_state["validation_report"] = (
            card["sha256"],
            models.validation_report(card, info),
        )
    except BankmlError as exc:
        safe.show_error(exc)
built = st.session_state.get("validation_report")
if built and built[0] == card["sha256"]:
    st.download_button(
        "Download the validation report (HTML)", built[1], key="download_report",
        file_name=f"validation-report-{card['id']}.html", mime="text/html",
    )  # fmt: skip

st.subheader("Model registry")
registered = registry.list_models()
st.dataframe(registered, hide_index=True)
left, right = st.columns([3, 1])
choice = left.selectbox("Model", registered["id"], key="switch_model")
if right.button("Make current", key="make_current"):
    try:
        registry.set_current(choice)
    except BankmlError as exc:
        safe.show_error(exc)
    else:
        store.clear_caches()
        sidebar.flash_and_rerun(("success", f"Model {choice} is now current."))
with st.expander("Card of the current model"):
    st.json(card, expanded=False)
which = st.radio("Retrain with", ["quick", "all"], horizontal=True, key="retrain_which")
if st.button(
    "Retrain and register",
    key="retrain",
    help="Retrains on this bank, pricing the cut-off with the lending economics set above.",
):
    sidebar.train_with_progress(info, which, retrain_economics)
