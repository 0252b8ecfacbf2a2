"""Bench: concurrent dashboard sessions scoring applicants (scripts/load_test.py) — errors and latency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bankml.bench import BenchRow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load_test.py"


def run(quick: bool = False) -> list[BenchRow]:
    sessions, rounds = (8, 3) if quick else (16, 5)
    if not SCRIPT.exists():
        return [
            BenchRow(
                "load", "scripts/load_test.py not found (installed without sources)", float("nan")
            )
        ]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sessions", str(sessions), "--rounds", str(rounds), "--json"],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            result.stderr.strip().splitlines()[-1] if result.stderr else "load test failed"
        )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    label = f"{sessions} sessions x {rounds} applicant scorings"
    return [
        BenchRow(
            "load",
            f"{label}: errors",
            report["errors"],
            "",
            target="0",
            passed=report["errors"] == 0,
        ),
        BenchRow("load", f"{label}: p50 latency", report["p50_s"], "s"),
        BenchRow(
            "load",
            f"{label}: p95 latency",
            report["p95_s"],
            "s",
            target="< 1 s (16 sessions)",
            passed=report["p95_s"] < 1.0 if sessions == 16 else None,
        ),
        BenchRow("load", f"{label}: wall time", report["wall_s"], "s"),
    ]
