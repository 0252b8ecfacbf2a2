"""Unit tests of bankml.segment: the estimator on known answers, the k rule, matching, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import estimator_checks_generator

from bankml.customer_features import build_query, definition
from bankml.errors import InputError
from bankml.segment import (
    CustomerSegmenter,
    check_k,
    match_segments,
    migration_matrix,
    segment_customers,
)
from bankml.segment.choice import choose_k, decide
from bankml.segment.explain import explain, plausibility_warnings
from bankml.segment.features import feature_catalogue

BLOB_FEATURES = ["age", "dependents", "digital_share"]


def blobs(n: int = 600, centers: int = 4, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_blobs(
        n_samples=n,
        centers=centers,
        n_features=3,
        cluster_std=0.4,
        random_state=seed,
        center_box=(-10, 10),
    )
    frame = pd.DataFrame(X + 20, columns=BLOB_FEATURES)
    frame.index = pd.RangeIndex(1, n + 1, name="customer_id")
    return frame, y


def test_well_separated_blobs_give_right_k_and_perfect_ari():
    frame, truth = blobs(centers=4)
    model = CustomerSegmenter(k="auto", features=BLOB_FEATURES, n_init=4).fit(frame)
    assert model.k_ == 4
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    assert list(model.k_scores_.index) == list(range(2, 11))
    assert model.k_scores_["chosen"].sum() == 1


@pytest.mark.parametrize("centers", [3, 5])
def test_auto_k_follows_the_number_of_blobs(centers):
    frame, truth = blobs(centers=centers, seed=centers)
    model = CustomerSegmenter(features=BLOB_FEATURES, n_init=4).fit(frame)
    assert model.k_ == centers
    assert adjusted_rand_score(truth, model.labels_) > 0.99


def test_labels_are_deterministic_for_a_fixed_random_state():
    frame, _ = blobs(centers=5, seed=3)
    a = CustomerSegmenter(k=6, random_state=11, features=BLOB_FEATURES, n_init=2).fit(frame)
    b = CustomerSegmenter(k=6, random_state=11, features=BLOB_FEATURES, n_init=2).fit(frame)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_segment_ids_are_ordered_by_size_and_predict_reproduces_training_labels():
    frame, _ = blobs(centers=4, seed=2)
    model = CustomerSegmenter(k=4, features=BLOB_FEATURES).fit(frame)
    sizes = np.bincount(model.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    np.testing.assert_array_equal(model.predict(frame), model.labels_)


def test_minibatch_path_above_the_threshold():
    frame, truth = blobs(n=2_000, centers=4, seed=5)
    model = CustomerSegmenter(k=4, features=BLOB_FEATURES, minibatch_threshold=1_000).fit(frame)
    assert type(model.model_).__name__ == "MiniBatchKMeans"
    assert adjusted_rand_score(truth, model.labels_) > 0.99


def gap_table(gaps: list[float], se: float = 0.001, stability: float = 0.95) -> pd.DataFrame:
    """A sweep table for k = 1, 2, ... with the given gaps."""
    k = range(1, len(gaps) + 1)
    return pd.DataFrame(
        {"gap": gaps, "gap_se": se, "stability": stability}, index=pd.Index(k, name="k")
    )


def test_gap_rule_takes_the_first_k_where_the_gap_stops_growing():
    # rising to 5, then a plateau whose wiggles are within 2 %: 5 wins the tie
    scores = gap_table([0.0, 0.10, 0.20, 0.30, 0.40, 0.405, 0.41, 0.40, 0.41, 0.40, 0.40])
    assert choose_k(scores, 2, 10) == 5
    # a real step up after 5 is not a tie
    scores = gap_table([0.0, 0.10, 0.20, 0.30, 0.40, 0.50, 0.51, 0.50, 0.51, 0.50, 0.50])
    assert choose_k(scores, 2, 10) == 6


def test_gap_rule_returns_one_group_when_two_do_not_help():
    scores = gap_table([0.0, 0.001, 0.002, 0.001, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert choose_k(scores, 2, 10) == 1
    assert decide(scores, 2, 10, structure=0.0).k is None


def test_decide_refuses_unstable_or_structureless_segments():
    scores = gap_table([0.0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3])
    assert decide(scores, 2, 10, structure=0.2).k == 4
    flat = decide(scores, 2, 10, structure=0.001)
    assert flat.k is None and "same correlations" in flat.reason
    shaky = decide(gap_table(scores["gap"].tolist(), stability=0.3), 2, 10, structure=0.2)
    assert shaky.k is None and "not reproducible" in shaky.reason


@pytest.mark.parametrize("kind", ["correlated gaussian", "uniform"])
def test_data_without_clusters_get_no_k(kind):
    rng = np.random.default_rng(0)
    if kind == "uniform":
        values = rng.uniform(size=(1_500, 6))
    else:
        values = rng.normal(size=(1_500, 6)) @ rng.normal(size=(6, 6))
    model = CustomerSegmenter(n_init=2).fit(values)
    assert model.k_ is None
    assert (model.labels_ == 0).all()
    reasons = ("no more than", "one group", "not reproducible")
    assert any(reason in model.choice_.reason for reason in reasons)


def test_feature_sql_is_one_statement_in_both_dialects():
    categories = ["groceries", "home & garden"]
    duck, spark = build_query(categories, "duckdb"), build_query(categories, "spark")
    names = [f.name for f in definition(categories)]
    assert "mix_home___garden" in names and len(names) == len(set(names))
    for name in names:
        assert f"AS {name}" in duck and f"AS {name}" in spark
    assert "date_diff('day'" in duck and "datediff(" in spark and "{" not in spark
    with pytest.raises(InputError, match="dialect='oracle'"):
        build_query(categories, "oracle")


def test_implausible_combinations_are_warned_about():
    form = {
        "age": 18,
        "annual_income": 9_000_000,
        "dependents": 12,
        "transactions_per_month": 900,
        "average_ticket": 80,
    }
    warnings = plausibility_warnings(form)
    assert any("12 dependents" in w for w in warnings)
    assert any("income 9,000,000 at age 18" in w for w in warnings)
    assert any("900 transactions a month" in w for w in warnings)
    ordinary = {**form, "age": 40, "annual_income": 60_000, "dependents": 2}
    ordinary["transactions_per_month"] = 20
    assert plausibility_warnings(ordinary) == []


@pytest.mark.parametrize("bad", [1, 0, 21, -3, "abc", "2.5", True, 3.5])
def test_k_outside_range_is_an_input_error(bad):
    with pytest.raises(InputError, match="allowed 'auto' or 2..20"):
        check_k(bad)


def test_k_accepts_auto_and_numeric_text():
    assert check_k("auto") == "auto"
    assert check_k("7") == 7
    assert check_k(20) == 20


def test_fewer_customers_than_k_is_an_input_error():
    frame, _ = blobs(n=600)
    with pytest.raises(InputError, match=r"5 customers \(n_samples=5\) are too few for k=8"):
        CustomerSegmenter(k=8, features=BLOB_FEATURES).fit(frame.head(5))
    with pytest.raises(InputError, match="too few"):
        segment_customers(frame.head(9), k="auto", features=BLOB_FEATURES)


def test_non_finite_feature_names_column_and_row():
    frame, _ = blobs()
    frame.loc[7, "age"] = np.nan
    with pytest.raises(InputError, match="column 'age', row 7"):
        CustomerSegmenter(k=3, features=BLOB_FEATURES).fit(frame)


def test_unknown_feature_is_an_input_error():
    frame, _ = blobs()
    with pytest.raises(InputError, match="unknown feature 'height'"):
        CustomerSegmenter(k=3, features=["height"]).fit(frame)


def test_hungarian_matching_recovers_a_permutation():
    rng = np.random.default_rng(0)
    previous = pd.DataFrame(rng.normal(size=(5, 3)) * 10, columns=list("abc"))
    order = [3, 0, 4, 1, 2]
    current = previous.iloc[order].reset_index(drop=True) + rng.normal(0, 0.01, (5, 3))
    mapping = match_segments(previous, current)
    assert mapping == {i: order[i] for i in range(5)}


def test_matching_gives_fresh_ids_when_k_grows():
    previous = pd.DataFrame({"a": [0.0, 10.0]})
    current = pd.DataFrame({"a": [10.1, 5.0, 0.1]})
    mapping = match_segments(previous, current)
    assert mapping[0] == 1 and mapping[2] == 0
    assert mapping[1] == 2


def test_migration_matrix_counts_movers():
    before = pd.Series([0, 0, 1, 1, 1], index=[1, 2, 3, 4, 5])
    after = pd.Series([0, 1, 1, 1, 2], index=[1, 2, 3, 4, 6])
    matrix = migration_matrix(before, after)
    assert matrix.to_numpy().sum() == 4  # customer 5 and 6 are not in both
    assert matrix.loc[0, 1] == 1 and matrix.loc[1, 1] == 2


def test_segment_customers_on_a_frame_returns_complete_result():
    frame, truth = blobs(centers=4, seed=1)
    result = segment_customers(frame, k="auto", features=BLOB_FEATURES, n_init=2)
    assert result.k == 4
    assert result.profiles["size"].sum() == len(frame)
    assert result.profiles["name"].is_unique
    assert list(result.labels.index) == list(frame.index)
    assert set(result.projection.columns) >= {"customer_id", "pc1", "pc2", "segment", "name"}
    assert 0 < sum(result.explained_variance) <= 1.0 + 1e-9
    assert result.stability_ari > 0.99


def _check_name(check) -> str:
    return getattr(check, "func", check).__name__


# Every scikit-learn check except the array-API one, which needs SCIPY_ARRAY_API set before
# scipy is imported and would otherwise only be skipped. Plain matrices are clustered column by
# column without log transforms.
SKLEARN_CHECKS = [
    (estimator, check)
    for estimator, check in estimator_checks_generator(CustomerSegmenter(k=3, n_init=1))
    if _check_name(check) != "check_array_api_input"
]


@pytest.mark.parametrize(
    ("estimator", "check"), SKLEARN_CHECKS, ids=[_check_name(c) for _, c in SKLEARN_CHECKS]
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_large_inputs_sweep_k_on_a_sample_then_fit_everyone():
    frame, truth = blobs(n=3_000, centers=5, seed=5)
    model = CustomerSegmenter(features=BLOB_FEATURES, sweep_sample=600, n_init=2).fit(frame)
    assert model.k_ == 5
    assert (model.k_scores_["customers"] == 600).all()
    assert len(model.labels_) == 3_000
    assert adjusted_rand_score(truth, model.labels_) > 0.99


def test_fixed_k_on_large_inputs_also_starts_from_the_sample():
    frame, truth = blobs(n=3_000, centers=5, seed=5)
    model = CustomerSegmenter(k=5, features=BLOB_FEATURES, sweep_sample=600).fit(frame)
    assert list(model.k_scores_["customers"]) == [600]
    assert adjusted_rand_score(truth, model.labels_) > 0.99


def test_above_fit_sample_centres_come_from_a_sample_and_everyone_is_assigned():
    frame, truth = blobs(n=4_000, centers=5, seed=6)
    model = CustomerSegmenter(k=5, features=BLOB_FEATURES, sweep_sample=600, fit_sample=1_000)
    model.fit(frame)
    assert len(model.labels_) == 4_000
    assert adjusted_rand_score(truth, model.labels_) > 0.99
    np.testing.assert_array_equal(model.predict(frame), model.labels_)


def test_fragility_spend_describes_segments_but_is_not_clustered_on():
    catalogue = feature_catalogue(["fees", "gambling", "groceries", "home & garden"])
    clustered = {f.name for f in catalogue if f.cluster}
    assert {"mix_groceries", "mix_home___garden", "age"} <= clustered
    assert not {"mix_fees", "mix_gambling"} & clustered
    assert {"mix_fees", "mix_gambling"} <= {f.name for f in catalogue}


def test_segment_customers_without_structure_reports_one_group_and_explains_it():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "age": rng.uniform(20, 80, 1_500),
            "dependents": rng.uniform(0, 4, 1_500),
            "digital_share": rng.uniform(0, 1, 1_500),
        },
        index=pd.RangeIndex(1, 1_501, name="customer_id"),
    )
    result = segment_customers(frame, k="auto", features=BLOB_FEATURES, n_init=2)
    assert result.k is None and result.choice.k is None
    assert list(result.profiles["name"]) == ["All customers (no clear segments)"]
    assert result.profiles["size"].iloc[0] == 1_500
    found = explain(result, frame.head(1))
    assert found.segment == 0 and found.runner_up is None


def test_bench_judges_k_only_where_the_ceiling_allows_and_extrapolates_the_sweep():
    from bankml.bench.segment import _quality_rows
    from bankml.bench.segment_speed import speed_rows as _speed_rows

    r = {
        "k": None,
        "ari": 0.5,
        "ceiling_accuracy": 0.8,
        "ceiling_ari": 0.7,
        "gmm_ari": 0.4,
        "kmeans_ari": 0.45,
        "customers": 3_000,
    }
    k_row, ceiling_row, kmeans_row, _ = _quality_rows("sparse_txn", "choose", r)
    assert k_row.value == -1 and k_row.passed is None  # ceiling accuracy below 0.85
    assert ceiling_row.passed is False  # 0.5 < 0.85 x 0.7
    assert kmeans_row.passed is True
    assert k_row.metric.startswith("choose sparse_txn (3,000 customers)")
    assert _quality_rows("sparse_txn", "choose", {**r, "ceiling_accuracy": 0.9})[0].passed is False
    speed = {
        "k": 7,
        "algorithm": "KMeans",
        "feature_seconds": 2.0,
        "fit_seconds": 1.0,
        "sweep_seconds": 30.0,
        "plain_seconds": 0.5,
    }
    features, fit, sweep, rss = _speed_rows("100k", speed, 500.0, 10.0)
    assert features.value == 20.0 and fit.value == 10.0 and rss.value == 5000.0
    assert sweep.value == 39.0  # the sampled sweep plus nine more final fits, not 10 x 30 s
    assert "extrapolated from 100,000" in sweep.metric
    # only the growth above the process before the data scales: 300 + 10 x (500 - 300) MB
    *_, rss = _speed_rows("100k", {**speed, "base_rss_mb": 300.0}, 500.0, 10.0)
    assert rss.value == 2300.0 and "300 MB before the data" in rss.metric
    *_, rss = _speed_rows("1M", {**speed, "base_rss_mb": 300.0}, 500.0, 1.0)
    assert rss.value == 500.0 and "extrapolated" not in rss.metric
    # refined on 150k of the 1M (1.5x the 100k fit), plus nine more 100k assignments
    sampled = {**speed, "fit_sample": 150_000, "assign_seconds": 0.2}
    _, fit, sweep, _ = _speed_rows("100k", sampled, 500.0, 10.0)
    assert fit.value == pytest.approx(1.5 + 1.8)
    assert sweep.value == pytest.approx(30.0 + 3.3 - 1.0)


def test_fixed_k_stability_and_silhouette_run_single_threaded(monkeypatch):
    """The page's fixed-k view: OpenMP/BLAS threads on the busy 2-core machine made the half-sample
    check 18.5 s instead of 0.5 s and the silhouette 1.7 s, so both must run on one thread."""
    from threadpoolctl import threadpool_info

    import bankml.segment as segment
    import bankml.segment.model as model

    seen = {}

    def spy(name, real):
        def wrapped(*args, **kwargs):
            seen[name] = max(pool["num_threads"] for pool in threadpool_info())
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(segment, "half_stability", spy("stability", segment.half_stability))
    monkeypatch.setattr(model, "silhouette_score", spy("silhouette", model.silhouette_score))
    frame, _ = blobs(centers=4, seed=1)
    segment_customers(frame, k=4, features=BLOB_FEATURES, n_init=2)
    assert seen == {"stability": 1, "silhouette": 1}


def test_sweep_silhouette_from_shared_distances_equals_sklearns_per_k():
    """The sweep computes its sample's distances once for every k: each k's silhouette must be
    exactly what silhouette_score gives on the same sample and that k's labels."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    frame, _ = blobs(n=900, centers=4, seed=3)
    model = CustomerSegmenter(
        k="auto", k_range=(2, 5), features=BLOB_FEATURES, silhouette_sample=300, rescale=False
    ).fit(frame)
    Z = model.scaler_.transform(model._raw(frame, model.features_))
    rng = np.random.default_rng(model.random_state)
    sample = np.sort(rng.choice(len(Z), size=300, replace=False))
    for k in range(2, 6):
        labels = KMeans(n_clusters=k, n_init=3, random_state=model.random_state).fit(Z).labels_
        expected = silhouette_score(Z[sample], labels[sample])
        assert model.k_scores_.loc[k, "silhouette"] == pytest.approx(expected, rel=1e-12)


