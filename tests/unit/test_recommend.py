"""Unit tests of bankml.recommend: the estimator's algebra, its contract, splits and metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from bankml.errors import InputError
from bankml.recommend import (
    EASERecommender,
    ItemCFRecommender,
    RiskView,
    customer_context,
    holdout_split,
    ranking_metrics,
    risk_profiles,
    risk_view,
    temporal_split,
    top_n_from_scores,
)


def random_matrix(users: int = 60, items: int = 12, density: float = 0.3, seed: int = 0):
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, items)) < density) * rng.integers(1, 4, (users, items))
    return sp.csr_matrix(dense.astype(float)), dense.astype(float)


def brute_force(dense: np.ndarray, similarity: str, alpha: float = 0.5, shrinkage: float = 0.0):
    items = dense.shape[1]
    S = np.zeros((items, items))
    binary = dense > 0
    for i in range(items):
        for j in range(items):
            if i == j:
                continue
            dot = float(dense[:, i] @ dense[:, j])
            if similarity == "jaccard":
                union = float((binary[:, i] | binary[:, j]).sum())
                both = float((binary[:, i] & binary[:, j]).sum())
                S[i, j] = both / (union + shrinkage) if union else 0.0
                continue
            sq_i, sq_j = float(dense[:, i] @ dense[:, i]), float(dense[:, j] @ dense[:, j])
            a = 0.5 if similarity == "cosine" else alpha
            denominator = 1.0 if similarity == "dot" else sq_i**a * sq_j ** (1 - a)
            S[i, j] = dot / (denominator + shrinkage) if dot else 0.0
    return S


@pytest.mark.parametrize(
    ("similarity", "alpha", "shrinkage"),
    [
        ("cosine", 0.5, 0.0),
        ("cosine", 0.5, 3.0),
        ("asymmetric", 0.8, 0.0),
        ("jaccard", 0.5, 1.0),
        ("dot", 0.5, 0.0),
    ],
)
def test_fast_similarity_equals_brute_force(similarity, alpha, shrinkage):
    X, dense = random_matrix()
    model = ItemCFRecommender(similarity=similarity, alpha=alpha, shrinkage=shrinkage).fit(X)
    np.testing.assert_allclose(
        model.similarity_.toarray(),
        brute_force(dense, similarity, alpha, shrinkage),
        rtol=1e-5,
        atol=1e-6,
    )


def test_scores_are_sums_of_held_similarities():
    X, dense = random_matrix(seed=1)
    model = ItemCFRecommender().fit(X)
    ids, scores = model.recommend(3, n=12, exclude_held=False)
    expected = dense[3] @ brute_force(dense, "cosine")
    np.testing.assert_allclose(scores, expected[ids], rtol=1e-5, atol=1e-6)
    assert np.all(np.diff(scores) <= 1e-6), "scores must come best first"


def test_neighbour_pruning_keeps_the_k_largest_per_item():
    X, dense = random_matrix(items=15, density=0.4, seed=2)
    full = ItemCFRecommender().fit(X).similarity_.toarray()
    pruned = ItemCFRecommender(neighbours=3).fit(X).similarity_.toarray()
    assert ((pruned > 0).sum(axis=1) <= 3).all()
    for i in range(full.shape[0]):
        kept = np.flatnonzero(pruned[i])
        np.testing.assert_allclose(pruned[i, kept], full[i, kept], rtol=1e-6)
        assert pruned[i, kept].min() >= np.sort(full[i])[-3] - 1e-7


def test_held_products_never_recommended_and_batch_equals_one_by_one():
    X, dense = random_matrix(users=80, items=10, density=0.35, seed=3)
    model = ItemCFRecommender().fit(X)
    ids, scores = model.recommend(np.arange(80), n=4)
    assert ids.shape == scores.shape == (80, 4)
    for row in range(80):
        held = set(np.flatnonzero(dense[row]))
        candidates = 10 - len(held)
        valid = ids[row][ids[row] >= 0]
        assert not held & set(valid.tolist())
        assert len(valid) == min(4, candidates)
        one_ids, one_scores = model.recommend(row, n=4)
        np.testing.assert_array_equal(one_ids, valid)
        np.testing.assert_allclose(one_scores, scores[row][: len(valid)], rtol=1e-6)


def test_chunked_batch_matches_unchunked(monkeypatch):
    from bankml.recommend import estimator

    X, _ = random_matrix(users=500, items=9, seed=4)
    model = ItemCFRecommender().fit(X)
    whole = model.recommend(np.arange(500), n=3)
    monkeypatch.setattr(estimator, "CHUNK_CELLS", 9 * 7)  # 7 rows per chunk
    chunked = model.recommend(np.arange(500), n=3)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_allclose(whole[1], chunked[1], rtol=1e-6)


@pytest.mark.parametrize("neighbours", [None, 2])
def test_sparse_similarity_path_matches_dense_path(monkeypatch, neighbours):
    """The many-items path (sparse top-n, dense fallback for short rows) ranks like the dense one."""
    from bankml.recommend import estimator

    X, _ = random_matrix(users=100, items=14, seed=5)
    dense_model = ItemCFRecommender(neighbours=neighbours).fit(X)
    monkeypatch.setattr(estimator, "DENSE_ITEM_LIMIT", 5)
    sparse_model = ItemCFRecommender(neighbours=neighbours).fit(X)
    assert sparse_model._similarity_dense is None
    np.testing.assert_array_equal(
        dense_model.recommend(np.arange(100), n=5)[0],
        sparse_model.recommend(np.arange(100), n=5)[0],
    )
    np.testing.assert_array_equal(
        dense_model.recommend(7, n=5)[0], sparse_model.recommend(7, n=5)[0]
    )
    dense_scores = dense_model.recommend(np.arange(100), n=5)[1]
    sparse_scores = sparse_model.recommend(np.arange(100), n=5)[1]
    np.testing.assert_allclose(sparse_scores, dense_scores, rtol=1e-5, atol=1e-7)
    assert (np.nan_to_num(dense_scores) == 0).any(), "rows needing the dense fallback exist"


def test_item_ids_map_columns_and_similar_items():
    X, dense = random_matrix(seed=6)
    ids = np.arange(100, 112)
    model = ItemCFRecommender().fit(X, item_ids=ids)
    recommended, _ = model.recommend(0, n=3)
    assert set(recommended) <= set(ids)
    similar, sims = model.similar_items(105, n=4)
    assert 105 not in similar and len(similar) == 4
    truth = brute_force(dense, "cosine")[5]
    np.testing.assert_allclose(sims, np.sort(truth)[::-1][:4], rtol=1e-5, atol=1e-7)


def test_explain_names_only_held_products_and_sums_to_score():
    X, dense = random_matrix(seed=7)
    model = ItemCFRecommender().fit(X)
    for row in range(10):
        ids, scores = model.recommend(row, n=3)
        held = set(np.flatnonzero(dense[row]).tolist())
        for product, score in zip(ids, scores, strict=True):
            why = model.explain(row, product, n=99)
            assert set(why["product_id"]) <= held
            assert why["contribution"].is_monotonic_decreasing
            assert why["contribution"].sum() == pytest.approx(score, rel=1e-5, abs=1e-6)


def test_bad_inputs_give_clear_errors():
    X, dense = random_matrix()
    with pytest.raises(InputError, match="scipy.sparse"):
        ItemCFRecommender().fit(dense)
    negative = X.copy()
    negative.data[5] = -1.0
    with pytest.raises(InputError, match="negative or non-finite value -1.0 at row"):
        ItemCFRecommender().fit(negative)
    nan = X.copy()
    nan.data[0] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        ItemCFRecommender().fit(nan)
    with pytest.raises(InputError, match="similarity='pearson'"):
        ItemCFRecommender(similarity="pearson").fit(X)
    model = ItemCFRecommender().fit(X)
    with pytest.raises(InputError, match="customer row 60 is out of range: allowed 0..59"):
        model.recommend(60)
    with pytest.raises(InputError, match="unknown product id 99"):
        model.similar_items(99)
    with pytest.raises(InputError, match="n=0"):
        model.recommend(0, n=0)


def test_unfitted_model_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ItemCFRecommender().recommend(0)


def test_holdout_split_hides_one_per_customer_and_is_seeded():
    X, _ = random_matrix(users=200, items=10, density=0.3, seed=8)
    train, test = holdout_split(X, random_state=1)
    np.testing.assert_allclose((train + test).toarray(), X.toarray())
    counts = np.diff(X.indptr)
    np.testing.assert_array_equal(np.diff(test.indptr), (counts >= 2).astype(int))
    again = holdout_split(X, random_state=1)[1]
    assert (again != test).nnz == 0
    assert (holdout_split(X, random_state=2)[1] != test).nnz > 0
    train20, test20 = holdout_split(X, fraction=0.2, random_state=1)
    hidden = np.diff(test20.indptr)
    expected = np.where(counts >= 2, np.clip(np.round(0.2 * counts), 1, counts - 1), 0)
    np.testing.assert_array_equal(hidden, expected)
    assert (np.diff(train20.indptr)[counts >= 1] >= 1).all()


def test_ranking_metrics_known_answer():
    test = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]], float))
    recommended = np.array([[1, 0], [3, 2], [0, 1]])
    m = ranking_metrics(recommended, test, k=2, popularity=np.array([0.5, 0.25, 0.5, 0.125]))
    assert m["hit_rate"] == pytest.approx(1.0)
    assert m["precision"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert m["recall"] == pytest.approx((1 + 1 / 2) / 2)
    ideal_two = 1 + 1 / np.log2(3)
    assert m["ndcg"] == pytest.approx((1.0 + (1 / np.log2(3)) / ideal_two) / 2)
    assert m["map"] == pytest.approx((1.0 + (1 / 2) / 2) / 2)
    assert m["coverage"] == pytest.approx(1.0)
    assert m["novelty"] == pytest.approx(np.mean(-np.log2([0.25, 0.5, 0.125, 0.5])))


def test_top_n_from_scores_excludes_train_items():
    train = sp.csr_matrix(np.array([[1, 0, 0], [0, 0, 1]], float))
    top = top_n_from_scores(np.array([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0]]), train, 2)
    np.testing.assert_array_equal(top, [[1, 2], [0, 1]])


def test_cli_recommend_in_process(small_bank_path, capsys):
    """`bankml recommend` through `bankml.cli.main`: offers exclude holdings, an unknown customer
    is one error line, exit 2 (the subprocess run below is the slow tier's). `--no-segments`
    skips the auto-k segmentation fit, the costly part of this test: segment names entering the
    model and its reasons are tests/model/test_recommend_quality.py's, and the subprocess run
    below keeps the CLI's default (segments on) end to end."""
    from bankml.cli import main

    db = str(small_bank_path)
    args = ["recommend", "--db", db, "--customer", "12", "--top", "3", "--json", "--no-segments"]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    held = {h["product_id"] for h in payload["holdings"]}
    assert len(payload["recommendations"]) == 3
    assert not held & {r["product_id"] for r in payload["recommendations"]}
    assert main(["recommend", "--db", db, "--customer", "999999", "--no-segments"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("bankml recommend: error:")]
    assert len(errors) == 1 and "unknown customer id 999999" in errors[0]
    assert "Traceback" not in err


@pytest.mark.slow  # two interpreter start-ups: test_cli_recommend_in_process keeps this fast
def test_cli_recommend_json_and_unknown_customer(bankml_cli, small_bank_path):
    ok = bankml_cli(
        "recommend", "--db", str(small_bank_path), "--customer", "12", "--top", "3", "--json"
    )
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    held = {h["product_id"] for h in payload["holdings"]}
    assert len(payload["recommendations"]) == 3
    assert not held & {r["product_id"] for r in payload["recommendations"]}
    bad = bankml_cli("recommend", "--db", str(small_bank_path), "--customer", "999999")
    assert bad.returncode == 2
    errors = [
        line for line in bad.stderr.splitlines() if line.startswith("bankml recommend: error:")
    ]
    assert len(errors) == 1 and "unknown customer id 999999" in errors[0]
    assert "Traceback" not in bad.stderr


def test_bayes_similarity_equals_explicit_naive_bayes():
    X, dense = random_matrix(users=120, items=8, density=0.35, seed=9)
    binary = (dense > 0).astype(float)
    model = ItemCFRecommender(similarity="bayes").fit(X)
    n, counts = len(binary), binary.sum(axis=0)
    row = binary[4]
    expected = np.empty(8)
    for j in range(8):  # explicit naive Bayes, one candidate at a time
        with_j, without_j = binary[binary[:, j] == 1], binary[binary[:, j] == 0]
        log_odds = np.log((counts[j] + 1) / (n - counts[j] + 1))
        for i in range(8):
            if i == j:
                continue
            p1 = (with_j[:, i].sum() + 1) / (len(with_j) + 2)
            p0 = (without_j[:, i].sum() + 1) / (len(without_j) + 2)
            log_odds += np.log(p1 / p0) if row[i] else np.log((1 - p1) / (1 - p0))
        expected[j] = 1 / (1 + np.exp(-log_odds))
    ids, scores = model.recommend(4, n=8, exclude_held=False)
    np.testing.assert_allclose(scores, expected[ids], rtol=1e-4)
    batch_ids, _ = model.recommend(np.arange(120), n=3)
    assert not any(binary[r, batch_ids[r][batch_ids[r] >= 0]].any() for r in range(120))


# --- EASE: the learned item-item model -------------------------------------------------------


def closed_form(U: np.ndarray, l2: float, n_items: int) -> np.ndarray:
    P = np.linalg.inv(U.T @ U + l2 * np.eye(U.shape[1]))
    B = np.eye(U.shape[1]) - P / np.diag(P)[None, :]
    return B[:, :n_items]


def test_ease_weights_equal_the_closed_form_with_zero_diagonal():
    X, dense = random_matrix(80, 10)
    model = EASERecommender(l2=7.0, dropout=0.0).fit(X)
    np.testing.assert_allclose(model.weights_, closed_form(dense, 7.0, 10), atol=2e-5)
    assert np.all(np.diag(model.weights_) == 0)
    assert model.validation_ is None and model.l2_ == 7.0
    denoised = EASERecommender(l2=7.0, dropout=0.25).fit(X)
    G = dense.T @ dense
    P = np.linalg.inv(G + np.diag(7.0 + np.diag(G) / 3.0))
    np.testing.assert_allclose(denoised.weights_, np.eye(10) - P / np.diag(P)[None, :], atol=2e-5)


def test_ease_context_columns_enter_the_regression_and_are_never_recommended():
    X, dense = random_matrix(90, 8, seed=3)
    rng = np.random.default_rng(1)
    context = (rng.random((90, 4)) < 0.4).astype(float)
    model = EASERecommender(l2=3.0, dropout=0.0).fit(
        X, item_ids=np.arange(100, 108), context=sp.csr_matrix(context), context_names=list("abcd")
    )
    U = np.hstack([dense, context])
    B = closed_form(U, 3.0, 8)
    np.testing.assert_allclose(model.weights_, B, atol=2e-5)
    np.testing.assert_allclose(model.scores(np.arange(90)), U @ B, atol=2e-4)
    ids, _ = model.recommend(np.arange(90), n=8)
    assert set(ids[ids >= 0].ravel()) <= set(range(100, 108))
    row = int(np.flatnonzero(context.any(axis=1))[0])
    ids_one, scores_one = model.recommend(row, n=3)
    np.testing.assert_array_equal(ids_one, ids[row, : len(ids_one)])
    terms = model.explain(row, int(ids_one[0]), n=20)
    assert set(terms["kind"]) <= {"product", "context"}
    expected = {
        (("context", "abcd"[c - 8]) if c >= 8 else ("product", 100 + c)): U[row, c]
        * B[c, ids_one[0] - 100]
        for c in np.flatnonzero(U[row])
    }
    for kind, feature, contribution in zip(
        terms["kind"], terms["feature"], terms["contribution"], strict=True
    ):
        assert contribution > 0
        assert contribution == pytest.approx(expected[(kind, feature)], abs=1e-5)
    assert len(terms) == sum(v > 0 for v in expected.values())


def test_ease_similar_items_are_the_largest_learned_weights():
    X, _ = random_matrix(120, 9, seed=4)
    model = EASERecommender(l2=2.0).fit(X, item_ids=np.arange(9) * 10)
    ids, weights = model.similar_items(30, n=3)
    row = model.weights_[3].astype(float)
    row[3] = -np.inf
    np.testing.assert_array_equal(ids, np.argsort(-row, kind="stable")[:3] * 10)
    np.testing.assert_allclose(weights, np.sort(row)[::-1][:3], rtol=1e-6)
    assert 30 not in ids


def test_ease_auto_l2_keeps_the_best_validated_value():
    X, _ = random_matrix(400, 15, density=0.25, seed=5)
    model = EASERecommender(l2_grid=(0.01, 0.1, 1.0, 10.0)).fit(X)
    table = model.validation_
    assert list(table["l2_ratio"]) == sorted(table["l2_ratio"])
    best = float(table.loc[table["ndcg_at_10"].idxmax(), "l2_ratio"])
    gram_scale = float(np.diag((X.T @ X).toarray()).mean())
    assert model.l2_ == pytest.approx(best * gram_scale, rel=1e-4)
    again = EASERecommender(l2_grid=(0.01, 0.1, 1.0, 10.0)).fit(X)
    np.testing.assert_array_equal(model.weights_, again.weights_)


def test_ease_follows_scikit_learn_conventions():
    from sklearn.base import clone

    model = EASERecommender(l2=5.0, validation_fraction=0.3)
    assert model.get_params()["l2"] == 5.0
    copy = clone(model).set_params(l2="auto")
    assert copy.l2 == "auto" and model.l2 == 5.0
    X, _ = random_matrix()
    ids, scores = copy.fit(X).recommend(np.arange(5), n=3)
    assert ids.shape == scores.shape == (5, 3)
    every, _ = copy.recommend(np.arange(60), n=3)  # consecutive rows: sliced, not copied
    picked, _ = copy.recommend(np.array([4, 0, 59, 4]), n=3)
    np.testing.assert_array_equal(picked, every[[4, 0, 59, 4]])
    np.testing.assert_array_equal(copy.recommend(np.arange(10, 20), n=3)[0], every[10:20])


def test_ease_bad_inputs_give_clear_errors(monkeypatch):
    from bankml.recommend import ease

    X, _ = random_matrix()
    with pytest.raises(InputError, match="l2=-1"):
        EASERecommender(l2=-1).fit(X)
    with pytest.raises(InputError, match="dropout=1"):
        EASERecommender(dropout=1).fit(X)
    with pytest.raises(InputError, match="l2='best'"):
        EASERecommender(l2="best").fit(X)
    with pytest.raises(InputError, match="context has 3 rows but X has 60"):
        EASERecommender().fit(X, context=sp.csr_matrix(np.ones((3, 2))))
    with pytest.raises(InputError, match="context_names must be 2 names"):
        EASERecommender().fit(X, context=sp.csr_matrix(np.ones((60, 2))), context_names=["a"])
    monkeypatch.setattr(ease, "EASE_COLUMN_LIMIT", 5)
    with pytest.raises(InputError, match="at most 5 products"):
        EASERecommender().fit(X)
    monkeypatch.undo()
    model = EASERecommender(l2=1.0).fit(X)
    with pytest.raises(InputError, match="out of range"):
        model.recommend(60)
    with pytest.raises(InputError, match="unknown product id 99"):
        model.explain(0, 99)


def test_customer_context_bands_flags_and_segment_names():
    import pandas as pd

    from bankml.recommend.context import SEGMENT_WEIGHT

    customers = pd.DataFrame(
        {
            "age": [19, 30, 70],
            "annual_income": [20_000.0, 50_000.0, 200_000.0],
            "tenure_months": [3, 40, 200],
            "dependents": [0, 2, 0],
            "employment_status": ["student", "employed", "retired"],
        }
    )
    segments = pd.Series(["Starters", "Families", "Retirees"])
    matrix, names = customer_context(customers, segments)
    held = [set(names[matrix[i].indices]) for i in range(3)]
    assert held[0] == {"aged under 25", "income under 25k", "customer for under a year",
                       "a student", "Starters"}  # fmt: skip
    assert {"aged 25-34", "income 45k-75k", "with dependents", "Families"} <= held[1]
    assert {"aged 65 or over", "income 120k or more", "retired", "Retirees"} <= held[2]
    assert matrix[0, list(names).index("Starters")] == SEGMENT_WEIGHT
    # the extract's income sentinel is a missing income, not the top income band
    sentinel, names = customer_context(
        customers.assign(annual_income=[20e3, 99_999_999.0, 0]), None
    )
    assert not any(str(names[j]).startswith("income") for j in sentinel[1].indices)
    assert "income under 25k" in set(names[sentinel[2].indices])
    with pytest.raises(InputError, match="'age' has -4.0 at row 1"):
        customer_context(customers.assign(age=[20, -4, 30]), None)
    with pytest.raises(InputError, match="lacks column"):
        customer_context(customers.drop(columns="tenure_months"), None)


def test_risk_view_scores_every_customer_on_their_own_profile():
    import pandas as pd

    customers = pd.DataFrame({"customer_id": [1, 2, 3], "annual_income": [10.0, 20.0, 30.0]})
    loans = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "application_date": pd.to_datetime(["2024-01-01", "2025-01-01", "2024-06-01"]),
            "loan_amount": [100.0, 300.0, 200.0],
            "term_months": [12, 36, 24],
            "interest_rate": [0.05, 0.07, 0.06],
            "purpose": ["car", "car", "home"],
            "debt_to_income": [0.1, 0.4, 0.2],
            "credit_utilization": [0.5, 0.6, 0.7],
            "open_credit_lines": [1, 2, 3],
        }
    )
    profiles = risk_profiles(customers, loans)
    assert list(profiles["customer_id"]) == [1, 2, 3]
    assert list(profiles["debt_to_income"]) == [0.4, 0.2, 0.2]  # latest, latest, bank median
    assert profiles["loan_amount"].nunique() == 1 and profiles["loan_amount"].iloc[0] == 200.0

    class Model:
        cutoff_ = 0.3

        def predict_pd(self, frame):
            return frame["annual_income"].to_numpy() / 100

    view = risk_view(Model(), customers, loans)
    assert view.active and list(view.pd_by_customer) == [0.1, 0.2, 0.3]

    class Broken(Model):
        def predict_pd(self, frame):
            raise KeyError("purpose_code")

    off = risk_view(Broken(), customers, loans)
    assert not off.active and "cannot score" in off.note and "purpose_code" in off.note
    assert RiskView.off("no model").note == "risk check off: no model"
    with pytest.raises(InputError, match="predict_pd and cutoff_"):
        risk_view(object(), customers, loans)


