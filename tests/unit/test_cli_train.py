"""`bankml train`: the registered model, the lending economics, one-line errors (exit 2)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

# end-to-end `bankml train` subprocesses: make test only
pytestmark = pytest.mark.slow


def test_train_on_the_bank_registers_a_verifiable_model(bankml_cli, small_bank_path, tmp_path):
    """A real `bankml train` process (one candidate: the entry point, not the comparison, is
    what this checks; the default quick set is checked below on the run's quick training)."""
    from bankml import registry

    out = tmp_path / "models"
    done = bankml_cli(
        "train", "--db", str(small_bank_path), "--out", str(out), "--cv", "3",
        "--models", "logistic", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["oracle"]["roc_auc"] > 0.5
    card = registry.verify(out)
    assert card["id"] == payload["model_id"]
    model, _ = registry.load_model(out)
    assert model.cutoff_ == pytest.approx(payload["cutoff"])


def test_train_without_models_trains_the_quick_set(
    quick_bank_model, small_bank_path, tmp_path, monkeypatch
):
    """`bankml train` with no --models asks for the quick comparison with 3 folds: the run's
    shared `train_bank_model(small bank, "quick", cv=3)` (tests/conftest.py) stands in for the
    training, so its leaderboard and registered model are what the command reports."""
    import bankml.default
    from bankml import registry
    from tests._shared import run_in_process

    result, models = quick_bank_model
    calls = []

    def trained(db, out, candidates, progress, **options):
        calls.append((str(db), str(out), candidates, options["cv"]))
        return result, registry.model_folder(models)  # read, not written

    monkeypatch.setattr(bankml.default, "train_bank_model", trained)
    out = tmp_path / "models"
    code, stdout, stderr = run_in_process(
        "train", "--db", str(small_bank_path), "--out", str(out), "--cv", "3", "--json"
    )
    assert code == 0, stderr
    assert calls == [(str(small_bank_path), str(out), "quick", 3)]
    payload = json.loads(stdout)
    assert payload["oracle"]["roc_auc"] > 0.5
    assert {row["name"] for row in payload["models"]} == set(result.leaderboard["name"])
    assert payload["cutoff"] == pytest.approx(result.model.cutoff_)
    assert payload["model_id"] == registry.current_id(models)


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
def test_bad_arguments_exit_2_with_one_line(args, needle, tmp_path, monkeypatch):
    """In this process: the checks, not the entry point (the `--lgd` case above keeps a real
    `bankml train` subprocess exiting 2)."""
    from tests._shared import run_in_process

    monkeypatch.setenv("BANKML_MODELS", str(tmp_path / "m"))
    code, _, stderr = run_in_process(*args)
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.startswith(("bankml", "usage"))]
    assert lines and needle in lines[-1], stderr
    assert "Traceback" not in stderr


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
