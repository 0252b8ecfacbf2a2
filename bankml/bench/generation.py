"""Bench: generating the bank versus a per-row Faker loop, the 100k / 1M targets, and the
difficulty figures of every named scenario (model ceilings measured against the truth).

The issue's "a GBM with behaviour can reach 0.97x the oracle" is about what the generator makes
learnable, so it is judged on the default settings at LEARNABLE_CUSTOMERS customers (every matured
loan, out of fold): at 10,000 customers each fold learns from about 4,800 loans and the ratio
measures the sample as much as the bank. The size was chosen on the choose seeds 1 and 7 (the
ratio stops moving between 20,000 and 50,000 customers) and is reported on seed 42 only.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bankml.bench import BenchRow, in_subprocess


def generate_bank(customers: int) -> dict:
    """Child process: generate and write a bank, report seconds."""
    import os

    from bankml.bank import regenerate
    from synth import BankParams

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        info = regenerate(BankParams(customers=customers), Path(folder) / "bank.duckdb")
        return {
            "seconds": time.perf_counter() - started,
            "rows": sum(info.row_counts.values()),
            "load": os.getloadavg()[0],
        }


def scenario_difficulty(name: str) -> dict:
    """Child process: generate one named scenario in memory and measure its difficulty report."""
    from bankml.difficulty import difficulty_report
    from synth import generate, scenario

    bank = generate(scenario(name).params())
    report = difficulty_report(bank.tables, bank.meta)
    report.pop("row_counts", None)
    return report


LEARNABLE_CUSTOMERS = 50_000


def learnable_ceiling(customers: int = LEARNABLE_CUSTOMERS) -> dict:
    """Child process: the credit ceilings of the default scenario at a larger size, on every
    matured booked loan (the bank's settings unchanged; only the number of customers grows)."""
    from bankml.difficulty import credit_ceilings
    from synth import generate, scenario

    bank = generate(scenario("default").params(customers=customers))
    return credit_ceilings(bank.tables, sample=len(bank.tables["loans"]))


CHECKS = (
    ("oracle AUC, matured booked loans", "oracle_auc", "", None),
    ("logistic on application / oracle AUC", "logistic_to_oracle", "<= 0.93", lambda v: v <= 0.93),
    ("GBM + behaviour / oracle AUC", "gbm_to_oracle", ">= 0.97", lambda v: v >= 0.97),
    (
        "segment recoverability (CV accuracy)",
        "segment_recoverability",
        "0.85..0.95",
        lambda v: 0.85 <= v <= 0.95,
    ),
    ("declined share", "declined_share", "0.10..0.30", lambda v: 0.10 <= v <= 0.30),
    ("immature share", "immature_share", "", None),
    ("quarterly default rate max/min", "quarterly_default_ratio", ">= 1.5", lambda v: v >= 1.5),
)


LEARNABLE_CHECKS = (
    ("matured booked loans (all used)", "credit_sample", "", None),
    ("oracle AUC, matured booked loans", "oracle_auc_sample", "", None),
    ("logistic on application / oracle AUC", "logistic_to_oracle", "<= 0.93", lambda v: v <= 0.93),
    ("GBM + behaviour / oracle AUC", "gbm_to_oracle", ">= 0.97", lambda v: v >= 0.97),
)


def judged_elsewhere(name: str, key: str) -> str:
    """The default bank's GBM row points to the larger bank where its target is judged."""
    if name == "default" and key == "gbm_to_oracle":
        return f"judged at {LEARNABLE_CUSTOMERS // 1000}k below"
    return ""


def difficulty_rows(quick: bool) -> list[BenchRow]:
    """Difficulty per scenario (every scenario costs seconds, so --quick runs them all too);
    targets are checked on the default bank, a `report` scenario: the GBM's 0.97x on the larger
    default bank (LEARNABLE_CUSTOMERS), everything else at the default size."""
    from synth import SCENARIOS

    rows: list[BenchRow] = []
    for name in SCENARIOS:
        report, _ = in_subprocess("bankml.bench.generation.scenario_difficulty", name=name)
        for metric, key, target, check in CHECKS:
            checked = name == "default" and key != "gbm_to_oracle"
            value = float(report.get(key, float("nan")))
            rows.append(
                BenchRow(
                    "generation",
                    f"[{name}, {SCENARIOS[name].role}] {metric}",
                    value,
                    target=target if checked else judged_elsewhere(name, key),
                    passed=check(value) if (checked and check) else None,
                )
            )
    report, _ = in_subprocess("bankml.bench.generation.learnable_ceiling")
    for metric, key, target, check in LEARNABLE_CHECKS:
        value = float(report.get(key, float("nan")))
        rows.append(
            BenchRow(
                "generation",
                f"[default {LEARNABLE_CUSTOMERS // 1000}k, report] {metric}",
                value,
                target=target,
                passed=check(value) if check else None,
            )
        )
    return rows


def vectorised_customers(customers: int) -> float:
    """Customers table only, vectorised (name pools included); returns rows per second."""
    import numpy as np

    from synth.common import Pools
    from synth.customers import customers as make_customers
    from synth.customers import profile
    from synth.params import BankParams

    params = BankParams(customers=customers)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    pools = Pools(params.locale, params.seed)
    make_customers(params, rng, pools, profile(params, rng, customers))
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
            f"100k-customer bank, all tables to DuckDB (load average {result['load']:.1f})",
            result["seconds"],
            "s",
            target="<= 15 s",
            passed=result["seconds"] <= 15,
        )
    )
    rows.append(
        BenchRow(
            "generation",
            "100k-customer bank, rows written per second",
            result["rows"] / result["seconds"],
            "rows/s",
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
    rows.extend(difficulty_rows(quick))
    return rows