def test_temporal_split_fits_on_the_past_and_scores_new_products():
    import pandas as pd

    holdings = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3, 3, 3, 1],
            "product_id": [10, 11, 10, 12, 11, 12, 10, 10],
            "opened_date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2025-06-01",
                    "2024-02-01",
                    "2024-03-01",
                    "2025-07-01",
                    "2024-04-01",
                    "2025-08-01",
                    "2025-09-01",
                ]  # fmt: skip
            ),
        }
    )
    ids, products = np.array([1, 2, 3]), np.array([10, 11, 12])
    # the earlier protocol: the date at a quantile of all opening dates
    train, test, split, last = temporal_split(
        holdings, ids, products, horizon_months=None, quantile=0.5
    )
    assert split == holdings["opened_date"].quantile(0.5) and last == pd.Timestamp("2025-09-01")
    assert train.toarray().tolist() == [[1, 0, 0], [1, 0, 1], [0, 0, 1]]
    assert test.toarray().tolist() == [[0, 1, 0], [0, 0, 0], [1, 1, 0]]  # 1 re-opened 10: not new
    # the headline: a fixed horizon before the last opening (holdings alone suffice)
    train, test, split, last = temporal_split(
        holdings, ids, products, horizon_months=3, min_test_customers=1
    )
    assert split == pd.Timestamp("2025-06-01") and last == pd.Timestamp("2025-09-01")
    assert train.toarray().tolist() == [[1, 0, 0], [1, 0, 1], [0, 0, 1]]  # on the date: test
    assert test.toarray().tolist() == [[0, 1, 0], [0, 0, 0], [1, 1, 0]]
    with pytest.raises(InputError, match="opened_date"):
        temporal_split(holdings.drop(columns="opened_date"), np.array([1]), np.array([10]))


