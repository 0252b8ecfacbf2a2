"""The fair-lending proxy check: memoised on the data it reads, with unchanged output and
unchanged strength."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import fairness


@pytest.fixture(scope="module")
def applicants() -> pd.DataFrame:
    """Inputs of which one (years at address) reveals age, beside gender and marital status."""
    rng = np.random.default_rng(11)
    n = 900
    age = rng.integers(21, 70, n)
    return pd.DataFrame(
        {
            "income": np.round(rng.lognormal(10, 0.5, n)),
            "years_at_address": age - 18 + rng.integers(0, 3, n),
            "purpose": rng.choice(["car", "home", "other"], n),
            "gender": rng.choice(["f", "m"], n),
            "age": age,
        }
    )


FEATURES = ["income", "years_at_address", "purpose"]


def test_a_repeated_check_returns_the_computed_table_without_refitting(applicants, monkeypatch):
    fairness._PROXY_MEMO.clear()
    direct = fairness._proxy_check(applicants, FEATURES, ["gender", "age"], 10_000, 0)
    first = fairness.proxy_check(applicants, FEATURES, ["gender", "age"])
    pd.testing.assert_frame_equal(first, direct)
    first.loc[0, "proxy_auc"] = -1.0  # a caller's edit never reaches the memo

    def refit(*args):
        raise AssertionError("refitted although the data is unchanged")

    monkeypatch.setattr(fairness, "_proxy_check", refit)
    again = fairness.proxy_check(applicants.copy(), FEATURES, ["gender", "age", "absent"])
    pd.testing.assert_frame_equal(again, direct)


def test_any_change_to_what_the_check_reads_recomputes_it(applicants):
    fairness._PROXY_MEMO.clear()
    fairness.proxy_check(applicants, FEATURES, ["gender"])  # binary: one tree per round
    calls = []
    original = fairness._proxy_check

    def counted(*args):
        calls.append(args)
        return original(*args)

    changed_gender = applicants.assign(gender=applicants["gender"].to_numpy()[::-1])
    changed_input = applicants.assign(purpose=applicants["purpose"].str.upper())
    shuffled = applicants.sample(frac=1.0, random_state=3)
    fairness._proxy_check = counted
    try:
        fairness.proxy_check(changed_gender, FEATURES, ["gender"])
        fairness.proxy_check(changed_input, FEATURES, ["gender"])
        fairness.proxy_check(shuffled, FEATURES, ["gender"])
        fairness.proxy_check(applicants, FEATURES[:2], ["gender"])
        fairness.proxy_check(applicants, FEATURES, ["gender"], random_state=1)
        fairness.proxy_check(applicants, FEATURES, ["gender"], max_rows=600)
        # a column it does not read (age is not named as protected here): still a memo hit
        fairness.proxy_check(applicants.assign(age=0, note="x"), FEATURES, ["gender"])
    finally:
        fairness._proxy_check = original
    assert len(calls) == 6
    assert len(fairness._PROXY_MEMO) <= fairness._PROXY_MEMO.size


def test_the_bank_proxies_keep_their_strength(quick_bank_model):
    """The gradient-boosted proxy model's strength on the small bank (seed 7): cheaper proxy
    models found gender at AUC 0.58-0.60 where this one finds 0.64, so a weaker diagnostic fails."""
    result, _ = quick_bank_model
    table = pd.DataFrame(result.diagnostics["proxy_check"]).set_index("attribute")
    assert table.loc["gender", "proxy_auc"] >= 0.62
    assert table.loc["marital_status", "proxy_auc"] >= fairness.STRONG_PROXY_AUC
    assert table.loc["age", "proxy_auc"] >= 0.85
    assert table.loc["age", "flagged"] and not table.loc["gender", "flagged"]
