"""AppTest flows on the Default prediction page: the applicant form and batch uploads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bankml.csvio import to_safe_csv
from synth.applicants import applicants
from tests.app._apptest import open_page as open_app
from tests.bad_inputs.helpers import trained_model, trained_registry

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/default_prediction.py"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def open_page(monkeypatch, bank: Path, models: Path) -> AppTest:
    return open_app(monkeypatch, bank, models, PAGE)


@pytest.fixture()
def app(small_bank_path, monkeypatch, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained_registry(str(small_bank_path)), models)
    return open_page(monkeypatch, small_bank_path, models)


def upload(at: AppTest, raw: bytes, name: str) -> AppTest:
    at.file_uploader(key="batch_upload").clear().upload(name, raw, "text/csv").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def download_keys(at: AppTest) -> set[str]:
    return {getattr(d, "key", None) for d in at.get("download_button")}


def no_traceback(at: AppTest) -> None:
    assert not at.exception
    texts = [e.value for e in at.error] + [m.value for m in at.markdown]
    assert not any("Traceback" in t for t in texts)


def test_no_model_points_to_training(small_bank_path, monkeypatch, tmp_path):
    at = open_page(monkeypatch, small_bank_path, tmp_path / "none")
    assert any("No model is registered yet" in i.value for i in at.info)
    assert any("bankml train" in i.value for i in at.info)


def test_form_widgets_share_the_validator_bounds(app, small_bank_path):
    model = trained_model(str(small_bank_path))[0]
    for spec in model.schema_.numeric:
        widget = app.number_input(key=f"applicant_{spec.name}")
        assert (widget.min, widget.max, widget.step) == (spec.minimum, spec.maximum, spec.step)
        assert widget.help
    for spec in model.schema_.categorical:
        assert tuple(app.selectbox(key=f"applicant_{spec.name}").options) == spec.levels


def test_submit_the_applicant_form_shows_pd_and_reasons(app):
    app.number_input(key="applicant_debt_to_income").set_value(0.9)
    app.number_input(key="applicant_credit_utilization").set_value(0.95)
    app.form_submit_button[0].click().run()
    no_traceback(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Probability of default"].endswith("%")
    assert metrics["Decision"] in {"Approve", "Refer", "Decline"}
    assert app.get("vega_lite_chart"), "no reason-code chart"
    assert any("risk" in m.value for m in app.markdown), "no plain-language reasons"
    before = metrics["Probability of default"]
    app.selectbox(key="whatif_feature").set_value("debt_to_income").run()
    app.number_input(key="whatif_value_debt_to_income").set_value(0.05).run()
    after = {m.label: m for m in app.metric}["PD after the change"]
    assert float(after.value.rstrip("%")) < float(before.rstrip("%"))


def test_load_an_existing_applicant_fills_the_form(app, small_bank):
    loan = small_bank["loans"].iloc[10]
    app.number_input(key="load_loan_id").set_value(int(loan["loan_id"]))
    app.button(key="load_loan").click().run()
    no_traceback(app)
    assert app.number_input(key="applicant_loan_amount").value == round(loan["loan_amount"])
    assert app.selectbox(key="applicant_purpose").value == loan["purpose"]
    app.number_input(key="load_loan_id").set_value(10**8)
    app.button(key="load_loan").click().run()
    assert any("no loan with ID 100000000" in e.value for e in app.error)


def test_good_csv_gives_a_scored_table_and_a_download(app):
    frame = applicants(40, seed=2)
    upload(app, to_safe_csv(frame), "loans.csv")
    no_traceback(app)
    assert any("40 of 40 rows valid" in s.value for s in app.success)
    scored = app.dataframe[0].value
    assert scored["customer_id"].tolist() == frame["customer_id"].tolist()
    assert scored["pd"].between(0, 1).all()
    assert "batch_download" in download_keys(app)
    assert len(app.get("vega_lite_chart")) >= 1


def test_missing_column_is_named_and_nothing_is_offered(app):
    raw = to_safe_csv(applicants(10, seed=2).drop(columns="annual_income"))
    upload(app, raw, "loans.csv")
    no_traceback(app)
    assert any("missing required column(s): annual_income" in e.value for e in app.error)
    assert any("Required columns: loan_amount" in e.value for e in app.error)
    assert "batch_download" not in download_keys(app)
    assert not app.dataframe


def test_png_named_csv_is_not_a_text_csv_and_the_app_recovers(app):
    upload(app, PNG, "loans.csv")
    no_traceback(app)
    assert any("not a text CSV" in e.value for e in app.error)
    assert "batch_download" not in download_keys(app)
    upload(app, to_safe_csv(applicants(5, seed=1)), "loans.csv")
    assert "batch_download" in download_keys(app)


def test_bad_rows_are_listed_and_user_text_stays_literal(app):
    frame = applicants(20, seed=4).astype({"annual_income": object})
    frame.loc[3, "annual_income"] = "<script>alert(1)</script>"
    frame.loc[5, "name"] = "[x](javascript:alert(1))"
    upload(app, to_safe_csv(frame), "loans.csv")
    no_traceback(app)
    issues, scored = app.dataframe[0].value, app.dataframe[1].value
    assert issues[["row", "column"]].values.tolist() == [[4, "annual_income"]]
    assert issues["value"].iloc[0] == "<script>alert(1)</script>"
    assert len(scored) == 19
    assert "[x](javascript:alert(1))" in scored["name"].tolist()
    assert not any("<script>" in m.value for m in app.markdown)


def test_wide_file_fails_cleanly(app):
    wide = ",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join(["1"] * 10_000) + "\n"
    upload(app, wide.encode(), "wide.csv")
    assert any("10,000 columns, over the limit" in e.value for e in app.error)
    assert not app.dataframe and "batch_download" not in download_keys(app)


def test_every_field_at_its_upper_bound_scores(app, small_bank_path):
    model = trained_model(str(small_bank_path))[0]
    for spec in model.schema_.numeric:
        app.number_input(key=f"applicant_{spec.name}").set_value(spec.maximum)
    app.form_submit_button[0].click().run()
    no_traceback(app)
    assert not app.error
    assert {m.label for m in app.metric} >= {"Probability of default", "Risk grade", "Decision"}
