"""`bankml score --bank`: every customer of a Parquet bank scored on their standard application,
the same PDs, grades, decisions and reasons on both engines; Spark writes the rows itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # a JVM and Python workers: make test only
SLOW = 1_800  # seconds for one command that starts its own JVM (minutes on a loaded machine)


@pytest.fixture(scope="module")
def lake_bank(tmp_path_factory):
    from bankml.lake import write_lake
    from synth import BankParams

    folder = tmp_path_factory.mktemp("score-bank") / "lake"
    write_lake(BankParams(customers=650, seed=5), folder, chunk=300)
    return folder


def test_cli_score_bank_equal_on_both_engines(bankml_cli, spark_models, lake_bank, tmp_path):
    outs = {"local": tmp_path / "local.csv", "spark": tmp_path / "spark_parquet"}
    for engine, out in outs.items():
        done = bankml_cli(
            "score", "--bank", str(lake_bank), "--out", str(out), "--model", str(spark_models),
            "--engine", engine, "--spark-master", "local[2]", "--json", timeout=SLOW,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == "", done.stderr  # the JVM's start-up lines are dropped
    assert outs["spark"].is_dir()  # written by Spark as part files, not collected
    local = pd.read_csv(outs["local"]).sort_values("customer_id").reset_index(drop=True)
    remote = pd.read_parquet(outs["spark"]).sort_values("customer_id").reset_index(drop=True)
    assert len(local) == 650 and local["customer_id"].is_unique
    assert local["customer_id"].tolist() == remote["customer_id"].tolist()
    np.testing.assert_allclose(remote["pd"], local["pd"], rtol=0, atol=1e-9)
    for column in ("grade", "decision", "reason_1", "reason_2", "reason_3"):
        assert remote[column].fillna("").tolist() == local[column].fillna("").tolist(), column
    assert local["reason_1"].notna().mean() > 0.5  # reasons really computed
    only = tmp_path / "pd_only"
    done = bankml_cli(
        "score", "--bank", str(lake_bank), "--out", str(only), "--model", str(spark_models),
        "--engine", "spark", "--spark-master", "local[2]", "--pd-only", timeout=SLOW,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    only = pd.read_parquet(only).sort_values("customer_id").reset_index(drop=True)
    assert list(only.columns) == ["customer_id", "pd"]
    np.testing.assert_allclose(only["pd"], local["pd"], rtol=0, atol=1e-9)


def test_cli_score_bank_errors_in_one_line(bankml_cli, spark_models, tmp_path):
    for engine in ("local", "spark"):
        done = bankml_cli(
            "score", "--bank", str(tmp_path / "nowhere.duckdb"), "--out", str(tmp_path / "o"),
            "--model", str(spark_models), "--engine", engine, timeout=SLOW,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "nowhere.duckdb" in lines[0], done.stderr
    both = bankml_cli("score", "--bank", "x", "--csv", "y.csv", "--out", "o.csv")
    assert both.returncode == 2 and "not allowed with" in both.stderr
    csv_only = bankml_cli("score", "--csv", "y.csv", "--out", "o.csv", "--pd-only")
    assert csv_only.returncode == 2 and "--pd-only goes with --bank" in csv_only.stderr


def test_spark_connect_end_to_end(bankml_cli, spark_models, lake_bank, tmp_path):
    """SPARK_REMOTE (here a local Spark Connect server, no SparkContext on the client) runs
    --engine spark end to end: the local engine's PDs and reasons, and a quiet stderr."""
    outs = {"local": tmp_path / "local.csv", "connect": tmp_path / "connect"}
    for engine, out in outs.items():
        done = bankml_cli(
            "score", "--bank", str(lake_bank), "--out", str(out), "--model", str(spark_models),
            "--engine", "local" if engine == "local" else "spark",
            env={"SPARK_REMOTE": "local[2]"}, timeout=SLOW,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == "", done.stderr  # no JVM start-up lines, no warnings
    local = pd.read_csv(outs["local"]).sort_values("customer_id").reset_index(drop=True)
    remote = pd.read_parquet(outs["connect"]).sort_values("customer_id").reset_index(drop=True)
    assert local["customer_id"].tolist() == remote["customer_id"].tolist()
    np.testing.assert_allclose(remote["pd"], local["pd"], rtol=0, atol=1e-9)
    for column in ("grade", "decision", "reason_1", "reason_2", "reason_3"):
        assert remote[column].fillna("").tolist() == local[column].fillna("").tolist(), column