def test_the_horizon_split_refuses_a_window_without_history_or_openings():
    import pandas as pd

    from bankml.recommend.temporal import check_transaction_history, split_date

    rng = np.random.default_rng(0)
    n = 2_000
    holdings = pd.DataFrame(
        {
            "customer_id": np.arange(n) % 400,
            "product_id": rng.integers(0, 20, n),
            "opened_date": pd.Timestamp("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
        }
    ).drop_duplicates(["customer_id", "product_id"])
    ids, products = np.arange(400), np.arange(20)
    train, test, split, last = temporal_split(holdings, ids, products)  # 12 months, 10 years
    assert split == last - pd.DateOffset(months=12) and (np.diff(test.indptr) > 0).sum() >= 50
    with pytest.raises(InputError, match=r"the last 96 months .* hold \d+% of the .* at least 50%"):
        temporal_split(holdings, ids, products, horizon_months=96)
    old = holdings[holdings["opened_date"] < pd.Timestamp("2023-06-01")]
    unheld = int(np.setdiff1d(products, old.loc[old["customer_id"] == 0, "product_id"])[0])
    one = pd.DataFrame({"customer_id": [0], "product_id": [unheld],
                        "opened_date": [pd.Timestamp("2024-12-31")]})  # fmt: skip
    with pytest.raises(InputError, match=r"only 1 customer\(s\) opened .* at least 50"):
        temporal_split(pd.concat([old, one]), ids, products)
    for bad in (0, 2.5, 500):
        with pytest.raises(InputError, match="horizon_months"):
            split_date(holdings, horizon_months=bad)
    with pytest.raises(InputError, match="exactly one"):
        split_date(holdings, horizon_months=12, quantile=0.8)
    # the bank's transactions must start at least 6 months before the date; none at all is fine
    check_transaction_history(None, split)
    check_transaction_history((split - pd.DateOffset(months=7), last), split)
    with pytest.raises(InputError, match="transactions start on .* less than 6 months before"):
        check_transaction_history((split - pd.DateOffset(months=2), last), split)


def test_oracle_prefers_the_per_customer_truth_table():
    import pandas as pd

    from bankml.recommend.evaluation import oracle_scores

    ids, products = np.array([1, 2]), np.array([10, 11])
    tables = {
        "truth_segments": pd.DataFrame({"customer_id": [1, 2], "segment": [0, 1]}),
        "truth_affinity": pd.DataFrame(
            {
                "segment": [0, 0, 1, 1],
                "product_id": [10, 11, 10, 11],
                "propensity": [0.9, 0.1, 0.2, 0.8],
            }
        ),
    }
    scores, source = oracle_scores(tables, ids, products)
    assert "truth_affinity" in source and scores.tolist() == [[0.9, 0.1], [0.2, 0.8]]
    tables["truth_propensity"] = pd.DataFrame(
        {"customer_id": [1, 1, 2, 2], "product_id": [10, 11, 10, 11], "p": [0.3, 0.4, 0.5, 0.6]}
    )
    scores, source = oracle_scores(tables, ids, products)
    assert "truth_propensity" in source and scores.tolist() == [[0.3, 0.4], [0.5, 0.6]]
    assert oracle_scores({}, ids, products)[0] is None


def test_temporal_oracle_is_the_next_product_propensity_given_the_split_date_holdings():
    import pandas as pd

    from bankml.recommend.evaluation import oracle_scores

    ids, products = np.array([1, 2]), np.array([10, 11, 12])
    appeal = np.array([[0.2, -0.1, 0.4], [0.0, 0.3, -0.5]])
    tables = {
        "truth_propensity": pd.DataFrame(
            {
                "customer_id": np.repeat(ids, 3),
                "product_id": np.tile(products, 2),
                "p": [0.1, 0.2, 0.7, 0.3, 0.3, 0.4],  # end-of-data propensity: leave-one-out
                "appeal": appeal.ravel(),
            }
        ),
        "truth_complements": pd.DataFrame(
            {"held_product_id": [10, 0], "product_id": [11, 10], "log_odds": [1.5, 2.0]}
        ),
    }
    held = sp.csr_matrix(np.array([[1, 0, 0], [0, 0, 0]], dtype=np.float32))  # on the split date
    scores, source = oracle_scores(tables, ids, products, held=held)

    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    # customer 1 holds 10: 10 is out, 11 gains the complement; customer 2 holds nothing yet: the
    # first product's boost applies
    expected_1 = np.r_[0.0, softmax(np.array([-0.1 + 1.5, 0.4]))]
    expected_2 = softmax(np.array([0.0 + 2.0, 0.3, -0.5]))
    assert "split date" in source
    assert np.allclose(scores, [expected_1, expected_2])
    assert scores[0].argmax() == 1 and scores[1].argmax() == 0  # the ranking changes with holdings
    p, source = oracle_scores(tables, ids, products)  # no date: the end-of-data propensity
    assert "truth_propensity" in source and p.tolist() == [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]]


