"""Customer features on Spark SQL from the one definition in `bankml.customer_features`.

The tables come from a Parquet lake (`bankml.lake`, read by Spark in place) or, for a bank small
enough to fit in the driver, from the DuckDB file (shipped as Spark DataFrames). The query is
`build_query(categories, "spark")`: the same text as DuckDB's but for the few engine words.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from bankml import config, data, lake
from bankml.customer_features import build_query, categories_of, check_counts, finish
from bankml.errors import InputError

SOURCES = ("customers", "transactions", "holdings", "products", "loans")


def check_source(path: str | os.PathLike | None) -> None:
    """The local engine's one-line error for a missing or broken bank, before Spark starts."""
    if lake.is_lake(path):
        return
    with data.connect(path):
        pass


def register_tables(spark, path: str | os.PathLike | None, names=SOURCES) -> str:
    """Register the bank's tables as Spark temp views; returns where they came from.

    A Parquet bank is read by Spark in place; a DuckDB bank file is read on the driver and shipped,
    which suits the banks one machine holds (tests, demos), not a lake."""
    if lake.is_lake(path):
        for name in names:
            frame = spark.read.option("basePath", str(Path(path) / name)).parquet(
                str(Path(path) / name)
            )
            if name in lake.PARTITIONED:
                frame = frame.drop(lake.PARTITIONED[name])
            frame.createOrReplaceTempView(name)
        return str(path)
    from bankml.spark.session import arrow_safe

    where = config.db_path(path)
    for name, frame in data.read_tables(list(names), where).items():
        spark.createDataFrame(arrow_safe(frame)).createOrReplaceTempView(name)
    return str(where)


def features_frame(spark, path: str | os.PathLike | None = None):
    """(Spark DataFrame of every customer feature, categories) for the bank at path."""
    where = register_tables(spark, path)
    counts = spark.sql(
        "SELECT (SELECT count(*) FROM customers) AS c, (SELECT count(*) FROM transactions) AS t"
    ).first()
    check_counts(int(counts["c"]), int(counts["t"]), where)
    categories = [
        row["category"]
        for row in spark.sql(
            "SELECT DISTINCT category FROM transactions ORDER BY category"
        ).collect()
    ]
    return spark.sql(build_query(categories, "spark")), categories


def read_features(spark, path: str | os.PathLike):
    """(Spark DataFrame, categories) of a feature table `bankml features --engine spark` wrote."""
    if not Path(path).exists():
        raise InputError(f"--features {path}: not found; write it with `bankml features --out`")
    frame = spark.read.parquet(str(path))
    needed = {"customer_id", "window_months"}
    missing = sorted(needed - set(frame.columns))
    categories = categories_of(pd.DataFrame(columns=frame.columns))
    if missing or not categories:
        what = f"column {missing[0]!r}" if missing else "the mix_* columns"
        raise InputError(
            f"--features {path}: {what} is missing; "
            "give a table written by `bankml features --engine spark`"
        )
    return frame, categories


def customer_features_spark(spark, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The local `customer_features(path)` frame, computed by Spark and collected."""
    frame, categories = features_frame(spark, path)
    return finish(frame.toPandas(), categories)
