"""Model performance's sections beyond the money: the what-if settings they share, what drives the
PD and the scorecard, the validation report, the registry and retraining.

The page draws one section per run (pages/model_performance.py); the what-if settings (loss given
default, funding cost, horizon, cut-off) live here in session state, per model, so a section that
does not show their widgets still reads them, and they come back as set when the section does.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from bankml import registry
from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
from bankml.data import BankInfo
from bankml.errors import BankmlError
from dashboard import models, review, safe, sidebar, store

SECTIONS = {
    "money": "Cut-off and money",
    "curves": "Curves and calibration",
    "fairness": "Fairness",
    "loss": "Expected loss",
    "vintages": "Vintages",
    "drivers": "What drives the PD",
    "registry": "Report, registry, retraining",
}
_STATE = "performance_what_if"


def what_if(card: dict, stored: dict | None) -> dict:
    """The what-if settings of this model in this session (a dict the money section updates):
    the model's own economics and cut-off until changed."""
    economics = model_economics(card) or DEFAULT_ECONOMICS
    per_model = st.session_state.setdefault(_STATE, {})
    return per_model.setdefault(
        card["sha256"],
        {
            "lgd": float(economics.loss_given_default),
            "funding": float(economics.funding_cost),
            "horizon": int(economics.horizon_months),
            "cutoff": float(stored["cutoff"] if stored else card["cutoff"]),
        },
    )


def model_economics(card: dict) -> LendingEconomics | None:
    """The economics the model was priced with (None on an older card)."""
    return LendingEconomics(**card["economics"]) if card.get("economics") else None


def chosen_economics(card: dict, settings: dict) -> tuple[LendingEconomics, bool]:
    """(economics set on the page, whether they differ from the model's own)."""
    own = model_economics(card)
    chosen = replace(
        own or DEFAULT_ECONOMICS,
        loss_given_default=settings["lgd"],
        funding_cost=settings["funding"],
        horizon_months=int(settings["horizon"]),
    )
    return chosen, own is not None and chosen != own


def money_tables(
    card: dict, stored: dict, economics: LendingEconomics, what_if_economics: bool
) -> dict:
    """Cut-off, refer band, profit and expected loss: the stored tables, or re-priced under the
    what-if economics."""
    return models.economics_view(card, economics) if what_if_economics else stored


def cutoff_tables(
    card: dict, stored: dict, cutoff: float, economics: LendingEconomics, what_if_economics: bool
) -> dict:
    """Business view, confusion matrix and fairness at a cut-off: the stored tables at the
    model's own cut-off and economics, else computed for the what-if ones."""
    if cutoff == stored["cutoff"] and not what_if_economics:
        return stored
    return models.cutoff_tables(card, cutoff, economics if what_if_economics else None)


def drivers(card: dict, info: BankInfo) -> None:
    """Feature importance, the scorecard's role, points and the screening of characteristics."""
    diagnostics = card.get("diagnostics") or {}
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
            st.bar_chart(
                importance, x="feature", y="importance", horizontal=True, sort="-importance"
            )
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
            f"characteristic correlates above {max_corr:g}; a characteristic whose coefficient "
            "runs against its bins is dropped and the scorecard refitted."
        )
        st.dataframe(
            pd.DataFrame(diagnostics["scorecard_screening"]), hide_index=True,
            key="scorecard_screening", column_config=review.screening_columns(min_iv, max_corr),
        )  # fmt: skip


def fair_lending_review(card: dict) -> None:
    """The protected-attribute notice and the proxy check recorded at training."""
    diagnostics = card.get("diagnostics") or {}
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


def registry_and_retraining(card: dict, info: BankInfo, economics: LendingEconomics) -> None:
    """The validation report on request, the registry (switch the current model) and retraining
    priced with the economics set under Cut-off and money."""
    st.subheader("Validation report")
    st.caption(
        "One self-contained HTML file (opens offline) with the data, method, in-time and "
        "out-of-time performance, calibration, stability, vintages, fairness, scorecard and "
        "limitations. Building it refits the model on the earlier vintages for the out-of-time "
        "test (up to a minute)."
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
        help="Retrains on this bank, pricing the cut-off with the lending economics set under "
        "Cut-off and money.",
    ):
        sidebar.train_with_progress(info, which, economics)
