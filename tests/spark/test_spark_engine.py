"""The Spark engine gives the local answers: features, PDs with reasons and the rejected-row report,
segments, PDs of every customer and top-n offers; the same one-line errors; Arrow round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.errors import InputError, ModelError
from tests._shared import run_in_process

pytestmark = pytest.mark.slow  # a JVM and Python workers: make test only


def _bad_applicants(path, small_bank_path) -> bytes:
    """Applicants CSV from the bank's loans with a few rows broken in known ways."""
    from bankml.default import loan_frame

    frame = loan_frame(small_bank_path).head(1_500).drop(columns=["defaulted"], errors="ignore")
    frame = frame.astype({"credit_score": object, "purpose": object})
    frame.loc[3, "credit_score"] = "abc"  # not a number
    frame.loc[10, "annual_income"] = np.nan  # missing
    frame.loc[20, "purpose"] = "spaceship"  # unseen category: a warning, still scored
    frame.loc[30, "loan_amount"] = -5  # out of range
    frame["note"] = np.where(np.arange(len(frame)) % 7 == 0, None, "ok")  # extra column
    file = path / "applicants.csv"
    frame.to_csv(file, index=False)
    return file.read_bytes()


def test_features_equal_on_duckdb_bank(spark, small_bank_path):
    from bankml.customer_features import customer_features
    from bankml.spark.features import customer_features_spark

    local = customer_features(small_bank_path)
    remote = customer_features_spark(spark, small_bank_path)
    assert remote.attrs == local.attrs
    assert list(remote.columns) == list(local.columns)
    pd.testing.assert_frame_equal(remote, local, rtol=1e-9, check_dtype=False)


def test_parquet_lake_read_by_both_engines(spark, tmp_path):
    """Chunked generation: unique ids across chunks; DuckDB in place and Spark agree."""
    from bankml.customer_features import customer_features
    from bankml.lake import connect, write_lake
    from bankml.spark.features import customer_features_spark
    from synth import BankParams

    lake = tmp_path / "lake"
    meta = write_lake(BankParams(customers=650, seed=3), lake, chunk=300)
    assert meta["chunks"] == 2  # 300 + 350: a 50-customer tail (under 100) is folded in
    assert (lake / "transactions").is_dir() and any(
        p.name.startswith("month=") for p in (lake / "transactions").iterdir()
    )
    with connect(lake) as con:
        ids = con.execute("SELECT count(*), count(DISTINCT customer_id) FROM customers").fetchone()
        loans = con.execute("SELECT count(*), count(DISTINCT loan_id) FROM loans").fetchone()
        orphans = con.execute(
            "SELECT count(*) FROM transactions t ANTI JOIN customers c USING (customer_id)"
        ).fetchone()[0]
    assert ids == (650, 650) and loans[0] == loans[1] and orphans == 0
    local = customer_features(lake)
    remote = customer_features_spark(spark, lake)
    assert len(local) == 650
    pd.testing.assert_frame_equal(remote, local, rtol=1e-9, check_dtype=False)


def test_scores_reasons_and_rejections_equal(spark, spark_models, small_bank_path, tmp_path):
    from bankml.default.scoring import score_batch
    from bankml.registry import load_model
    from bankml.spark.broadcast import registry_payload
    from bankml.spark.scoring import score_file_spark

    source = _bad_applicants(tmp_path, small_bank_path)
    model, _ = load_model(spark_models)
    local = score_batch(source, model, name="applicants.csv")
    remote = score_file_spark(
        spark, source, model, registry_payload(spark_models), "applicants.csv"
    )
    assert local.report.rejected_rows == [4, 11, 31]  # the rows broken above (1-based)
    pd.testing.assert_frame_equal(remote.issues(), local.issues(), check_dtype=False)
    assert remote.summary() == local.summary()
    assert list(remote.scored.columns) == list(local.scored.columns)
    np.testing.assert_allclose(remote.scored["pd"], local.scored["pd"], rtol=0, atol=1e-9)
    for column in ("input_row", "grade", "decision", "reason_1", "reason_2", "reason_3"):
        assert (
            remote.scored[column].astype(str).tolist() == local.scored[column].astype(str).tolist()
        )
    pd.testing.assert_frame_equal(remote.scored, local.scored, check_dtype=False, rtol=1e-9)


