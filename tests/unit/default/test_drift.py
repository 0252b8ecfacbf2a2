"""PSI done right: reference-only bins, a missing bin, and a noise level for small batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankml.default import drift
from bankml.errors import InputError


@pytest.fixture(scope="module")
def population() -> pd.Series:
    rng = np.random.default_rng(11)
    return pd.Series(np.round(rng.normal(680, 60, 200_000)).clip(300, 850), name="credit_score")


def test_fifty_rows_of_the_same_population_are_too_few_to_judge(population):
    reference = population.iloc[:50_000]
    rng = np.random.default_rng(5)
    verdicts = [
        drift.stability(reference, population.sample(50, random_state=int(s)))["band"]
        for s in rng.integers(0, 2**31, 200)
    ]
    too_few = np.mean([v == drift.TOO_FEW for v in verdicts])
    flagged = np.mean([v in ("moderate", "significant") for v in verdicts])
    assert too_few >= 0.95, pd.Series(verdicts).value_counts()
    assert flagged <= 0.05


def test_large_samples_of_the_same_population_rarely_false_alarm(population):
    reference = population.iloc[:50_000]
    rest = population.iloc[50_000:]
    verdicts = [
        drift.stability(reference, rest.sample(5_000, random_state=s))["band"] for s in range(40)
    ]
    assert verdicts.count("stable") == len(verdicts), pd.Series(verdicts).value_counts()


def test_sixty_percent_missing_is_not_stable(population):
    reference = population.iloc[:50_000]
    batch = population.iloc[50_000:52_000].copy()
    batch.iloc[: int(0.6 * len(batch))] = np.nan
    result = drift.stability(reference, batch)
    assert result["band"] == "significant", result
    assert result["missing_batch"] == pytest.approx(0.6)
    assert result["missing_reference"] == 0.0


def test_a_real_shift_is_found_even_when_small_batches_are_noisy(population):
    reference = population.iloc[:50_000]
    shifted = population.iloc[50_000:50_300] + 80
    assert drift.stability(reference, shifted)["band"] == "significant"


def test_bins_come_from_the_reference_only(population):
    """A batch all beyond the reference's range lands in its top bin: PSI near ln(0.1^-1)..."""
    reference = population.iloc[:10_000]
    far = pd.Series(np.full(1_000, 5_000.0))
    farther = pd.Series(np.full(1_000, 50_000.0))
    # both batches sit in the reference's top decile, so on the reference's ruler they agree
    assert drift.psi(reference, far) == pytest.approx(drift.psi(reference, farther))
    assert drift.psi(reference, reference) == 0.0


def test_categories_unseen_and_missing_levels_have_their_own_bins():
    reference = pd.Series(["rent", "own", "mortgage"] * 1_000)
    batch = pd.Series(["rent"] * 500 + ["boat"] * 400 + [None] * 100)
    result = drift.stability(reference, batch)
    assert result["band"] == "significant"
    assert result["missing_batch"] == pytest.approx(0.1)
    same = drift.stability(reference, pd.Series(["rent", "own", "mortgage"] * 300))
    assert same["psi"] == 0.0 and same["band"] == "stable"


def test_band_edges_and_noise_level():
    assert drift.band(0.0999) == "stable"
    assert drift.band(0.10) == "moderate"
    assert drift.band(0.2499) == "moderate"
    assert drift.band(0.25) == "significant"
    assert drift.verdict(0.3, noise=0.4) == drift.TOO_FEW
    assert drift.verdict(0.5, noise=0.4) == "significant"
    assert drift.verdict(0.01, noise=0.02) == "stable"
    # the noise level shrinks with the sample and grows with the number of bins
    assert drift.noise_level(10, 10_000, 50) > drift.noise_level(10, 10_000, 5_000)
    assert drift.noise_level(11, 10_000, 500) > drift.noise_level(5, 10_000, 500)


def test_empty_samples_are_input_errors():
    with pytest.raises(InputError, match="non-empty"):
        drift.stability(pd.Series([], dtype=float), pd.Series([1.0]))


def test_drift_table_lists_every_column_with_its_verdict(population):
    reference = pd.DataFrame({"a": population.iloc[:5_000], "b": ["x", "y"] * 2_500})
    batch = pd.DataFrame({"a": population.iloc[5_000:5_040], "b": ["x"] * 40})
    table = drift.drift_table(reference, batch).set_index("feature")
    assert set(table.index) == {"a", "b"}
    assert table.loc["a", "band"] == drift.TOO_FEW  # 40 rows: cannot tell
    assert table.loc["b", "band"] == "significant"  # all x instead of half: beyond the noise
    assert (table["rows"] == 40).all()
