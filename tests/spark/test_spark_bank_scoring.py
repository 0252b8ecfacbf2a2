"""`bankml score --bank`: every customer of a Parquet bank scored on their standard application,
the same PDs, grades, decisions and reasons on both engines; Spark writes the rows itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests._shared import run_in_process

pytestmark = pytest.mark.slow  # a JVM and Python workers: make test only
SLOW = 1_800  # seconds for one command that starts its own JVM (minutes on a loaded machine)


@pytest.fixture(scope="module")
def lake_bank(tmp_path_factory):
    from bankml.lake import write_lake
    from synth import BankParams

    folder = tmp_path_factory.mktemp("score-bank") / "lake"
    write_lake(BankParams(customers=650, seed=5), folder, chunk=300)
    return folder


@pytest.fixture(scope="module")
def local_scores(spark_models, lake_bank, tmp_path_factory) -> pd.DataFrame:
    """The local engine's scores of the lake, run once in this process (`bankml.cli.main`): the
    reference both Spark runs below are compared with."""
    out = tmp_path_factory.mktemp("local-scores") / "local.csv"
    code, _, err = run_in_process(
        "score", "--bank", str(lake_bank), "--out", str(out), "--model", str(spark_models),
        "--engine", "local", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert err.strip() == "", err
    return pd.read_csv(out).sort_values("customer_id").reset_index(drop=True)


def test_cli_score_bank_equal_on_both_engines(
    spark, spark_models, lake_bank, local_scores, tmp_path
):
    """`bankml score --engine spark` in this process on the suite's SparkSession (one JVM for
    the Spark tests of this worker): test_spark_connect_end_to_end below is the real `bankml`
    process starting its own Spark end to end, with its quiet stderr."""
    out = tmp_path / "spark_parquet"
    code, _, err = run_in_process(
        "score", "--bank", str(lake_bank), "--out", str(out), "--model", str(spark_models),
        "--engine", "spark", "--spark-master", "local[2]", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert out.is_dir()  # written by Spark as part files, not collected
    local = local_scores
    remote = pd.read_parquet(out).sort_values("customer_id").reset_index(drop=True)
    assert len(local) == 650 and local["customer_id"].is_unique
    assert local["customer_id"].tolist() == remote["customer_id"].tolist()
    np.testing.assert_allclose(remote["pd"], local["pd"], rtol=0, atol=1e-9)
    for column in ("grade", "decision", "reason_1", "reason_2", "reason_3"):
        assert remote[column].fillna("").tolist() == local[column].fillna("").tolist(), column
    assert local["reason_1"].notna().mean() > 0.5  # reasons really computed
    only = tmp_path / "pd_only"
    code, _, err = run_in_process(
        "score", "--bank", str(lake_bank), "--out", str(only), "--model", str(spark_models),
        "--engine", "spark", "--spark-master", "local[2]", "--pd-only",
    )  # fmt: skip
    assert code == 0, err
    only = pd.read_parquet(only).sort_values("customer_id").reset_index(drop=True)
    assert list(only.columns) == ["customer_id", "pd"]
    np.testing.assert_allclose(only["pd"], local["pd"], rtol=0, atol=1e-9)


def test_cli_score_bank_errors_in_one_line(bankml_cli, spark_models, tmp_path):
    args = ("score", "--bank", str(tmp_path / "nowhere.duckdb"), "--out", str(tmp_path / "o"),
            "--model", str(spark_models), "--engine")  # fmt: skip
    local = run_in_process(*args, "local")
    spark = bankml_cli(*args, "spark", timeout=SLOW)
    for code, stderr in ((local[0], local[2]), (spark.returncode, spark.stderr)):
        assert code == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and "nowhere.duckdb" in lines[0], stderr
    code, _, err = run_in_process("score", "--bank", "x", "--csv", "y.csv", "--out", "o.csv")
    assert code == 2 and "not allowed with" in err
    code, _, err = run_in_process("score", "--csv", "y.csv", "--out", "o.csv", "--pd-only")
    assert code == 2 and "--pd-only goes with --bank" in err


def test_spark_connect_end_to_end(bankml_cli, spark_models, lake_bank, local_scores, tmp_path):
    """SPARK_REMOTE (here a local Spark Connect server, no SparkContext on the client) runs
    --engine spark end to end: the local engine's PDs and reasons, and a quiet stderr."""
    out = tmp_path / "connect"
    done = bankml_cli(
        "score", "--bank", str(lake_bank), "--out", str(out), "--model", str(spark_models),
        "--engine", "spark", env={"SPARK_REMOTE": "local[2]"}, timeout=SLOW,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # no JVM start-up lines, no warnings
    local = local_scores
    remote = pd.read_parquet(out).sort_values("customer_id").reset_index(drop=True)
    assert local["customer_id"].tolist() == remote["customer_id"].tolist()
    np.testing.assert_allclose(remote["pd"], local["pd"], rtol=0, atol=1e-9)
    for column in ("grade", "decision", "reason_1", "reason_2", "reason_3"):
        assert remote[column].fillna("").tolist() == local[column].fillna("").tolist(), column
