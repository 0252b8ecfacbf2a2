"""Model performance: the candidates compared, then one section at a time (the cut-off in money,
curves against the oracle and calibration, fairness, expected loss, vintages, what drives the PD and
the scorecard, the validation report with the registry and retraining). Only the chosen section is
drawn, so a first view costs the leaderboard and the money, not every chart of the page."""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.errors import BankmlError
from dashboard import charts, columns, models, performance, prediction_view, safe, sidebar, store
from dashboard import performance_text as texts

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

for column, (label, value, note) in zip(st.columns(4), texts.headline_metrics(card), strict=True):
    column.metric(label, value, help=note)
# Stale (trained on an earlier version of this bank) or trained on an uploaded CSV: say so
if notice := texts.source_notice(card, info.content_hash, performance.SECTIONS["registry"]):
    kind, text = notice
    (st.warning if kind == "warning" else st.info)(text)

st.subheader("Candidates on the same folds")
st.dataframe(
    card["leaderboard"],
    hide_index=True,
    key="leaderboard",
    column_order=stored["leaderboard_columns"] if stored else None,
    column_config=columns.LEADERBOARD_COLUMNS,
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
locale = prediction_view.money_locale(info, card)


def money_view() -> dict:
    """Cut-off, refer band, profit and expected loss under the economics set on the page."""
    return performance.money_tables(card, stored, chosen_economics, what_if_economics)


def at_cutoff(cutoff: float) -> dict:
    """Business view, confusion matrix and fairness at the what-if cut-off and economics."""
    return performance.cutoff_tables(card, stored, cutoff, chosen_economics, what_if_economics)


if section in ("money", "curves", "loss") and stored is None:
    st.info("This model has no out-of-fold validation rows to draw this from: retrain it.")
elif section == "money":
    st.subheader("Lending economics")
    st.caption(texts.pricing_caption(card))
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
        registry_section = performance.SECTIONS["registry"]
        st.info(texts.what_if_economics_text(money, settings, model_cutoff, registry_section))
    elif card.get("refer_band"):
        st.caption(texts.refer_band_caption(card["refer_band"], chosen_economics.refer_tolerance))

    st.subheader("Cut-off and money")
    cutoff = settings["cutoff"] = st.slider(
        "What if the cut-off were... (decline when PD is at least)", 0.0, 1.0, settings["cutoff"],
        0.005, key="cutoff", format="%.3f",
        help="A what-if: moving it redraws the figures below but does not change the model's "
        "cut-off, which scoring keeps using.",
    )  # fmt: skip
    st.caption(texts.cutoff_caption(model_cutoff, cutoff, stored["cutoff"]))
    tables = at_cutoff(cutoff)
    for column, (label, value, note) in zip(
        st.columns(4), texts.business_metrics(tables["business"], locale), strict=True
    ):
        column.metric(label, value, help=note)
    left, right = st.columns(2)
    left.markdown("**Profit by cut-off**")
    units = texts.money_units(locale)
    left.altair_chart(
        charts.profit_chart(money["profit"], model_cutoff, cutoff, units), width="stretch"
    )
    left.caption(texts.profit_caption(chosen_economics))
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
    st.caption(texts.calibration_caption(stored["ece"]))
elif section == "fairness":
    st.subheader("Fairness")
    if stored is not None:
        st.caption(texts.fairness_caption(settings["cutoff"], performance.SECTIONS["money"]))
        for name, table in at_cutoff(settings["cutoff"])["fairness"].items():
            st.markdown(f"**By {formatting.label_text(name).lower()}**")
            st.dataframe(table, hide_index=True, column_config=columns.FAIRNESS_COLUMNS)
    performance.fair_lending_review(card)
elif section == "loss":
    st.subheader("Portfolio: expected loss")
    st.caption(texts.loss_caption(what_if_economics))
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
