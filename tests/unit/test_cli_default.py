"""`bankml train` / `bankml evaluate`: JSON contract, any-CSV path and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

# end-to-end `bankml train/evaluate` subprocesses (nested CV): make test only
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


def test_train_on_the_bank_registers_a_verifiable_model(bankml_cli, small_bank_path, tmp_path):
    from bankml import registry

    out = tmp_path / "models"
    done = bankml_cli(
        "train", "--db", str(small_bank_path), "--out", str(out), "--cv", "3", "--json"
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["oracle"]["roc_auc"] > 0.5
    card = registry.verify(out)
    assert card["id"] == payload["model_id"]
    model, _ = registry.load_model(out)
    assert model.cutoff_ == pytest.approx(payload["cutoff"])


def test_train_takes_the_lending_economics_from_flags_and_a_file(
    bankml_cli, small_bank_path, tmp_path
):
    settings = tmp_path / "economics.json"
    settings.write_text(json.dumps({"loss_given_default": 0.9, "horizon_months": 24}))
    done = bankml_cli(
        "train", "--db", str(small_bank_path), "--out", str(tmp_path / "m"), "--cv", "3",
        "--models", "logistic", "--economics", str(settings), "--funding-cost", "0.01", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["economics"]["loss_given_default"] == 0.9
    assert payload["economics"]["horizon_months"] == 24
    assert payload["economics"]["funding_cost"] == 0.01
    bad = bankml_cli("train", "--db", str(small_bank_path), "--lgd", "1.5")
    assert bad.returncode == 2 and "loss_given_default must be between" in bad.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "--cv", "1"], "--cv"),
        (["train", "--db", "a.duckdb", "--csv", "b.csv"], "not allowed with"),
        (["evaluate", "--csv", "whatever.csv"], "--target"),
        (["evaluate", "--csv", "/no/such/file.csv", "--target", "y"], "file not found"),
        (["train", "--models", "quantum_forest", "--db", "/no/such/bank.duckdb"], "no bank"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(bankml_cli, args, needle, tmp_path):
    done = bankml_cli(*args, env={"BANKML_MODELS": str(tmp_path / "m")})
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith(("bankml", "usage"))]
    assert lines and needle in lines[-1], done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_model_name_is_one_line(bankml_cli, yes_no_csv):
    done = bankml_cli(
        "evaluate", "--csv", str(yes_no_csv), "--target", "default", "--models", "quantum_forest"
    )
    assert done.returncode == 2
    assert "unknown model 'quantum_forest'" in done.stderr
    assert "Traceback" not in done.stderr


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


def test_print_board_says_why_the_blend_was_kept_over_a_higher_row():
    import dataclasses

    from bankml.commands.train import print_board

    class Result:
        chosen = "blend (linear + trees)"
        oracle = None
        leaderboard = pd.DataFrame(
            {
                "name": ["catboost", "blend (linear + trees)"],
                "imbalance": ["none", "none"],
                "roc_auc": [0.805, 0.803],
                "pr_auc": [0.6, 0.6],
                "ks": [0.4, 0.4],
                "brier": [0.16, 0.16],
                "fit_seconds": [0.3, 0.6],
                "subsampled": [False, False],
                "explainable": [True, True],
                "chosen": [False, True],
            }
        )
        model = dataclasses.make_dataclass("M", [("cutoff_", float)])(0.1)

        def metrics(self):
            return {"brier": 0.16, "ece": 0.02, "approval_rate": 0.7}

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_board(Result())
    text = out.getvalue()
    assert "kept blend (linear + trees): catboost's lead is within one standard error" in text
    assert text.splitlines()[2].startswith("*blend")


def test_evaluate_on_the_bank_reports_out_of_time(bankml_cli, small_bank_path):
    done = bankml_cli(
        "evaluate", "--db", str(small_bank_path), "--cv", "3", "--models", "logistic", "--json"
    )
    assert done.returncode == 0, done.stderr
    timed = json.loads(done.stdout)["out_of_time"]
    periods = {(r["role"], r["period"]) for r in timed["rows"]}
    assert ("chosen", "out-of-time") in periods and ("oracle", "out-of-time") in periods
    assert ("baseline", "in-time") in periods
    assert timed["n_test"] > 0 and timed["n_train"] > timed["n_test"]
    done = bankml_cli("evaluate", "--db", str(small_bank_path), "--cv", "3", "--models", "logistic")
    assert done.returncode == 0, done.stderr
    assert "out-of-time: trained on" in done.stdout
