"""The Spark bench's size switches: BANKML_BENCH_SPARK_10M skips the 10M part or names a lake."""

from __future__ import annotations

import pytest


@pytest.fixture()
def calls(monkeypatch):
    from bankml.bench import spark

    seen: list[tuple] = []
    monkeypatch.setattr(spark, "one_machine", lambda n: seen.append(("one", n)) or [])
    monkeypatch.setattr(spark, "ten_million", lambda lake=None: seen.append(("ten", lake)) or [])
    return seen


@pytest.mark.parametrize(
    ("setting", "quick", "expected"),
    [
        (None, True, [("one", 20_000)]),
        (None, False, [("one", 1_000_000), ("ten", None)]),
        ("skip", False, [("one", 1_000_000)]),
        ("/lakes/ten", False, [("one", 1_000_000), ("ten", "/lakes/ten")]),
    ],
)
def test_sizes(calls, monkeypatch, setting, quick, expected):
    from bankml.bench import spark

    if setting is None:
        monkeypatch.delenv("BANKML_BENCH_SPARK_10M", raising=False)
    else:
        monkeypatch.setenv("BANKML_BENCH_SPARK_10M", setting)
    spark.run(quick=quick)
    assert calls == expected


def test_lake_customers_reads_the_meta_row(tmp_path):
    from bankml.bench.spark import lake_customers
    from bankml.lake import write_lake
    from synth import BankParams

    write_lake(BankParams(customers=250, seed=1), tmp_path / "lake", chunk=150)
    assert lake_customers(str(tmp_path / "lake")) == 250
