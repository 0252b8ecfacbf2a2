"""A fresh server's first run at the root must not rerun from inside an import.

pages/_shared.py reruns through the router when Streamlit is still in legacy pages/ mode (a deep
link was the first request). On the root path the router calls st.navigation, which leaves that
mode, before it imports anything from pages/. A rerun raised mid-import once left a fresh server
with "cannot import name '_ui' from 'pages'" on its home page (fresh-clone check, 2026-11-23).
"""

from __future__ import annotations

import sys

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from tests.app._apptest import open_page


def test_root_first_run_imports_pages_after_leaving_legacy_mode(
    monkeypatch, small_bank_path, tmp_path
):
    reruns = []
    real_rerun = st.rerun

    def recording_rerun(*args, **kwargs):
        reruns.append(args)
        return real_rerun(*args, **kwargs)

    for name in [m for m in sys.modules if m == "pages" or m.startswith("pages.")]:
        monkeypatch.delitem(sys.modules, name)  # a fresh server: pages/ not imported yet
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)  # as a fresh server starts
    monkeypatch.setattr(st, "rerun", recording_rerun)
    at = open_page(monkeypatch, small_bank_path, tmp_path / "models")
    assert reruns == []  # the guard never fired on the root path
    assert PagesManager.uses_pages_directory is False
    assert "pages._ui" in sys.modules and "pages._shared" in sys.modules
    assert len(at.sidebar) > 0 and not at.exception
