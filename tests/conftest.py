"""Shared fixtures: a tiny seeded bank, generated once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL_CUSTOMERS = 3_000


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def small_bank_path(tmp_path_factory) -> Path:
    """A 3,000-customer bank (seed 7) in a session temp folder; read-only for tests."""
    from bankml.bank import regenerate
    from synth import BankParams

    path = tmp_path_factory.mktemp("bank") / "bank.duckdb"
    regenerate(BankParams(customers=SMALL_CUSTOMERS, seed=7), path)
    return path


@pytest.fixture(scope="session")
def small_bank(small_bank_path):
    """The small bank's tables as DataFrames (shared: do not mutate)."""
    from bankml import data

    names = [
        "customers",
        "loans",
        "transactions",
        "products",
        "holdings",
        "truth_loans",
        "truth_segments",
        "truth_affinity",
        "meta",
    ]
    return data.read_tables(names, small_bank_path)


@pytest.fixture()
def bankml_cli():
    """Run the bankml CLI in a subprocess; returns CompletedProcess with text output."""
    import subprocess

    def run(*args: str, env: dict | None = None, timeout: float = 600):
        return subprocess.run(
            [sys.executable, "-m", "bankml.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )

    return run
