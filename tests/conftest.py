"""Shared fixtures: a tiny seeded bank and a quick model on it, each built once per test run.

Under pytest-xdist every worker is its own process, so a session fixture alone would build its
object once per worker: these go through `tests._shared.built_once` instead.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests._shared import built_once, copy_of

ROOT = Path(__file__).resolve().parents[1]
SMALL_CUSTOMERS = 3_000


HEAVY_MARKERS = ("browser", "notebook", "load", "slow")
# One thread per library pool in each xdist worker: the workers already fill the cores, and
# OpenMP (KMeans, LightGBM), OpenBLAS and MKL pools of 2 threads in each of them oversubscribe
# the machine and spin. Measured on the fast tier, 2 workers on 2 cores: 404 s of CPU and 214 s
# without the limit, 356 s and 190 s with it. Set before xdist starts its workers, which
# inherit it; a value the caller set wins.
WORKER_THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# The test JVMs (the Spark session, `bankml --engine spark` and the Spark Connect server) live
# a minute or two on a few MB: the C1 compiler alone and one GC thread. Measured on
# tests/spark/test_spark_engine.py alone: 237 s of machine CPU without, 180 s with (151 s and 145 s
# of wall); the answers are the same, only the JIT differs.
TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def pytest_configure(config) -> None:
    """Under xdist (`-n N`), limit each worker's library thread pools to one thread; short-lived
    test JVMs skip the optimising compiler (`BANKML_SPARK_JAVA_OPTIONS`). Set before xdist starts
    its workers, which inherit them, as do the CLI subprocesses."""
    if getattr(config.option, "numprocesses", None):
        for name in WORKER_THREAD_LIMITS:
            os.environ.setdefault(name, "1")
    os.environ.setdefault("BANKML_SPARK_JAVA_OPTIONS", TEST_JVM_OPTIONS)


# The longest files of the full run, longest first: seconds of one file in an idle `make test`
# on the 2-core machine, 3 workers (2026-11-27, 08:04). The number of tests in a file says little
# of its length (the Spark scoring and calibration files hold 3 and 4 tests and take minutes,
# and would end the run alone). Files not listed follow, by number of tests.
LONGEST_FILES = {
    "tests/spark/test_spark_engine.py": 205,
    "tests/reliability/test_calibration_backtest.py": 111,
    "tests/spark/test_spark_bank_scoring.py": 108,
    "tests/browser/test_pages_in_chromium.py": 105,
    "tests/model/test_recommend_quality.py": 87,
    "tests/unit/test_cli_evaluate.py": 82,
    "tests/reliability/test_training_reliability.py": 77,
    "tests/browser/test_reliability_in_chromium.py": 73,
    "tests/notebooks/test_notebooks.py": 70,
    "tests/model/default/test_default_model.py": 66,
    "tests/browser/test_sidebar_follows_in_chromium.py": 59,
    "tests/browser/test_rerun_interruption.py": 59,
    "tests/unit/test_estimator_checks.py": 57,
    "tests/unit/test_cli_train.py": 55,
    "tests/reliability/test_crash_and_concurrency.py": 54,
    "tests/data/test_difficulty.py": 46,
    "tests/reliability/test_scoring_fuzz.py": 43,
    "tests/app/test_data_page.py": 42,
}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Files holding a heavy test (marked browser, notebook, load or slow) first, the longest
    known ones (LONGEST_FILES) leading, then the rest, each group by number of tests, most first.

    `--dist loadfile` hands whole files to the workers in this order (the Makefile passes
    `--no-loadscope-reorder`, else xdist would sort every file by its number of tests alone and
    leave the few-test, long files, Spark, the CLI, the notebooks and the load runs, for the end,
    where one of them runs alone). Long files first and short ones last keeps the two workers
    busy until the end. The fast tier has no heavy file: its order is xdist's own."""
    counts: dict = {}
    heavy: set = set()
    for item in items:
        counts[item.path] = counts.get(item.path, 0) + 1
        if any(item.get_closest_marker(name) for name in HEAVY_MARKERS):
            heavy.add(item.path)

    def seconds(path) -> int:
        return LONGEST_FILES.get(Path(path).as_posix().removeprefix(ROOT.as_posix() + "/"), 0)

    items.sort(key=lambda item: (item.path not in heavy, -seconds(item.path), -counts[item.path]))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def _shared_bank(tmp_path_factory) -> Path:
    """The run's one folder holding the small bank (read-only)."""
    from bankml.bank import regenerate
    from synth import BankParams

    def build(folder: Path) -> None:
        regenerate(BankParams(customers=SMALL_CUSTOMERS, seed=7), folder / "bank.duckdb")

    return built_once(tmp_path_factory, "bank", build)


@pytest.fixture(scope="session")
def small_bank_path(tmp_path_factory) -> Path:
    """A 3,000-customer bank (seed 7), generated once per run; each worker reads its own copy."""
    return copy_of(_shared_bank(tmp_path_factory), tmp_path_factory, "bank") / "bank.duckdb"


