"""Bench: concurrent browser sessions scoring applicants on one `streamlit run` server
(scripts/load_test.py: websocket clients speaking the browser's protocol) — errors and latency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bankml.bench import BenchRow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load_test.py"
SESSIONS = 16


def _drive(rounds: int, think: float) -> dict:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sessions", str(SESSIONS), "--rounds", str(rounds),
         "--think", str(think), "--json"],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            result.stderr.strip().splitlines()[-1] if result.stderr else "load test failed"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[BenchRow]:
    if not SCRIPT.exists():
        return [
            BenchRow(
                "load", "scripts/load_test.py not found (installed without sources)", float("nan")
            )
        ]
    rounds = 3 if quick else 5
    rows: list[BenchRow] = []
    for think, how in ((0.0, "back to back"), (1.0, "1 s think")):
        report = _drive(rounds, think)
        label = f"{SESSIONS} sessions x {rounds}, {how}"
        rows += [
            BenchRow(
                "load",
                f"{label}: errors",
                report["errors"],
                "",
                target="0",
                passed=report["errors"] == 0,
            ),
            BenchRow("load", f"{label}: p50 latency", report["p50_s"], "s"),
            BenchRow(  # the target is for people using the app; back to back is a stress row
                "load",
                f"{label}: p95 latency",
                report["p95_s"],
                "s",
                target="< 1 s" if think else "",
                passed=report["p95_s"] < 1.0 if think else None,
            ),
            BenchRow(
                "load",
                f"{label}: scorings per second",
                report["requests"] / report["wall_s"],
                "/s",
            ),
        ]
    return rows
