"""Headless Chromium against `streamlit run`: every page opens without an exception; screenshots kept."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, settle, stop_server

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
    assert "3,000" in values  # the run's small bank (tests/conftest.py)
    page.close()


def test_fill_and_submit_the_applicant_form(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.rstrip("/") + "/default_prediction")
    settle(page)
    page.wait_for_selector("h1:has-text('Default prediction')")
    page.get_by_role("spinbutton", name="Debt-to-income").fill("0.55")
    page.get_by_role("spinbutton", name="Delinquencies in 2 years").fill("2")
    page.get_by_role("button", name="Score applicant").click()
    label = page.locator('[data-testid="stMetric"]', has_text="Probability of default")
    label.wait_for(timeout=60_000)
    value = label.locator('[data-testid="stMetricValue"]').inner_text()
    assert value.endswith("%") and 0 <= float(value.rstrip("%")) <= 100
    label.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "applicant_scored.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_deep_link_as_the_first_request_still_goes_through_the_router(browser_bank, browser):
    """Streamlit's legacy pages/ mode must not capture a server whose first visitor uses a deep link."""
    from tests.browser.conftest import start_server

    process, url = start_server(browser_bank)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/model_performance")
        settle(page)
        page.wait_for_selector("h1:has-text('Model performance')")
        titles = [
            t.strip().splitlines()[-1]
            for t in page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
        ]
        assert "Overview" in titles and "shared" not in titles and "streamlit app" not in titles
        assert page.get_by_text("Bank in use").count() == 1
        page.goto(url + "/overview")
        settle(page)
        assert page.get_by_text("Bank in use").count() == 1
        page.close()
    finally:
        stop_server(process)


def test_model_performance_sections_draw_on_click_and_keep_the_what_if(server, browser):
    """Only the chosen section is drawn; every section opens without an exception, and the loss
    given default set under Cut-off and money survives a visit to another section."""
    from dashboard.performance import SECTIONS
    from scripts.page_timings import SECTION_HEADINGS

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.rstrip("/") + "/model_performance")
    settle(page)
    assert page.get_by_role("heading", name="Cut-off and money", exact=True).count() == 1
    assert page.get_by_role("heading", name="Calibration", exact=True).count() == 0
    lgd = page.get_by_role("spinbutton", name="Loss given default")
    lgd.fill("0.95")
    lgd.press("Enter")
    settle(page)
    for key, label in [*list(SECTIONS.items())[1:], next(iter(SECTIONS.items()))]:
        page.get_by_role("radio", name=label, exact=True).click()
        page.get_by_role("heading", name=SECTION_HEADINGS[key], exact=True).wait_for(timeout=60_000)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, label
        if key == "loss":
            assert page.get_by_text("under the economics set under Cut-off and money").count()
    assert page.get_by_role("spinbutton", name="Loss given default").input_value() == "0.95"
    page.close()
