"""AppTest flows on the Data page: bring your own data, and the stale-model marker after regeneration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bankml import formatting, registry
from bankml.default import byod
from tests.app._apptest import open_page

ROOT = Path(__file__).resolve().parents[2]


def foreign_loans(rows: int = 600, seed: int = 0) -> bytes:
    """A loans CSV unlike the synthetic bank's: other columns, a yes/no target driven by two of them."""
    rng = np.random.default_rng(seed)
    duration = rng.integers(6, 60, rows)
    savings = rng.choice(["none", "little", "moderate", "rich"], rows)
    risk = 0.04 * duration - 1.0 * (savings == "rich") + rng.normal(0, 1, rows)
    frame = pd.DataFrame(
        {
            "duration_months": duration,
            "credit_amount": rng.integers(500, 15_000, rows),
            "savings": savings,
            "sex": rng.choice(["female", "male"], rows),
            "bad_loan": np.where(risk > np.quantile(risk, 0.7), "yes", "no"),
        }
    )
    return frame.to_csv(index=False).encode()


@pytest.fixture()
def app(small_bank_path, monkeypatch, tmp_path):
    return open_page(monkeypatch, small_bank_path, tmp_path / "models", "pages/data.py", 180)


def test_target_candidates_are_two_valued_columns():
    frame = pd.read_csv(__import__("io").BytesIO(foreign_loans()))
    assert byod.target_candidates(frame) == ["sex", "bad_loan"]


def test_bring_your_own_data_trains_and_activates_a_model(app, tmp_path):
    app.file_uploader(key="byod_upload").upload("my_loans.csv", foreign_loans(), "text/csv").run()
    assert not app.exception
    # "sex" is the first two-valued column: the outcome-named one is preselected, "sex" kept out
    assert app.selectbox(key="byod_target").value == "bad_loan"
    # one opt-in widget: the protected-looking column is offered, and out of the model by default
    assert app.multiselect(key="byod_use_protected").options == ["sex (sex)"]
    assert app.multiselect(key="byod_use_protected").value == []
    app.form_submit_button[1].click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("is now active" in s.value for s in app.success), [e.value for e in app.error]
    assert any(
        "Excluded from the model inputs as protected attributes: sex" in i.value for i in app.info
    )
    model, card = registry.load_model(tmp_path / "models")
    assert card["source"] == "upload my_loans.csv"
    assert "sex" not in model.features_ and "sex" in card["protected"]
    assert "bad_loan" not in model.features_
    # 600 rows: the documented small-data set (forest, CatBoost, blend), not just the quick three
    names = {row["name"] for row in card["leaderboard"]}
    assert len(names) > 3 and any("blend" in n for n in names), names


def test_opting_in_a_protected_column_makes_it_an_input(app, tmp_path):
    app.file_uploader(key="byod_upload").upload("my_loans.csv", foreign_loans(), "text/csv").run()
    app.multiselect(key="byod_use_protected").select("sex")
    app.form_submit_button[1].click().run()
    assert not app.exception, [e.message for e in app.exception]
    model, card = registry.load_model(tmp_path / "models")
    assert "sex" in model.features_ and "sex" not in card["protected"]
    assert any("used as inputs at the user's request: sex" in i.value for i in app.info)


def test_the_bank_difficulty_figures_are_shown(app, small_bank_path):
    from bankml.data import bank_info

    info = bank_info(small_bank_path)
    metrics = {m.label: m for m in app.metric}
    assert metrics["Oracle AUC (matured loans)"].value == f"{info.oracle_auc:.3f}"
    assert metrics["Declined applications"].value == formatting.percent(
        info.difficulty["declined_share"]
    )
    assert metrics["Immature loans"].value == formatting.percent(info.difficulty["immature_share"])
    low, high = info.difficulty["quarterly_default_min"], info.difficulty["quarterly_default_max"]
    rate = metrics["Quarterly default rate"].value
    assert rate == f"{formatting.percent(low)} – {formatting.percent(high)}"
    assert all(
        m.help for m in metrics.values() if m.label in {"Immature loans", "Declined applications"}
    )
    # generated without the report: the ceilings are missing and the page says how to get them
    assert "Application-only logistic" not in metrics
    assert any("Compute the model ceilings" in c.value for c in app.caption)


def test_a_binary_file_is_a_clean_error(app, tmp_path):
    app.file_uploader(key="byod_upload").upload(
        "loans.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "text/csv"
    ).run()
    assert not app.exception
    assert any("not a text CSV" in e.value for e in app.error)
    assert not (tmp_path / "models").exists() or registry.current_id(tmp_path / "models") is None


@pytest.mark.slow  # a regeneration with its model ceilings: 10 s of CPU
def test_regeneration_marks_a_bank_model_stale(
    monkeypatch, tmp_path_factory, small_bank_path, logistic_bank_model
):
    from tests._shared import copy_of
    from tests.conftest import SMALL_CUSTOMERS

    # private copies of the run's small bank (seed 7) and of the logistic model trained on it
    db = copy_of(small_bank_path.parent, tmp_path_factory, "stale-bank") / small_bank_path.name
    models = copy_of(logistic_bank_model, tmp_path_factory, "stale-models")
    monkeypatch.setenv("BANKML_DB", str(db))
    monkeypatch.setenv("BANKML_MODELS", str(models))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    at.run()
    assert not any("Stale" in w.value for w in at.sidebar.warning)
    at.switch_page("pages/data.py").run()
    # the form starts from the bank in use, not the generator's defaults
    assert at.number_input(key="gen_customers").value == SMALL_CUSTOMERS
    assert at.number_input(key="gen_seed").value == 7
    at.number_input(key="gen_customers").set_value(800)
    at.number_input(key="gen_seed").set_value(2)
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert any("marked stale" in w.value for w in at.warning)
    assert any("800 customers" in s.value for s in at.success)
    from bankml.segment import store

    assert store.load(db) is not None  # the segments page's first view of the new bank fits nothing
    # "Compute the model ceilings" is on by default: the new bank's ceilings are shown
    shown = {m.label: m.value for m in at.metric}
    assert shown["Application-only logistic"].endswith("x oracle")
    assert 0 < float(shown["Segment-recoverability ceiling"].rstrip("%")) <= 100
    # (the same session's sidebar following at once is checked in Chromium: AppTest drops the
    # router's sidebar after switch_page)
    assert at.number_input(key="gen_customers").value == 800
    at.switch_page("pages/overview.py").run()  # the form's widget state is dropped there...
    at.switch_page("pages/data.py").run()
    assert at.number_input(key="gen_customers").value == 800  # ...and refilled from the bank
    assert at.number_input(key="gen_seed").value == 2
    fresh = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    fresh.run()  # another session opening the dashboard sees the marker in the sidebar
    assert any("Stale" in w.value for w in fresh.sidebar.warning)


def test_the_table_browser_draws_a_grid_only_once_a_table_is_chosen(app, small_bank_path):
    """No grid on the first view (it cost the page about a second in Chromium): the tables and
    their rows are listed; choosing one draws its first 500 rows."""
    from bankml.data import bank_info

    info = bank_info(small_bank_path)
    assert not app.dataframe
    listed = next(c.value for c in app.caption if c.value.startswith("Tables of this bank"))
    assert f"customers ({formatting.count(info.row_counts['customers'])} rows)" in listed
    app.selectbox(key="browse_table").set_value("customers").run()
    assert not app.exception
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == min(
        500, info.row_counts["customers"]
    )
