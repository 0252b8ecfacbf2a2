"""The Parquet lake's files hold one row group per chunk and month, not the partitioner's slices."""

from __future__ import annotations

import pyarrow.parquet as pq


def test_each_transactions_file_is_one_row_group(tmp_path):
    from bankml.lake import write_lake
    from synth import BankParams

    write_lake(BankParams(customers=2000, seed=2), tmp_path / "lake", chunk=1000)
    files = sorted((tmp_path / "lake" / "transactions").rglob("*.parquet"))
    assert len(files) >= 4  # two chunks, several months
    groups = [pq.ParquetFile(f).metadata.num_row_groups for f in files]
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    assert groups == [1] * len(files), groups
    assert rows > 2 * len(files)  # files are not empty slices
