"""bankml.default.scoring and `bankml score`: valid rows scored in order, bad rows listed, safe export."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from bankml.cli import main
from bankml.csvio import to_safe_csv
from bankml.default.batch_summary import template
from bankml.default.scoring import score_batch
from bankml.errors import InputError
from synth.applicants import SHIFTS, applicants


@pytest.fixture(scope="module")
def model(logistic_model):
    return logistic_model[0]


@pytest.fixture(scope="module")
def registry(logistic_bank_model):
    return logistic_bank_model


@pytest.fixture(scope="module")
def batch() -> pd.DataFrame:
    return applicants(300, seed=11)


def test_applicants_are_deterministic_and_shifts_move_the_population():
    base = applicants(400, seed=5)
    pd.testing.assert_frame_equal(base, applicants(400, seed=5))
    assert "defaulted" not in base.columns and len(base) == 400
    shock = applicants(400, seed=5, shift="income_shock")
    assert shock["annual_income"].median() < 0.8 * base["annual_income"].median()
    assert shock["debt_to_income"].mean() > base["debt_to_income"].mean()
    rates = applicants(400, seed=5, shift="rate_rise")
    assert np.allclose(rates["interest_rate"] - base["interest_rate"], 3.0, atol=0.011)
    assert rates["debt_to_income"].mean() > base["debt_to_income"].mean()
    young = applicants(400, seed=5, shift="new_channel")
    assert young["age"].median() < base["age"].median() - 5
    assert young["open_credit_lines"].mean() < base["open_credit_lines"].mean()
    assert young["tenure_months"].max() <= 12
    assert set(SHIFTS) == {"none", "income_shock", "rate_rise", "new_channel"}


def test_score_batch_keeps_ids_in_order_and_reproduces(model, batch, small_bank):
    raw = to_safe_csv(batch)
    first = score_batch(raw, model, name="apps.csv")
    again = score_batch(raw, model, name="apps.csv")
    scored = first.scored
    assert scored["customer_id"].tolist() == batch["customer_id"].tolist()
    assert scored["name"].tolist() == batch["name"].tolist()
    assert np.array_equal(scored["pd"].to_numpy(), again.scored["pd"].to_numpy())
    assert scored["pd"].between(0, 1).all()
    direct = model.predict_pd(batch)
    assert np.allclose(scored["pd"].to_numpy(), direct)
    assert set(scored["decision"]) <= {"approve", "refer", "decline"}
    assert scored["reason_1"].notna().all()


def test_drift_flags_an_income_shock(model, small_bank_path):
    from bankml.default import loan_frame

    reference = loan_frame(small_bank_path)
    shocked = score_batch(applicants(1500, 3, "income_shock"), model, reference=reference)
    calm = score_batch(applicants(1500, 3), model, reference=reference)
    dti = lambda r: float(r.drift.set_index("feature").loc["debt_to_income", "psi"])  # noqa: E731
    assert dti(shocked) > 0.1 > dti(calm) and dti(shocked) > 3 * dti(calm)
    assert shocked.drift["feature"].iloc[0] == "PD (score)"
    assert shocked.score_psi > calm.score_psi


def test_template_scores_cleanly(model):
    result = score_batch(template(model.schema_), model, name="template.csv")
    assert len(result.scored) == 3 and result.errors.empty and result.warnings.empty


def test_cli_scores_writes_errors_and_safe_output(tmp_path, registry, batch, capsys):
    frame = batch.astype({"annual_income": object, "name": object})
    frame.loc[4, "annual_income"] = "lots"
    frame.loc[9, "annual_income"] = -10
    frame.loc[2, "name"] = '=HYPERLINK("http://x")'
    source = tmp_path / "in.csv"
    source.write_bytes(to_safe_csv(frame).replace(b"'=HYP", b"=HYP"))
    out = tmp_path / "out.csv"
    code = main(
        ["score", "--csv", str(source), "--out", str(out), "--model", str(registry), "--json"]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scored"] == 298 and payload["rejected"] == 2 and payload["rows_in"] == 300
    # the fixed PD master scale and the expected-value refer band travel with every scoring run
    assert [g["grade"] for g in payload["master_scale"]] == list("ABCDEFGHI")
    assert payload["master_scale"][0]["pd_from"] == 0.0003
    low, high = payload["refer_band"]
    assert low <= payload["cutoff"] <= high and "own rate" in payload["pricing_policy"]
    scored = pd.read_csv(out)
    assert len(scored) == 298
    assert scored["input_row"].tolist() == [i for i in range(1, 301) if i not in (5, 10)]
    assert scored.loc[scored["input_row"] == 3, "name"].iloc[0] == '\'=HYPERLINK("http://x")'
    errors = pd.read_csv(payload["errors_file"])
    assert errors[["row", "column"]].values.tolist() == [
        [5, "annual_income"],
        [10, "annual_income"],
    ]
    assert errors["reason"].str.startswith(("not a number", "out of range")).all()
    assert not out.read_bytes().startswith(b"ID")


@pytest.mark.slow  # a `bankml score` subprocess: make test only
def test_cli_missing_column_is_one_line_exit_2(tmp_path, registry, batch, bankml_cli):
    source = tmp_path / "in.csv"
    source.write_bytes(to_safe_csv(batch.drop(columns="annual_income")))
    out = tmp_path / "out.csv"
    done = bankml_cli("score", "--csv", str(source), "--out", str(out), "--model", str(registry))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing required column(s): annual_income" in lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv", "nowhere.csv", "--out", "o.csv"], "no such file"),
        (["--csv", "same.csv", "--out", "same.csv"], "would overwrite the input"),
        (["--csv", "same.csv", "--out", "o.csv", "--model", "no/such/dir"], "no model registry"),
    ],
)
def test_cli_bad_arguments(tmp_path, monkeypatch, capsys, args, message, batch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "same.csv").write_bytes(to_safe_csv(batch.head(2)))
    assert main(["score", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_no_valid_rows_writes_errors_but_no_output(tmp_path, registry, batch, capsys):
    frame = batch.head(3).assign(annual_income=-1)
    source = tmp_path / "in.csv"
    source.write_bytes(to_safe_csv(frame))
    out = tmp_path / "out.csv"
    assert main(["score", "--csv", str(source), "--out", str(out), "--model", str(registry)]) == 2
    assert "none of the 3 rows is valid" in capsys.readouterr().err
    assert not out.exists()
    assert len(pd.read_csv(tmp_path / "out.errors.csv")) == 3


def test_generate_applicants_writes_a_csv_and_leaves_the_bank(tmp_path, monkeypatch, capsys):
    db = tmp_path / "bank.duckdb"
    monkeypatch.setenv("BANKML_DB", str(db))
    out = tmp_path / "apps.csv"
    args = ["generate", "--applicants", "50", "--shift", "rate_rise", "--out", str(out)]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["applicants"] == 50
    frame = pd.read_csv(io.BytesIO(out.read_bytes()))
    assert len(frame) == 50 and {"customer_id", "name", "email", "annual_income"} <= set(frame)
    assert not db.exists()
    assert main(["generate", "--applicants", "5"]) == 2
    assert "--applicants needs --out" in capsys.readouterr().err


def test_score_batch_rejects_non_table_input(model):
    with pytest.raises(InputError, match="expected CSV bytes or a table"):
        score_batch(12, model)


def test_export_reproduces_the_shown_pds_in_input_order(model, batch):
    result = score_batch(to_safe_csv(batch), model)
    back = pd.read_csv(io.BytesIO(result.to_csv()), keep_default_na=False)
    assert len(back) == len(result.scored)
    assert back["customer_id"].tolist() == result.scored["customer_id"].tolist()
    assert back["pd"].round(4).tolist() == result.scored["pd"].round(4).tolist()
    assert np.array_equal(back["pd"].to_numpy(), result.scored["pd"].to_numpy())


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def applicant_values(draw, schema):
    values = {}
    for spec in schema.numeric:
        if spec.integer:
            values[spec.name] = draw(st.integers(int(spec.minimum), int(spec.maximum)))
        else:
            values[spec.name] = draw(st.floats(spec.minimum, spec.maximum, allow_nan=False))
    for spec in schema.categorical:
        values[spec.name] = draw(st.sampled_from(spec.levels))
    return values


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_scoring_properties_form_and_batch_agree(model, data):
    from bankml.default.scoring import score_applicant

    values = data.draw(applicant_values(model.schema_))
    form = score_applicant(values, model)
    assert 0.0 <= form.pd <= 1.0 and np.isfinite(form.pd)
    assert model.predict_pd(form.applicant)[0] == form.pd
    batch_pd = score_batch(pd.DataFrame([values]), model).scored["pd"].iloc[0]
    assert batch_pd == form.pd
    csv_pd = score_batch(to_safe_csv(pd.DataFrame([values])), model).scored["pd"].iloc[0]
    assert csv_pd == pytest.approx(form.pd, rel=1e-12, abs=1e-15)
