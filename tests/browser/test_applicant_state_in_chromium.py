"""Chromium: what the applicant form shows is what is scored, and the what-if follows the applicant.

Issue 18 items 1 and 2. A typed-but-unscored value must not survive "Load applicant" (the browser
keeps a form's pending values), and the what-if must restart from each new applicant.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bankml import formatting
from tests.browser.conftest import ROOT, settle

pytestmark = pytest.mark.browser
LOANS = (5, 7)


@pytest.fixture(scope="module")
def cli_scores(browser_bank, tmp_path_factory) -> pd.DataFrame:
    """`bankml score` on the loans the test loads: the PD and reasons the page must reproduce."""
    from bankml.default import loan_frame
    from bankml.registry import load_model

    model, _ = load_model(browser_bank["BANKML_MODELS"])
    loans = loan_frame(browser_bank["BANKML_DB"], matured_only=False)
    rows = loans.loc[loans["loan_id"].isin(LOANS), ["loan_id", *model.features_]]
    folder = tmp_path_factory.mktemp("cli")
    rows.to_csv(folder / "loans.csv", index=False)
    code = "from bankml.cli import main; raise SystemExit(main())"
    args = ["score", "--csv", str(folder / "loans.csv"), "--out", str(folder / "scored.csv")]
    env = {**os.environ, **browser_bank}
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True)
    return pd.read_csv(Path(folder / "scored.csv")).set_index("loan_id")


def expected_reasons(browser_bank, loan_id: int) -> list[str]:
    """The reasons the library states for that loan's own values (what the page must list)."""
    from bankml.default import loan_frame
    from bankml.default.scoring import applicant_from_loan, score_applicant
    from bankml.registry import load_model

    model, _ = load_model(browser_bank["BANKML_MODELS"])
    values = applicant_from_loan(
        loan_frame(browser_bank["BANKML_DB"], matured_only=False), loan_id, model.schema_
    )
    return score_applicant(values, model).decision_reasons(4)["text"].tolist()


def metric(page, label: str):
    return page.locator('[data-testid="stMetric"]', has_text=label)


def load(page, loan_id: int) -> None:
    page.get_by_role("spinbutton", name="Load an existing applicant by loan ID").fill(str(loan_id))
    page.get_by_role("button", name="Load applicant").click()
    page.get_by_text(f"Loaded loan {loan_id}").wait_for(timeout=30_000)
    settle(page)


def score(page) -> str:
    page.get_by_role("button", name="Score applicant").click()
    found = metric(page, "Probability of default")
    found.wait_for(timeout=30_000)
    settle(page)
    return found.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_loaded_applicant_is_scored_not_the_typed_one(server, browser, browser_bank, cli_scores):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(server.rstrip("/") + "/default_prediction")
    settle(page)
    page.get_by_role("spinbutton", name="Debt-to-income").fill("0.9")
    page.get_by_role("spinbutton", name="Credit score").fill("820")
    page.get_by_role("spinbutton", name="Years employed").fill("20")
    load(page, LOANS[0])
    cli = cli_scores.loc[LOANS[0]]
    shown = page.get_by_role("spinbutton", name="Credit score").input_value()
    assert int(shown) != 820
    value = score(page)
    assert value == formatting.pd_text(cli["pd"]), (value, cli["pd"])
    decision = metric(page, "Decision").locator('[data-testid="stMetricValue"]').inner_text()
    assert decision.strip().lower() == cli["decision"]
    body = page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    text = "\n".join(body)
    for reason in expected_reasons(browser_bank, LOANS[0]):
        assert reason in text, reason
    assert "debt-to-income 90%" not in text
    if cli["decision"] != "approve":  # the batch's top reason is the page's top reason
        assert cli["reason_1"] in text
    page.close()


def test_what_if_restarts_from_each_new_applicant(server, browser, browser_bank):
    from bankml.default import loan_frame

    loans = loan_frame(browser_bank["BANKML_DB"], matured_only=False).set_index("loan_id")
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(server.rstrip("/") + "/default_prediction")
    settle(page)
    load(page, LOANS[0])
    score(page)
    after = metric(page, "PD after the change")
    after.wait_for(timeout=30_000)
    # Unchanged field: no arrow, and no "+0.0%".
    assert after.locator('[data-testid="stMetricDelta"]').count() == 0
    new_value = page.get_by_role("spinbutton", name="New value")
    assert int(new_value.input_value()) == int(loans.loc[LOANS[0], "loan_amount"])
    # a field every candidate weighs (a screened scorecard may drop the loan amount)
    page.locator('[data-testid="stSelectbox"]', has_text="Change one field").click()
    page.keyboard.type("credit score")
    page.keyboard.press("Enter")
    settle(page)
    new_value = page.get_by_role("spinbutton", name="New value")
    assert int(new_value.input_value()) == int(loans.loc[LOANS[0], "credit_score"])
    new_value.fill("420")
    new_value.press("Enter")
    after.locator('[data-testid="stMetricDelta"]').wait_for(timeout=30_000)
    assert "pp" in after.locator('[data-testid="stMetricDelta"]').inner_text()
    load(page, LOANS[1])
    assert page.locator('[data-testid="stMetric"]', has_text="PD after the change").count() == 0
    score(page)
    new_value = page.get_by_role("spinbutton", name="New value")
    assert int(new_value.input_value()) == int(loans.loc[LOANS[1], "loan_amount"])
    after = metric(page, "PD after the change")
    assert after.locator('[data-testid="stMetricDelta"]').count() == 0
    page.close()
