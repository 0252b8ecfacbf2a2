"""AppTest: the Model performance page with no model, a trained model and a tampered one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests._shared import copy_of
from tests.app._apptest import open_page as open_app

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/model_performance.py"


@pytest.fixture(scope="module")
def registry_dir(quick_bank_model, tmp_path_factory):
    """This file's copy of the quick model's registry (the tests store views into it)."""
    return copy_of(quick_bank_model[1], tmp_path_factory, "models")


@pytest.fixture()
def one_candidate_training(monkeypatch):
    """The page's training buttons train one candidate on 3 folds here: these tests check the
    page's plumbing (button, registry, card, stored first view, message); the comparison of
    the quick candidates is tests/model/default's (the shared quick model)."""
    import bankml.default

    real = bankml.default.train_bank_model

    def one_candidate(*args, **kwargs):
        return real(*args, **{**kwargs, "candidates": ["logistic"], "cv": 3})

    monkeypatch.setattr(bankml.default, "train_bank_model", one_candidate)


def _open(monkeypatch, bank: Path, models: Path) -> AppTest:
    return open_app(monkeypatch, bank, models, PAGE)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _show(at: AppTest, section: str) -> AppTest:
    """Pick one section of the page (only the chosen section is drawn)."""
    at.button_group(key="performance_section").set_value(section).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_first_view_draws_the_money_section_only(monkeypatch, small_bank_path, registry_dir):
    """The first view is the leaderboard and the cut-off in money: the other charts and tables
    wait for their section, so a first view does not draw the whole page."""
    at = _open(monkeypatch, small_bank_path, registry_dir)
    headers = [h.value for h in at.subheader]
    assert headers[:3] == ["Candidates on the same folds", "Lending economics", "Cut-off and money"]
    for hidden in ("Calibration", "Fairness", "Vintage curves", "Model registry"):
        assert hidden not in headers
    assert len(at.get("vega_lite_chart")) == 1  # the profit chart alone
    assert at.button_group(key="performance_section").value == "money"


def test_page_renders_every_section(monkeypatch, small_bank_path, registry_dir):
    from dashboard.performance import SECTIONS

    at = _open(monkeypatch, small_bank_path, registry_dir)
    headers, tables, markdown = [], [], []
    for section in SECTIONS:
        _show(at, section)
        headers += [h.value for h in at.subheader]
        tables += [t.value for t in at.dataframe]
        markdown += [m.value for m in at.markdown]
        if section == "money":
            assert {
                "Approval rate",
                "Defaulters caught",
                "Bad debt avoided",
                "Profit vs approve-all",
            } <= set(_metrics(at))
            assert at.slider(key="cutoff").value > 0
    for section in (
        "Candidates on the same folds",
        "Calibration",
        "Cut-off and money",
        "Fairness",
        "Lending economics",
        "Portfolio: expected loss",
        "Vintage curves",
        "What drives the PD",
        "Model registry",
    ):
        assert section in headers
    by_grade = next(t for t in tables if "expected_loss" in t.columns and "grade" in t.columns)
    assert by_grade["grade"].iloc[-1] == "all" and (by_grade["expected_loss"] > 0).all()
    assert any("vintage" in t.columns and "expected_loss" in t.columns for t in tables)
    scale = next(t for t in tables if "pd_from" in t.columns)
    assert list(scale["grade"]) == list("ABCDEFGHI")
    assert any("gender" in m for m in markdown)
    assert any("Scorecard points" in m for m in markdown)


