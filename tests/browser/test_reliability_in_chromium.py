"""Reliability in a real browser: the upload limit, XSRF, wrong file types and two sessions at once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import settle, start_server, stop_server

pytestmark = pytest.mark.browser


def _open_batch_tab(page, url: str) -> None:
    page.goto(url.rstrip("/") + "/default_prediction")
    settle(page)
    page.wait_for_selector("h1:has-text('Default prediction')")
    page.get_by_role("tab", name="Batch").click()
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached")


@pytest.fixture(scope="module")
def small_limit_server(browser_bank):
    process, url = start_server(browser_bank, ("--server.maxUploadSize", "1"))
    yield url
    stop_server(process)


def test_file_over_the_upload_limit_is_refused_by_the_widget(small_limit_server, browser, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("loan_amount,annual_income\n" + "1000,50000\n" * 200_000)  # about 2 MB
    page = browser.new_page()
    _open_batch_tab(page, small_limit_server)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(big))
    alert = page.locator('[data-testid="stFileUploader"] [role="alert"]')
    alert.wait_for(timeout=20_000)
    assert "413" in alert.inner_text()  # the server refused the body: the script never saw it
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 0  # nothing was scored
    with urllib.request.urlopen(f"{small_limit_server}/_stcore/health", timeout=5) as response:
        assert response.read().decode().strip() == "ok"
    page.close()


def test_wrong_extension_is_refused_by_the_widget(server, browser, tmp_path):
    wrong = tmp_path / "loans.json"
    wrong.write_text(json.dumps({"loan_amount": 1000}))
    page = browser.new_page()
    _open_batch_tab(page, server)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(wrong))
    alert = page.locator('[data-testid="stFileUploader"] [role="alert"]')
    alert.wait_for(timeout=20_000)
    assert "json files are not allowed" in alert.inner_text().lower()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_upload_without_xsrf_token_is_rejected(server):
    request = urllib.request.Request(
        f"{server}/_stcore/upload_file/some-session/some-file",
        data=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na,b\r\n--x--\r\n',
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        method="PUT",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert 400 <= info.value.code < 500


def test_one_session_scores_while_another_regenerates(server, browser, browser_bank, tmp_path):
    from bankml import data

    template_csv = tmp_path / "batch.csv"
    first = browser.new_context()
    second = browser.new_context()
    scorer, regenerator = first.new_page(), second.new_page()
    _open_batch_tab(scorer, server)
    with scorer.expect_download() as download_info:
        scorer.get_by_role("button", name="Download a CSV template").click()
    download_info.value.save_as(str(template_csv))
    assert template_csv.read_bytes().count(b"\n") >= 2

    regenerator.goto(server.rstrip("/") + "/data")
    settle(regenerator)
    regenerator.wait_for_selector("h1:has-text('Data')")
    before = data.bank_info(browser_bank["BANKML_DB"]).content_hash
    customers = regenerator.get_by_role("spinbutton", name="Customers")
    customers.fill("1500")
    seed = regenerator.get_by_role("spinbutton", name="Seed")
    seed.fill("77")
    regenerator.get_by_role("button", name="Regenerate").click()
    scorer.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(template_csv))
    regenerator.wait_for_selector("text=New bank in use", timeout=120_000)
    assert scorer.locator('[data-testid="stException"]').count() == 0
    assert regenerator.locator('[data-testid="stException"]').count() == 0
    scorer.wait_for_selector('[data-testid="stDataFrame"]', timeout=120_000)  # the batch was scored
    after = data.bank_info(browser_bank["BANKML_DB"])
    assert after.content_hash != before and after.customers == 1500
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=5) as response:
        assert response.read().decode().strip() == "ok"
    first.close()
    second.close()