def test_generator_truth_gives_back_its_next_product_propensity():
    """The generator's truth tables reproduce its own p_next from the products held at the end,
    so the temporal oracle (the same formula on the split date's holdings) is the generator's."""
    from bankml.recommend.bank import _matrix
    from bankml.recommend.evaluation import oracle_scores
    from synth import BankParams, generate

    tables = generate(BankParams(customers=1_500, seed=3, txn_per_customer=5)).tables
    X, ids, products = _matrix(tables["customers"], tables["products"], tables["holdings"])
    scores, _ = oracle_scores(tables, ids, products, held=X)
    truth = tables["truth_propensity"].pivot(
        index="customer_id", columns="product_id", values="p_next"
    )
    assert np.allclose(scores, truth.reindex(index=ids, columns=products).to_numpy(), atol=1e-9)
    assert (np.diff(X.indptr) == 0).any()  # customers holding nothing: the first-product boost
    links = tables["truth_complements"]
    assert (links["held_product_id"] == 0).sum() == 3 and (links["log_odds"] != 0).all()


def test_customers_holding_nothing_get_the_context_only_part_and_nobody_else_does():
    from bankml.recommend import NextProductRecommender

    rng = np.random.default_rng(0)
    n = 400
    flag = rng.random(n) < 0.5  # two kinds of customers: flag A holds product 0, B product 1
    X = np.zeros((n, 4), np.float32)
    X[flag, 0] = 1
    X[~flag, 1] = 1
    X[:, 2] = rng.random(n) < 0.6  # a product everyone holds as often
    X[:, 3] = rng.random(n) < 0.1
    X[:40] = 0  # customers holding nothing yet
    context = sp.csr_matrix(np.column_stack([flag, ~flag]).astype(np.float32))
    names = ["kind A", "kind B"]
    on = NextProductRecommender(l2=1.0).fit(sp.csr_matrix(X), context=context, context_names=names)
    off = NextProductRecommender(l2=1.0, new_customer_weight=0).fit(
        sp.csr_matrix(X), context=context, context_names=names
    )
    assert off.new_customer_weights_ is None and on.new_customer_weights_.shape == (2, 4)
    assert list(on.context_names_) == ["kind A", "kind B", "no products yet", "kind A", "kind B"]
    held = np.arange(40, n)
    assert np.allclose(on.scores(held), off.scores(held))  # customers with products: unchanged
    new = np.arange(40)
    extra = context[new] @ on.new_customer_weights_
    assert np.allclose(on.scores(new), off.scores(new) + extra, atol=1e-5)
    # what customers like them hold: kind A's new customers are offered product 0 before 1
    B = on.new_customer_weights_
    assert B[0, 0] > B[0, 1] and B[1, 1] > B[1, 0]
    first_a = on.recommend(int(np.flatnonzero(flag[:40])[0]), n=4)[0]
    assert list(first_a).index(0) < list(first_a).index(1)
    # the batch path builds the same rows from held products and context
    assert (on.design(sp.csr_matrix(X), context) != on._U).nnz == 0
    # a flag entering through two columns is one reason, its weights summed
    row = int(np.flatnonzero(flag[:40])[0])
    terms = on.explain(row, 0, n=5)
    assert terms["feature"].tolist().count("kind A") == 1
    total = on.weights_[[0 + 4, 3 + 4], 0].sum()  # kind A and its new-customer copy
    assert np.isclose(terms.set_index("feature").loc["kind A", "weight"], total)
    with pytest.raises(InputError, match="new_customer_weight"):
        NextProductRecommender(new_customer_weight=-1).fit(sp.csr_matrix(X))


