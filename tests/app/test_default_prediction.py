"""AppTest flows on the Default prediction page: the applicant form and batch uploads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bankml import formatting
from bankml.csvio import to_safe_csv
from synth.applicants import applicants
from tests.app._apptest import open_page as open_app

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/default_prediction.py"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def open_page(monkeypatch, bank: Path, models: Path) -> AppTest:
    return open_app(monkeypatch, bank, models, PAGE)


@pytest.fixture()
def app(small_bank_path, logistic_bank_model, monkeypatch, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(logistic_bank_model, models)
    return open_page(monkeypatch, small_bank_path, models)


def upload(at: AppTest, raw: bytes, name: str) -> AppTest:
    at.file_uploader(key="batch_upload").clear().upload(name, raw, "text/csv").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def download_keys(at: AppTest) -> set[str]:
    return {getattr(d, "key", None) for d in at.get("download_button")}


def field(at: AppTest, name: str):
    """The applicant form's widget for one field (its key carries the form's version)."""
    key = f"applicant_{name}_v{at.session_state['applicant']['version']}"
    widgets = [w for w in (*at.number_input, *at.selectbox) if w.key == key]
    assert widgets, f"no form widget {key}"
    return widgets[0]


def labelled(widgets, label: str):
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}"
    return found[0]


def _shared_literal(text: str) -> str:
    from dashboard.safe import literal

    return literal(text)


def no_traceback(at: AppTest) -> None:
    assert not at.exception
    texts = [e.value for e in at.error] + [m.value for m in at.markdown]
    assert not any("Traceback" in t for t in texts)


def test_no_model_points_to_training(small_bank_path, monkeypatch, tmp_path):
    at = open_page(monkeypatch, small_bank_path, tmp_path / "none")
    assert any("No model is registered yet" in i.value for i in at.info)
    assert any("bankml train" in i.value for i in at.info)


def test_form_widgets_share_the_validator_bounds(app, logistic_model):
    model = logistic_model[0]
    for spec in model.schema_.numeric:
        widget = field(app, spec.name)
        assert (widget.min, widget.max, widget.step) == (spec.minimum, spec.maximum, spec.step)
        assert widget.help
    for spec in model.schema_.categorical:
        assert tuple(field(app, spec.name).options) == tuple(
            map(formatting.label_text, spec.levels)
        )


def test_submit_the_applicant_form_shows_pd_and_reasons(app):
    field(app, "debt_to_income").set_value(0.9)
    field(app, "credit_utilization").set_value(0.95)
    app.form_submit_button[0].click().run()
    no_traceback(app)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Probability of default"].endswith("%")
    assert metrics["Decision"] in {"Approve", "Refer", "Decline"}
    assert app.get("vega_lite_chart"), "no reason-code chart"
    assert any("risk" in m.value for m in app.markdown), "no plain-language reasons"
    before = metrics["Probability of default"]
    labelled(app.selectbox, "Change one field").set_value("debt_to_income").run()
    labelled(app.number_input, "New value").set_value(0.05).run()
    after = {m.label: m for m in app.metric}["PD after the change"]
    assert float(after.value.rstrip("%")) < float(before.rstrip("%"))
    assert after.delta.startswith("-") and after.delta.endswith(" pp")


def test_the_default_applicant_is_scored_as_shown(app, logistic_model):
    """The form's starting values are scored exactly as displayed (no hidden extra digits)."""
    from bankml.default.scoring import score_applicant

    model = logistic_model[0]
    shown = {spec.name: float(field(app, spec.name).value) for spec in model.schema_.numeric} | {
        spec.name: field(app, spec.name).value for spec in model.schema_.categorical
    }
    for spec in model.schema_.numeric:
        places = formatting.decimal_places(spec.step, spec.integer)
        assert shown[spec.name] == round(shown[spec.name], places), spec.name
    app.form_submit_button[0].click().run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Probability of default"] == formatting.pd_text(score_applicant(shown, model).pd)


