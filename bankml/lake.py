"""A bank at rest as a Parquet lake, written in chunks with bounded memory, read by both engines.

    DIR/customers/part-00000.parquet ...     one file per chunk for every table
    DIR/transactions/month=2024-01/part-00000-0.parquet ...   transactions partitioned by month
    DIR/meta/part-00000.parquet              one row: seed, chunks, row counts, parameters

A bank bigger than one generation is written as consecutive chunks of at most `chunk` customers;
each chunk is generated from the seed and its chunk number, and its ids (customers, applications
and loans, transactions) continue where the previous chunk's ended, so the lake is one bank with
unique keys. The products and the macro cycle are the first chunk's. DuckDB reads the lake in place
(`connect`: views over `read_parquet`); Spark reads the same folders (`bankml.spark.features`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bankml.errors import InputError
from synth.common import TABLE_ORDER

TABLES = (*TABLE_ORDER, "meta")  # the generator's tables, then the bank's metadata
PARTITIONED = {"transactions": "month"}
# bank-wide tables: the first chunk's
ONCE = ("products", "macro", "truth_affinity", "truth_complements")
# customers per generation: about 60 transactions each, so a chunk holds ~6M transactions (~1.5 GB
# while generated); the peak memory of `write_lake` does not grow with the bank's size
CHUNK_CUSTOMERS = 100_000
MAX_LAKE_CUSTOMERS = 100_000_000
Progress = Callable[[float, str], None]
# id columns shifted by the rows of earlier chunks: (table, column) -> counter
ID_COUNTERS = {
    "customer_id": "customers",
    "application_id": "applications",
    "loan_id": "applications",  # a loan's id is its application's id
    "txn_id": "transactions",
}


def is_lake(path: str | os.PathLike | None) -> bool:
    """True when path is a folder holding a Parquet bank (a customers/ folder in it)."""
    return path is not None and (Path(path) / "customers").is_dir()


def _shift(frame: pd.DataFrame, offsets: dict[str, int]) -> pd.DataFrame:
    shifted = {
        column: frame[column].to_numpy(np.int64) + offsets[counter]
        for column, counter in ID_COUNTERS.items()
        if column in frame.columns and offsets[counter]
    }
    return frame.assign(**shifted) if shifted else frame


def _write(frame: pd.DataFrame, folder: Path, name: str, chunk: int) -> None:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    target = folder / name
    if name in PARTITIONED:
        month = pd.to_datetime(frame["ts"]).dt.strftime("%Y-%m")
        table = table.append_column(PARTITIONED[name], pa.array(month.to_numpy(str)))
        ds.write_dataset(
            table,
            target,
            format="parquet",
            partitioning=[PARTITIONED[name]],
            partitioning_flavor="hive",
            basename_template=f"part-{chunk:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            # one chunk's month is one row group, not the ~800-row slices the partitioning cuts
            # (tiny row groups made every later scan of the lake about twice as slow)
            min_rows_per_group=len(table),
            max_rows_per_group=max(len(table), 1),
        )
        return
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / f"part-{chunk:05d}.parquet")


def write_lake(
    params,
    out: str | os.PathLike,
    chunk: int = CHUNK_CUSTOMERS,
    progress: Progress = lambda fraction, message: None,
) -> dict:
    """Generate `params.customers` customers in chunks into the lake at out; returns the meta row.

    Written into a temporary folder beside out and swapped in at the end, so a failure leaves the
    previous lake (or none) in place.
    """
    from synth import generate

    out = Path(out)
    if out.exists() and not (out.is_dir() and (is_lake(out) or not any(out.iterdir()))):
        raise InputError(f"--out {out}: exists and is not a Parquet bank; choose another folder")
    total = int(params.customers)
    if not 1 <= total <= MAX_LAKE_CUSTOMERS:
        raise InputError(f"customers={total} is out of range: allowed 100..{MAX_LAKE_CUSTOMERS:,}")
    temp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    temp.mkdir(parents=True)
    offsets = {"customers": 0, "applications": 0, "transactions": 0}
    counts: dict[str, int] = {}
    sizes = [min(chunk, total - start) for start in range(0, total, chunk)]
    if len(sizes) > 1 and sizes[-1] < 100:  # the generator's minimum: fold a tiny tail in
        sizes[-2] += sizes.pop()
    try:
        for number, size in enumerate(sizes):
            progress(
                number / len(sizes), f"chunk {number + 1} of {len(sizes)} ({size:,} customers)"
            )
            seed = int(np.random.SeedSequence([params.seed, number]).generate_state(1)[0])
            part = dataclasses.replace(params, customers=size, seed=seed if number else params.seed)
            bank = generate(part)
            for name, frame in bank.tables.items():
                if name in ONCE and number:
                    continue
                _write(_shift(frame, offsets), temp, name, number)
                counts[name] = counts.get(name, 0) + len(frame)
            for name in offsets:
                offsets[name] += len(bank.tables[name])
            del bank
        meta = {
            "format": "bankml parquet lake 1",
            "seed": int(params.seed),
            "customers": total,
            "chunks": len(sizes),
            "chunk_customers": int(chunk),
            "parameters": json.dumps(params.to_dict(), sort_keys=True),
            "row_counts": json.dumps(counts),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        _write(pd.DataFrame([meta]), temp, "meta", 0)
        if out.exists():
            old = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(out, old)
            os.replace(temp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    progress(1.0, "lake written")
    return {**meta, "row_counts": counts}


def table_glob(folder: str | os.PathLike, name: str) -> str:
    """The files of one table of the lake (all month partitions for transactions)."""
    return str(Path(folder) / name / ("**/*.parquet" if name in PARTITIONED else "*.parquet"))


@contextlib.contextmanager
def connect(folder: str | os.PathLike) -> Iterator:
    """An in-memory DuckDB connection with one view per table of the lake (read in place)."""
    import duckdb

    folder = Path(folder)
    if not is_lake(folder):
        raise InputError(f"{folder} is not a Parquet bank (no customers/ folder in it)")
    con = duckdb.connect()
    try:
        for name in TABLES:
            if not (folder / name).is_dir():
                continue
            drop = f" EXCLUDE ({PARTITIONED[name]})" if name in PARTITIONED else ""
            source = table_glob(folder, name).replace("'", "''")
            con.execute(
                f'CREATE VIEW "{name}" AS SELECT *{drop} FROM read_parquet('
                f"'{source}', hive_partitioning = {str(name in PARTITIONED).lower()})"
            )
        yield con
    finally:
        con.close()


def read_tables(folder: str | os.PathLike, names: list[str]) -> dict[str, pd.DataFrame]:
    """Whole tables of the lake as frames (DuckDB reading the Parquet in place)."""
    with connect(folder) as con:
        return {name: con.execute(f'SELECT * FROM "{name}"').df() for name in names}
