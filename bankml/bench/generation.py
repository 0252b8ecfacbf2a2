"""Bench: generating the bank versus a per-row Faker loop, and the 100k / 1M targets."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bankml.bench import BenchRow, in_subprocess


def generate_bank(customers: int) -> dict:
    """Child process: generate and write a bank, report seconds."""
    from bankml.bank import regenerate
    from synth import BankParams

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        info = regenerate(BankParams(customers=customers), Path(folder) / "bank.duckdb")
        return {"seconds": time.perf_counter() - started, "rows": sum(info.row_counts.values())}


def vectorised_customers(customers: int) -> float:
    """Customers table only, vectorised (name pools included); returns rows per second."""
    import numpy as np

    from synth.generator import _customers, _Pools
    from synth.params import BankParams

    params = BankParams(customers=customers)
    started = time.perf_counter()
    pools = _Pools(params.locale, params.seed)
    _customers(params, np.random.default_rng(0), pools)
    return customers / (time.perf_counter() - started)


def faker_loop_customers(customers: int) -> float:
    """The baseline a notebook would write: one Faker call per field per row; rows per second."""
    import random

    import faker

    fake = faker.Faker("en_US")
    fake.seed_instance(0)
    rng = random.Random(0)
    rows = []
    started = time.perf_counter()
    for i in range(customers):
        female = rng.random() < 0.5
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name()
        age = min(max(int(rng.gauss(42, 15)), 18), 100)
        rows.append(
            {
                "customer_id": i + 1,
                "name": f"{first} {last}",
                "email": fake.email(),
                "city": fake.city(),
                "age": age,
                "gender": "F" if female else "M",
                "marital_status": rng.choice(["single", "married", "divorced", "widowed"]),
                "education": rng.choice(["high_school", "bachelor", "master", "doctorate"]),
                "employment_status": rng.choice(["employed", "self_employed", "unemployed"]),
                "occupation": fake.job(),
                "years_employed": round(rng.random() * 20, 1),
                "annual_income": round(rng.lognormvariate(10.6, 0.5), -2),
                "credit_score": min(max(int(rng.gauss(690, 60)), 300), 850),
                "home_ownership": rng.choice(["rent", "mortgage", "own"]),
                "dependents": rng.randint(0, 4),
                "tenure_months": rng.randint(1, 360),
            }
        )
    return customers / (time.perf_counter() - started)


def run(quick: bool = False) -> list[BenchRow]:
    rows: list[BenchRow] = []
    result, peak = in_subprocess("bankml.bench.generation.generate_bank", customers=100_000)
    rows.append(
        BenchRow(
            "generation",
            "100k-customer bank, all tables to DuckDB",
            result["seconds"],
            "s",
            target="<= 10 s",
            passed=result["seconds"] <= 10,
        )
    )
    rows.append(
        BenchRow(
            "generation",
            "100k-customer bank peak RSS",
            peak,
            "MB",
            target="< 3000 MB",
            passed=peak < 3000,
        )
    )
    fast = vectorised_customers(100_000)
    slow = faker_loop_customers(2_000 if quick else 10_000)
    rows.append(
        BenchRow(
            "generation",
            "customers table, vectorised vs per-row Faker",
            fast,
            "rows/s",
            baseline=slow,
            baseline_name="per-row Faker loop",
            target=">= 50x",
            passed=fast / slow >= 50,
        )
    )
    if not quick:
        result, peak = in_subprocess("bankml.bench.generation.generate_bank", customers=1_000_000)
        rows.append(BenchRow("generation", "1M-customer bank, all tables", result["seconds"], "s"))
        rows.append(
            BenchRow(
                "generation",
                "1M-customer bank peak RSS",
                peak,
                "MB",
                target="< 12000 MB",
                passed=peak < 12_000,
            )
        )
    return rows
