"""Trimmed centres: each centre from its members nearest to it, so blends and outliers do not pull
centres together; the segmenter uses them for its final centres and assignment."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

from bankml.segment import CustomerSegmenter
from bankml.segment.trim import core_rows, nearest_with_distance, trimmed_centres


def test_core_rows_keep_each_segments_nearest_share():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    distance = np.array([4, 1, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=float)
    core = core_rows(labels, distance, 2, 0.5)
    assert core.tolist() == [False, True, False, True] + [False] * 5 + [True] * 5
    # a one-member segment keeps its member; an empty one is allowed
    assert core_rows(np.array([0, 2, 2]), np.array([5.0, 1.0, 2.0]), 3, 0.1).tolist() == [
        True,
        True,
        False,
    ]


def tailed(seed: int, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Two groups at (-2, 0) and (2, 0) with a one-sided heavy tail (10 % of each pushed far
    out along y), the way extreme spenders or sentinel rows sit on one side of a segment."""
    rng = np.random.default_rng(seed)
    own = rng.integers(0, 2, n)
    true = np.array([[-2.0, 0.0], [2.0, 0.0]])
    X = true[own] + rng.normal(0, 0.7, (n, 2))
    tail = rng.random(n) < 0.1
    X[tail, 1] += rng.exponential(6.0, tail.sum())
    return X, true


@pytest.mark.parametrize("seed", [0, 1])
def test_trimmed_centres_sit_nearer_the_true_centres_than_kmeans_centres(seed):
    X, true = tailed(seed)
    kmeans = KMeans(2, n_init=4, random_state=0).fit(X).cluster_centers_
    kmeans = kmeans[np.argsort(kmeans[:, 0])]
    trimmed = trimmed_centres(X, kmeans, keep=0.7)
    trimmed = trimmed[np.argsort(trimmed[:, 0])]
    assert np.abs(trimmed - true).sum() < np.abs(kmeans - true).sum() - 0.5
    # keep=1 is plain Lloyd from KMeans' own centres: they do not move
    assert trimmed_centres(X, kmeans, keep=1.0) == pytest.approx(kmeans, abs=1e-6)


def test_an_outlier_far_away_does_not_move_a_trimmed_centre():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(10, 1, (300, 2)), [[500.0, 500.0]]])
    start = np.array([[0.0, 0.0], [10.0, 10.0]])
    assert trimmed_centres(X, start)[1] == pytest.approx([10, 10], abs=0.2)
    assert KMeans(2, init=start, n_init=1).fit(X).cluster_centers_[1][0] > 10.8


def test_trimmed_centres_reject_a_keep_outside_0_1():
    with pytest.raises(ValueError, match="keep"):
        trimmed_centres(np.zeros((3, 1)), np.zeros((1, 1)), keep=0.0)


def test_the_segmenter_assigns_to_its_trimmed_centres():
    X, true = tailed(2)
    model = CustomerSegmenter(k=2).fit(X)
    untrimmed = CustomerSegmenter(k=2, trim=None).fit(X)
    labels, _ = nearest_with_distance(model.transform(X), model.cluster_centers_)
    assert np.array_equal(labels, model.labels_)
    assert np.array_equal(model.predict(X), model.labels_)

    # in the original units the trimmed centres sit nearer the groups' true centres
    def error(m):
        centres = m.centroids().to_numpy()
        return np.abs(centres[np.argsort(centres[:, 0])] - true).sum()

    assert error(model) < error(untrimmed) - 0.3
