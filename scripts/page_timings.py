"""Time every page's first view: in AppTest with caches filled, or in Chromium on a fresh server.

    python scripts/page_timings.py [--customers 100000] [--json] [--browser] [--pages slug ...]
                                   [--folder DIR]

Builds a bank of the given size and a quick model in a temp folder (`bankml.startup`, which also
stores the Model performance view), then either renders each page once in AppTest to fill the
caches and times a fresh session's first view of each page, or (--browser) starts a new server
per page as `make run` starts it (`python -m dashboard.serve`: caches warmed before it listens;
the seconds until it answers are reported too) and times Chromium from navigation to the last
element drawn (the script finished and no spinner left), then the same page's second view on that
server (on Model performance and Customer segments also a click on each section, to that
section drawn); the baseline
is the page's first view on a bare `streamlit run` (no warm-up), started right after on the same
bank. `bankml bench --section app` runs it twice (AppTest, then --browser) on one bank. --pages
times only some pages; --folder keeps the bank and models in that folder (bank.duckdb, models/),
building them there only when it has none, so a second run (or one page timed again after a
change) skips generating and training.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[a-z]*.py"))
# The router's first page (streamlit_app.PAGES) is served at "/": "/overview" is "Page not found"
DEFAULT_PAGE = "overview"


def page_url(url: str, slug: str) -> str:
    """The address of a page on a running server."""
    return f"{url}/" if slug == DEFAULT_PAGE else f"{url}/{slug}"


# A heading each Model performance section draws (pages/model_performance.py)
SECTION_HEADINGS = {
    "money": "Lending economics",
    "curves": "Calibration",
    "fairness": "Fairness",
    "loss": "Portfolio: expected loss",
    "vintages": "Vintage curves",
    "drivers": "What drives the PD",
    "registry": "Validation report",
}
# ...and each Customer segments section (pages/customer_segments.py)
SEGMENT_HEADINGS = {
    "profiles": "Profiles",
    "heatmap": "Feature heatmap",
    "map": "Customers in two dimensions (PCA)",
    "choice": "Choosing k",
    "members": "Customers of a segment",
    "assign": "Assign a new customer",
}
# The pages drawn one section at a time: where their sections are listed, and a heading of each
SECTIONED = {
    "model_performance": ("dashboard.performance", SECTION_HEADINGS),
    "customer_segments": ("dashboard.segment_view", SEGMENT_HEADINGS),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--browser", action="store_true", help="time Chromium on fresh servers")
    parser.add_argument(
        "--pages", nargs="+", choices=[Path(p).stem for p in PAGES], help="only these"
    )
    parser.add_argument("--folder", type=Path, help="the bank and models here (built if absent)")
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    if args.browser:
        return browser_main(args)
    with tempfile.TemporaryDirectory() as folder:
        env = prepare(args.folder or Path(folder), args.customers)
        os.environ.update({k: env[k] for k in ("BANKML_DB", "BANKML_MODELS")})
        warm = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        warm.run()
        cold: dict[str, float] = {}
        for page in chosen(args.pages):
            started = time.perf_counter()
            warm.switch_page(page).run()
            cold[page] = time.perf_counter() - started
        timings: dict[str, dict] = {}
        for page in chosen(args.pages):
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


def chosen(slugs: list[str] | None) -> list[str]:
    """The page files to time: every page, or those named."""
    return [p for p in PAGES if slugs is None or Path(p).stem in slugs]


def prepare(folder: Path, customers: int) -> dict[str, str]:
    """A bank and a quick model (with its stored first views) in folder, built unless folder
    already has a bank; the env pointing at them."""
    env = {
        **os.environ,
        "BANKML_DB": str(folder / "bank.duckdb"),
        "BANKML_MODELS": str(folder / "models"),
    }
    if (folder / "bank.duckdb").exists():
        return env
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


def section_switches(slug: str) -> Callable:
    """For a page drawn one section at a time (SECTIONED): a function timing, on a tab showing
    that page, the seconds from a click on each section to that section drawn, every other
    section first and the first view's section last (the page's actions besides training)."""
    import importlib

    sys.path.insert(0, str(ROOT))
    module, headings = SECTIONED[slug]
    sections = importlib.import_module(module).SECTIONS

    def switch(tab) -> dict[str, float]:
        timings = {}
        for key in [*list(sections)[1:], next(iter(sections))]:
            label = sections[key]
            started = time.perf_counter()
            tab.get_by_role("radio", name=label, exact=True).click()
            # the section's own first heading is up (the previous section's content is gone)...
            heading = tab.get_by_role("heading", name=headings[key], exact=True)
            heading.first.wait_for(timeout=120_000)
            timings[label] = drawn(tab, started)  # ...and nothing is still running or loading
            if tab.locator('[data-testid="stException"]').count():
                raise RuntimeError(f"{slug} section {label!r} raised")
        return timings

    return switch


def views_on_fresh_server(
    browser, env: dict, slug: str, warm: bool, count: int, then: Callable | None = None
) -> dict:
    """Start a server (warm: as `make run`; else a bare `streamlit run`), then time `count` views
    of one page, each in a new tab; seconds to ready and per view, and whether one raised.
    `then(tab)`, when given, runs on the last view's tab (its answer under "then")."""
    from tests.browser.conftest import start_server

    launched = time.perf_counter()
    process, url = start_server({k: env[k] for k in ("BANKML_DB", "BANKML_MODELS")}, warm=warm)
    ready = time.perf_counter() - launched  # with warm: start-up and warm-up before it listens
    views, failed, after = [], False, None
    try:
        for view in range(count):
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.perf_counter()
            tab.goto(page_url(url, slug), wait_until="commit")
            views.append(drawn(tab, started))
            failed = (  # an exception, or a wrong address answered by the main page
                failed
                or tab.locator('[data-testid="stException"]').count() > 0
                or tab.get_by_text("Page not found").count() > 0
            )
            if then is not None and view == count - 1:
                after = then(tab)
            tab.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it behind
            process.kill()
            process.wait(timeout=10)
    return {"ready_s": ready, "views": views, "exception": failed, "then": after}


def browser_main(args) -> int:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))  # the browser tests' server launcher and Chromium flags
    from tests.browser.conftest import ARGS, CHROMIUM

    timings: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        env = prepare(args.folder or Path(folder), args.customers)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_path in chosen(args.pages):
            slug = Path(page_path).stem
            then = section_switches(slug) if slug in SECTIONED else None
            warm = views_on_fresh_server(browser, env, slug, warm=True, count=2, then=then)
            bare = views_on_fresh_server(browser, env, slug, warm=False, count=1)
            timings[page_path] = {
                "first_s": warm["views"][0], "second_s": warm["views"][1],
                "ready_s": warm["ready_s"], "bare_first_s": bare["views"][0],
                "bare_ready_s": bare["ready_s"], "exception": warm["exception"] or bare["exception"],
            }  # fmt: skip
            if warm["then"] is not None:
                timings[page_path]["sections_s"] = warm["then"]
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
            for label, seconds in row.get("sections_s", {}).items():
                print(f"    section {label:<32} {seconds:6.2f} s after the click")
    return 0


if __name__ == "__main__":
    sys.exit(main())
