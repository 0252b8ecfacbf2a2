"""Child Python processes for the concurrency tests (each runs a script from the repo root)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_processes(script: str, *args: str, count: int = 2) -> list[subprocess.Popen]:
    """`count` copies of `python -c script args...`, text pipes on stdout and stderr."""
    return [
        subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(count)
    ]
