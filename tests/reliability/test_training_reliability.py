"""Model registry crash safety, cached-model thread safety, fairness and training reproducibility.

Reliability-checklist items (tests/reliability/COVERAGE.md) 20 (SIGKILL mid-`bankml train`), 24 (8 threads scoring through the cached
model = 1 thread), 25 (training twice with one seed) and 26 (fairness report = fairlearn).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankml import registry
from bankml.bank import regenerate
from bankml.default import fairness_by_group, loan_frame, train_bank_model
from synth import BankParams

# SIGKILL mid-training and eight scoring threads: make test only
pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
PERCENT = re.compile(r"\]\s*(\d+)%")


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("train-bank") / "bank.duckdb"
    regenerate(BankParams(customers=1500, seed=5, txn_per_customer=2), path)
    return path


@pytest.fixture(scope="module")
def champion(bank, tmp_path_factory):
    """(TrainResult, model folder) of the registered champion in a fresh registry."""
    models = tmp_path_factory.mktemp("models")
    return train_bank_model(bank, models, cv=3, random_state=4)


@pytest.fixture(scope="module")
def frame(bank) -> pd.DataFrame:
    return loan_frame(bank)


def _start_train(bank: Path, models: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bankml.cli", "train", "--db", str(bank), "--out", str(models),
         "--cv", "3", "--seed", "1"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.parametrize("kill_at", [10, 50, 90])
def test_sigkill_mid_training_keeps_the_previous_champion(bank, champion, kill_at):
    """Kill `bankml train` once its progress passes kill_at % (of its stderr progress lines)."""
    _, folder = champion
    models = folder.parent
    before = registry.verify(folder)
    process = _start_train(bank, models)
    deadline = time.time() + 120
    seen = ""
    reached = None
    while time.time() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        match = PERCENT.search(line)
        # the progress bar moves in quarters: 0 % covers ~10, 50 % is 50, 100 % (saving) ~90
        if match and int(match.group(1)) >= kill_at - 10:
            reached = int(match.group(1))
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert reached is not None, seen
    assert process.returncode == -signal.SIGKILL
    # the previous champion still verifies and loads, untouched
    assert registry.verify(folder)["sha256"] == before["sha256"]
    model, card = registry.load_model(folder)
    assert card["id"] == folder.name
    assert list(model.features_) == before["features"]
    # whatever CURRENT names (old champion, or the new one if the rename won the race) is whole
    current, _ = registry.load_model(models)
    assert list(current.features_) == list(model.features_)
    # no half-written model is ever listed; the next start sweeps what the killed writer left
    listed = registry.list_models(models)
    assert (listed["status"] == "ok").all(), listed
    assert not listed["id"].str.startswith(".").any()
    registry.sweep_temp(models)
    assert not [p.name for p in models.iterdir() if p.name.startswith(".")]


def test_eight_threads_scoring_the_cached_model_match_one_thread(champion, frame):
    _, folder = champion
    model, _ = registry.load_model(folder)  # loaded once, shared like st.cache_resource
    rows = frame.head(400)
    expected_pd = model.predict_pd(rows)
    expected_frame = model.score_frame(rows)

    def work(_: int) -> list[tuple[np.ndarray, pd.DataFrame]]:
        out = []
        for _ in range(3):
            out.append((model.predict_pd(rows), model.score_frame(rows)))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    assert len(results) == 8
    for repeats in results:
        for pd_, scored in repeats:
            assert np.array_equal(pd_, expected_pd)
            pd.testing.assert_frame_equal(scored, expected_frame)
    # and the shared model was not changed by the concurrent calls
    assert np.array_equal(model.predict_pd(rows), expected_pd)


def test_fairness_report_matches_fairlearn_on_the_models_predictions(champion):
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )

    result, _ = champion
    validation = result.validation
    cutoff = result.model.cutoff_
    reports = fairness_by_group(validation, cutoff)
    assert {"gender", "marital_status", "age band"} <= set(reports)
    # age bands built independently of evaluate.age_band: [18,25) [25,35) [35,50) [50,65) 65+
    labels = np.array(["18-24", "25-34", "35-49", "50-64", "65+"])
    groups = {
        "gender": validation["gender"].astype(str).to_numpy(),
        "marital_status": validation["marital_status"].astype(str).to_numpy(),
        "age band": labels[np.digitize(validation["age"].to_numpy(), [25, 35, 50, 65])],
    }
    declined = (validation["pd"].to_numpy() >= cutoff).astype(int)
    y = validation["y"].to_numpy()
    for name, group in groups.items():
        report = reports[name].set_index("group")
        by_group = MetricFrame(
            metrics={"sel": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
            y_true=y,
            y_pred=declined,
            sensitive_features=group,
        ).by_group
        assert sorted(report.index) == sorted(map(str, by_group.index)), name
        for g in by_group.index:
            row = report.loc[str(g)]
            assert row["approval_rate"] == pytest.approx(1 - by_group.loc[g, "sel"]), (name, g)
            assert row["tpr"] == pytest.approx(by_group.loc[g, "tpr"], nan_ok=True), (name, g)
            assert row["fpr"] == pytest.approx(by_group.loc[g, "fpr"], nan_ok=True), (name, g)
        ratio = report["approval_rate"] / report["approval_rate"].max()
        assert np.allclose(report["disparate_impact"], ratio)
        assert (report["flagged"] == (ratio < 0.8)).all(), name


def test_training_twice_with_one_seed_gives_identical_predictions(bank, champion, frame):
    """The whole workflow (candidates, choice, calibration, cut-off), not one estimator."""
    first, folder = champion
    second, _ = train_bank_model(bank, register=False, cv=3, random_state=4)
    loaded, card = registry.load_model(folder)
    rows = frame.head(500)
    assert second.chosen == first.chosen
    assert second.model.cutoff_ == first.model.cutoff_ == card["cutoff"]
    assert np.array_equal(second.model.predict_pd(rows), first.model.predict_pd(rows))
    assert np.array_equal(loaded.predict_pd(rows), first.model.predict_pd(rows))
    assert np.array_equal(second.validation["pd"], first.validation["pd"])