def test_what_if_settings_follow_the_analyst_across_sections(
    monkeypatch, small_bank_path, registry_dir
):
    """Economics and cut-off set under Cut-off and money price Expected loss and Fairness, and
    come back as set when the money section is drawn again."""

    def table(at: AppTest, section: str, column: str):
        return next(t.value for t in _show(at, section).dataframe if column in t.value.columns)

    at = _open(monkeypatch, small_bank_path, registry_dir)
    losses = table(at, "loss", "expected_loss")["expected_loss"].sum()
    approvals = table(at, "fairness", "group")["approval_rate"].sum()
    _show(at, "money")
    at.number_input(key="econ_lgd").set_value(0.95).run()
    at.slider(key="cutoff").set_value(0.02).run()
    assert table(at, "loss", "expected_loss")["expected_loss"].sum() > losses
    assert any("economics set under Cut-off and money" in c.value for c in at.caption)
    assert table(at, "fairness", "group")["approval_rate"].sum() < approvals
    assert any("2.0%" in c.value for c in at.caption)
    _show(at, "money")
    assert at.number_input(key="econ_lgd").value == 0.95
    assert at.slider(key="cutoff").value == 0.02


def test_moving_the_cutoff_changes_the_business_view(monkeypatch, small_bank_path, registry_dir):
    at = _open(monkeypatch, small_bank_path, registry_dir)
    before = _metrics(at)
    at.slider(key="cutoff").set_value(0.02).run()
    assert not at.exception
    after = _metrics(at)
    assert after["Approval rate"] != before["Approval rate"]
    assert float(after["Approval rate"].rstrip("%")) < float(before["Approval rate"].rstrip("%"))
    assert after["Defaulters caught"] != before["Defaulters caught"]


