"""The sidebar every page shows (bank and model in use), messages that survive a rerun, and
training with a progress bar. Drawing only: caches live in dashboard.store and dashboard.models."""

from __future__ import annotations

import streamlit as st

from bankml import config, formatting
from bankml.data import BankInfo
from bankml.errors import BankmlError
from dashboard.models import current_card
from dashboard.safe import literal, show_error
from dashboard.store import clear_caches, current_bank


def sidebar() -> None:
    info = current_bank()
    with st.sidebar:
        st.caption("Bank in use")
        if info is None:
            st.warning("No bank yet: generate one on the Data page.")
        else:
            st.markdown(
                f"**{formatting.count(info.customers)} customers** · seed {info.seed} · "
                f"{info.locale}  \n"
                f"generated {info.created_at[:16].replace('T', ' ')} UTC  \n"
                f"hash `{info.short_hash}`"
            )
        st.caption("Model in use")
        try:
            card = current_card()
        except BankmlError:
            st.warning("The current model is unusable: retrain it on Model performance.")
            return
        if card is None:
            st.caption("none yet: train one on Model performance")
            return
        from bankml.default.byod import model_is_stale

        st.markdown(
            f"**{literal(card.get('algorithm', '?'))}** · "
            f"cut-off {formatting.pd_text(card.get('cutoff', 0))}  \n"
            f"trained on {literal(card.get('source', '?'))}"
        )
        if info is not None and model_is_stale(card, info.content_hash):
            st.warning("Stale: trained on an earlier bank. Retrain on Model performance.")


FLASH = "flash_message"


def flash_and_rerun(*messages: tuple[str, str]) -> None:
    """Rerun the whole app so the sidebar shows the new bank or model, and say what happened.

    The sidebar is drawn before the page, so after a regeneration or a training in the page it
    still shows the old state until a rerun; the (kind, text) messages survive the rerun in
    session state, kind "success" or "warning".
    """
    st.session_state[FLASH] = list(messages)
    st.rerun(scope="app")


def show_flash() -> None:
    """The messages left by flash_and_rerun, once."""
    for kind, text in st.session_state.pop(FLASH, []):
        if kind == "warning":
            st.warning(literal(text), icon=":material/warning:")
        else:
            st.success(literal(text), icon=":material/check_circle:")


def store_first_views() -> None:
    """Compute what the Model performance page's first view needs, right after a training,
    and store it beside the model (bankml.default.performance_view): no page fits anything on first view."""
    from bankml.default import performance_view

    performance_view.ensure(config.models_dir())


def train_with_progress(info: BankInfo, candidates: str = "quick", economics=None) -> None:
    """Train on the bank with a progress bar, register the model as current, then rerun fresh
    with a message naming the new model (never a silent rerun). `economics`: a LendingEconomics
    to price the cut-off with (None: the default policy)."""
    from bankml.default import train_bank_model

    bar = st.progress(0.0, text="Starting...")
    try:
        result, folder = train_bank_model(
            info.path,
            config.models_dir(),
            candidates=candidates,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
            **({"economics": economics} if economics is not None else {}),
        )
        bar.progress(1.0, text="Preparing the Model performance view...")
        store_first_views()
    except BankmlError as exc:
        show_error(exc)
        return
    clear_caches()
    auc = result.metrics().get("roc_auc", float("nan"))
    name = folder.name if folder is not None else "?"
    flash_and_rerun(
        (
            "success",
            f"Model {name} ({result.chosen}) trained on this bank and now current: "
            f"ROC AUC {auc:.3f} out of fold.",
        )
    )
