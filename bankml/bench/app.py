"""Bench: each page's first view with data and model cached (scripts/page_timings.py, AppTest)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bankml.bench import BenchRow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "page_timings.py"


def run(quick: bool = False) -> list[BenchRow]:
    customers = 20_000 if quick else 100_000
    if not SCRIPT.exists():
        return [
            BenchRow(
                "app", "scripts/page_timings.py not found (installed without sources)", float("nan")
            )
        ]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--customers", str(customers), "--json"],
        capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            result.stderr.strip().splitlines()[-1] if result.stderr else "page timing failed"
        )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    rows = []
    for page, timing in report["pages"].items():
        name = Path(page).stem
        rows.append(
            BenchRow("app", f"{name} first view, cached ({customers // 1000}k bank)", timing["cached_s"], "s",
                     baseline=timing["first_fill_s"], baseline_name="first fill of the caches",
                     target="<= 3 s", passed=timing["cached_s"] <= 3 and not timing["exception"])
        )  # fmt: skip
    return rows
