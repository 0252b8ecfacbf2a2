"""The difficulty report: the bank is as hard as the issue asks, measured against its own truth.

Knobs (HIDDEN_WEIGHT, RISK_EVENTS, the GBM settings) were settled on seeds 1 and 2; this test
measures seed 11 on a smaller bank (about 4,800 matured loans), so the behaviour GBM, which learns
from fewer loans, is held to 0.94x the oracle here; the issue's 0.97x target is judged by
`bankml bench --section generation` on the default settings at 50,000 customers (every matured
loan; 0.980x / 0.983x on the choose seeds 1 and 7).
"""

from __future__ import annotations

import pytest

from bankml.bench import generation
from bankml.difficulty import credit_ceilings, segment_ceiling
from synth import SCENARIOS, BankParams, generate


@pytest.fixture(scope="module")
def bank():
    return generate(BankParams(customers=8_000, seed=11))


def test_application_columns_alone_fall_short_and_behaviour_closes_the_gap(bank):
    report = credit_ceilings(bank.tables)
    assert report["credit_sample"] > 3_000
    assert report["logistic_to_oracle"] <= 0.93 + 0.015
    assert report["gbm_to_oracle"] >= 0.94
    assert report["gbm_to_oracle"] - report["logistic_to_oracle"] >= 0.03


@pytest.mark.slow  # a cross-validated 7-class GBM on 3,000 customers: make test only; the fast
# tier keeps test_auto_k_recovers_the_hidden_segments (the supervised ceiling's accuracy >= 0.85)
def test_segments_overlap_but_stay_recoverable(bank):
    report = segment_ceiling(bank.tables, sample=3_000)
    assert 0.83 <= report["segment_recoverability"] <= 0.96


def test_the_learnable_ceiling_uses_every_matured_loan():
    report = generation.learnable_ceiling(customers=1_500)
    bank = generate(SCENARIOS["default"].params(customers=1_500))
    assert report["credit_sample"] == int(bank.tables["loans"]["is_mature"].sum())
    assert 0.5 < report["gbm_to_oracle"] < 1.1


@pytest.mark.parametrize("gbm, passed", [(0.975, True), (0.965, False)])
def test_bench_judges_the_gbm_on_the_larger_default_bank_and_runs_every_scenario(
    monkeypatch, gbm, passed
):
    called = []

    def fake(target, **kwargs):
        called.append((target.rsplit(".", 1)[1], kwargs.get("name")))
        report = {"logistic_to_oracle": 0.88, "gbm_to_oracle": gbm, "credit_sample": 30_000.0}
        return {**report, "segment_recoverability": 0.9, "declined_share": 0.18}, 0.0

    monkeypatch.setattr(generation, "in_subprocess", fake)
    rows = {row.metric: row for row in generation.difficulty_rows(quick=True)}
    assert [name for _, name in called[:-1]] == list(SCENARIOS)
    assert called[-1] == ("learnable_ceiling", None)
    small = rows["[default, report] GBM + behaviour / oracle AUC"]
    assert small.passed is None and "50k" in small.target
    large = rows["[default 50k, report] GBM + behaviour / oracle AUC"]
    assert large.passed is passed and large.value == gbm
    assert rows["[default 50k, report] logistic on application / oracle AUC"].passed is True
    assert rows["[default, report] logistic on application / oracle AUC"].passed is True
