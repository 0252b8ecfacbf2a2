"""AppTest: every page renders without an exception on a small bank."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[a-z]*.py"))


@pytest.fixture()
def app(segmented_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, segmented_bank_path, tmp_path / "models")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, page):
    app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.title, f"{page} shows no title"


def test_overview_shows_the_bank(app):
    app.switch_page("pages/overview.py").run()
    labels = {m.label: m.value for m in app.metric}
    assert labels["Customers"] == "3,000"


def test_regenerate_a_small_bank(monkeypatch, tmp_path):
    db = tmp_path / "bank.duckdb"
    monkeypatch.setenv("BANKML_DB", str(db))
    monkeypatch.setenv("BANKML_MODELS", str(tmp_path / "models"))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.number_input(key="gen_customers").set_value(500)
    at.number_input(key="gen_seed").set_value(3)
    # the ceilings are off here: tests/app/test_data_page.py regenerates with them on (the default)
    at.checkbox(key="gen_report").uncheck()
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("New bank in use: 500 customers" in s.value for s in at.success)
    shown = [m.label for m in at.metric]
    assert "Segment-recoverability ceiling" not in shown  # and none was computed
    from bankml import data

    assert data.bank_info(db).customers == 500


def test_pages_without_a_model_never_load_it(
    monkeypatch, segmented_bank_path, logistic_bank_model, tmp_path
):
    """The sidebar shows the verified card only: Overview, Data and Customer segments render
    without unpickling the model (a cold load costs seconds on a fresh server)."""
    import shutil

    from bankml import registry

    models = tmp_path / "models"
    shutil.copytree(logistic_bank_model, models)
    loads = []
    real_load = registry.load_model
    monkeypatch.setattr(
        registry, "load_model", lambda *a, **k: loads.append(a) or real_load(*a, **k)
    )
    at = open_page(monkeypatch, segmented_bank_path, models)  # Overview, the first view
    card = registry.verify(models)
    shown = [m.value for m in at.markdown if "trained on" in m.value]  # the sidebar's model line
    assert shown and card["algorithm"] in shown[0] and f"{card['cutoff']:.1%}" in shown[0]
    for page in ("pages/data.py", "pages/customer_segments.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
    assert loads == []
    at.switch_page("pages/default_prediction.py").run()  # the form does need the model
    assert len(loads) == 1 and not at.exception


def test_pages_folder_holds_only_routed_pages():
    """Streamlit lists every file of pages/ in the sidebar while a page loads: helpers live in
    dashboard/, so pages/ holds the router's pages and nothing else."""
    import ast

    tree = ast.parse((ROOT / "streamlit_app.py").read_text())
    routed = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("pages/")
    }
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")}
    assert files - {"pages/__init__.py"} == routed
