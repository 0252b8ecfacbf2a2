"""`bankml generate`: JSON contract and one-line errors with exit 2 that leave the bank untouched."""

from __future__ import annotations

import json

import pytest

from bankml import data

# end-to-end `bankml generate` subprocesses: make test only
pytestmark = pytest.mark.slow


def test_generate_json(bankml_cli, tmp_path):
    db = tmp_path / "bank.duckdb"
    result = bankml_cli("generate", "--customers", "300", "--seed", "3", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["row_counts"]["customers"] == 300
    assert payload["content_hash"] == data.bank_info(db).content_hash
    assert 0 < payload["realised_default_rate"] < 0.5
    assert 0.5 < payload["oracle_auc"] <= 1.0
    assert payload["seconds"] > 0
    assert "generate [" in result.stderr  # progress on stderr
    difficulty = payload["difficulty"]
    for key in ("oracle_auc", "declined_share", "immature_share"):
        assert 0 <= difficulty[key] <= 1, key
    assert "quarterly_default_min" in difficulty  # null: no quarter has 30 matured loans here
    assert 0 < difficulty["segment_recoverability"] <= 1
    assert difficulty == data.bank_info(db).difficulty  # saved with the bank


def test_generate_scenario_and_defects(bankml_cli, tmp_path):
    db = tmp_path / "bank.duckdb"
    args = ("generate", "--scenario", "small", "--customers", "300", "--defects", "--db", str(db))
    result = bankml_cli(*args)
    assert result.returncode == 0, result.stderr
    info = data.bank_info(db)
    assert info.customers == 300 and info.seed == 7  # the scenario's seed, the explicit size
    assert (
        data.query("SELECT count(*) AS n FROM loans WHERE debt_to_income = -999", db)["n"] > 0
    ).all()
    bad = bankml_cli("generate", "--scenario", "nope", "--db", str(db))
    assert bad.returncode == 2
    assert "invalid choice: 'nope'" in bad.stderr


@pytest.fixture(scope="module")
def small_generated_bank(tmp_path_factory):
    """A 200-customer bank written by `bankml generate` (in this process), for the error cases."""
    from tests._shared import run_in_process

    db = tmp_path_factory.mktemp("generated") / "bank.duckdb"
    code, _, stderr = run_in_process("generate", "--customers", "200", "--db", str(db))
    assert code == 0, stderr
    return db


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customers", "50"], "50 is out of range: allowed 100..5000000"),
        (["--customers", "ten"], "'ten' is not an integer"),
        (["--default-rate", "0.9"], "0.9 is out of range: allowed 0.005..0.5"),
        (["--default-rate", "x"], "'x' is not a number"),
        (["--locale", "xx_XX"], "invalid choice: 'xx_XX'"),
        (["--seed", "-1"], "-1 is out of range"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(small_generated_bank, args, message):
    """In this process: the parser's checks, not the entry point (the subprocess tests above and
    below keep `bankml generate`'s own exit code and stderr)."""
    from tests._shared import run_in_process

    db = small_generated_bank
    before = data.bank_info(db).content_hash
    code, _, stderr = run_in_process("generate", "--db", str(db), *args)
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr
    assert data.bank_info(db).content_hash == before


def test_unwritable_path_exits_2(bankml_cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = bankml_cli(
        "generate", "--customers", "200", "--db", str(blocker / "sub" / "bank.duckdb")
    )
    assert result.returncode == 2
    assert "cannot create folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_if_missing_keeps_existing_bank(bankml_cli, tmp_path):
    db = tmp_path / "bank.duckdb"
    bankml_cli("generate", "--customers", "200", "--seed", "1", "--db", str(db))
    before = data.bank_info(db).content_hash
    result = bankml_cli(
        "generate", "--customers", "300", "--seed", "2", "--db", str(db), "--if-missing", "--json"
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["generated"] is False
    assert data.bank_info(db).content_hash == before


def test_corrupt_bank_is_one_line_error(bankml_cli, tmp_path):
    db = tmp_path / "bank.duckdb"
    db.write_bytes(b"not a database")
    result = bankml_cli("generate", "--if-missing", "--db", str(db))
    assert result.returncode == 2
    assert "not a readable bank database" in result.stderr