def test_what_if_economics_move_the_cutoff_and_the_expected_loss(
    monkeypatch, small_bank_path, registry_dir
):
    at = _open(monkeypatch, small_bank_path, registry_dir)
    before = {m.label: m.value for m in at.metric}
    at.number_input(key="econ_lgd").set_value(0.95).run()
    assert not at.exception, [e.message for e in at.exception]
    # a harsher loss given default: a stricter expected-value cut-off is proposed, not deployed
    assert any("would be" in i.value and "until retrained" in i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["Bad debt avoided"] != before["Bad debt avoided"]


@pytest.mark.slow  # a training from the page: 11 s of CPU
def test_retraining_prices_the_cutoff_with_the_economics_set_on_the_page(
    monkeypatch, small_bank_path, registry_dir, tmp_path, one_candidate_training
):
    import shutil

    from bankml import registry

    models = tmp_path / "models"
    shutil.copytree(registry_dir, models)
    at = _open(monkeypatch, small_bank_path, models)
    at.number_input(key="econ_lgd").set_value(0.9)
    at.number_input(key="econ_horizon").set_value(24).run()
    _show(at, "registry")  # the economics are set in another section than the button
    at.button(key="retrain").click().run(timeout=600)  # trains a model: generous under load
    assert not at.exception, [e.message for e in at.exception]
    card = registry.verify(models)
    assert card["economics"]["loss_given_default"] == 0.9
    assert card["economics"]["horizon_months"] == 24


def test_no_model_offers_training_and_registers_one(
    monkeypatch, small_bank_path, tmp_path, one_candidate_training
):
    from bankml import registry

    at = _open(monkeypatch, small_bank_path, tmp_path / "models")
    assert any("No usable model" in i.value for i in at.info)
    at.button(key="train_first").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert registry.current_id(tmp_path / "models") is not None
    assert "Approval rate" in _metrics(at)
    # the first view of the new model is stored beside it at training
    assert (registry.model_folder(tmp_path / "models") / "performance_view" / "meta.json").is_file()
    # never a silent rerun: the page names the new model
    new_id = registry.current_id(tmp_path / "models")
    assert any(new_id in s.value and "now current" in s.value for s in at.success)


def test_cutoff_slider_says_it_is_a_what_if(monkeypatch, small_bank_path, registry_dir):
    at = _open(monkeypatch, small_bank_path, registry_dir)
    slider = at.slider(key="cutoff")
    assert "What if" in slider.label and "does not change the model" in slider.help
    slider.set_value(0.02).run()
    assert any("What-if only" in c.value and "2.0%" in c.value for c in at.caption)


def test_tampered_model_says_retrain_without_a_traceback(
    monkeypatch, small_bank_path, registry_dir, tmp_path
):
    import shutil

    from bankml import registry

    copy = tmp_path / "models"
    shutil.copytree(registry_dir, copy)
    artefact = copy / registry.current_id(copy) / "model.joblib"
    data = bytearray(artefact.read_bytes())
    data[-10] ^= 0xFF
    artefact.write_bytes(bytes(data))
    at = _open(monkeypatch, small_bank_path, copy)
    assert any("checksum mismatch" in e.value and "retrain" in e.value for e in at.error)
    assert at.button(key="train_first")


def test_first_view_computes_nothing_when_the_view_is_stored(
    monkeypatch, small_bank_path, registry_dir
):
    """Stored at training: the page neither rebuilds the tables nor loads the model."""
    from bankml import registry
    from bankml.default import performance_view

    performance_view.ensure(registry_dir)
    calls = []
    monkeypatch.setattr(performance_view, "build", lambda *a, **k: calls.append("build"))
    monkeypatch.setattr(registry, "load_model", lambda *a, **k: calls.append("load_model"))
    at = _open(monkeypatch, small_bank_path, registry_dir)
    assert "Cut-off and money" in [h.value for h in at.subheader]
    for section in ("curves", "loss", "fairness"):
        _show(at, section)
    assert "Calibration" in [h.value for h in _show(at, "curves").subheader]
    assert calls == []


def test_scorecard_review_and_fair_lending_are_shown(monkeypatch, small_bank_path, registry_dir):
    from bankml import registry

    card = registry.load_model(registry_dir)[1]
    diagnostics = card["diagnostics"]
    role = diagnostics["scorecard_scaling"]["role"]
    at = _show(_open(monkeypatch, small_bank_path, registry_dir), "drivers")
    assert f"Scorecard ({role})" in [h.value for h in at.subheader]
    assert any(diagnostics["scorecard_scaling"]["text"] in c.value for c in at.caption)
    screening = [d for d in at.dataframe if "reason" in d.value.columns]
    assert screening and {"characteristic", "iv", "kept"} <= set(screening[0].value.columns)
    assert len(screening[0].value) == len(diagnostics["scorecard_screening"])
    assert "Information value" in screening[0].proto.columns  # plain names, not "iv"
    _show(at, "fairness")
    assert any(diagnostics["protected_notice"] in i.value for i in at.info)
    proxies = [d for d in at.dataframe if "proxy_auc" in d.value.columns]
    assert proxies and len(proxies[0].value) == len(diagnostics["proxy_check"])
    assert "Predictable from the inputs (AUC)" in proxies[0].proto.columns


def test_flagged_proxies_are_shaded():
    import pandas as pd

    from dashboard.review import highlight_flagged

    table = pd.DataFrame(
        {"attribute": ["age", "gender"], "proxy_auc": [0.9, 0.5], "flagged": [True, False]}
    )
    html = highlight_flagged(table).to_html()
    assert "row0_col0, #T_" in html and "row0_col2 {\n  background-color" in html
    assert "row1_col" not in html.split("</style>")[0]  # the unflagged row is left plain


def test_vintage_curves_and_the_validation_report_download(
    monkeypatch, small_bank_path, logistic_bank_model, tmp_path_factory
):
    """Item 1 and 10 of issue 16: the bank's vintages are drawn, and the validation report is
    built on request and offered as a self-contained HTML download. (On the run's shared
    logistic model: the page's plumbing, not the report of each candidate, is checked here.)"""
    models = copy_of(logistic_bank_model, tmp_path_factory, "models")
    at = _open(monkeypatch, small_bank_path, models)
    assert "Vintage curves" in [h.value for h in _show(at, "vintages").subheader]
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert "Validation report" in [h.value for h in _show(at, "registry").subheader]
    assert not at.get("download_button")  # built only on request
    at.button(key="build_report").click().run(timeout=600)
    assert not at.exception, [e.message for e in at.exception]
    buttons = at.get("download_button")
    assert len(buttons) == 1
    assert "Download the validation report" in buttons[0].proto.label
    html = at.session_state["validation_report"][1]
    assert html.startswith("<!DOCTYPE html>") and '<h2 id="out-of-time">' in html
    assert "<script" not in html
