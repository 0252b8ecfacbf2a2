"""Reject inference (issue 16, item 3): weights, the application frame, and that it changes the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.bench.reject import expected_auc, expected_brier
from bankml.default import loan_frame, reject
from bankml.errors import InputError


def test_fuzzy_adds_each_declined_as_a_weighted_bad_and_a_weighted_good():
    booked = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    declined = pd.DataFrame({"x": [10.0, 20.0]})
    aug = reject.augment(booked, np.array([0, 1, 0]), declined, np.array([0.3, 0.8]), "fuzzy")
    assert list(aug.frame["x"]) == [1, 2, 3, 10, 20, 10, 20]
    assert list(aug.y) == [0, 1, 0, 1, 1, 0, 0]
    np.testing.assert_allclose(aug.weight, [1, 1, 1, 0.3, 0.8, 0.7, 0.2])
    assert list(aug.declined) == [False] * 3 + [True] * 4
    # each declined application counts once in total, its weighted bad share is its PD
    for value, p in ((10.0, 0.3), (20.0, 0.8)):
        rows = aug.frame["x"].to_numpy() == value
        assert aug.weight[rows].sum() == pytest.approx(1.0)
        assert (aug.weight[rows] * aug.y[rows]).sum() == pytest.approx(p)


def test_parcelling_labels_the_expected_number_of_bads_per_band():
    p = np.linspace(0.01, 0.9, 400)
    aug = reject.augment(
        pd.DataFrame({"x": [0.0]}), np.array([0]), pd.DataFrame({"x": p}), p, "parcelling"
    )
    inferred = aug.y[1:]
    assert (aug.weight == 1).all() and len(inferred) == 400
    for band in np.array_split(np.arange(400), reject.PARCEL_BANDS):
        assert inferred[band].sum() == round(p[band].sum())
    # the bads sit where the PDs are high
    assert inferred[200:].mean() > inferred[:200].mean() + 0.3


def test_bad_inputs_are_named():
    booked, declined = pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [1.0]})
    with pytest.raises(InputError, match="not one of fuzzy, parcelling"):
        reject.augment(booked, np.array([0]), declined, np.array([0.2]), "magic")
    with pytest.raises(InputError, match="0-1"):
        reject.augment(booked, np.array([0]), declined, np.array([1.2]))


def test_expected_metrics_reward_the_true_pd():
    rng = np.random.default_rng(0)
    p = rng.beta(1, 6, 2000)
    noisy = np.clip(p + rng.normal(0, 0.1, len(p)), 0.001, 0.999)
    assert expected_auc(p, p) > expected_auc(noisy, p)
    assert expected_brier(p, p) < expected_brier(noisy, p)
    assert expected_auc(rng.random(len(p)), p) == pytest.approx(0.5, abs=0.05)


@pytest.fixture(scope="module")
def bank(small_bank_path):
    frame = loan_frame(small_bank_path)
    apps = reject.application_frame(small_bank_path)
    return frame, apps


def test_application_frame_holds_the_declined_with_the_loans_inputs(bank):
    frame, apps = bank
    assert 0.1 < apps["declined"].mean() < 0.3
    assert not any(c.startswith("truth") or c in reject.POLICY_COLUMNS for c in apps.columns)
    assert "defaulted" not in apps.columns
    booked = apps.set_index("loan_id").loc[frame["loan_id"]]
    beh = [c for c in frame.columns if c.startswith("beh_")]
    assert beh
    np.testing.assert_allclose(booked[beh].to_numpy(float), frame[beh].to_numpy(float))
    np.testing.assert_array_equal(booked["credit_score"], frame["credit_score"])


@pytest.fixture(scope="module")
def booked_only(logistic_bank_result):
    """The booked-only model both methods start from: the run's shared logistic training on the
    same bank's matured loans (never mutated)."""
    return logistic_bank_result


