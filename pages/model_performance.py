"""Model performance: the candidates compared, then one section at a time (the cut-off in money,
curves against the oracle and calibration, fairness, expected loss, vintages, what drives the PD and
the scorecard, the validation report with the registry and retraining). Only the chosen section is
drawn, so a first view costs the leaderboard and the money, not every chart of the page."""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.default import byod
from bankml.errors import BankmlError
from dashboard import charts, columns, models, performance, safe, sidebar, store

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
    st.warning(
        "This model was trained on an earlier version of this bank: retrain it under "
        f"**{performance.SECTIONS['registry']}** below."
    )
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

# One section per run: every chart and table of the page at once took seconds to draw.
section = st.segmented_control(
    "Show",
    list(performance.SECTIONS),
    default="money",
    required=True,
    key="performance_section",
    format_func=performance.SECTIONS.get,
    help="One section at a time. The what-if settings of Cut-off and money (economics and "
    "cut-off) also apply to Fairness, Expected loss and retraining.",
)
settings = performance.what_if(card, stored)  # this model's what-if settings in this session
chosen_economics, what_if_economics = performance.chosen_economics(card, settings)
locale = info.locale if str(card.get("source", "")).startswith("bank ") else None


def money_view() -> dict:
    """Cut-off, refer band, profit and expected loss: stored, or re-priced under what-if economics."""
    return models.economics_view(card, chosen_economics) if what_if_economics else stored


def at_cutoff(cutoff: float) -> dict:
    """Business view, confusion matrix and fairness at the what-if cut-off and economics."""
    if cutoff == stored["cutoff"] and not what_if_economics:
        return stored
    return models.cutoff_tables(card, cutoff, chosen_economics if what_if_economics else None)


if section in ("money", "curves", "loss") and stored is None:
    st.info("This model has no out-of-fold validation rows to draw this from: retrain it.")
elif section == "money":
    st.subheader("Lending economics")
    st.caption(
        f"Pricing: {safe.literal(card.get('pricing_policy') or 'not recorded')}. A repaid loan "
        "earns its rate minus the funding cost on its amortising balance over the horizon; a "
        "default loses the loss given default of its exposure at default (EAD). The model's "
        "cut-off and refer band maximise the expected profit from the PDs; change the settings to "
        "see what another policy would choose."
    )
    cols = st.columns(3)
    settings["lgd"] = cols[0].number_input(
        "Loss given default", 0.0, 1.0, settings["lgd"], 0.05,
        format="%.2f", key="econ_lgd", help="Share of the exposure lost when a loan defaults.",
    )  # fmt: skip
    settings["funding"] = cols[1].number_input(
        "Funding cost (a year)", 0.0, 0.5, settings["funding"], 0.005,
        format="%.3f", key="econ_funding", help="What the bank pays for the money it lends.",
    )  # fmt: skip
    settings["horizon"] = cols[2].number_input(
        "Horizon (months)", 1, 480, settings["horizon"], 1, key="econ_horizon",
        help="Months of interest earned and of exposure to default (the PD's own horizon).",
    )  # fmt: skip
    chosen_economics, what_if_economics = performance.chosen_economics(card, settings)
    money = money_view()
    if what_if_economics:
        low, high = money["refer_band"]
        lgd, funding, horizon = settings["lgd"], settings["funding"], settings["horizon"]
        st.info(
            f"Under these settings the expected-value cut-off would be "
            f"{formatting.pd_text(money['cutoff'])} (refer band "
            f"{formatting.pd_text(low)}-{formatting.pd_text(high)}). The model keeps scoring with "
            f"its own {formatting.pd_text(model_cutoff)} until retrained with them (under "
            f"{performance.SECTIONS['registry']}, or `bankml train --lgd {lgd:g} "
            f"--funding-cost {funding:g} --horizon-months {horizon}`)."
        )
    elif card.get("refer_band"):
        low, high = card["refer_band"]
        st.caption(
            f"Refer band: PDs from {formatting.pd_text(low)} to {formatting.pd_text(high)} go to an "
            "underwriter: approving or declining them moves the expected profit by less than "
            f"{formatting.percent(chosen_economics.refer_tolerance)} of its best value."
        )

    st.subheader("Cut-off and money")
    cutoff = settings["cutoff"] = st.slider(
        "What if the cut-off were... (decline when PD is at least)", 0.0, 1.0, settings["cutoff"],
        0.005, key="cutoff", format="%.3f",
        help="A what-if: moving it redraws the figures below but does not change the model's "
        "cut-off, which scoring keeps using.",
    )  # fmt: skip
    st.caption(
        f"What-if only: the model scores with its own cut-off {formatting.pd_text(model_cutoff)}"
        + ("." if cutoff == stored["cutoff"] else f"; shown here at {cutoff:.1%}.")
    )
    tables = at_cutoff(cutoff)
    view = tables["business"]
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
    units = formatting.currency(locale) if locale else "amount units"
    left.altair_chart(
        charts.profit_chart(money["profit"], model_cutoff, cutoff, units), width="stretch"
    )
    left.caption(
        f"Realised on out-of-fold loans: each repaid loan earns its rate minus "
        f"{formatting.percent(chosen_economics.funding_cost)} funding over "
        f"{chosen_economics.horizon_months} months; each default loses "
        f"{formatting.percent(chosen_economics.loss_given_default)} of its exposure. A back-test: "
        "the cut-off itself is chosen by expected profit."
    )
    right.markdown("**Confusion matrix at this cut-off**")
    right.dataframe(tables["confusion"])
