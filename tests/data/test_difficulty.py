"""The difficulty report: the bank is as hard as the issue asks, measured against its own truth.

Knobs (HIDDEN_WEIGHT, RISK_EVENTS, the GBM settings) were settled on seeds 1 and 2; this test
measures seed 11 on a smaller bank (about 4,800 matured loans), so the behaviour GBM, which learns
from fewer loans, is held to 0.94x the oracle here; the issue's 0.97x target is measured at the
defaults by `bankml bench --section generation` (0.96-0.97x on the tuning seeds).
"""

from __future__ import annotations

import pytest

from bankml.difficulty import credit_ceilings, segment_ceiling
from synth import BankParams, generate


@pytest.fixture(scope="module")
def bank():
    return generate(BankParams(customers=8_000, seed=11))


def test_application_columns_alone_fall_short_and_behaviour_closes_the_gap(bank):
    report = credit_ceilings(bank.tables)
    assert report["credit_sample"] > 3_000
    assert report["logistic_to_oracle"] <= 0.93 + 0.015
    assert report["gbm_to_oracle"] >= 0.94
    assert report["gbm_to_oracle"] - report["logistic_to_oracle"] >= 0.03


def test_segments_overlap_but_stay_recoverable(bank):
    report = segment_ceiling(bank.tables, sample=3_000)
    assert 0.83 <= report["segment_recoverability"] <= 0.96
