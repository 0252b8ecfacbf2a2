"""Time every page's first view: in AppTest with caches filled, or in Chromium on a fresh server.

    python scripts/page_timings.py [--customers 100000] [--json] [--browser]

Builds a bank of the given size and a quick model in a temp folder (`bankml.startup`, which also
stores the Model performance view), then either renders each page once in AppTest to fill the
caches and times a fresh session's first view of each page, or (--browser) starts a new server
per page as `make run` starts it (`python -m dashboard.serve`: caches warmed before it listens;
the seconds until it answers are reported too) and times Chromium from navigation to the last
element drawn (the script finished and no spinner left), then the same page's second view on that
server; the baseline is the page's first view on a bare `streamlit run` (no warm-up), started
right after on the same bank. `bankml bench --section app` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[a-z]*.py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--browser", action="store_true", help="time Chromium on fresh servers")
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    if args.browser:
        return browser_main(args)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["BANKML_DB"] = str(Path(folder) / "bank.duckdb")
        os.environ["BANKML_MODELS"] = str(Path(folder) / "models")
        for command in (
            [sys.executable, "-m", "bankml.cli", "generate", "--customers", str(args.customers)],
            [sys.executable, "-m", "bankml.startup"],
        ):
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        warm = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        warm.run()
        cold: dict[str, float] = {}
        for page in PAGES:
            started = time.perf_counter()
            warm.switch_page(page).run()
            cold[page] = time.perf_counter() - started
        timings: dict[str, dict] = {}
        for page in PAGES:
            session = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
            session.run()
            started = time.perf_counter()
            session.switch_page(page).run()
            timings[page] = {
                "cached_s": time.perf_counter() - started,
                "first_fill_s": cold[page],
                "exception": bool(session.exception),
            }
    if args.json:
        print(json.dumps({"customers": args.customers, "pages": timings}))
    else:
        for page, row in timings.items():
            print(
                f"{page:<36} cached {row['cached_s']:6.2f} s  first fill {row['first_fill_s']:6.2f} s"
            )
    return 0


def prepare(folder: Path, customers: int) -> dict[str, str]:
    """A bank and a quick model (with its stored first views) in folder; the env pointing at them."""
    env = {
        **os.environ,
        "BANKML_DB": str(folder / "bank.duckdb"),
        "BANKML_MODELS": str(folder / "models"),
    }
    for command in (
        [sys.executable, "-m", "bankml.cli", "generate", "--customers", str(customers)],
        [sys.executable, "-m", "bankml.startup"],
    ):
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    return env


def drawn(page, started: float, timeout: float = 120.0) -> float:
    """Seconds from `started` until the title is up, the script has finished, no spinner is left
    and no element is still a loading placeholder (Streamlit's skeleton, e.g. a chart)."""
    page.wait_for_selector("h1", timeout=timeout * 1000)
    # running, a spinner, or an element still a placeholder (a chart whose code is loading)
    busy = (
        '[data-testid="stStatusWidget"], [data-testid="stSpinner"], .stSpinner, '
        '[data-testid="stSkeleton"]'
    )
    stable, done = 0, None
    while time.perf_counter() - started < timeout:
        if page.locator(busy).count() == 0:
            done = done or time.perf_counter()
            stable += 1
            if stable >= 3:  # idle for three polls in a row: the run has really ended
                return done - started
        else:
            stable, done = 0, None
        time.sleep(0.05)
    raise TimeoutError(f"{page.url} still running after {timeout:.0f} s")


def views_on_fresh_server(browser, env: dict, slug: str, warm: bool, count: int) -> dict:
    """Start a server (warm: as `make run`; else a bare `streamlit run`), then time `count` views
    of one page, each in a new tab; seconds to ready and per view, and whether one raised."""
    from tests.browser.conftest import start_server

    launched = time.perf_counter()
    process, url = start_server({k: env[k] for k in ("BANKML_DB", "BANKML_MODELS")}, warm=warm)
    ready = time.perf_counter() - launched  # with warm: start-up and warm-up before it listens
    views, failed = [], False
    try:
        for _ in range(count):
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.perf_counter()
            tab.goto(f"{url}/{slug}", wait_until="commit")
            views.append(drawn(tab, started))
            failed = failed or tab.locator('[data-testid="stException"]').count() > 0
            tab.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it behind
            process.kill()
            process.wait(timeout=10)
    return {"ready_s": ready, "views": views, "exception": failed}


def browser_main(args) -> int:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))  # the browser tests' server launcher and Chromium flags
    from tests.browser.conftest import ARGS, CHROMIUM

    timings: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        env = prepare(Path(folder), args.customers)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_path in PAGES:
            slug = Path(page_path).stem
            warm = views_on_fresh_server(browser, env, slug, warm=True, count=2)
            bare = views_on_fresh_server(browser, env, slug, warm=False, count=1)
            timings[page_path] = {
                "first_s": warm["views"][0], "second_s": warm["views"][1],
                "ready_s": warm["ready_s"], "bare_first_s": bare["views"][0],
                "bare_ready_s": bare["ready_s"], "exception": warm["exception"] or bare["exception"],
            }  # fmt: skip
        browser.close()
    if args.json:
        print(json.dumps({"customers": args.customers, "browser": True, "pages": timings}))
    else:
        for page, row in timings.items():
            print(
                f"{page:<36} first {row['first_s']:6.2f} s  second {row['second_s']:6.2f} s  "
                f"bare first {row['bare_first_s']:6.2f} s  ready {row['ready_s']:5.1f} s "
                f"(bare {row['bare_ready_s']:4.1f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
