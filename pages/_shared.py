"""UI helpers shared by the pages: the sidebar and every cache, keyed on content hashes.

st.cache_data returns copies, so callers may change what they get; st.cache_resource objects are
shared by every session and must be treated as read-only.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from bankml import config, data
from bankml.data import BankInfo
from bankml.errors import BankmlError

# Streamlit decides per process, on the first script run, whether `pages/` is a legacy multipage
# folder: until some run calls st.navigation it runs page files directly. A server whose first request
# is a deep link (/default_prediction) would then stay in that mode for every user, without our router,
# sidebar or layout. Every page imports this module first, so switch the mode off and rerun through
# streamlit_app.py. (Private flag of streamlit.runtime.pages_manager; checked by a browser test.)
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()


def db_path() -> str:
    return str(config.db_path())


def current_bank() -> BankInfo | None:
    """The bank in use now (read on every rerun: cheap, and it notices a regeneration at once)."""
    try:
        return data.bank_info(db_path())
    except BankmlError:
        return None


def require_bank() -> BankInfo:
    """The current bank, or an explanation and a stop when there is none."""
    info = current_bank()
    if info is None:
        try:
            data.bank_info(db_path())
        except BankmlError as exc:
            st.error(str(exc))
        st.info("Open the **Data** page to generate a bank.")
        st.stop()
    return info


@st.cache_data(show_spinner=False, max_entries=32)
def _table(name: str, content_hash: str, path: str) -> pd.DataFrame:
    return data.read_table(name, path)


def table(name: str, info: BankInfo) -> pd.DataFrame:
    """A whole table of the given bank (cached per content hash; a copy is returned)."""
    return _table(name, info.content_hash, str(info.path))


@st.cache_data(show_spinner=False, max_entries=64)
def _query(sql: str, content_hash: str, path: str) -> pd.DataFrame:
    return data.query(sql, path)


def query(sql: str, info: BankInfo) -> pd.DataFrame:
    """A read-only SQL result over the given bank (cached per content hash)."""
    return _query(sql, info.content_hash, str(info.path))


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(content_hash: str, path: str) -> dict:
    from bankml import overview

    return {
        "summary": overview.summary(path),
        "by_band": overview.default_rate_by_credit_band(path),
        "by_purpose": overview.default_rate_by("purpose", path),
        "spend": overview.monthly_spend_by_category(path),
        "penetration": overview.product_penetration(path),
    }


def overview(info: BankInfo) -> dict:
    """Every figure of the Overview page for this bank (cached per content hash)."""
    return _overview(info.content_hash, str(info.path))


def models_path() -> str:
    return str(config.models_dir())


@st.cache_data(show_spinner="Reading the file...", max_entries=4)
def byod_frame(raw: bytes, name: str) -> pd.DataFrame:
    """An uploaded training CSV, read once per file content."""
    from bankml.default import byod

    return byod.read_upload(raw, name)


def clear_caches() -> None:
    """Called after a regeneration or retraining has been swapped in, never before."""
    st.cache_data.clear()
    st.cache_resource.clear()


# ---- default model (added for the Default prediction page) --------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>$~|])|(?<!\w)_|_(?!\w)|^#", re.MULTILINE)


def literal(text: object) -> str:
    """User-provided text made inert for Streamlit markdown (no links, HTML, emphasis, LaTeX)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))


def show_error(exc: BaseException) -> None:
    """A library error as st.error, shown literally (it may quote a user's file or values)."""
    st.error(literal(exc), icon=":material/error:")


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


@st.cache_data(show_spinner=False, max_entries=4)
def _loan_frame(content_hash: str, path: str) -> pd.DataFrame:
    from bankml.default import loan_frame

    return loan_frame(path)


def loan_frame(info: BankInfo) -> pd.DataFrame:
    """The bank's loans joined with applicants (the model's training frame), cached per hash."""
    return _loan_frame(info.content_hash, str(info.path))


