"""Headless Chromium against `streamlit run`: every page opens without an exception; screenshots kept."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, settle

pytestmark = pytest.mark.browser


def _nav_links(page) -> list[tuple[str, str]]:
    links = page.locator('[data-testid="stSidebarNavLink"]')
    found = []
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        found.append((links.nth(i).inner_text().strip().splitlines()[-1].strip(), href))
    return found


def test_every_page_opens_without_exception(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    settle(page)
    links = _nav_links(page)
    titles = [title for title, _ in links]
    assert "Overview" in titles and "Data" in titles
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for title, href in links:
        page.goto(href if href.startswith("http") else server.rstrip("/") + "/" + href.lstrip("/"))
        settle(page)
        name = title.lower().replace(" ", "_")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0, title
        assert page.locator("h1").first.inner_text().strip() == title
    page.close()


def test_overview_shows_metrics(server, browser):
    page = browser.new_page()
    page.goto(server)
    settle(page)
    page.get_by_role("link", name="Overview").click()
    settle(page)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert "2,000" in values
    page.close()
