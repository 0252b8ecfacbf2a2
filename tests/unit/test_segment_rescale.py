"""Rescaling by the within-segment spread: informative features gain weight, noise loses it, and
the partition and the stated k reason follow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from bankml.segment import CustomerSegmenter
from bankml.segment.choice import MIN_WITHIN_SD, decide, within_weights


def groups_in_noise(seed: int, n: int = 1500, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """k overlapping groups in 3 columns, beside 8 columns of pure noise with the same spread."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    centres = rng.normal(0, 1.6, (k, 3))
    X = np.hstack([centres[truth] + rng.normal(0, 1, (n, 3)), rng.normal(0, 1, (n, 8))])
    return X, truth


def test_within_weights_are_one_over_the_pooled_within_segment_sd():
    Z = np.array([[0.0, 1.0], [0.0, -1.0], [10.0, 3.0], [10.0, -3.0]])
    labels = np.array([0, 0, 1, 1])
    weights = within_weights(Z, labels, 2)
    # column 0 does not vary inside a segment: floored; column 1 spreads by sqrt((1+1+9+9)/4)
    assert weights == pytest.approx([1 / MIN_WITHIN_SD, 1 / np.sqrt(5.0)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rescaling_weights_the_informative_columns_and_recovers_more_of_the_groups(seed):
    X, truth = groups_in_noise(seed)
    plain = CustomerSegmenter(k=4, rescale=False).fit(X)
    rescaled = CustomerSegmenter(k=4).fit(X)
    assert rescaled.weights_[:3].min() > rescaled.weights_[3:].max() - 0.05
    assert rescaled.weights_[:3].mean() > rescaled.weights_[3:].mean() + 0.2
    assert np.all(plain.weights_ == 1.0)
    gain = adjusted_rand_score(truth, rescaled.labels_) - adjusted_rand_score(truth, plain.labels_)
    assert gain > 0.05
    # transform, centres and predict live in the rescaled space
    assert np.array_equal(rescaled.predict(X), rescaled.labels_)


def test_auto_k_records_the_first_rounds_k_and_says_it_rescaled():
    X, _ = groups_in_noise(2)
    model = CustomerSegmenter().fit(X)
    assert model.choice_.first_k is not None and model.choice_.first_k >= 2
    assert "scaled by its spread inside" in model.choice_.reason
    assert "gap" in model.k_scores_.columns
    assert CustomerSegmenter(rescale=False).fit(X).choice_.first_k is None


def test_decide_mentions_the_first_round_only_when_there_was_one():
    ks = range(1, 6)
    scores = pd.DataFrame(
        {"gap": [0.0, 0.5, 1.0, 1.01, 1.02], "gap_se": [0.01] * 5, "stability": [0.9] * 5},
        index=ks,
    )
    with_first = decide(scores, 2, 4, 0.1, first_k=4)
    without = decide(scores, 2, 4, 0.1)
    assert with_first.k == without.k == 3
    assert with_first.first_k == 4 and "k=4 segments a first gap round" in with_first.reason
    assert without.first_k is None and "first gap round" not in without.reason