@st.cache_data(show_spinner=False, max_entries=2)
def _booked_loans(content_hash: str, path: str) -> pd.DataFrame:
    from bankml.default import loan_frame

    return loan_frame(path, matured_only=False)


def booked_loans(info: BankInfo) -> pd.DataFrame:
    """Every booked loan, immature ones too (any of them can be loaded as an applicant)."""
    return _booked_loans(info.content_hash, str(info.path))


@st.cache_data(show_spinner="Validating and scoring...", max_entries=8)
def _score_upload(raw: bytes, name: str, sha256: str, content_hash: str, _model, _reference):
    from bankml.default.scoring import score_batch

    return score_batch(raw, _model, name=name, reference=_reference)


def score_upload(raw: bytes, name: str, model, card: dict, info: BankInfo | None):
    """bankml.default.scoring.score_batch for an upload, cached per file content, model and bank."""
    reference = loan_frame(info) if info is not None else None
    content_hash = info.content_hash if info is not None else ""
    return _score_upload(raw, name, card["sha256"], content_hash, model, reference)


# --- Recommendations page --------------------------------------------------------------------


@st.cache_resource(show_spinner="Fitting the recommender...", max_entries=4)
def _recommender(content_hash: str, path: str, model_sha: str, use_segments: bool, _model):
    from bankml import recommend

    bank = recommend.read_bank(path)
    segments = segment_names(content_hash, path) if use_segments else None
    if _model is None:
        risk = recommend.RiskView.off("no default model trained yet (Model performance page)")
    else:
        risk = recommend.risk_view(_model, bank.customers, bank.loans)
    return recommend.build_context(bank, segments=segments, risk=risk)


def recommender(info: BankInfo, use_segments: bool = False):
    """The bank's fitted recommender context (shared, read-only), per content hash and model sha.

    Segments come from the segmentation cached for this content hash; the risk view from the
    registry's current default model (a damaged model raises ModelError, shown by the page).
    """
    found = current_model()
    model, sha = (None, "none") if found is None else (found[0], found[1]["sha256"])
    return _recommender(info.content_hash, str(info.path), sha, use_segments, model)


def segment_names(content_hash: str, path: str) -> pd.Series:
    """Segment name per customer id from the cached automatic segmentation of this bank."""
    result = _segments(content_hash, path, "auto")
    return result.labels.map(result.names)


@st.cache_data(show_spinner="Evaluating the recommenders...", max_entries=8)
def _recommender_evaluation(
    content_hash: str, path: str, k: int, use_segments: bool
) -> pd.DataFrame:
    from bankml.recommend import evaluate_recommenders

    segments = segment_names(content_hash, path) if use_segments else None
    return evaluate_recommenders(path, segments=segments, k=k)


def recommender_evaluation(info: BankInfo, k: int = 5, use_segments: bool = False) -> pd.DataFrame:
    """The model in use vs baselines and oracle on leave-one-out and temporal splits (cached)."""
    return _recommender_evaluation(info.content_hash, str(info.path), k, use_segments)


# ---- model performance (added for the Model performance page) -----------------------------------
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


# --- Customer segments page ----------------------------------------------------------------------


@st.cache_data(show_spinner="Finding customer segments...", max_entries=12)
def _segments(content_hash: str, path: str, k: str):
    from bankml.segment import stored_or_fit

    return stored_or_fit(path, k=k if k == "auto" else int(k))


def segments(info: BankInfo, k: str | int = "auto"):
    """The bank's SegmentResult for k ("auto" or 2..20), cached per content hash and k (a copy)."""
    return _segments(info.content_hash, str(info.path), str(k))


@st.cache_data(show_spinner=False, max_entries=4)
def _template(sha256: str, _schema) -> bytes:
    from bankml.default.batch_summary import template

    return template(_schema)


def applicant_template(model, card: dict) -> bytes:
    """The batch CSV template for this model, built once per artefact sha256."""
    return _template(card["sha256"], model.schema_)
