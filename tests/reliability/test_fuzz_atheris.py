"""RELIABILITY 15, bounded: coverage-guided fuzzing (atheris) of raw upload bytes.

The harness (fuzz_csv_upload.py) feeds mutated bytes to the CSV reader and the validator; any
exception other than InputError, or one input taking over 5 s, makes atheris exit non-zero with
the crashing input saved. Seeds: the bad-input catalogue plus files in the harness schema.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("fuzz_csv_upload.py")
CATALOGUE = ROOT / "tests" / "bad_inputs" / "files"
HEADER = "customer_id,name,annual_income,age,debt_to_income,purpose\n"
SEEDS = {
    "good.csv": (HEADER + "1,Ann,40000,30,0.3,car\n2,Bob,52000.5,61,0.45,home\n").encode(),
    "bad_cells.csv": (HEADER + '1,Ann,,200,x,boat\n2,"B, b",-5,17,inf,car\n').encode(),
    "semicolon.csv": HEADER.replace(",", ";").encode() + b"1;Ann;40000,5;30;0,3;car\n",
    "utf16.csv": (HEADER + "1,Zoë,40000,30,0.3,car\n").encode("utf-16"),
}


def test_reader_and_validator_survive_coverage_guided_fuzzing(tmp_path):
    corpus, crashes = tmp_path / "corpus", tmp_path / "crashes"
    corpus.mkdir()
    crashes.mkdir()
    for path in CATALOGUE.iterdir():
        if path.stat().st_size < 100_000:  # the 10,000-column file has its own test
            shutil.copy(path, corpus / path.name)
    for name, raw in SEEDS.items():
        (corpus / name).write_bytes(raw)
    result = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=4000", "-max_total_time=25", "-timeout=5",
         f"-artifact_prefix={crashes}/", str(corpus)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    tail = result.stderr[-3000:]
    assert result.returncode == 0, tail
    assert "Done " in tail and " runs in " in tail, tail
    assert not any(crashes.iterdir()), tail