def test_load_after_editing_scores_the_loaded_applicant(app, small_bank_path, logistic_model):
    """Typed values never leak into a loaded applicant: the PD is the loan's own."""
    from bankml.default import loan_frame
    from bankml.default.scoring import applicant_from_loan, score_applicant

    model = logistic_model[0]
    field(app, "debt_to_income").set_value(0.9)
    field(app, "credit_score").set_value(820)
    app.number_input(key="load_loan_id").set_value(5)
    app.button(key="load_loan").click().run()
    assert not app.metric, "a result for the previous applicant is still shown"
    values = applicant_from_loan(loan_frame(small_bank_path), 5, model.schema_)
    assert field(app, "debt_to_income").value == pytest.approx(values["debt_to_income"])
    app.form_submit_button[0].click().run()
    no_traceback(app)
    expected = score_applicant(values, model)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Probability of default"] == formatting.pd_text(expected.pd)
    listed = "\n".join(m.value for m in app.markdown)
    for reason in expected.decision_reasons(4)["text"]:
        assert _shared_literal(reason) in listed


def test_what_if_resets_for_a_new_applicant_and_unchanged_shows_no_arrow(app, small_bank):
    loans = small_bank["loans"].set_index("loan_id")
    for loan_id in (5, 7):
        app.number_input(key="load_loan_id").set_value(loan_id)
        app.button(key="load_loan").click().run()
        app.form_submit_button[0].click().run()
        no_traceback(app)
        new_value = labelled(app.number_input, "New value")
        assert new_value.value == round(loans.loc[loan_id, "loan_amount"])
        assert not labelled(app.metric, "PD after the change").delta
        new_value.set_value(40_000).run()
        assert labelled(app.metric, "PD after the change").delta.endswith(" pp")
    labelled(app.selectbox, "Change one field").set_value("purpose").run()
    purpose = labelled(app.selectbox, "New value")
    assert purpose.value == loans.loc[7, "purpose"]  # starts at the applicant's, not the first
    assert not labelled(app.metric, "PD after the change").delta


def test_load_an_existing_applicant_fills_the_form(app, small_bank):
    loan = small_bank["loans"].iloc[10]
    app.number_input(key="load_loan_id").set_value(int(loan["loan_id"]))
    app.button(key="load_loan").click().run()
    no_traceback(app)
    assert field(app, "loan_amount").value == round(loan["loan_amount"])
    assert field(app, "purpose").value == loan["purpose"]
    app.number_input(key="load_loan_id").set_value(10**8)
    app.button(key="load_loan").click().run()
    assert any("no loan with ID 100000000" in e.value for e in app.error)


def test_good_csv_gives_a_scored_table_and_a_download(app):
    frame = applicants(40, seed=2)
    upload(app, to_safe_csv(frame), "loans.csv")
    no_traceback(app)
    assert any("40 of 40 rows scored" in s.value for s in app.success)
    assert not app.warning
    scored = app.dataframe[0].value
    assert scored["customer_id"].tolist() == frame["customer_id"].tolist()
    assert scored["pd"].between(0, 1).all()
    # results first: identifier, then PD, grade, decision and the top reason
    assert list(scored.columns[:6]) == [
        "customer_id",
        "name",
        "pd",
        "grade",
        "decision",
        "reason_1",
    ]
    counts = {m.label: m.value for m in app.metric}
    assert sum(int(counts[d]) for d in ("Approve", "Refer", "Decline")) == 40
    assert int(counts["Decline"]) == (scored["decision"] == "decline").sum()
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
    scored, issues = app.dataframe[0].value, app.dataframe[1].value
    # rows were rejected: a warning, never a green box
    assert not app.success
    assert any("19 of 20 rows scored; 1 rejected" in w.value for w in app.warning)
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


