"""Retake the README's page screenshots (docs/<page>.png, 1400 x 1000, the top of each page).

    python scripts/readme_screenshots.py [--pages customer_segments recommendations ...]

Builds the browser tests' bank (2,000 customers, seed 5) and a quick model in a temp folder,
starts the server as `make run` does (`python -m dashboard.serve`) and saves what Chromium shows
at the top of each page once it has finished drawing. The scored-applicant screenshot comes from
tests/browser/test_pages_in_chromium.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("[a-z]*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=PAGES)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from scripts.page_timings import drawn, page_url
    from tests.browser.conftest import ARGS, CHROMIUM, start_server

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        env = {
            "BANKML_DB": str(Path(folder) / "bank.duckdb"),
            "BANKML_MODELS": str(Path(folder) / "models"),
        }
        from bankml.bank import regenerate
        from synth import BankParams

        regenerate(BankParams(customers=2_000, seed=5), env["BANKML_DB"])  # as tests/browser
        process, url = start_server(env, timeout=900)  # start-up trains a quick model first
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for slug in args.pages:
                tab = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.perf_counter()
                tab.goto(page_url(url, slug), wait_until="commit")
                drawn(tab, started)
                time.sleep(1.0)  # let the charts finish their first paint
                if tab.locator('[data-testid="stException"]').count():
                    raise RuntimeError(f"{slug} shows an exception: not saved")
                if tab.get_by_text("Page not found").count():
                    raise RuntimeError(f"{slug}: the server does not know this page: not saved")
                tab.screenshot(path=str(ROOT / "docs" / f"{slug}.png"))
                print(f"docs/{slug}.png")
                tab.close()
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