@pytest.fixture(scope="session")
def segmented_bank_path(tmp_path_factory) -> Path:
    """The small bank with its k="auto" segmentation stored beside it, as `make run`'s start-up
    leaves it (`bankml.segment.precompute`, random_state 0): fitted once per run for every
    worker, so the segments page, the warm start and the quality tests read one fit. Each worker
    reads its own copy."""
    import shutil

    from bankml.segment import precompute

    def build(folder: Path) -> None:
        shutil.copytree(_shared_bank(tmp_path_factory), folder, symlinks=True, dirs_exist_ok=True)
        (folder / ".built").unlink()
        precompute(folder / "bank.duckdb")

    shared = built_once(tmp_path_factory, "segmented-bank", build)
    return copy_of(shared, tmp_path_factory, "segmented-bank") / "bank.duckdb"


@pytest.fixture(scope="session")
def quick_bank_model(small_bank_path, tmp_path_factory):
    """(TrainResult, registry folder) of `train_bank_model(small bank, candidates="quick", cv=3)`,
    trained once per run: the quick comparison with the oracle, as `bankml train` registers it.
    Read-only: copy the registry (`copy_of`) before writing into it."""
    import joblib

    from bankml.default import train_bank_model

    def build(folder: Path) -> None:
        result, _ = train_bank_model(small_bank_path, folder / "models", candidates="quick", cv=3)
        joblib.dump(result, folder / "result.joblib")

    shared = built_once(tmp_path_factory, "quick-model", build)
    return joblib.load(shared / "result.joblib"), shared / "models"


def _logistic_bank_build(small_bank_path, tmp_path_factory) -> Path:
    """The run's one folder holding the logistic bank model's registry and its TrainResult."""
    import joblib

    from bankml.default import train_bank_model

    def build(folder: Path) -> None:
        result, _ = train_bank_model(
            small_bank_path, folder / "models", candidates=["logistic"], cv=3
        )
        joblib.dump(result, folder / "result.joblib")

    return built_once(tmp_path_factory, "logistic-model", build)


@pytest.fixture(scope="session")
def served_bank(segmented_bank_path, quick_bank_model, tmp_path_factory) -> Path:
    """Folder with `bank.duckdb` and `models/` as `make run` leaves them for a server: the small
    bank with its segments, the quick model and `bankml.startup`'s stored first views (startup
    finds the model, so nothing is trained twice). Built once per run for every worker, shared
    by the browser and load tests; read-only: a server writes, so serve a `copy_of` it."""
    import shutil
    import subprocess

    def build(folder: Path) -> None:
        shutil.copytree(segmented_bank_path.parent, folder, symlinks=True, dirs_exist_ok=True)
        shutil.copytree(quick_bank_model[1], folder / "models", symlinks=True)
        env = {
            **os.environ,
            "BANKML_DB": str(folder / "bank.duckdb"),
            "BANKML_MODELS": str(folder / "models"),
        }
        subprocess.run([sys.executable, "-m", "bankml.startup"], cwd=ROOT, env=env, check=True)

    return built_once(tmp_path_factory, "served-bank", build)


@pytest.fixture(scope="session")
def logistic_bank_model(small_bank_path, tmp_path_factory) -> Path:
    """Registry folder of `train_bank_model(small bank, candidates=["logistic"], cv=3)`, trained
    once per run (read-only: copy it with `copy_of` before writing into it)."""
    return _logistic_bank_build(small_bank_path, tmp_path_factory) / "models"


@pytest.fixture(scope="session")
def logistic_bank_result(small_bank_path, tmp_path_factory):
    """The TrainResult of `logistic_bank_model`'s training, loaded once per worker (shared: do
    not mutate); a test that needs some booked-loans model reuses it instead of training one."""
    import joblib

    return joblib.load(_logistic_bank_build(small_bank_path, tmp_path_factory) / "result.joblib")


@pytest.fixture(scope="session")
def logistic_model(logistic_bank_model):
    """(model, card) of `logistic_bank_model`, loaded once per worker through the registry's
    checksum-verified path (shared: do not mutate)."""
    from bankml.registry import load_model

    return load_model(logistic_bank_model)


@pytest.fixture(scope="session")
def fitted_default(small_bank_path, tmp_path_factory):
    """`fitted_default(candidate, behaviour=True)`: `DefaultModel(candidate=..., cv=3)` fitted on
    the small bank's `loan_frame(behaviour=...)`, fitted once per run for every worker; each call
    returns a fresh unpickled copy (free to mutate). Tests of `fit` itself fit their own."""
    import joblib

    from bankml.default import DefaultModel, loan_frame

    def fitted(candidate: str, behaviour: bool = True) -> DefaultModel:
        def build(folder: Path) -> None:
            frame = loan_frame(small_bank_path, behaviour=behaviour)
            model = DefaultModel(candidate=candidate, cv=3).fit(frame, frame["defaulted"])
            joblib.dump(model, folder / "model.joblib")

        name = re.sub(r"\W+", "-", candidate).strip("-") + ("" if behaviour else "-application")
        return joblib.load(built_once(tmp_path_factory, f"fit-{name}", build) / "model.joblib")

    return fitted


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
