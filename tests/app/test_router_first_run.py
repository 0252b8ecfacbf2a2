"""A fresh server's first run at the root must not rerun from inside an import.

The dashboard package (dashboard/__init__.py) reruns through the router when Streamlit is still
in legacy pages/ mode (a deep link was the first request). On the root path the router calls st.navigation, which leaves that
mode, before it imports the dashboard package. A rerun raised mid-import once left a fresh server
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

    fresh = [m for m in sys.modules if m.split(".")[0] in ("pages", "dashboard")]
    for name in fresh:
        monkeypatch.delitem(sys.modules, name)  # a fresh server: no page or helper imported yet
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)  # as a fresh server starts
    monkeypatch.setattr(st, "rerun", recording_rerun)
    at = open_page(monkeypatch, small_bank_path, tmp_path / "models")
    assert reruns == []  # the guard never fired on the root path
    assert PagesManager.uses_pages_directory is False
    assert "dashboard.sidebar" in sys.modules and "dashboard.store" in sys.modules
    assert len(at.sidebar) > 0 and not at.exception
