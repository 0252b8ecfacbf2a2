"""The Customers pages' caches: segmentations and the recommender, keyed on the bank's content
hash (and the default model's sha256 for the recommender's risk view)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bankml.data import BankInfo
from dashboard.models import current_model


@st.cache_data(show_spinner=False, max_entries=12)  # the page says what a fit does, with its time
def _segments(content_hash: str, path: str, k: str):
    from bankml.segment import stored_or_fit

    return stored_or_fit(path, k=k if k == "auto" else int(k))


def segments(info: BankInfo, k: str | int = "auto"):
    """The bank's SegmentResult for k ("auto" or 2..20), cached per content hash and k (a copy)."""
    return _segments(info.content_hash, str(info.path), str(k))


@st.cache_data(show_spinner=False, max_entries=4)
def segment_memberships(content_hash: str, path: str) -> pd.DataFrame:
    """Customers x segment names: each customer's soft membership of the cached automatic
    segmentation's segments, the context the recommender in use (and its bench) takes."""
    from bankml.customer_features import customer_features
    from bankml.recommend import segment_memberships as memberships

    return memberships(_segments(content_hash, path, "auto"), customer_features(path))


@st.cache_resource(show_spinner="Fitting the recommender...", max_entries=4)
def _recommender(content_hash: str, path: str, model_sha: str, use_segments: bool, _model):
    from bankml import recommend

    bank = recommend.read_bank(path)
    segments = segment_memberships(content_hash, path) if use_segments else None
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


@st.cache_data(show_spinner="Evaluating the recommenders...", max_entries=8)
def _recommender_evaluation(
    content_hash: str, path: str, k: int, use_segments: bool
) -> pd.DataFrame:
    from bankml.recommend import evaluate_recommenders

    segments = segment_memberships(content_hash, path) if use_segments else None
    return evaluate_recommenders(path, segments=segments, k=k)


def recommender_evaluation(info: BankInfo, k: int = 5, use_segments: bool = False) -> pd.DataFrame:
    """The model in use vs baselines and oracle on leave-one-out and temporal splits (cached)."""
    return _recommender_evaluation(info.content_hash, str(info.path), k, use_segments)
