"""Chromium: after a regeneration or a CSV training, the same page's sidebar shows the new state.

Issue 18 item 3: the sidebar is drawn before the page acts, so it used to keep the old bank size
and the old model's stale marker until the next click. A server of its own: this test changes
the bank and the current model.
"""

from __future__ import annotations

import shutil

import pytest

from tests.app.test_data_page import foreign_loans
from tests.browser.conftest import settle, start_server, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def own_server(browser_bank, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sidebar")
    db, models = folder / "bank.duckdb", folder / "models"
    shutil.copyfile(browser_bank["BANKML_DB"], db)
    shutil.copytree(browser_bank["BANKML_MODELS"], models)
    process, url = start_server({"BANKML_DB": str(db), "BANKML_MODELS": str(models)})
    yield url, folder, db
    stop_server(process)


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebarUserContent"]').inner_text()


def test_sidebar_follows_regeneration_and_csv_training(own_server, browser):
    from bankml.data import bank_info

    url, folder, db = own_server
    in_use = bank_info(db).customers  # another test may have regenerated the shared bank
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(url + "/data")
    settle(page)
    customers = page.get_by_role("spinbutton", name="Customers")
    assert int(customers.input_value().replace(",", "")) == in_use  # not the 10,000 default
    customers.fill("800")
    page.get_by_role("spinbutton", name="Seed").fill("9")
    page.get_by_role("button", name="Regenerate").click()
    page.get_by_text("New bank in use").wait_for(timeout=300_000)  # a loaded machine
    settle(page)
    side = sidebar_text(page)
    assert "800 customers" in side and "Stale" in side, side

    csv = folder / "my_loans.csv"
    csv.write_bytes(foreign_loans())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    page.get_by_role("button", name="Train and make active").wait_for(timeout=60_000)
    settle(page)
    page.get_by_role("button", name="Train and make active").click()
    page.get_by_text("is now active").wait_for(timeout=180_000)
    settle(page)
    side = sidebar_text(page)
    assert "upload my_loans.csv" in side and "Stale" not in side, side
    page.close()
