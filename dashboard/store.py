"""The bank in use and its cached tables, keyed on the bank's content hash.

st.cache_data returns copies, so callers may change what they get; st.cache_resource objects are
shared by every session and must be treated as read-only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bankml import config, data
from bankml.data import BankInfo
from bankml.errors import BankmlError


def db_path() -> str:
    return str(config.db_path())


def models_path() -> str:
    return str(config.models_dir())


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


@st.cache_data(show_spinner="Reading the file...", max_entries=4)
def byod_frame(raw: bytes, name: str) -> pd.DataFrame:
    """An uploaded training CSV, read once per file content."""
    from bankml.default import byod

    return byod.read_upload(raw, name)


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


def clear_caches() -> None:
    """Called after a regeneration or retraining has been swapped in, never before."""
    st.cache_data.clear()
    st.cache_resource.clear()
