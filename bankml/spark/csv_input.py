"""A large applicants CSV read by Spark, with the local reader's columns and 1-based row numbers.

The driver sniffs the file's head exactly as the local reader does (encoding, delimiter, header,
duplicate names, reserved names), so file-level problems give the local one-line errors before
any job runs. Spark then parses the whole file with that format, every cell as text (the validator
converts numbers as it does for text cells locally), in one pass over the file (`multiLine`, so a
quoted line break stays inside its cell), numbering the data rows in file order before the rows
are spread over the cores. A row with more fields than the header is a file-level error, as
locally. Files Spark would read differently (not UTF-8, decimal commas) stay on the driver.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from bankml.default.validate import ROW_COLUMN
from bankml.errors import InputError

# at most this size a file is read on the driver, as locally (and within its upload limits)
DRIVER_CSV_BYTES = 64 * 2**20
HEAD_BYTES = 2**20
CORRUPT = "_corrupt_record"
JAVA_ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8"}


def sniff(path: Path, name: str, driver_bytes: int = DRIVER_CSV_BYTES) -> dict | None:
    """The file's format (columns after the local renaming, delimiter, Java encoding) when Spark
    should read it; None when the driver reads it (small, or a format Spark reads otherwise)."""
    from bankml.default.scoring import read_batch

    if path.stat().st_size <= driver_bytes:
        return None
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if len(head) == HEAD_BYTES and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]  # whole lines only
    try:
        frame = read_batch(head, name, max_rows=len(head), max_bytes=len(head))
    except InputError:
        return None  # the driver's reader gives the error (or reads what the head cut in two)
    attrs = frame.attrs
    if attrs.get("encoding") not in JAVA_ENCODINGS or attrs.get("decimal") != ".":
        return None
    return {
        "columns": [str(c) for c in frame.columns],
        "delimiter": attrs["delimiter"],
        "encoding": JAVA_ENCODINGS[attrs["encoding"]],
    }


def read_csv_spark(spark, path: Path, fmt: dict, partitions: int = 0):
    """Spark DataFrame: input_row (1-based data row, blank lines skipped as locally), the file's
    columns as text, and the raw text of rows whose field count differs from the header's."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    fields = [StructField(c, StringType()) for c in (*fmt["columns"], CORRUPT)]
    frame = (
        spark.read.schema(StructType(fields))
        .option("header", True)
        .option("sep", fmt["delimiter"])
        .option("quote", '"')
        .option("escape", '"')
        .option("multiLine", True)
        .option("encoding", fmt["encoding"])
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .csv(str(path))
    )
    # one file, one partition: monotonically_increasing_id counts 0, 1, 2... in file order there
    numbered = frame.coalesce(1).withColumn(ROW_COLUMN, F.monotonically_increasing_id() + 1)
    numbered = numbered.select(ROW_COLUMN, *[F.col(f"`{c}`") for c in fmt["columns"]], CORRUPT)
    from bankml.spark.session import local_cores

    return numbered.repartition(partitions or 4 * local_cores(spark), ROW_COLUMN)


def check_fields(batch: pd.DataFrame, fmt: dict, name: str) -> pd.DataFrame:
    """The batch without the corrupt-record column; InputError (the local wording) for a row with
    more fields than the header. Rows with fewer fields keep missing cells, as locally."""
    if CORRUPT not in batch.columns:
        return batch
    width = len(fmt["columns"])
    raw = batch[CORRUPT]
    # fewer fields (the common case) cannot reach `width` separators: parse only the others
    odd = (raw.notna() & (raw.str.count(re.escape(fmt["delimiter"])) >= width)).to_numpy()
    for row, text in zip(batch[ROW_COLUMN].to_numpy()[odd], batch[CORRUPT][odd], strict=True):
        found = next(csv.reader(io.StringIO(text), delimiter=fmt["delimiter"]), [])
        if len(found) > width:
            raise InputError(
                f"{name}: not a well-formed CSV (data row {int(row)} has {len(found)} fields, "
                f"the header has {width}); check the delimiter and quoting"
            )
    return batch.drop(columns=CORRUPT)
