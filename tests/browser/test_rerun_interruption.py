"""RELIABILITY 23: a regeneration interrupted by a rerun, in a real browser.

Streamlit stops a running script at its next `st.*` call when a widget changes (fast reruns), and
the Data page's regeneration calls `st.progress` from its progress callback. So clicking Regenerate
and then moving another widget (or leaving the page) raises Streamlit's RerunException inside
`bankml.bank.regenerate`. This proves, against a `streamlit run` server of its own, that the bank
on disk is still a whole bank (the old one: the work stopped before its swap), the writer lock was
released, no temp file is left, the page recovers, and the sidebar shows the generation on disk,
switching to a new one only once a regeneration has swapped it in.
"""

from __future__ import annotations

import fcntl
import time
import urllib.request
from pathlib import Path

import pytest

from bankml import data
from bankml.bank import regenerate
from synth import BankParams
from tests.browser.conftest import settle, start_server, stop_server

pytestmark = pytest.mark.browser

BIG = 150_000  # several seconds of generation on this machine: plenty of time to interrupt it
NEW_SEED = 4242


@pytest.fixture(scope="module")
def rerun_server(tmp_path_factory):
    """A server over a bank of its own (no model needed on the Data page)."""
    folder = tmp_path_factory.mktemp("rerun")
    db = folder / "bank.duckdb"
    regenerate(BankParams(customers=800, seed=21, txn_per_customer=2), db)
    process, url = start_server({"BANKML_DB": str(db), "BANKML_MODELS": str(folder / "models")})
    yield url, db
    stop_server(process)


def _lock_is_free(db: Path) -> bool:
    """True when the bank's writer lock can be taken now (flock locks conflict across processes)."""
    with open(data.lock_path(db), "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def _health(url: str) -> str:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        return response.read().decode().strip()


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def _assert_whole_bank(db: Path) -> data.BankInfo:
    """The bank opens and its tables hold exactly the rows its meta row records."""
    info = data.bank_info(db)
    assert len(info.content_hash) >= 16
    for name in ("customers", "loans", "holdings"):
        counted = data.query(f"SELECT count(*) AS n FROM {name}", db)["n"].iloc[0]
        assert counted == info.row_counts[name], name
    assert info.row_counts["customers"] == info.customers
    return info


def _open_data_page(page, url: str) -> None:
    page.goto(url.rstrip("/") + "/data")
    settle(page)
    page.wait_for_selector("h1:has-text('Data')")


def _pick_table(page, name: str) -> None:
    page.locator('[data-testid="stSelectbox"]', has_text="Table").click()
    page.get_by_role("option", name=name, exact=True).click()


@pytest.mark.parametrize("interrupt", ["widget", "navigate"])
def test_regeneration_interrupted_by_a_rerun_leaves_a_whole_bank(rerun_server, browser, interrupt):
    url, db = rerun_server
    before = _assert_whole_bank(db)
    generations = sorted(p.name for p in db.parent.iterdir() if data.GEN_MARKER in p.name)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open_data_page(page, url)
    assert before.short_hash in _sidebar(page)

    page.get_by_role("spinbutton", name="Customers").fill(str(BIG))
    page.get_by_role("spinbutton", name="Seed").fill(str(NEW_SEED))
    page.get_by_role("button", name="Regenerate").click()
    page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
    assert not _lock_is_free(db), "the regeneration should hold the writer lock while it runs"
    assert before.short_hash in _sidebar(page)  # no new id before a swap

    if interrupt == "widget":
        _pick_table(page, "loans")
    else:
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Overview").click()
        page.wait_for_selector("h1:has-text('Overview')", timeout=30_000)
    settle(page)

    # the page recovers: no exception, its title, the server healthy, the rerun's result drawn
    assert page.locator('[data-testid="stException"]').count() == 0
    assert _health(url) == "ok"
    assert page.get_by_text("New bank in use").count() == 0
    if interrupt == "widget":
        page.wait_for_selector("h1:has-text('Data')")
        caption = page.get_by_text("rows ×").first.inner_text()
        assert caption.startswith(f"{before.row_counts['loans']:,} rows")
    else:
        assert page.locator("h1").first.inner_text().strip() == "Overview"

    # the writer lock is released promptly once the stopped script unwinds
    deadline = time.time() + 10
    while not _lock_is_free(db) and time.time() < deadline:
        time.sleep(0.2)
    assert _lock_is_free(db), "the interrupted regeneration kept the writer lock"

    # the bank is whole, and the old one: the rerun stopped the work before its swap
    after = _assert_whole_bank(db)
    assert after.content_hash == before.content_hash, "the regeneration was not interrupted"
    assert after.customers == before.customers != BIG
    leftovers = [p.name for p in db.parent.iterdir() if data.TEMP_MARKER in p.name]
    assert not leftovers
    assert sorted(p.name for p in db.parent.iterdir() if data.GEN_MARKER in p.name) == generations
    assert after.short_hash in _sidebar(page)

    # a second regeneration takes the lock and swaps; the page then shows the new generation
    seed = 100 + len(interrupt)
    new = regenerate(BankParams(customers=600, seed=seed, txn_per_customer=2), db)
    assert new.content_hash != before.content_hash and _assert_whole_bank(db) == new
    _open_data_page(page, url)
    assert new.short_hash in _sidebar(page) and before.short_hash not in _sidebar(page)
    # the Data page opens on the list of tables with their row counts (no grid until one is chosen)
    assert "customers (600 rows)" in page.get_by_text("Tables of this bank:").first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