def test_large_csv_parsed_by_spark_gives_the_local_files(
    spark, spark_models, small_bank_path, tmp_path, monkeypatch
):
    """A file over the driver limit is parsed by Spark: the same rows, row numbers (blank lines
    skipped, a quoted line break kept in its cell), scored file and rejected-row report."""
    from bankml.csvio import to_safe_csv
    from bankml.default.scoring import score_batch
    from bankml.registry import load_model
    from bankml.spark.broadcast import registry_payload
    from bankml.spark.scoring import score_file_spark
    from bankml.spark.session import one_line_errors

    lines = _bad_applicants(tmp_path, small_bank_path).decode().splitlines(keepends=True)
    lines.insert(3, "\n")  # between data rows 2 and 3: not a row on either engine
    lines[2] = lines[2].replace(",ok\n", ',"o\nk"\n')  # a line break inside a quoted cell
    source = tmp_path / "big.csv"
    source.write_text("".join(lines))
    model, _ = load_model(spark_models)
    payload = registry_payload(spark_models)
    local = score_batch(source.read_bytes(), model, name="big.csv")
    remote = score_file_spark(spark, source, model, payload, "big.csv", driver_bytes=0)
    assert local.report.rejected_rows == [4, 11, 31]
    assert remote.scored["note"].iloc[1] == "o\nk"
    assert remote.summary() == local.summary()
    assert to_safe_csv(remote.issues()) == to_safe_csv(local.issues())
    assert remote.to_csv() == local.to_csv()  # byte for byte
    wide = tmp_path / "wide.csv"
    lines[6] = lines[6].rstrip("\n") + ",surplus\n"  # data row 5 (after the blank line)
    wide.write_text("".join(lines))
    with pytest.raises(InputError, match=r"line 7 has \d+ fields"):  # seen in the sniffed head
        score_file_spark(spark, wide, model, payload, "wide.csv", driver_bytes=0)
    monkeypatch.setattr("bankml.spark.csv_input.HEAD_BYTES", 1_500)  # header and row 1 only
    too_many = r"wide.csv: not a well-formed CSV \(data row 5 has \d+ fields, the header has"
    with pytest.raises(InputError, match=too_many), one_line_errors():
        score_file_spark(spark, wide, model, payload, "wide.csv", driver_bytes=0)


def test_same_one_line_errors(spark, spark_models, small_bank_path, tmp_path):
    from bankml.default.scoring import score_batch
    from bankml.registry import load_model
    from bankml.spark import broadcast
    from bankml.spark.scoring import score_file_spark

    model, _ = load_model(spark_models)
    frame = pd.read_csv(pd.io.common.BytesIO(_bad_applicants(tmp_path, small_bank_path)))
    no_income = frame.drop(columns=["annual_income"]).to_csv(index=False).encode()
    with pytest.raises(InputError) as local:
        score_batch(no_income, model, name="x.csv")
    with pytest.raises(InputError) as remote:
        score_file_spark(spark, no_income, model, broadcast.registry_payload(spark_models), "x.csv")
    assert str(remote.value) == str(local.value) and "annual_income" in str(local.value)
    # a payload altered on its way is refused on the executor before anything is unpickled
    good = broadcast.registry_payload(spark_models)
    bad = broadcast.Payload(good.data[:-1] + b"\0", good.sha256, good.label)
    with pytest.raises(ModelError, match="checksum mismatch"):
        broadcast.load(bad)


def test_executor_errors_come_back_as_the_local_error(spark):
    """An InputError raised in a Python worker reaches the CLI as that InputError, one line."""
    from bankml.spark.session import one_line_errors

    def refuse(batches):
        for batch in batches:
            if len(batch):
                raise InputError("customers column 'age' has -3.0 at row 0: allowed 0..999")
            yield batch

    frame = spark.createDataFrame(pd.DataFrame({"age": [-3.0]}))
    with pytest.raises(InputError) as caught, one_line_errors():
        frame.mapInPandas(refuse, "age double").collect()
    assert str(caught.value) == "customers column 'age' has -3.0 at row 0: allowed 0..999"


