"""A real `streamlit run` server on a free local port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BANKML_CHROMIUM", "/usr/bin/chromium")  # scripts/ensure-chromium
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict, extra_args: tuple[str, ...] = (), timeout: float = 300, warm: bool = True
) -> tuple[subprocess.Popen, str]:
    """`python -m dashboard.serve` (as `make run`: caches warmed before it listens; warm=False: a
    bare `streamlit run`, the page-timing baseline) on a free port; returns once /_stcore/health
    answers."""
    port = _free_port()
    launcher = ["dashboard.serve"] if warm else ["streamlit", "run", str(ROOT / "streamlit_app.py")]
    process = subprocess.Popen(
        [
            sys.executable, "-m", *launcher, "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", *extra_args,
        ],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read().decode().strip() == "ok":
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    """Terminate a server and wait for it (a warm server frees a larger heap on the way out, and
    a loaded machine is slow to); killed if it has not exited after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _bank_env(folder: Path) -> dict:
    return {"BANKML_DB": str(folder / "bank.duckdb"), "BANKML_MODELS": str(folder / "models")}


@pytest.fixture(scope="session")
def browser_bank(served_bank, tmp_path_factory):
    """A bank and a registry folder of its own for the browser session, as `make run` leaves them
    (`bankml.startup`: the quick model, the stored first views): the run's `served_bank`
    (tests/conftest.py), each xdist worker's session writing into its own copy."""
    from tests._shared import copy_of

    return _bank_env(copy_of(served_bank, tmp_path_factory, "browser"))


@pytest.fixture(scope="session")
def server(browser_bank):
    process, url = start_server(browser_bank)
    yield url
    stop_server(process)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def settle(page, timeout: float = 60) -> None:
    """Wait until the app is drawn, the page title is up and the script has finished running."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    page.wait_for_selector("h1", timeout=timeout * 1000)
    time.sleep(0.4)
    deadline = time.time() + timeout
    while time.time() < deadline and page.locator('[data-testid="stStatusWidget"]').count():
        time.sleep(0.2)
    time.sleep(0.3)
