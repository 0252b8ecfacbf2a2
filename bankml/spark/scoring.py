"""Batch scoring on Spark: each Arrow batch is validated and scored by the same code as locally.

Rows carry their 1-based input row number in `input_row`, so a batch's validation report is mapped
back to the file's rows and the rejected-row report is the local one. File-level problems (a
missing column, duplicate names) are found on the driver from the header, before any job runs,
with the local one-line errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bankml.default.scoring import RESULT_COLUMNS, BatchResult, read_batch
from bankml.default.validate import ROW_COLUMN, ValidationReport, validate_frame
from bankml.errors import InputError
from bankml.spark import broadcast as bc
from bankml.spark.csv_input import CORRUPT, DRIVER_CSV_BYTES, check_fields, read_csv_spark, sniff
from bankml.spark.session import arrow_safe

ISSUES = "_issues"


def _spark_type(spec_kind: str) -> str:
    return {"integer": "bigint", "number": "double", "category": "string"}[spec_kind]


def output_fields(sdf, schema) -> list[tuple[str, str]]:
    """(name, Spark type) of the scored batches: input_row, the input columns as validated,
    the results and the row's issues."""
    kinds = {s.name: ("integer" if s.integer else "number") for s in schema.numeric}
    kinds.update({s.name: "category" for s in schema.categorical})
    fields = [(ROW_COLUMN, "bigint")]
    for field in sdf.schema.fields:
        if field.name in (ROW_COLUMN, CORRUPT):
            continue
        kind = kinds.get(field.name)
        ddl = _spark_type(kind) if kind else field.dataType.simpleString()
        fields.append((field.name, ddl))
    for spec in schema.numeric:  # behavioural columns the batch lacks get typical values
        if spec.name not in sdf.columns:
            fields.append((spec.name, _spark_type("integer" if spec.integer else "number")))
    fields += [("pd", "double"), *[(c, "string") for c in RESULT_COLUMNS[1:]], (ISSUES, "string")]
    return fields


def _score_batches(model_bc, columns: list[str], fmt: dict | None = None, name: str = ""):
    """The mapInPandas function: validate, score, and attach each row's issues as JSON."""

    def run(batches):
        model = bc.load(model_bc.value)
        for batch in batches:
            if fmt is not None:  # read by Spark from a CSV: rows with too many fields fail
                batch = check_fields(batch, fmt, name)
            rows = batch[ROW_COLUMN].to_numpy(np.int64)
            report = validate_frame(batch.drop(columns=[ROW_COLUMN]), model.schema_)
            issues = pd.concat(
                [
                    report.errors.assign(severity="error"),
                    report.warnings.assign(severity="warning"),
                ],
                ignore_index=True,
            )
            valid = report.valid
            valid[ROW_COLUMN] = rows[valid[ROW_COLUMN].to_numpy(np.int64) - 1]
            if len(valid):
                result = model.score_frame(valid[list(model.features_)]).reset_index(drop=True)
                valid = pd.concat([valid, result[list(RESULT_COLUMNS)]], axis=1)
            else:
                valid = valid.assign(**{c: pd.Series(dtype=object) for c in RESULT_COLUMNS})
            bad = np.setdiff1d(rows, valid[ROW_COLUMN].to_numpy(np.int64))
            out = pd.concat([valid, pd.DataFrame({ROW_COLUMN: bad})], ignore_index=True)
            text = {}
            if len(issues):
                issues["row"] = rows[issues["row"].to_numpy(np.int64) - 1]
                issues["value"] = issues["value"].astype(str)
                for row, group in issues.groupby("row", sort=False):
                    text[int(row)] = group[["column", "value", "reason", "severity"]].to_json(
                        orient="values"
                    )
            out[ISSUES] = out[ROW_COLUMN].map(text).astype(object)
            for column in RESULT_COLUMNS[1:]:
                out[column] = out[column].astype(object).where(out[column].notna(), None)
            yield arrow_safe(out[columns])

    return run


def score_spark(spark, sdf, model, payload: bc.Payload, fmt=None, name: str = "") -> tuple:
    """(scored Spark DataFrame, output columns) for a Spark DataFrame holding `input_row`.

    `model` is the driver's verified copy (for the schema and the file-level checks); executors
    load `payload` (broadcast once, sha256 checked there).
    """
    if ROW_COLUMN not in sdf.columns:
        raise InputError(f"the Spark input lacks its row number column {ROW_COLUMN!r}")
    header = pd.DataFrame(
        {c: pd.Series(dtype=object) for c in sdf.columns if c not in (ROW_COLUMN, CORRUPT)}
    )
    validate_frame(header, model.schema_)  # a missing column: the local one-line InputError
    fields = output_fields(sdf, model.schema_)
    ddl = ", ".join(f"`{name}` {kind}" for name, kind in fields)
    columns = [name for name, _ in fields]
    run = _score_batches(bc.broadcast(spark, payload), columns, fmt, name)
    return sdf.mapInPandas(run, ddl), columns