@pytest.fixture(scope="module")
def local_segments(small_bank_path, segmented_bank_path):
    """The local engine's k="auto" segmentation of the small bank: the run's one fit, stored
    beside its segmented copy (`segment_customers(bank, k="auto")`, random_state 0, as
    `bankml.segment.precompute` stores it; tests/conftest.py), not a fit of its own."""
    from bankml import data
    from bankml.segment import store

    same = data.bank_info(segmented_bank_path).content_hash
    assert same == data.bank_info(small_bank_path).content_hash  # a copy of the same bank
    stored = store.load(segmented_bank_path)
    assert stored is not None, "the segmented bank has no stored k='auto' fit"
    return stored


@pytest.fixture(scope="module")
def spark_segments(spark, small_bank_path):
    """(segmentation, every customer's segment collected by customer_id) of the Spark segment
    job on the small bank's features, run once for this module."""
    from bankml.spark.jobs import collect_sorted, segment_job

    result, assigned = segment_job(spark, small_bank_path)
    return result, collect_sorted(assigned, ["customer_id"])


def test_segments_equal(local_segments, spark_segments):
    local = local_segments
    result, collected = spark_segments
    remote = collected.set_index("customer_id")
    assert result.k == local.k and result.names == local.names
    assert remote["segment"].tolist() == local.labels.reindex(remote.index).tolist()
    assert (
        remote["segment_name"].tolist()
        == local.labels.map(local.names).reindex(remote.index).tolist()
    )


def test_customer_pds_and_offers_equal(spark, spark_models, small_bank_path, local_segments):
    from bankml import recommend, registry
    from bankml.recommend.batch import offers_for_all
    from bankml.spark.jobs import collect_sorted, offers_job, pd_job

    model, _ = registry.load_model(spark_models)
    bank = recommend.read_bank(small_bank_path)
    risk = recommend.risk_view(model, bank.customers, bank.loans)
    remote_pd = collect_sorted(pd_job(spark, small_bank_path, spark_models), ["customer_id"])
    local_pd = risk.pd_by_customer.reindex(remote_pd["customer_id"]).to_numpy()
    np.testing.assert_allclose(remote_pd["pd"], local_pd, rtol=0, atol=1e-9)

    result = local_segments
    context = recommend.build_context(bank, segments=result.labels.map(result.names), risk=risk)
    local = offers_for_all(context, n=5)
    remote = collect_sorted(
        offers_job(spark, small_bank_path, n=5, model_path=spark_models),
        ["customer_id", "rank"],
    )
    assert len(local) == len(remote) > 0
    assert (remote["product_id"] == local["product_id"]).all()
    assert (remote["name"] == local["name"]).all()
    np.testing.assert_allclose(remote["score"], local["score"], rtol=0, atol=1e-9)
    # the batch ranking is the per-customer one (spot check)
    for customer in context.customer_ids[::250]:
        one = recommend.recommend_for_customer(int(customer), context, n=5)
        assert (
            one["product_id"].tolist()
            == local.loc[local["customer_id"] == customer, "product_id"].tolist()
        )


def test_arrow_round_trip_of_strings_categoricals_and_missing(spark):
    from bankml.spark.session import arrow_safe

    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "ünï €", ""], dtype="str"),
            "category": pd.Categorical(["x", "y", None, "x"]),
            "number": [1.5, np.nan, -0.0, 1e300],
            "whole": pd.array([1, None, 3, 4], dtype="Int64"),
            "count": np.array([1, 2, 3, 2**62], np.int64),
        }
    )

    def identity(batches):
        for batch in batches:
            yield arrow_safe(batch)

    sdf = spark.createDataFrame(arrow_safe(frame))
    schema = "text string, category string, number double, whole bigint, count bigint"
    back = sdf.repartition(3).mapInPandas(identity, schema).toPandas()
    back = back.sort_values("count").reset_index(drop=True)
    assert back["text"].isna().tolist() == [False, True, False, False]
    assert back["text"].dropna().tolist() == ["a", "ünï €", ""]
    assert back["category"].isna().tolist() == [False, False, True, False]
    assert back["category"].dropna().tolist() == ["x", "y", "x"]
    np.testing.assert_array_equal(back["number"].to_numpy(), frame["number"].to_numpy())
    assert back["whole"].isna().tolist() == [False, True, False, False]
    assert back["count"].tolist() == frame["count"].tolist()