@pytest.mark.parametrize("method", reject.METHODS)
def test_reject_inference_runs_and_changes_the_model(bank, booked_only, method):
    frame, apps = bank
    base = booked_only
    declined = apps[apps["declined"] & reject.in_window(apps, frame)].reset_index(drop=True)
    assert len(declined) > 50
    result = reject.with_reject_inference(base, frame, declined, method, cv=3)
    assert result.chosen.endswith(f"reject inference ({method})")
    assert result.parameters["reject_inference"]["declined_rows"] == len(declined)
    before, after = base.model.predict_pd(declined), result.model.predict_pd(declined)
    assert np.abs(after - before).mean() > 0.005  # a different model, not a relabelled one
    assert 0 < result.model.cutoff_ < 1
    assert len(result.validation) == len(frame)
    assert np.isfinite(result.validation["pd"]).all()


def test_cli_flags_train_with_reject_inference_in_process(small_bank_path, tmp_path, capsys):
    """`bankml train --reject-inference` through `bankml.cli.main`: the flag trains and is
    recorded, and a CSV is refused in one line (the subprocess runs below are the slow tier's)."""
    import json

    from bankml.cli import main

    args = ["train", "--db", str(small_bank_path), "--models", "logistic", "--cv", "3"]
    out = tmp_path / "m"
    assert main([*args, "--reject-inference", "fuzzy", "--out", str(out), "--json"]) == 0
    assert "reject inference (fuzzy)" in json.dumps(json.loads(capsys.readouterr().out))
    csv = tmp_path / "t.csv"
    pd.DataFrame({"x": range(40), "bad": [0, 1] * 20}).to_csv(csv, index=False)
    refused = ["train", "--csv", str(csv), "--target", "bad", "--reject-inference", "fuzzy"]
    assert main([*refused, "--out", str(tmp_path / "c")]) == 2
    errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("bankml train")]
    assert len(errors) == 1 and "--reject-inference needs" in errors[0]


@pytest.mark.slow  # an interpreter start-up: the in-process test above keeps the flag fast
def test_cli_trains_with_reject_inference_and_records_it(bankml_cli, small_bank_path, tmp_path):
    import json

    done = bankml_cli(
        "train", "--db", str(small_bank_path), "--models", "logistic", "--cv", "3",
        "--reject-inference", "fuzzy", "--out", str(tmp_path / "m"), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "reject inference (fuzzy)" in json.dumps(out)


@pytest.mark.slow  # an interpreter start-up: the in-process test above keeps the refusal fast
def test_cli_refuses_reject_inference_on_a_csv(bankml_cli, tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"x": range(40), "bad": [0, 1] * 20}).to_csv(csv, index=False)
    done = bankml_cli(
        "train", "--csv", str(csv), "--target", "bad", "--reject-inference", "fuzzy",
        "--out", str(tmp_path / "m"),
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("bankml train")]
    assert len(errors) == 1 and "--reject-inference needs" in errors[0]


def test_bench_rows_compare_each_method_with_its_learner_and_the_oracle(
    bank, small_bank_path, booked_only
):
    from bankml import data
    from bankml.bench.reject import reject_rows

    frame, apps = bank
    base = booked_only  # a scorecard + logistic comparison chose the same logistic here
    truth = data.read_table("truth_applications", small_bank_path).set_index("application_id")
    rows = reject_rows(base, frame, apps, truth["pd"])
    assert len(rows) == 2 * len(reject.METHODS) * 3  # AUC, Brier, mean PD; all and declined
    for row in rows:
        assert np.isfinite(row.value) and np.isfinite(row.baseline)
        assert row.section == "default"
    aucs = [r for r in rows if "expected AUC" in r.metric]
    assert all("booked loans only (oracle" in r.baseline_name for r in aucs)
    # the oracle's expected AUC beats every model's on the same applications
    for r in aucs:
        oracle = float(r.baseline_name.split("oracle ")[1].rstrip(")"))
        assert r.value < oracle and r.baseline < oracle
    mean_pd = [r for r in rows if "mean PD on" in r.metric and "declined included" in r.metric]
    truth_in = truth["pd"].reindex(apps.loc[reject.in_window(apps, frame), "loan_id"])
    assert mean_pd[0].baseline == pytest.approx(truth_in.mean())