def like_read_csv(values: pd.Series) -> pd.Series:
    """A column that arrived as text typed as pandas' CSV reader types it: whole numbers without
    gaps as int64, other all-number columns as float64, anything else left as text."""
    given = values.dropna().astype(str)
    number = pd.to_numeric(given, errors="coerce")
    if number.isna().any():
        return values
    if values.notna().all() and given.str.fullmatch(r"\s*[+-]?\d+\s*").all():
        return number.astype(np.int64)
    return pd.to_numeric(values.astype(object), errors="coerce").astype(float)


def collect_result(
    scored, frame_columns: list[str], name: str, model, reference=None, texts: bool = False
) -> BatchResult:
    """Collect the scored rows into the local BatchResult (same columns, order, report, drift).

    texts: the file was parsed by Spark as text; columns outside the model's schema are typed
    as the local reader types them (from the scored rows: the rejected rows' cells are gone)."""
    out = scored.toPandas().sort_values(ROW_COLUMN, kind="stable").reset_index(drop=True)
    issues = [
        [int(row), *item]
        for row, text in zip(out[ROW_COLUMN], out[ISSUES], strict=True)
        if isinstance(text, str)
        for item in json.loads(text)
    ]
    table = pd.DataFrame(issues, columns=["row", "column", "value", "reason", "severity"])
    table = table.astype({"row": np.int64}).sort_values(["row", "column"], kind="stable")
    errors = table[table["severity"] == "error"].drop(columns="severity").reset_index(drop=True)
    warnings = table[table["severity"] == "warning"].drop(columns="severity")
    rejected = set(errors["row"].tolist())
    valid = out[~out[ROW_COLUMN].isin(rejected)].drop(columns=ISSUES).reset_index(drop=True)
    scored_columns = [
        ROW_COLUMN,
        *[c for c in valid.columns if c not in (ROW_COLUMN, *RESULT_COLUMNS)],
    ]
    keep = [c for c in scored_columns if c in frame_columns or c == ROW_COLUMN] + [
        c for c in scored_columns if c not in frame_columns and c != ROW_COLUMN
    ]
    valid = valid[keep + list(RESULT_COLUMNS)]
    longs = [f.name for f in scored.schema.fields if f.dataType.simpleString() == "bigint"]
    for column in longs:  # nulls of rejected rows made them float; the kept rows are whole
        if column in valid.columns and valid[column].notna().all():
            valid[column] = valid[column].astype(np.int64)
    for column in (c for c in frame_columns if texts and c not in model.schema_.names):
        valid[column] = like_read_csv(valid[column])
    report = ValidationReport(
        valid=valid.drop(columns=list(RESULT_COLUMNS)),
        errors=errors,
        warnings=warnings.reset_index(drop=True),
        extra_columns=tuple(c for c in frame_columns if c not in model.schema_.names),
        rows_in=len(out),
    )
    from bankml.default.drift import batch_drift
    from bankml.default.validate import typical_behaviour

    reference = getattr(model, "reference_", None) if reference is None else reference
    drift = None
    if reference is not None and len(valid):
        drift = batch_drift(model, reference, report.valid)
        filled = typical_behaviour(model.schema_, frame_columns)
        if filled:
            drift = drift[~drift["feature"].isin(list(filled))].reset_index(drop=True)
    return BatchResult(scored=valid, report=report, drift=drift, source=name)


def score_file_spark(
    spark,
    source: bytes | Path,
    model,
    payload: bc.Payload,
    name: str,
    reference=None,
    partitions: int = 0,
    driver_bytes: int = DRIVER_CSV_BYTES,
) -> BatchResult:
    """`bankml score --engine spark`: the file is read as locally (sniffing, encodings, the same
    errors), numbered, distributed, validated and scored on the executors, and collected. A file
    (a Path) over `driver_bytes` is parsed by Spark instead (`csv_input`), same row numbers.

    spark: a SparkSession or a function returning one (called after the file-level checks)."""
    fmt = sniff(source, name, driver_bytes) if isinstance(source, Path) else None
    if fmt is not None:
        header = pd.DataFrame({c: pd.Series(dtype=object) for c in fmt["columns"]})
        validate_frame(header, model.schema_)  # a missing column: before Spark starts
        if callable(spark):
            spark = spark()
        sdf = read_csv_spark(spark, source, fmt, partitions)
        scored, _ = score_spark(spark, sdf, model, payload, fmt, name)
        return collect_result(scored, fmt["columns"], name, model, reference, texts=True)
    if isinstance(source, Path):
        source = source.read_bytes()
    frame = read_batch(source, name)
    header = frame.head(0)
    validate_frame(header, model.schema_)
    if callable(spark):  # a session factory: bad files fail before Spark starts
        spark = spark()
    numbered = frame.reset_index(drop=True)
    numbered.insert(0, ROW_COLUMN, np.arange(1, len(frame) + 1, dtype=np.int64))
    sdf = spark.createDataFrame(numbered)
    if partitions:
        sdf = sdf.repartition(partitions)
    scored, _ = score_spark(spark, sdf, model, payload)
    return collect_result(scored, [str(c) for c in frame.columns], name, model, reference)