def test_cli_score_and_errors_with_spark_engine(
    bankml_cli, spark_models, small_bank_path, tmp_path
):
    """The CLI end to end: the scored file equals the local one; a bad file fails in one line."""
    source = tmp_path / "a.csv"
    source.write_bytes(_bad_applicants(tmp_path, small_bank_path))
    outs = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.csv"
        args = ("score", "--csv", str(source), "--out", str(out), "--model", str(spark_models),
                "--engine", engine, "--spark-master", "local[2]", "--json")  # fmt: skip
        if engine == "local":  # the reference: in this process (no interpreter start-up)
            code, _, stderr = run_in_process(*args)
        else:  # the Spark engine end to end: a real `bankml` process starting its own JVM
            done = bankml_cli(*args)
            code, stderr = done.returncode, done.stderr
        assert code == 0, stderr
        outs[engine] = (out.read_bytes(), (tmp_path / f"{engine}.errors.csv").read_bytes())
    local = pd.read_csv(pd.io.common.BytesIO(outs["local"][0]))
    remote = pd.read_csv(pd.io.common.BytesIO(outs["spark"][0]))
    pd.testing.assert_frame_equal(remote, local, rtol=1e-9)
    assert outs["spark"][1] == outs["local"][1]  # the same rejected-row report, byte for byte
    broken = tmp_path / "broken.csv"
    broken.write_text("loan_amount,term_months\n1000,12\n")
    done = bankml_cli(
        "score", "--csv", str(broken), "--out", str(tmp_path / "b.csv"),
        "--model", str(spark_models), "--engine", "spark",
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bankml score: error:"), done.stderr


def test_segments_from_a_written_feature_table(spark, small_bank_path, spark_segments, tmp_path):
    """The segment job on a written feature table gives the direct job's segments (the module's
    spark_segments run)."""
    from bankml.commands._common import write_table
    from bankml.errors import InputError
    from bankml.spark.features import features_frame
    from bankml.spark.jobs import collect_sorted, segment_job

    features, _ = features_frame(spark, small_bank_path)
    table = write_table(features, str(tmp_path / "features"))
    direct, assigned = spark_segments
    reused, reassigned = segment_job(spark, small_bank_path, features_path=table)
    assert reused.k == direct.k and reused.names == direct.names
    pd.testing.assert_frame_equal(collect_sorted(reassigned, ["customer_id"]), assigned)
    write_table(features.drop("window_months"), str(tmp_path / "partial"))
    with pytest.raises(InputError, match="column 'window_months' is missing"):
        segment_job(spark, small_bank_path, features_path=str(tmp_path / "partial"))
    with pytest.raises(InputError, match="not found"):
        segment_job(spark, small_bank_path, features_path=str(tmp_path / "absent"))


def test_the_session_jvm_takes_bankml_spark_java_options(spark):
    """BANKML_SPARK_JAVA_OPTIONS reaches the driver JVM (tests/conftest.py sets C1-only)."""
    import os

    options = spark.sparkContext.getConf().get("spark.driver.extraJavaOptions")
    assert options.endswith(os.environ["BANKML_SPARK_JAVA_OPTIONS"])
    assert "-Duser.timezone=UTC" in options


def test_a_shipped_bank_is_distributed_rows_not_a_local_relation(spark, small_bank_path):
    """A DuckDB bank's tables reach Spark as distributed rows: as LocalRelations (pandas frames
    under 48 MB) a second features call was 2.4 times as slow and the third call in one session ran
    out of aggregation memory."""
    from bankml.spark.features import SOURCES, register_tables

    assert spark.conf.get("spark.sql.execution.arrow.localRelationThreshold") == "0"
    register_tables(spark, small_bank_path)
    for name in SOURCES:
        plan = spark.table(name)._jdf.queryExecution().analyzed().toString()
        assert "LocalRelation" not in plan, f"{name}: {plan[:200]}"