class _FakeSegmenter:
    """A fitted segmentation in the shape segment_memberships reads (identity transform)."""

    def __init__(self, centres):
        self.cluster_centers_ = np.asarray(centres, float)

    def transform(self, frame):
        return frame.to_numpy(float)


def _fake_result(centres, ids, names):
    import types

    import pandas as pd

    return types.SimpleNamespace(
        model=_FakeSegmenter(centres),
        centroids=pd.DataFrame(index=pd.Index(ids, name="segment")),
        names=dict(zip(ids, names, strict=True)),
    )


def test_segment_memberships_are_a_softmax_of_distances_named_by_segment():
    import pandas as pd

    from bankml.recommend import segment_memberships

    # centres in the model's order carry segment ids 1 and 0 (a refit matched to an earlier one):
    # the first centre is segment 1, "Savers", not names[0]
    result = _fake_result([[0.0, 0.0], [4.0, 0.0]], [1, 0], ["Savers", "Travellers"])
    features = pd.DataFrame({"a": [0.0, 1.0, 2.0, 4.0], "b": 0.0}, index=[10, 11, 12, 13])
    m = segment_memberships(result, features, temperature=0.5)
    assert list(m.columns) == ["Savers", "Travellers"] and list(m.index) == [10, 11, 12, 13]
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    squared = np.array([[0, 16], [1, 9], [4, 4], [16, 0]], float)
    spread = squared.min(axis=1).mean()  # mean squared distance to the own centre: 1.25
    expected = np.exp(-squared / (0.5 * spread))
    np.testing.assert_allclose(m.to_numpy(), expected / expected.sum(axis=1, keepdims=True))
    assert m.loc[12, "Travellers"] == pytest.approx(0.5)  # half-way: half each
    sharper = segment_memberships(result, features, temperature=0.1)
    assert sharper.loc[11, "Savers"] > m.loc[11, "Savers"] > 0.5
    with pytest.raises(InputError, match="temperature=0 must be a number > 0"):
        segment_memberships(result, features, temperature=0)
    one = segment_memberships(_fake_result([[0.0, 0.0]], [0], ["All"]), features)
    assert list(one.columns) == ["All"] and (one["All"] == 1.0).all()


