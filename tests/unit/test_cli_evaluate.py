"""`bankml evaluate`: JSON contract, any-CSV path, nested CV, out-of-time, one-line errors.

Split from the train tests so the two long end-to-end files run on different workers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

# end-to-end `bankml evaluate` subprocesses (nested CV): make test only
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def yes_no_csv(tmp_path_factory, small_bank_path):
    from bankml.default import loan_frame

    frame = loan_frame(small_bank_path).head(900)
    out = pd.DataFrame(
        {
            "ApplicantID": np.arange(100_000, 100_000 + len(frame)),
            "income": frame["annual_income"].to_numpy(),
            "dti": frame["debt_to_income"].to_numpy(),
            "score": frame["credit_score"].to_numpy(),
            "amount": frame["loan_amount"].to_numpy(),
            "purpose": frame["purpose"].to_numpy(),
            "sex": frame["gender"].to_numpy(),
            "default": np.where(frame["defaulted"] == 1, "yes", "no"),
        }
    )
    path = tmp_path_factory.mktemp("csv") / "loans.csv"
    out.to_csv(path, index=False)
    return path


def _evaluate_csv(bankml_cli, csv, models: str, *extra: str):
    """`bankml evaluate --json` on the yes/no CSV: 3 folds, `sex` protected."""
    return bankml_cli(
        "evaluate", "--csv", str(csv), "--target", "default", "--cv", "3",
        "--models", models, "--protected", "sex", *extra, "--json",
    )  # fmt: skip


def test_evaluate_any_csv_with_yes_no_target(bankml_cli, yes_no_csv):
    done = _evaluate_csv(bankml_cli, yes_no_csv, "quick")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    names = {m["name"] for m in payload["models"]}
    # 900 rows: below SMALL_DATA_ROWS the quick set adds the forest, the logistic's L2 path,
    # CatBoost and the blend
    assert names == {
        "scorecard",
        "logistic",
        "lightgbm",
        "lightgbm (bagged forest)",
        "logistic (strong L2)",
        "logistic (C 0.3)",
        "logistic (C 0.1)",
        "logistic (C 0.02)",
        "logistic (C 0.01)",
        "catboost",
        "blend (linear + trees)",
    }
    assert payload["chosen"] == "blend (linear + trees)"  # on small data the blend is the model
    for model in payload["models"]:
        assert {"name", "roc_auc", "pr_auc", "brier", "ks", "fit_seconds"} <= set(model)
        assert 0.5 < model["roc_auc"] <= 1.0
    assert payload["best"] in names
    assert set(payload["columns_used"]) == {"income", "dti", "score", "amount", "purpose"}
    assert "ApplicantID" in payload["columns_dropped"]
    assert payload["protected"] == ["sex"]
    assert "oracle" not in payload


def test_unknown_model_name_is_one_line(yes_no_csv):
    from tests._shared import run_in_process

    code, _, stderr = run_in_process(
        "evaluate", "--csv", str(yes_no_csv), "--target", "default", "--models", "quantum_forest"
    )
    assert code == 2
    assert "unknown model 'quantum_forest'" in stderr
    assert "Traceback" not in stderr


def test_evaluate_nested_reports_the_whole_training_on_held_out_folds(bankml_cli, yes_no_csv):
    done = _evaluate_csv(bankml_cli, yes_no_csv, "logistic,scorecard", "--nested")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    nested = payload["nested"]
    assert nested["models"] == ["logistic", "scorecard"]
    assert len(nested["fold_roc_auc"]) == 3 and len(nested["chosen"]) == 3
    compared = {m["name"] for m in payload["models"]}  # "logistic" names an algorithm too
    assert {"logistic", "scorecard"} <= compared and set(nested["chosen"]) <= compared
    assert 0.6 < nested["pooled_roc_auc"] < 1.0
    assert nested["mean_roc_auc"] == pytest.approx(np.mean(nested["fold_roc_auc"]))
    assert "nested: training on outer fold 3/3" in done.stderr


def test_evaluate_nested_prints_a_readable_line(bankml_cli, yes_no_csv):
    done = bankml_cli(
        "evaluate", "--csv", str(yes_no_csv), "--target", "default", "--models", "logistic",
        "--cv", "2", "--nested",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nested 2-fold ROC AUC of `bankml train --models ['logistic']`" in done.stdout


def test_evaluate_on_the_bank_reports_out_of_time(bankml_cli, small_bank_path, monkeypatch):
    done = bankml_cli(
        "evaluate", "--db", str(small_bank_path), "--cv", "3", "--models", "logistic", "--json"
    )
    assert done.returncode == 0, done.stderr
    timed = json.loads(done.stdout)["out_of_time"]
    periods = {(r["role"], r["period"]) for r in timed["rows"]}
    assert ("chosen", "out-of-time") in periods and ("oracle", "out-of-time") in periods
    assert ("baseline", "in-time") in periods
    assert timed["n_test"] > 0 and timed["n_train"] > timed["n_test"]
    # the readable table, in this process (the JSON run above is the entry point's); the
    # out-of-time report is the one just measured, not a second out-of-time training
    from tests._shared import run_in_process

    monkeypatch.setattr("bankml.commands.evaluate.out_of_time_report", lambda args, progress: timed)
    args = ("evaluate", "--db", str(small_bank_path), "--cv", "3", "--models", "logistic")
    code, stdout, stderr = run_in_process(*args)
    assert code == 0, stderr
    assert (
        f"out-of-time: trained on {timed['n_train']} matured loans before {timed['cutoff']}"
        in stdout
    )
    for row in timed["rows"]:  # one line per model and period
        assert f"{row['model'][:27]:<28}{row['period']:<13}" in stdout
