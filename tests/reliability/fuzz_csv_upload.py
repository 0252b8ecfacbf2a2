"""atheris harness (RELIABILITY 15): raw upload bytes through the CSV reader and the validator.

    python tests/reliability/fuzz_csv_upload.py -runs=3000 -max_total_time=30 CORPUS_DIR

Coverage-guided mutation of real files (the bad-input catalogue seeds the corpus). The only
acceptable outcomes are a clean frame or bankml's InputError; any other exception, or one input
taking over 5 s (`-timeout=5`), is a crash that atheris reports with a non-zero exit. Run by
tests/reliability/test_fuzz_atheris.py with a bounded number of runs.
"""

from __future__ import annotations

import sys

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only bankml's code is instrumented)
import pandas  # noqa: F401
import pandera.pandas  # noqa: F401

with atheris.instrument_imports(include=["bankml"]):
    from bankml.csvio import read_csv_upload
    from bankml.errors import InputError
    from bankml.schema import CategoricalField, FeatureSchema, NumericField
    from bankml.validate import validate_frame

SCHEMA = FeatureSchema(
    numeric=(
        NumericField("annual_income", 0.0, 2_000_000.0, 100.0, False, 40_000.0),
        NumericField("age", 18.0, 100.0, 1.0, True, 40.0),
        NumericField("debt_to_income", 0.0, 1.5, 0.01, False, 0.3),
    ),
    categorical=(CategoricalField("purpose", ("car", "home", "education"), "car"),),
)


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
