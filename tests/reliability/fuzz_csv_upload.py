"""atheris harness (RELIABILITY 15): raw upload bytes through the CSV reader and the validator.

    python tests/reliability/fuzz_csv_upload.py -runs=3000 -max_total_time=30 CORPUS_DIR

Coverage-guided mutation of real files (the bad-input catalogue seeds the corpus). The only
acceptable outcomes are a clean frame or bankml's InputError; any other exception, or one input
taking over 5 s (`-timeout=5`), is a crash that atheris reports with a non-zero exit. Run by
tests/reliability/test_fuzz_atheris.py with a bounded number of runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only bankml's code is instrumented)
import pandas  # noqa: F401
import pandera.pandas  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with atheris.instrument_imports(include=["bankml"]):
    from bankml.csvio import read_csv_upload
    from bankml.default.validate import validate_frame
    from bankml.errors import InputError
from tests.unit.default.test_validate import SCHEMA  # the validator tests' schema


def upload(raw: bytes) -> None:
    try:
        frame = read_csv_upload(raw, "upload.csv")
        report = validate_frame(frame, SCHEMA)
    except InputError:
        return
    if len(report.valid) + len(report.rejected_rows) != len(frame):
        raise AssertionError("validator lost or invented rows")


if __name__ == "__main__":
    atheris.Setup(sys.argv, upload)
    atheris.Fuzz()
