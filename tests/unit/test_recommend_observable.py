"""The truth-fitted model of the observable data: it recovers what the data holds, and no more."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from bankml.recommend.metrics import ranking_metrics, top_n_from_scores
from bankml.recommend.observable import truth_fitted_scores


def _case(seed: int = 0, n: int = 1_500, items: int = 8):
    rng = np.random.default_rng(seed)
    held = sp.csr_matrix((rng.random((n, items)) < 0.2).astype(np.float32))
    customers = pd.DataFrame({"employment_status": rng.choice(["employed", "retired"], n)})
    features = pd.DataFrame({"spend": rng.normal(size=n)})
    return rng, held, customers, features


def _ndcg(scores, held, truth) -> float:
    """NDCG@3 of scores against the truth's own top 3 of the products not held."""
    best = top_n_from_scores(truth, held, 3)
    rows = np.repeat(np.arange(len(best)), best.shape[1])
    test = sp.csr_matrix((np.ones(best.size), (rows, best.ravel())), shape=held.shape)
    ranked = top_n_from_scores(scores, held, 3)
    return ranking_metrics(ranked, test, 3, np.ones(held.shape[1]))["ndcg"]


def test_an_oracle_the_data_explains_is_recovered_and_hidden_taste_is_not():
    rng, held, customers, features = _case()
    items = held.shape[1]
    effect = rng.normal(size=(items, items))
    retired = (customers["employment_status"] == "retired").to_numpy()
    logits = held @ effect + np.outer(features["spend"], np.linspace(-1, 1, items))
    logits += np.outer(retired, np.linspace(1, -1, items))
    explained = np.exp(logits - logits.max(axis=1, keepdims=True))
    scores = truth_fitted_scores(held, customers, features, explained)
    assert scores.shape == explained.shape
    assert _ndcg(scores, held, explained) > 0.9  # out of fold: no row scored by its own fit

    hidden = np.exp(rng.normal(size=explained.shape))  # taste no column shows
    noise = truth_fitted_scores(held, customers, features, hidden)
    assert _ndcg(noise, held, hidden) < 0.55
