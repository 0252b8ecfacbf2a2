"""Behavioural tests of the recommender: known answers, business rules, cold start, evaluation."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import bankml
from bankml.errors import InputError
from bankml.recommend import (
    ELIGIBILITY_RULES,
    ItemCFRecommender,
    build_context,
    evaluate_recommenders,
    offer_decisions,
    recommend_for_customer,
)


def test_checkerboard_known_answer():
    """Even-product holders hide one even product: it must come first; the same for odd."""
    items, users = 10, 200
    rng = np.random.default_rng(0)
    dense = np.zeros((users, items))
    parity = np.arange(users) % 2
    hidden = np.empty(users, int)
    for u in range(users):  # building the fixture, not the algorithm
        own = np.arange(parity[u], items, 2)
        hidden[u] = rng.choice(own)
        dense[u, own] = 1.0
        if u >= 20:  # most customers hold their whole half; the first 20 are missing one
            continue
        dense[u, hidden[u]] = 0.0
    model = ItemCFRecommender().fit(sp.csr_matrix(dense))
    ids, scores = model.recommend(np.arange(20), n=3)
    np.testing.assert_array_equal(ids[:, 0], hidden[:20])
    assert (scores[:, 0] > 0).all()
    assert np.allclose(scores[:, 1:], 0.0), "other-parity products share no similarity"


def test_fits_any_implicit_matrix_with_rectangular_shape():
    rng = np.random.default_rng(1)
    X = sp.random(300, 40, density=0.05, random_state=rng, format="coo") * 5
    model = ItemCFRecommender(neighbours=10, shrinkage=2.0).fit(X)
    ids, scores = model.recommend(np.arange(300), n=7)
    assert ids.shape == (300, 7)
    assert ((ids >= -1) & (ids < 40)).all()
    ok = ~np.isnan(scores)
    assert (np.diff(np.where(ok, scores, -np.inf), axis=1)[ok[:, 1:]] <= 1e-6).all()


@pytest.fixture(scope="module")
def context(small_bank_path):
    return build_context(small_bank_path, use_segments=False)


def held_of(context, customer_id):
    row = context.row_of(customer_id)
    return set(context.product_ids[context.matrix[row].indices].tolist())


def test_bank_recommendations_respect_holdings_and_explain_with_held_products(context):
    customers = context.customer_ids[np.diff(context.matrix.indptr) >= 2][:25]
    names = dict(zip(context.product_ids, context.products["name"], strict=True))
    for customer in customers:
        offers = recommend_for_customer(int(customer), n=5, context=context)
        held = held_of(context, customer)
        assert len(offers) == 5
        assert not held & set(offers["product_id"])
        assert offers["score"].notna().all()
        for reason, source, product in zip(
            offers["reason"], offers["source"], offers["product_id"], strict=True
        ):
            if source == "item-cf" and reason.startswith("ranked by the item model"):
                # the documented fallback: only when no held product has positive weight for it
                assert context.model.explain(context.row_of(int(customer)), product).empty
            elif source == "item-cf":
                assert reason.startswith("because you hold ")
                mentioned = {
                    p for p, n in names.items() if f"hold {n} (" in reason or f"and {n} (" in reason
                }
                assert mentioned and mentioned <= held


def test_eligibility_rules_block_by_age(context):
    ages = context.customers["age"].to_numpy()
    old = int(context.customer_ids[np.flatnonzero(ages > 40)[0]])
    young = int(context.customer_ids[np.flatnonzero(ages < 21)[0]])
    decisions_old = offer_decisions(old, context=context).set_index("name")
    decisions_young = offer_decisions(young, context=context).set_index("name")
    assert decisions_old.loc["Student loan", "rule"] in {
        "already held",
        f"Student loan is offered up to age 35 (customer is {ages[np.flatnonzero(ages > 40)[0]]})",
    }
    assert "age 21 or over" in decisions_young.loc["Mortgage", "rule"]
    offers_old = recommend_for_customer(old, n=20, context=context)
    assert "Student loan" not in set(offers_old["name"])
    assert {r.product for r in ELIGIBILITY_RULES} == {"Student loan", "Mortgage"}


def test_cold_start_uses_popularity_and_says_so(context):
    empty = np.flatnonzero(np.diff(context.matrix.indptr) == 0)
    assert len(empty), "the small bank has customers with no holdings"
    customer = int(context.customer_ids[empty[0]])
    offers = recommend_for_customer(customer, n=4, context=context)
    assert set(offers["source"]) <= {"popularity", "segment popularity"}
    assert offers["reason"].str.contains("no holdings yet").all()
    assert offers["score"].is_monotonic_decreasing


def test_cold_start_uses_segment_popularity_when_segments_exist(small_bank_path, monkeypatch):
    import bankml.segment

    def fake_labels(path=None):
        customers = bankml.data.read_table("customers", path, columns=["customer_id", "age"])
        return pd.DataFrame(
            {
                "customer_id": customers["customer_id"],
                "segment_name": np.where(customers["age"] < 30, "young", "older"),
            }
        )

    monkeypatch.setattr(bankml.segment, "segment_labels", fake_labels, raising=False)
    context = build_context(small_bank_path)
    assert context.segment_note == "segment popularity"
    empty = context.customer_ids[np.diff(context.matrix.indptr) == 0]
    young = [int(c) for c in empty if context.customers.loc[c, "age"] < 30][0]
    offers = recommend_for_customer(young, n=3, context=context)
    assert (offers["source"] == "segment popularity").all()
    assert offers["reason"].str.contains("segment young").all()
    young_rows = (context.customers["age"] < 30).to_numpy()
    shares = np.asarray(context.matrix[young_rows].mean(axis=0)).ravel()
    expected = shares[np.searchsorted(context.product_ids, offers["product_id"])]
    np.testing.assert_allclose(offers["score"], expected, rtol=1e-5)
    assert offers["score"].is_monotonic_decreasing
    assert set(offers["product_id"]) <= set(context.product_ids[np.argsort(-shares)[:6]])


def test_risk_rule_blocks_lending_above_cutoff(small_bank_path, monkeypatch):
    class FakeModel:
        cutoff_ = 0.5

        def predict_pd(self, frame):
            return np.where(frame["customer_id"].to_numpy() % 2 == 0, 0.9, 0.1)

    fake = types.ModuleType("bankml.registry")
    fake.load_model = lambda *a, **k: (FakeModel(), {"id": "fake"})
    fake.current_id = lambda *a, **k: "fake"
    monkeypatch.setitem(sys.modules, "bankml.registry", fake)
    monkeypatch.setattr(bankml, "registry", fake, raising=False)
    context = build_context(small_bank_path, use_segments=False)
    assert context.risk.active
    risky = [int(c) for c in context.risk.pd_by_customer.index if c % 2 == 0][:5]
    safe = [int(c) for c in context.risk.pd_by_customer.index if c % 2 == 1][:5]
    for customer in risky:
        decisions = offer_decisions(customer, context=context)
        lending = decisions[
            (decisions["family"] == "lending") & (decisions["rule"] != "already held")
        ]
        assert not lending["allowed"].any()
        by_risk = lending["rule"].str.contains("PD 0.90 is above the default model's cut-off 0.50")
        by_age = lending["rule"].str.contains("age")
        assert by_risk.any() and (by_risk | by_age).all()
        offers = recommend_for_customer(customer, n=21, context=context)
        assert "lending" not in set(offers["family"])
    for customer in safe:
        offers = recommend_for_customer(customer, n=21, context=context)
        lending = offers[offers["family"] == "lending"]
        assert lending["reason"].str.contains("within cut-off").all()


def test_without_a_model_the_risk_rule_is_skipped_and_said(context):
    assert not context.risk.active
    offers = recommend_for_customer(int(context.customer_ids[0]), n=21, context=context)
    lending = offers[offers["family"] == "lending"]
    assert len(lending) and lending["reason"].str.contains("risk check skipped").all()


def test_unknown_customer_is_a_clear_error(context):
    with pytest.raises(InputError, match="unknown customer id 424242"):
        recommend_for_customer(424242, context=context)


def test_evaluation_table_has_baselines_oracle_and_sane_ordering(small_bank_path):
    table = evaluate_recommenders(small_bank_path, k=5, random_state=0, use_segments=False)
    methods = set(table["method"])
    assert {"item-cf", "popularity", "oracle"} <= methods
    assert any(m.startswith("segment popularity") for m in methods)
    assert set(table["split"]) == {"leave-one-out", "20% hold-out"}
    for _, split in table.groupby("split"):
        by = split.set_index("method")
        assert by.loc["oracle", "ndcg"] > by.loc["popularity", "ndcg"]
        assert by.loc["item-cf", "hit_rate"] > by.loc["popularity", "hit_rate"]
        assert by.loc["item-cf", "coverage"] > by.loc["popularity", "coverage"]
        # weights of evidence use non-held products too: clearly ahead of popularity, behind oracle
        assert by.loc["item-cf (naive Bayes)", "ndcg"] > 1.05 * by.loc["popularity", "ndcg"]
        assert by.loc["item-cf (naive Bayes)", "ndcg"] < by.loc["oracle", "ndcg"]
        assert (split[["hit_rate", "precision", "recall", "ndcg", "map"]] >= 0).all().all()
        assert (split[["hit_rate", "precision", "recall", "ndcg", "map"]] <= 1).all().all()
    again = evaluate_recommenders(small_bank_path, k=5, random_state=0, use_segments=False)
    pd.testing.assert_frame_equal(table, again)
