"""The current default model and what the credit-risk pages read from it, cached per artefact
sha256 (and bank content hash where the bank is involved).

st.cache_data returns copies, so callers may change what they get; st.cache_resource objects are
shared by every session and must be treated as read-only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bankml import config
from bankml.data import BankInfo
from bankml.errors import BankmlError
from dashboard.safe import show_error
from dashboard.store import loan_frame


@st.cache_resource(show_spinner="Loading the model...", max_entries=4)
def _model(folder: str, sha256: str):
    import atexit
    import gc

    from bankml.registry import load_model

    model = load_model(folder)
    # Move everything alive now (libraries, model) out of the collector's sight: a full collection
    # then scans only what the sessions create, instead of 70-190 ms with the GIL held.
    gc.freeze()
    atexit.register(gc.unfreeze)  # let shutdown collect them as usual (no leak warnings)
    return model


def current_card() -> dict | None:
    """The current model's verified card (checksum and versions), without loading the model:
    the sidebar shows it on every page, and most pages never need the model itself."""
    from bankml import registry

    models = config.models_dir()
    return None if registry.current_id(models) is None else registry.verify(models)


def current_model() -> tuple | None:
    """(model, card) of the current registered model, cached per artefact sha256 (read-only).

    None when no model has been trained yet; a damaged or tampered model raises ModelError
    (the card and checksum are verified on every call, before anything is deserialised).
    """
    from bankml import registry

    models = config.models_dir()
    if registry.current_id(models) is None:
        return None
    card = registry.verify(models)
    return _model(str(registry.model_folder(models)), card["sha256"])


def require_model() -> tuple:
    """The current (model, card), or a clear message pointing to training, and a stop."""
    try:
        found = current_model()
    except BankmlError as exc:
        show_error(exc)
        st.info("Retrain on the **Model performance** page or run `bankml train`.")
        st.stop()
    if found is None:
        st.info(
            "No model is registered yet: train one on the **Model performance** page "
            "or run `bankml train`."
        )
        st.stop()
    return found


@st.cache_data(show_spinner="Validating and scoring...", max_entries=8)
def _score_upload(raw: bytes, name: str, sha256: str, content_hash: str, _model, _reference):
    from bankml.default.scoring import score_batch

    return score_batch(raw, _model, name=name, reference=_reference)


def score_upload(raw: bytes, name: str, model, card: dict, info: BankInfo | None):
    """bankml.default.scoring.score_batch for an upload, cached per file content, model and bank."""
    reference = loan_frame(info) if info is not None else None
    content_hash = info.content_hash if info is not None else ""
    return _score_upload(raw, name, card["sha256"], content_hash, model, reference)


@st.cache_data(show_spinner=False, max_entries=4)
def _validation(folder: str, sha256: str) -> pd.DataFrame | None:
    from bankml.registry import load_validation

    return load_validation(folder)


def model_validation(card: dict) -> pd.DataFrame | None:
    """The out-of-fold validation rows saved with a model, cached per artefact sha256 (a copy)."""
    return _validation(str(config.models_dir() / card["id"]), card["sha256"])


@st.cache_data(show_spinner="Preparing this model's evaluation (once per model)...", max_entries=4)
def _performance_view(folder: str, sha256: str) -> dict | None:
    from bankml.default import performance_view

    stored = performance_view.load(folder, sha256)
    if stored is None:  # a model trained before views were stored, or by another tool
        stored = performance_view.ensure(folder)
    return stored


def performance_view(card: dict) -> dict | None:
    """The Model performance first view stored beside the model (bankml.default.performance_view),
    keyed on the artefact sha256; None when the model has no validation rows."""
    return _performance_view(str(config.models_dir() / card["id"]), card["sha256"])


@st.cache_data(show_spinner=False, max_entries=2)
def _vintages(content_hash: str, path: str) -> pd.DataFrame:
    from bankml.default.vintage import bank_vintages

    return bank_vintages(path)


def vintages(info: BankInfo) -> pd.DataFrame:
    """The bank's vintage curves (cumulative default rate by months on book), cached per hash."""
    return _vintages(info.content_hash, str(info.path))


@st.cache_data(
    show_spinner="Writing the validation report (it refits on the earlier vintages)...",
    max_entries=4,
)
def _validation_report(folder: str, sha256: str, content_hash: str, path: str) -> str:
    from bankml.default import validation_report

    return validation_report.render(folder, path)


def validation_report(card: dict, info: BankInfo) -> str:
    """The self-contained HTML validation report of a model, cached per model and bank."""
    folder = str(config.models_dir() / card["id"])
    return _validation_report(folder, card["sha256"], info.content_hash, str(info.path))


@st.cache_data(show_spinner="Recomputing at this cut-off...", max_entries=32)
def _cutoff_tables(folder: str, sha256: str, cutoff: float, economics: tuple | None) -> dict:
    from bankml.config import LendingEconomics
    from bankml.default import economics as econ
    from bankml.default import fairness_by_group, report
    from bankml.registry import load_validation

    validation = load_validation(folder)
    if economics is not None:  # the what-if economics re-price the same loans
        validation = econ.revalue(validation, LendingEconomics(*economics))
    return {
        "business": report.business_view(validation, cutoff),
        "confusion": report.confusion_frame(validation, cutoff),
        "fairness": fairness_by_group(validation, cutoff),
    }


def cutoff_tables(card: dict, cutoff: float, economics=None) -> dict:
    """Business view, confusion matrix and fairness at a what-if cut-off (cached per model), under
    what-if economics (a LendingEconomics) when given."""
    key = tuple(vars(economics).values()) if economics is not None else None
    return _cutoff_tables(str(config.models_dir() / card["id"]), card["sha256"], float(cutoff), key)


@st.cache_data(show_spinner="Re-pricing the loans...", max_entries=16)
def _economics_view(folder: str, sha256: str, economics: tuple) -> dict:
    from bankml.config import LendingEconomics
    from bankml.default import report
    from bankml.registry import load_validation

    return report.economics_view(load_validation(folder), LendingEconomics(*economics))


def economics_view(card: dict, economics) -> dict:
    """Cut-off, refer band, profit curve and expected loss under what-if economics (cached)."""
    key = tuple(vars(economics).values())
    return _economics_view(str(config.models_dir() / card["id"]), card["sha256"], key)


@st.cache_data(show_spinner=False, max_entries=4)
def _template(sha256: str, _schema) -> bytes:
    from bankml.default.batch_summary import template

    return template(_schema)


def applicant_template(model, card: dict) -> bytes:
    """The batch CSV template for this model, built once per artefact sha256."""
    return _template(card["sha256"], model.schema_)
