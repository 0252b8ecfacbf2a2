"""The DuckDB store: atomic swap, failure leaves the old bank, clear errors, one writer at a time."""

from __future__ import annotations

import os
import threading

import duckdb
import pytest

from bankml import data
from bankml.bank import regenerate
from bankml.errors import BankBusyError, InputError, StoreError
from synth import BankParams


@pytest.fixture()
def bank_path(tmp_path):
    path = tmp_path / "bank.duckdb"
    regenerate(BankParams(customers=300, seed=1), path)
    return path


def test_bank_info_reads_meta(bank_path):
    info = data.bank_info(bank_path)
    assert info.customers == 300
    assert info.row_counts["customers"] == 300
    assert len(info.content_hash) == 64
    assert info.has_truth
    assert 0.0 < info.difficulty["declined_share"] < 0.5  # the generator's book figures
    assert info.difficulty["horizon_months"] == 12


def test_new_tables_round_trip_with_nullable_outcomes(bank_path):
    tables = data.read_tables(["loans", "applications", "macro", "truth_propensity"], bank_path)
    loans = tables["loans"]
    assert loans["defaulted"].isna().any() and loans["defaulted"].notna().any()
    assert set(loans["defaulted"].dropna().unique()) <= {0, 1}
    assert (loans["defaulted"].isna() == ~loans["is_mature"].astype(bool)).all()
    assert len(tables["applications"]) > len(loans)
    assert len(tables["macro"]) == 36
    from bankml.default.features import loan_frame

    frame = loan_frame(bank_path)
    assert len(frame) == loans["defaulted"].notna().sum()
    assert frame["defaulted"].dtype == "int64"
    assert len(loan_frame(bank_path, matured_only=False)) == len(loans)


def test_tables_round_trip(bank_path):
    customers = data.read_table("customers", bank_path)
    assert len(customers) == 300
    assert customers["customer_id"].is_unique
    assert data.read_table("customers", bank_path, columns=["age"]).columns.tolist() == ["age"]


def test_failed_regeneration_keeps_previous_bank(bank_path, monkeypatch):
    before = data.bank_info(bank_path)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(data, "_create_table", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        regenerate(BankParams(customers=400, seed=2), bank_path)
    after = data.bank_info(bank_path)
    assert after.content_hash == before.content_hash
    assert after.row_counts == before.row_counts
    assert not [p for p in bank_path.parent.iterdir() if ".tmp-" in p.name]


def test_interrupt_mid_write_keeps_previous_bank(bank_path):
    before = data.bank_info(bank_path)

    def interrupt(fraction, message):
        if "transactions" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        regenerate(BankParams(customers=400, seed=2), bank_path, progress=interrupt)
    assert data.bank_info(bank_path).content_hash == before.content_hash


def test_bank_path_is_a_link_to_an_immutable_generation(bank_path):
    first = data.resolve(bank_path)
    regenerate(BankParams(customers=300, seed=2), bank_path)
    second = data.resolve(bank_path)
    assert bank_path.is_symlink()
    assert first != second
    assert first.exists()  # the previous generation stays for readers that resolved it
    regenerate(BankParams(customers=300, seed=3), bank_path)
    assert not first.exists()  # older ones are collected


def test_stale_temp_files_are_swept(bank_path):
    stale = bank_path.with_name(f".{bank_path.name}.tmp-999999-deadbeef")
    stale.write_bytes(b"half a bank")
    assert data.sweep_temp_files(bank_path) == 1
    assert not stale.exists()


def test_second_writer_is_told_the_bank_is_busy(bank_path):
    with data.writer_lock(bank_path), pytest.raises(BankBusyError, match="being regenerated"):
        regenerate(BankParams(customers=300, seed=9), bank_path)


def test_concurrent_regenerations_run_exactly_one(bank_path):
    results: list[str] = []
    started = threading.Barrier(2)

    def worker(seed):
        started.wait()
        try:
            regenerate(BankParams(customers=3000, seed=seed), bank_path)
            results.append("ran")
        except BankBusyError:
            results.append("busy")

    threads = [threading.Thread(target=worker, args=(s,)) for s in (21, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["busy", "ran"]
    expected = regenerate(BankParams(customers=3000, seed=21), bank_path.with_name("single.duckdb"))
    assert data.bank_info(bank_path).content_hash == expected.content_hash


def test_missing_bank_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no bank at .*bankml generate"):
        data.bank_info(tmp_path / "nope.duckdb")


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bank.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a readable bank database"):
        data.bank_info(path)


def test_truncated_file_is_a_clear_error(bank_path):
    real = data.resolve(bank_path)
    size = real.stat().st_size
    with open(real, "r+b") as handle:
        handle.truncate(size // 3)
    with pytest.raises(StoreError, match="regenerate"):
        for table in ("customers", "loans", "transactions", "holdings", "meta"):
            data.read_table(table, bank_path)


def test_database_without_bank_tables(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE x AS SELECT 1 AS a")
    con.close()
    with pytest.raises(StoreError, match="missing tables"):
        data.bank_info(path)


def test_read_only_folder_is_a_clear_error(tmp_path, monkeypatch):
    # CI runs as root, which ignores folder modes; os.access is what the check consults.
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(InputError, match="cannot write to folder"):
        regenerate(BankParams(customers=300), folder / "bank.duckdb")
    assert not list(folder.iterdir())


def test_unwritable_parent_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create folder"):
        regenerate(BankParams(customers=300), blocker / "sub" / "bank.duckdb")


def test_readers_in_threads_during_regeneration_see_whole_banks(bank_path):
    hashes = {data.bank_info(bank_path).content_hash}
    errors: list[BaseException] = []
    seen: set[tuple[str, int]] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with data.connect(bank_path) as con:
                    digest = con.execute("SELECT content_hash FROM meta").fetchone()[0]
                    customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
                seen.add((digest, customers))
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    new = regenerate(BankParams(customers=2000, seed=5), bank_path)
    hashes.add(new.content_hash)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert {digest for digest, _ in seen} <= hashes
    counts = {digest: n for digest, n in seen}
    assert counts.get(new.content_hash, 2000) == 2000


def test_bank_info_cache_follows_regeneration(bank_path):
    first = data.bank_info(bank_path)
    first.row_counts["customers"] = -1  # callers get copies
    assert data.bank_info(bank_path).row_counts["customers"] == 300
    regenerate(BankParams(customers=400, seed=8), bank_path)
    second = data.bank_info(bank_path)
    assert second.customers == 400 and second.content_hash != first.content_hash