def test_bench_measures_the_sampled_fit_against_a_full_fit_from_its_centres():
    """A fit on a sample then assigning everyone is compared with a full fit of the same kind
    started from its centres: untrimmed, the full Lloyd fit can only lower the inertia; trimmed
    or not, on clear blobs both agree."""
    from bankml.bench.segment_speed import sample_against_full
    from bankml.bench.segment_speed import speed_rows as _speed_rows

    frame, truth = blobs(n=3_000, centers=4, seed=2)
    sampled = {"features": BLOB_FEATURES, "sweep_sample": 500, "fit_sample": 800, "n_init": 2}
    untrimmed = CustomerSegmenter(k=4, trim=None, **sampled).fit(frame)
    result = sample_against_full(untrimmed, untrimmed.transform(frame), truth)
    assert result["full_inertia"] <= result["sampled_inertia"] * (1 + 1e-9)
    assert result["sampled_vs_full_ari"] > 0.99 and result["sampled_truth_ari"] > 0.99
    fixed = CustomerSegmenter(k=4, **sampled).fit(frame)
    result = sample_against_full(fixed, fixed.transform(frame), truth)
    assert result["sampled_vs_full_ari"] > 0.99 and result["full_truth_ari"] > 0.99
    assert "sampled_truth_ari" not in sample_against_full(fixed, fixed.transform(frame), None)
    speed = {
        "k": 4,
        "algorithm": "KMeans",
        "feature_seconds": 2.0,
        "fit_seconds": 1.0,
        "sweep_seconds": 3.0,
        "plain_seconds": 0.5,
        "feature_cpu": 1.0,
        "sweep_cpu": 2.0,
        "fit_cpu": 0.5,
        "plain_cpu": 0.25,
        "fit_sample": 800,
        **result,
    }
    rows = {row.metric: row for row in _speed_rows("1000k", speed, 0.0, 1.0)}
    cpu = rows["1000k: CPU s (all threads) features / sweep / fit"]
    assert cpu.value == 3.5 and cpu.baseline == 0.25
    inertia = rows["1000k: inertia, fit on 800 then assign all"]
    assert inertia.value == result["sampled_inertia"] and inertia.baseline == result["full_inertia"]
    assert rows["1000k: ARI vs truth, fit on a sample then assign"].value > 0.99
