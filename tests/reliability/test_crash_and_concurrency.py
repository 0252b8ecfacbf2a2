"""Crash safety and concurrency of the bank store, proven with real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bankml import data
from bankml.bank import regenerate
from bankml.errors import BankBusyError
from synth import BankParams
from tests.reliability._processes import python_processes

# real processes killed and racing on one store: make test only
pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def _module_bank(tmp_path_factory) -> Path:
    """A 500-customer bank generated once for this module (read-only: tests get a copy)."""
    folder = tmp_path_factory.mktemp("crash-bank")
    regenerate(BankParams(customers=500, seed=1), folder / "bank.duckdb")
    return folder


@pytest.fixture()
def bank_path(_module_bank, tmp_path_factory):
    """A private copy of the module's bank (its generation link kept) for a test to overwrite,
    kill writers on and lock."""
    from tests._shared import copy_of

    return copy_of(_module_bank, tmp_path_factory, "bank") / "bank.duckdb"


def _start_generate(path: Path, customers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bankml.cli", "generate", "--customers", str(customers),
         "--seed", "9", "--db", str(path)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize(
    "kill_at", ["customers", "transactions", "writing transactions", "writing meta"]
)
def test_sigkill_mid_generation_keeps_previous_bank(bank_path, kill_at):
    before = data.bank_info(bank_path)
    process = _start_generate(bank_path, 150_000)
    deadline = time.time() + 120
    seen = ""
    while time.time() < deadline:
        line = process.stderr.readline()
        seen += line
        if kill_at in line or not line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert kill_at in seen, seen
    after = data.bank_info(bank_path)
    assert after.content_hash == before.content_hash
    assert after.row_counts == before.row_counts
    assert len(data.read_table("customers", bank_path)) == 500
    # the next start sweeps what the killed writer left
    data.sweep_temp_files(bank_path)
    assert not [p for p in bank_path.parent.iterdir() if ".tmp-" in p.name]


READER = """
import sys, time
from bankml import data
path, seconds = sys.argv[1], float(sys.argv[2])
end = time.time() + seconds
answers = set()
while time.time() < end:
    with data.connect(path) as con:
        digest = con.execute("SELECT content_hash FROM meta").fetchone()[0]
        n = con.execute("SELECT count(*) FROM customers").fetchone()[0]
        m = con.execute("SELECT count(DISTINCT customer_id) FROM loans").fetchone()[0]
    answers.add((digest, n, m <= n))
print(repr(sorted(answers)))
"""


def test_reader_processes_during_regeneration_see_whole_banks(bank_path):
    before = data.bank_info(bank_path)
    readers = python_processes(READER, str(bank_path), "6")
    time.sleep(1.0)
    after = regenerate(BankParams(customers=3000, seed=2), bank_path)
    valid = {(before.content_hash, 500), (after.content_hash, 3000)}
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        answers = eval(out)
        for digest, customers, consistent in answers:
            assert (digest, customers) in valid
            assert consistent


def test_two_generate_processes_only_one_writes(bank_path):
    # 40,000 customers (as test_reliability_gaps' twin): a ~10 s write, far longer than the
    # second process's start-up, so it meets the held lock
    first = _start_generate(bank_path, 40_000)
    # wait until the first holds the writer lock (it prints progress once it has started)
    first.stderr.readline()
    second = subprocess.run(
        [sys.executable, "-m", "bankml.cli", "generate", "--customers", "300", "--db", str(bank_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert second.returncode == 2
    assert "being regenerated" in second.stderr
    assert data.bank_info(bank_path).customers == 40_000


def test_lock_is_released_after_a_failure(bank_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "_create_table", explode)
    with pytest.raises(RuntimeError):
        regenerate(BankParams(customers=300, seed=3), bank_path)
    monkeypatch.undo()
    regenerate(BankParams(customers=300, seed=3), bank_path)  # would raise BankBusyError if held
    assert data.bank_info(bank_path).seed == 3


def test_busy_error_names_the_situation(bank_path):
    with data.writer_lock(bank_path), pytest.raises(BankBusyError) as info:
        data.write_tables({}, bank_path)
    assert "being regenerated" in str(info.value)


def test_no_disk_persisted_caches_and_no_server_set_option():
    sources = [p.read_text() for p in [ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py")]]
    assert not any('persist="disk"' in s or "persist='disk'" in s for s in sources)
    assert not any('set_option("server.' in s for s in sources)


def test_cached_tables_are_copies(small_bank_path):
    os.environ["BANKML_DB"] = str(small_bank_path)
    try:
        from dashboard import store

        info = data.bank_info(small_bank_path)
        first = store.table("customers", info)
        first.drop(columns=["age"], inplace=True)
        first.attrs["tampered"] = True
        second = store.table("customers", info)
        assert "age" in second.columns
        assert "tampered" not in second.attrs
    finally:
        os.environ.pop("BANKML_DB", None)
