"""Streamlit safety (RELIABILITY test 1 and 24/30 greps): upload limit, XSRF on, no error details,
no unsafe HTML with user text, no disk-persisted caches, and user text made inert in markdown."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_config_limits_uploads_and_keeps_protections():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 50
    assert config["server"].get("enableXsrfProtection", True) is True
    assert config["server"].get("enableCORS", True) is True
    assert config["client"]["showErrorDetails"] in ("none", False)
    assert {"primaryColor", "backgroundColor", "textColor"} <= set(config["theme"])


def test_no_code_weakens_the_server_or_persists_caches():
    sources = [
        *ROOT.glob("pages/*.py"),
        *ROOT.glob("dashboard/*.py"),
        ROOT / "streamlit_app.py",
        *ROOT.glob("bankml/**/*.py"),
    ]
    for path in sources:
        text = path.read_text()
        assert 'set_option("server.' not in text, path
        assert 'persist="disk"' not in text, path
        assert "unsafe_allow_html=True" not in text, path


def test_literal_makes_user_text_inert():
    from dashboard.safe import literal

    assert literal("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>"
    assert literal("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert literal("missing required column(s): annual_income") == (
        "missing required column(s): annual_income"
    )
    assert literal("*bold* `code` $x$ _em_") == "\\*bold\\* \\`code\\` \\$x\\$ \\_em\\_"
