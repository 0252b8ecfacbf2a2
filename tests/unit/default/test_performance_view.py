"""The Model performance first view is stored beside the model, keyed on its sha256."""

from __future__ import annotations

import shutil

import pandas as pd

from bankml import registry
from bankml.default import performance_view


def test_view_is_stored_once_and_read_back_exactly(logistic_bank_model, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(logistic_bank_model, models)
    built = performance_view.ensure(models)
    folder = registry.model_folder(models)
    card = registry.verify(folder)
    stored = performance_view.load(folder, card["sha256"])
    assert stored is not None and stored["cutoff"] == round(card["cutoff"], 3)
    for key in ("roc", "pr", "metrics", "reliability", "profit", "confusion"):
        pd.testing.assert_frame_equal(stored[key], built[key])
    for name, table in built["fairness"].items():
        pd.testing.assert_frame_equal(stored["fairness"][name], table)
    assert stored["business"] == built["business"]
    # another artefact (a retrained model) never reads this view
    assert performance_view.load(folder, "0" * 64) is None


def test_ensure_does_not_rebuild_a_stored_view(logistic_bank_model, tmp_path, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(logistic_bank_model, models)
    performance_view.ensure(models)

    def fail(*args, **kwargs):
        raise AssertionError("rebuilt a stored view")

    monkeypatch.setattr(performance_view, "build", fail)
    assert performance_view.ensure(models) is not None
    assert performance_view.ensure(tmp_path / "no registry") is None