def test_every_field_at_its_upper_bound_scores(app, logistic_model):
    model = logistic_model[0]
    for spec in model.schema_.numeric:
        field(app, spec.name).set_value(spec.maximum)
    app.form_submit_button[0].click().run()
    no_traceback(app)
    assert not app.error
    assert {m.label for m in app.metric} >= {
        "Probability of default",
        "Risk grade",
        "Decision",
        "Exposure at default",
        "Break-even PD",
        "Expected profit",
    }
    # the fixed master scale is printed beside the grade, floor to cap
    scale = next(m.value for m in app.markdown if m.value.startswith("| Grade |"))
    rows = scale.splitlines()[2:]
    assert [r.split("|")[1].strip() for r in rows] == list("ABCDEFGHI")
    assert rows[0].split("|")[2].strip() == "0.03%"
    assert not app.table  # text: no table element for Chromium to load on the first view


def _declined(small_bank_path, model, with_advice: bool) -> tuple[int, object]:
    """A loan the model declines, with (or without) a counterfactual, and its scoring."""
    from bankml.default import loan_frame
    from bankml.default.scoring import applicant_from_loan, score_applicant

    loans = loan_frame(small_bank_path)
    pds = model.predict_pd(loans)
    for loan_id in loans["loan_id"].to_numpy()[pds >= model.cutoff_][:200]:
        result = score_applicant(applicant_from_loan(loans, loan_id, model.schema_), model)
        if result.decision == "decline" and bool(result.counterfactual) == with_advice:
            return int(loan_id), result
    pytest.fail(f"no declined loan {'with' if with_advice else 'without'} advice in the bank")


def _score_loan(app, loan_id: int) -> None:
    app.number_input(key="load_loan_id").set_value(loan_id)
    app.button(key="load_loan").click().run()
    app.form_submit_button[0].click().run()
    no_traceback(app)


def test_counterfactual_shows_its_consequences_and_the_pd_before_and_after(
    app, small_bank_path, logistic_model
):
    loan_id, expected = _declined(small_bank_path, logistic_model[0], with_advice=True)
    _score_loan(app, loan_id)
    cf = expected.counterfactual
    box = "\n".join(i.value for i in app.info)
    before, after = formatting.pd_text(cf["pd_before"]), formatting.pd_text(cf["pd"])
    assert f"PD: {before} → {after}" in box, box
    assert "Monthly payment:" in box  # a shorter loan or a smaller one always changes the payment
    if "loan_amount" in cf["changes"]:
        assert f"borrow {cf['changes']['loan_amount']['to']:,.0f} instead of" in box
    assert box.count("onthly payment") == 1, "the consequences are listed once, not repeated"
    if "debt_to_income" in cf["consequences"]:
        assert "Debt-to-income:" in box


def test_no_allowed_change_says_so(app, small_bank_path, logistic_model):
    loan_id, _ = _declined(small_bank_path, logistic_model[0], with_advice=False)
    _score_loan(app, loan_id)
    assert any(
        "No allowed change of loan amount or term brings this applicant under the cut-off"
        in i.value
        for i in app.info
    )


def test_batch_drift_has_plain_columns_and_says_too_few_rows(app):
    from bankml.default.drift import TOO_FEW

    upload(app, to_safe_csv(applicants(40, seed=2)), "loans.csv")
    tables = [d for d in app.dataframe if "noise" in d.value.columns]
    assert len(tables) == 1
    drift = tables[0].value
    assert {"psi", "noise", "band", "missing_batch", "score_shift"} <= set(drift.columns)
    assert (drift["band"] == TOO_FEW).any()  # 40 rows: noise level above the moderate band
    assert any("Too few rows to judge" in c.value for c in app.caption)
    config = tables[0].proto.columns
    for plain in ("Shift (PSI)", "Noise level", "Verdict", "Missing in batch", "Score shift"):
        assert plain in config, f"{plain!r} not among the drift table's column names"
