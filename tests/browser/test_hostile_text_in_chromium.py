"""RELIABILITY 30 in Chromium: hostile names and column headers are shown literally.

Uses the browser session's server and Chromium (one sync Playwright per process: a second one
started beside the session's fails with "Sync API inside the asyncio loop").
"""

from __future__ import annotations

import pytest

from bankml.csvio import to_safe_csv
from synth.applicants import applicants
from tests.browser.conftest import settle

pytestmark = pytest.mark.browser

HOSTILE = ("<script>alert(1)</script>", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>")


def test_hostile_names_and_headers_are_shown_literally_in_chromium(server, browser, tmp_path):
    frame = applicants(3, seed=1)
    frame["name"] = list(HOSTILE)
    for i, text in enumerate(HOSTILE):
        frame[text] = i  # extra columns: carried through and listed by name on the page
    upload = tmp_path / "hostile.csv"
    upload.write_bytes(to_safe_csv(frame))
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(server + "/default_prediction")
        settle(page)
        page.get_by_role("tab", name="Batch").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
        settle(page)
        caption = page.get_by_text("Carried through, not used by the model").inner_text()
        for text in HOSTILE:
            assert text in caption  # shown as typed, not as markup or a link
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(500)
    finally:
        page.close()
    assert dialogs == []