elif section == "curves":
    left, right = st.columns(2)
    left.markdown("**ROC curve**")
    left.line_chart(
        charts.thin_curve(stored["roc"]), x="fpr", y="tpr", color="series",
        x_label="False positive rate (good payers declined)",
        y_label="True positive rate (defaulters caught)",
    )  # fmt: skip
    right.markdown("**Precision-recall curve**")
    right.line_chart(
        charts.thin_curve(stored["pr"]), x="recall", y="precision", color="series",
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
elif section == "fairness":
    st.subheader("Fairness")
    if stored is not None:
        st.caption(
            "Approval rate, defaulters declined (TPR) and good payers declined (FPR) per group at "
            f"the cut-off {formatting.pd_text(settings['cutoff'])} (set under "
            f"{performance.SECTIONS['money']}); a disparate-impact ratio below 0.8 is flagged. "
            "These attributes are not model inputs."
        )
        for name, table in at_cutoff(settings["cutoff"])["fairness"].items():
            st.markdown(f"**By {formatting.label_text(name).lower()}**")
            st.dataframe(table, hide_index=True, column_config=columns.FAIRNESS_COLUMNS)
    performance.fair_lending_review(card)
elif section == "loss":
    st.subheader("Portfolio: expected loss")
    st.caption(
        "Expected loss = PD x loss given default x exposure at default, over the out-of-fold loans, "
        "by grade on the fixed master scale and by application quarter (vintage)"
        + (", under the economics set under Cut-off and money." if what_if_economics else ".")
    )
    money = money_view()
    left, right = st.columns(2)
    if "portfolio_by_grade" in money:
        left.markdown("**By grade**")
        left.dataframe(
            money["portfolio_by_grade"], hide_index=True, column_config=columns.EL_COLUMNS
        )
    if "portfolio_by_vintage" in money:
        right.markdown("**By vintage**")
        right.dataframe(
            money["portfolio_by_vintage"], hide_index=True, column_config=columns.EL_COLUMNS
        )
    if "master_scale" in stored:
        st.markdown("**Master scale**: every PD maps to one fixed grade, whatever the cut-off")
        st.dataframe(stored["master_scale"], hide_index=True, column_config=columns.SCALE_COLUMNS)
elif section == "vintages":
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
            "The bank's matured loans by application quarter: the share that has defaulted after "
            "each month on book. A curve above the others is a worse vintage, whatever the model "
            "says."
        )
    elif curves is not None:
        st.info("No loan of this bank has matured yet: no vintage to draw.")
elif section == "drivers":
    performance.drivers(card, info)
else:
    performance.registry_and_retraining(card, info, chosen_economics)
