"""`bankml report`: one self-contained HTML validation report with the model's real figures."""

from __future__ import annotations

import json
import re

import pytest

from bankml import registry
from bankml.default.validation_report import SECTIONS
from bankml.default.vintage import bank_vintages, vintage_curves
from tests._shared import copy_of


@pytest.fixture(scope="module")
def trained(logistic_bank_model, tmp_path_factory):
    return registry.model_folder(copy_of(logistic_bank_model, tmp_path_factory, "models"))


@pytest.fixture(scope="module")
def report(trained, small_bank_path, tmp_path_factory):
    """`bankml report` through `bankml.cli.main` in this process (the report, not the
    interpreter's start-up, is what these tests check)."""
    from tests._shared import run_in_process

    out = tmp_path_factory.mktemp("report") / "validation.html"
    code, stdout, stderr = run_in_process(
        "report", "--model", str(trained), "--db", str(small_bank_path), "--out", str(out), "--json"
    )
    assert code == 0, stderr
    assert json.loads(stdout)["path"] == str(out)
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(report):
    assert report.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report)
    assert "<script" not in report and "<link" not in report and "@import" not in report
    assert report.count("<svg") >= 3  # ROC, reliability, vintages drawn inline


def test_report_has_every_section_and_the_models_own_figures(report, trained):
    for key, title in SECTIONS:
        assert f'<h2 id="{key}">{title}</h2>' in report
    card = registry.verify(trained)
    assert f"Out-of-fold ROC AUC {card['metrics']['roc_auc']:.3f}" in report
    assert f"{card['cutoff']:.4f}" in report
    assert card["id"] in report
    assert "Not measured" not in report  # out-of-time and stability were measured on the bank
    oot = report.split('<h2 id="out-of-time">')[1].split("<h2")[0]
    assert "out-of-time" in oot and "oracle (true PD)" in oot
    assert "Score PSI" in report


def test_report_draws_one_vintage_curve_per_quarter(report, small_bank_path):
    curves = bank_vintages(small_bank_path)
    vintages = report.split('<h2 id="vintages">')[1].split("<h2")[0]
    assert vintages.count("<polyline") == curves["vintage"].nunique() >= 4
    for name in curves["vintage"].unique():
        assert f">{name}<" in vintages


def test_report_refuses_a_bad_model_path_in_one_line_in_process(tmp_path, capsys):
    """The same refusal through `bankml.cli.main` (the subprocess run below is the slow tier's)."""
    from bankml.cli import main

    assert (
        main(["report", "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")]) == 2
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("bankml report")]) == 1
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow  # an interpreter start-up: the in-process test above keeps the refusal fast
def test_report_refuses_a_bad_model_path_in_one_line(bankml_cli, tmp_path):
    done = bankml_cli(
        "report", "--model", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("bankml report")]
    assert len(errors) == 1
    assert not (tmp_path / "r.html").exists()


def test_vintage_curves_count_defaults_by_month_on_book():
    import pandas as pd

    loans = pd.DataFrame(
        {
            "application_date": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-03-05", "2024-04-02", "2024-05-01"]),
            "defaulted": pd.array([1, 0, 1, 1, pd.NA], dtype="Int64"),
            "default_month": pd.array([2, pd.NA, 5, 1, pd.NA], dtype="Int64"),
            "is_mature": [True, True, True, True, False],
        }
    )  # fmt: skip
    v = vintage_curves(loans).set_index(["vintage", "months_on_book"])
    q1 = v.loc["2024Q1"]
    assert list(q1["loans"].unique()) == [3]
    assert list(q1["defaults"]) == [0, 1, 1, 1, 2]  # months 1..5 (the horizon seen)
    assert q1["cumulative_default_rate"].iloc[-1] == pytest.approx(2 / 3)
    assert v.loc["2024Q2", "cumulative_default_rate"].tolist() == [1.0] * 5  # immature left out


def test_report_of_a_csv_model_says_what_it_could_not_measure(small_bank_path, tmp_path):
    import numpy as np
    import pandas as pd

    from bankml.default import validation_report
    from bankml.default.workflow import train_csv_model

    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    table = pd.DataFrame(
        {"x": x, "z": rng.normal(size=600), "bad": (rng.random(600) < 1 / (1 + np.exp(1.5 - x)))}
    )
    csv = tmp_path / "loans.csv"
    table.assign(bad=table["bad"].astype(int)).to_csv(csv, index=False)
    _, folder = train_csv_model(csv, "bad", tmp_path / "models", candidates=["logistic"], cv=3)
    html = validation_report.render(folder, small_bank_path)
    oot = html.split('<h2 id="out-of-time">')[1].split("<h2")[0]
    assert "Not measured: the model was not trained on this bank" in oot
    card = registry.verify(folder)
    assert f"Out-of-fold ROC AUC {card['metrics']['roc_auc']:.3f}" in html
    assert "Out-of-time, stability and vintages are missing" in html