def test_customer_context_takes_soft_memberships_as_weighted_segment_columns():
    import pandas as pd

    from bankml.recommend.bank import aligned_segments
    from bankml.recommend.context import SEGMENT_WEIGHT

    customers = pd.DataFrame(
        {"age": [30, 40, 50], "annual_income": [5e4, 6e4, 7e4], "tenure_months": [5, 50, 100]}
    )
    memberships = pd.DataFrame(
        {"Savers": [0.7, 0.005, 0.5], "Travellers": [0.3, 0.995, 0.5]}, index=[7, 8, 9]
    )
    aligned = aligned_segments(memberships, np.array([7, 8, 9]))
    matrix, names = customer_context(customers, aligned)
    assert list(names[-2:]) == ["Savers", "Travellers"]
    block = matrix.toarray()[:, -2:]
    # below MIN_MEMBERSHIP a segment says nothing about the customer
    np.testing.assert_allclose(
        block, SEGMENT_WEIGHT * np.array([[0.7, 0.3], [0, 0.995], [0.5, 0.5]])
    )
    with pytest.raises(InputError, match="lack 1 of 4 customers"):
        aligned_segments(memberships, np.array([6, 7, 8, 9]))
    with pytest.raises(InputError, match="column 'Savers' has 1.5 for customer 8: allowed 0..1"):
        aligned_segments(memberships.assign(Savers=[0.1, 1.5, 0.2]), np.array([7, 8, 9]))
