"""Open the real app in AppTest against a given bank and model registry (one place for all page tests)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(
    monkeypatch, bank: Path, models: Path, page: str | None = None, timeout: float = 120
) -> AppTest:
    """Point the app at bank and models, run it, switch to page, and check nothing raised."""
    monkeypatch.setenv("BANKML_DB", str(bank))
    monkeypatch.setenv("BANKML_MODELS", str(models))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at
