"""User-provided text shown safely: inert markdown and literal error messages."""

from __future__ import annotations

import re

import streamlit as st

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>$~|])|(?<!\w)_|_(?!\w)|^#", re.MULTILINE)


def literal(text: object) -> str:
    """User-provided text made inert for Streamlit markdown (no links, HTML, emphasis, LaTeX)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))


def show_error(exc: BaseException) -> None:
    """A library error as st.error, shown literally (it may quote a user's file or values)."""
    st.error(literal(exc), icon=":material/error:")
