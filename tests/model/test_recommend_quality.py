"""Behavioural tests of the recommender: known answers, business rules, cold start, evaluation."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from bankml.errors import InputError
from bankml.recommend import (
    ELIGIBILITY_RULES,
    EASERecommender,
    ItemCFRecommender,
    RiskView,
    build_context,
    customer_profile,
    evaluate_recommenders,
    offer_decisions,
    read_bank,
    recommend_for_customer,
    risk_view,
    strongest_baseline,
)
from bankml.recommend.evaluation import DIAGNOSTIC, TRUTH_FITTED
from bankml.recommend.temporal import HORIZON_MONTHS


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
    learned = EASERecommender().fit(sp.csr_matrix(dense))
    ids, scores = learned.recommend(np.arange(20), n=3)
    np.testing.assert_array_equal(ids[:, 0], hidden[:20])
    assert (scores[:, 0] > 0.5).all() and (np.abs(scores[:, 1:]) < 0.05).all()


def test_fits_any_implicit_matrix_with_rectangular_shape():
    rng = np.random.default_rng(1)
    X = sp.random(300, 40, density=0.05, random_state=rng, format="coo") * 5
    model = ItemCFRecommender(neighbours=10, shrinkage=2.0).fit(X)
    ids, scores = model.recommend(np.arange(300), n=7)
    assert ids.shape == (300, 7)
    assert ((ids >= -1) & (ids < 40)).all()
    ok = ~np.isnan(scores)
    assert (np.diff(np.where(ok, scores, -np.inf), axis=1)[ok[:, 1:]] <= 1e-6).all()


def test_defaults_beat_every_implicit_neighbourhood_model_on_a_latent_factor_matrix():
    """Public-data stand-in: precision@10, 20 % hold-out; seed 11 was not used to choose defaults."""
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender

    from bankml.bench.recommend import implicit_matrix
    from bankml.recommend import holdout_split, ranking_metrics

    X = implicit_matrix(users=6000, items=600, seed=11)
    train, test = holdout_split(X, 0.2, random_state=0)
    users = np.arange(X.shape[0])
    ours = ranking_metrics(EASERecommender().fit(train).recommend(users, n=10)[0], test, 10)
    theirs = {}
    T = train.astype(np.float64).tocsr()
    for cls in (CosineRecommender, TFIDFRecommender, BM25Recommender):
        model = cls(num_threads=1)
        model.fit(T, show_progress=False)
        ids, _ = model.recommend(users, T, N=10, filter_already_liked_items=True)
        theirs[cls.__name__] = ranking_metrics(np.where(ids < 0, -1, ids), test, 10)["precision"]
    assert ours["precision"] >= 1.10 * theirs["CosineRecommender"], (ours, theirs)
    assert ours["precision"] > max(theirs.values()), (ours, theirs)


@pytest.fixture(scope="module")
def bank(small_bank_path):
    return read_bank(small_bank_path)


@pytest.fixture(scope="module")
def context(bank):
    return build_context(bank, segments=None, risk=RiskView.off("no default model in this test"))


def held_of(context, customer_id):
    row = context.row_of(customer_id)
    return set(context.product_ids[context.matrix[row].indices].tolist())


def test_offers_exclude_holdings_and_reasons_name_only_what_backs_them(context):
    customers = context.customer_ids[np.diff(context.matrix.indptr) >= 2][:25]
    names = dict(zip(context.product_ids, context.products["name"], strict=True))
    context_names = set(context.model.context_names_)
    for customer in customers:
        offers = recommend_for_customer(int(customer), context, n=5)
        held = held_of(context, customer)
        assert len(offers) == 5 and not held & set(offers["product_id"])
        assert offers["score"].is_monotonic_decreasing
        for reason, evidence, name in zip(
            offers["reason"], offers["evidence"], offers["name"], strict=True
        ):
            assert not re.search(r"\d\.\d|weight", reason), "no internal weights in the text"
            assert name in reason
            if reason.startswith("Customers who hold "):
                backing = reason.removeprefix("Customers who hold ").split(" often open ")[0]
                mentioned = {p for p, n in names.items() if n in backing}
                assert mentioned and mentioned <= held
            terms = [t.rsplit(" ", 1) for t in evidence.split("; ") if t]
            assert terms, "the weights behind a reason are listed in the evidence column"
            for label, weight in terms:
                assert label in context_names or label in {names[p] for p in held}
                assert float(weight) > 0


def test_reasons_read_like_an_adviser_sentence():
    from bankml.recommend import reason_text

    assert reason_text("Travel insurance", ["Everyday current account", "Travel rewards card"], [])
    assert (
        reason_text("Travel insurance", ["Everyday current account", "Travel rewards card"], [])
        == "Customers who hold Everyday current account and Travel rewards card often open"
        " Travel insurance next"
    )
    assert (
        reason_text("Mortgage", [], ["Young professionals", "aged 25-34"])
        == "Customers like you (Young professionals, aged 25-34) often hold Mortgage"
    )


def test_eligibility_rules_block_by_age(context):
    ages = context.customers["age"].to_numpy()
    old = int(context.customer_ids[np.flatnonzero(ages > 40)[0]])
    young = int(context.customer_ids[np.flatnonzero(ages < 21)[0]])
    decisions_old = offer_decisions(old, context).set_index("name")
    decisions_young = offer_decisions(young, context).set_index("name")
    assert decisions_old.loc["Student loan", "rule"] in {
        "already held",
        f"Student loan is offered up to age 35 (customer is {ages[np.flatnonzero(ages > 40)[0]]})",
    }
    assert "age 21 or over" in decisions_young.loc["Mortgage", "rule"]
    offers_old = recommend_for_customer(old, context, n=20)
    assert "Student loan" not in set(offers_old["name"])
    assert {r.product for r in ELIGIBILITY_RULES} == {"Student loan", "Mortgage"}


def test_cold_start_customers_get_offers_from_customers_like_them(context):
    empty = np.flatnonzero(np.diff(context.matrix.indptr) == 0)
    assert len(empty), "the small bank has customers with no holdings"
    young = [int(context.customer_ids[r]) for r in empty if context.customers["age"].iloc[r] < 30]
    old = [int(context.customer_ids[r]) for r in empty if context.customers["age"].iloc[r] > 60]
    offers = recommend_for_customer(young[0], context, n=4)
    assert len(offers) == 4 and offers["reason"].str.startswith("Customers like you (").any()
    young_top = [tuple(recommend_for_customer(c, context, n=3)["name"]) for c in young[:5]]
    old_top = [tuple(recommend_for_customer(c, context, n=3)["name"]) for c in old[:5]]
    assert set(young_top) != set(old_top), "context, not plain popularity, ranks cold starts"


def test_segment_names_enter_the_model_and_the_reasons(bank, small_bank):
    customers = small_bank["customers"]
    segments = pd.Series(
        np.where(customers["age"] < 30, "Young savers", "Settled customers"),
        index=customers["customer_id"].to_numpy(),
    )
    context = build_context(bank, segments=segments, risk=RiskView.off("test"))
    assert {"Young savers", "Settled customers"} <= set(context.model.context_names_)
    young = [int(c) for c in customers.loc[customers["age"] < 30, "customer_id"][:40]]
    reasons = pd.concat([recommend_for_customer(c, context, n=3)["reason"] for c in young])
    assert reasons.str.contains(r"like you \(.*Young savers", regex=True).any()
    assert customer_profile(young[0], context)["segment"] == "Young savers"
    with pytest.raises(InputError, match="another generation of the bank"):
        build_context(bank, segments=segments.iloc[5:], risk=RiskView.off("test"))
    with pytest.raises(InputError, match="must be a RiskView"):
        build_context(bank, segments=None, risk=None)


def test_every_customer_gets_a_pd_and_lending_above_the_cutoff_is_blocked(bank):
    class FakeModel:
        cutoff_ = 0.5

        def predict_pd(self, frame):
            return np.where(frame["customer_id"].to_numpy() % 2 == 0, 0.9, 0.1)

    risk = risk_view(FakeModel(), bank.customers, bank.loans)
    assert set(risk.pd_by_customer.index) == set(bank.customers["customer_id"])
    never_applied = sorted(set(bank.customers["customer_id"]) - set(bank.loans["customer_id"]))
    assert never_applied, "the small bank has customers who never applied for a loan"
    context = build_context(bank, segments=None, risk=risk)
    for customer in [c for c in never_applied if c % 2 == 0][:3]:
        decisions = offer_decisions(customer, context)
        lending = decisions[
            (decisions["family"] == "lending") & (decisions["rule"] != "already held")
        ]
        assert not lending["allowed"].any()
        by_risk = lending["rule"].str.contains("PD 0.90 is above the default model's cut-off 0.50")
        assert by_risk.any() and (by_risk | lending["rule"].str.contains("age")).all()
        assert "lending" not in set(recommend_for_customer(customer, context, n=21)["family"])
    for customer in [c for c in never_applied if c % 2 == 1][:3]:
        offers = recommend_for_customer(customer, context, n=21)
        lending = offers[offers["family"] == "lending"]
        assert len(lending) and lending["note"].str.contains("PD 0.10 within").all()
        assert not offers["note"].str.contains("skipped").any()


def test_without_a_model_the_risk_check_is_off_and_said(context):
    assert not context.risk.active
    offers = recommend_for_customer(int(context.customer_ids[0]), context, n=21)
    lending = offers[offers["family"] == "lending"]
    assert (
        len(lending) and (lending["note"] == "risk check off: no default model in this test").all()
    )
    assert (offers.loc[offers["family"] != "lending", "note"] == "").all()


def test_unknown_customer_is_a_clear_error(context):
    with pytest.raises(InputError, match="unknown customer id 424242"):
        recommend_for_customer(424242, context)


def test_evaluation_in_use_beats_every_baseline_on_every_split(small_bank_path):
    table = evaluate_recommenders(small_bank_path, k=5, random_state=0)
    splits = list(dict.fromkeys(table["split"]))
    assert len(splits) == 3 and splits[0] == "leave-one-out"
    # the headline temporal protocol (the last 12 months) and, beside it, the earlier one
    assert splits[1].startswith("temporal, last 12 months (from ")
    assert splits[2].startswith("temporal, 80 % quantile (from ")
    assert {"in use", "variant", "baseline", "oracle"} == set(table["role"])
    summary = strongest_baseline(table)
    for row in summary.itertuples(index=False):
        # without segments passed, age x income bands stand in for the segment baseline. On the
        # generator-2.0 test bank (seed 7) the model in use measured 1.054x / 1.100x the strongest
        # baseline and 0.93x / 0.87x the per-customer oracle (leave-one-out / temporal, the
        # temporal oracle as of the split date); the 1.05x / 0.92x targets are tracked in
        # `bankml bench`, this guards a clear win.
        assert row[4] >= 1.03, summary  # vs strongest non-oracle baseline
        assert row[6] >= 0.85, summary  # vs oracle
    for _, split in table.groupby("split"):
        by = split.set_index("method")
        assert by.loc["oracle", "ndcg"] > by.loc["popularity", "ndcg"]
        metrics = split[["hit_rate", "precision", "recall", "ndcg", "map"]]
        assert ((metrics >= 0) & (metrics <= 1)).all().all()
    again = evaluate_recommenders(small_bank_path, k=5, random_state=0)
    pd.testing.assert_frame_equal(table, again)


def test_a_real_default_model_scores_every_customer_on_their_own_profile(
    bank, small_bank_path, fitted_default
):
    # DefaultModel(candidate="logistic", cv=3) fitted on loan_frame(small bank): the run's shared fit
    model = fitted_default("logistic")
    risk = risk_view(model, bank.customers, bank.loans)
    assert risk.active, risk.note
    pds = risk.pd_by_customer.reindex(bank.customers["customer_id"])
    assert pds.notna().all() and pds.between(0, 1).all() and pds.nunique() > 100
    customers = bank.customers.set_index("customer_id")
    # the customer's own record moves the PD: worse credit scores, higher PDs
    assert np.corrcoef(customers["credit_score"], pds)[0, 1] < -0.2
    never_applied = sorted(set(bank.customers["customer_id"]) - set(bank.loans["customer_id"]))
    context = build_context(bank, segments=None, risk=risk)
    notes = pd.concat(
        [recommend_for_customer(c, context, n=21)["note"] for c in never_applied[:10]]
    )
    assert (
        notes.str.startswith("PD ").any() and not notes.str.contains("skipped|risk check off").any()
    )


def test_the_true_segment_diagnostic_measures_the_information_the_model_lacks(small_bank_path):
    # the diagnostic row refits the model in use with the generator's true segment: it must be
    # there only when asked, carry its own role (never a baseline), and rank better than the model
    # without segments on the temporal split (the true segment is what the oracle knows)
    plain = evaluate_recommenders(small_bank_path, k=5, random_state=0)
    table = evaluate_recommenders(small_bank_path, k=5, random_state=0, diagnostics=True)
    assert "diagnostic" not in set(plain["role"])
    diagnostic = table[table["role"] == "diagnostic"]
    assert set(diagnostic["method"]) == {DIAGNOSTIC}
    assert diagnostic["split"].nunique() == 3
    # asking for the diagnostic changes no other row
    pd.testing.assert_frame_equal(
        table[table["role"] != "diagnostic"].reset_index(drop=True), plain.reset_index(drop=True)
    )
    for split, part in table[table["split"].str.startswith("temporal")].groupby("split"):
        ndcg = part.set_index("method")["ndcg"]
        assert ndcg[DIAGNOSTIC] > ndcg["item-item + context (in use)"] + 0.01, (split, ndcg)


@pytest.mark.slow  # 21 products x 3 folds of LightGBM: about 22 s of CPU on the small bank
def test_the_truth_fitted_row_stands_on_the_headline_split_only(small_bank_path):
    # the truth-fitted model of the data of the date (bankml.recommend.observable, whose fit is
    # checked in tests/unit/test_recommend_observable.py): one diagnostic row, on the headline
    # temporal split only, never counted as a baseline, and no other row moves
    plain = evaluate_recommenders(small_bank_path, k=5, random_state=0)
    table = evaluate_recommenders(small_bank_path, k=5, random_state=0, truth_fitted=True)
    fitted = table[table["role"] == "diagnostic"]
    assert list(fitted["method"]) == [TRUTH_FITTED]
    assert fitted["split"].iloc[0].startswith("temporal, last")
    assert 0 < fitted["ndcg"].iloc[0] <= 1
    pd.testing.assert_frame_equal(strongest_baseline(table), strongest_baseline(plain))
    pd.testing.assert_frame_equal(
        table[table["role"] != "diagnostic"].reset_index(drop=True), plain.reset_index(drop=True)
    )


@pytest.fixture(scope="module")
def segmented(small_bank_path):
    """The small bank's segmentation and each customer's soft memberships of its segments."""
    from bankml.customer_features import customer_features
    from bankml.recommend import segment_memberships
    from bankml.segment import segment_customers

    features = customer_features(small_bank_path)
    result = segment_customers(features)
    return result, segment_memberships(result, features)


def test_soft_memberships_enter_the_model_reasons_and_batch_offers(bank, segmented):
    from bankml.recommend.batch import offers_for_all

    result, memberships = segmented
    context = build_context(bank, segments=memberships, risk=RiskView.off("test"))
    assert context.segment_note == "segments on (soft memberships)"
    names = set(result.names.values())
    assert names <= set(context.model.context_names_)
    # a customer's segment is still their nearest one
    hard = result.labels.map(result.names)
    for customer in context.customer_ids[::500]:
        assert customer_profile(int(customer), context)["segment"] == hard[customer]
    # customers between two segments carry both, each weighted by membership
    row = int(np.argmin(memberships.max(axis=1).to_numpy()))
    inputs, n_items = context.model._U[row].indices, len(context.product_ids)
    columns = set(context.model.context_names_[inputs[inputs >= n_items] - n_items])
    assert len(columns & names) >= 2
    sample = context.customer_ids[::300]
    reasons = pd.concat([recommend_for_customer(int(c), context, n=3)["reason"] for c in sample])
    assert reasons.str.contains("|".join(re.escape(n) for n in names)).any()
    batch = offers_for_all(context, n=3, rules=False)
    for customer in sample[:5]:
        single = recommend_for_customer(int(customer), context, n=3, rules=False)
        got = batch[batch["customer_id"] == customer].sort_values("rank")
        assert list(got["product_id"]) == list(single["product_id"])


def test_soft_memberships_beat_the_hard_segment_leave_one_out(small_bank_path, segmented):
    result, memberships = segmented
    hard = strongest_baseline(
        evaluate_recommenders(small_bank_path, segments=result.labels.map(result.names))
    )
    soft = strongest_baseline(evaluate_recommenders(small_bank_path, segments=memberships))
    # the segment baseline is the same (the largest membership is the nearest segment)
    np.testing.assert_allclose(soft["baseline"], hard["baseline"])
    assert soft["in use"].iloc[0] > hard["in use"].iloc[0]  # leave-one-out
    # the temporal splits never take segments of the bank as it is now: they would see the
    # transactions and holdings after their dates
    np.testing.assert_allclose(soft["in use"].iloc[1:], hard["in use"].iloc[1:])


def test_the_temporal_split_segments_only_what_was_known_on_its_date(small_bank_path, segmented):
    _, memberships = segmented
    seen = []

    def as_of(features: pd.DataFrame) -> pd.DataFrame:
        seen.append(features)
        # any memberships of the same customers: only the plumbing is tested
        return memberships.loc[features.index]

    table = evaluate_recommenders(small_bank_path, segments=memberships, segments_as_of=as_of)
    (features,) = seen  # the headline split only: the earlier protocol runs without segments
    with duckdb.connect(str(small_bank_path), read_only=True) as con:
        last = con.execute("SELECT max(opened_date) FROM holdings").fetchone()[0]
        split = pd.Timestamp(last) - pd.DateOffset(months=HORIZON_MONTHS)
        assert list(dict.fromkeys(table["split"]))[1] == (
            f"temporal, last {HORIZON_MONTHS} months (from {split:%Y-%m-%d})"
        )
        counts = con.execute(
            "SELECT customer_id, count(*) FROM holdings WHERE opened_date < ? GROUP BY 1", [split]
        ).df()
        spent = con.execute(
            "SELECT customer_id, count(*) FROM transactions WHERE ts < ? GROUP BY 1", [split]
        ).df()
        ages = con.execute("SELECT customer_id, age FROM customers").df()
    # segmented: the customers the bank had on the date (a holding opened before it), no later joiner
    held = counts.set_index("customer_id").iloc[:, 0]
    assert sorted(features.index) == sorted(held.index)
    np.testing.assert_array_equal(features["n_products"], held.reindex(features.index))
    # the transactions before the date, all of them (about two years of behaviour), none after
    made = spent.set_index("customer_id").iloc[:, 0].reindex(features.index).fillna(0)
    np.testing.assert_array_equal(features["txn_count"], made)
    age_now = ages.set_index("customer_id")["age"].reindex(features.index)
    assert (features["age"] <= age_now).all() and (features["age"] < age_now).any()  # wound back
    for split_name, part in table[table["split"].str.startswith("temporal")].groupby("split"):
        methods = set(part["method"])
        assert "segment popularity (age x income bands)" in methods
        assert ("segment popularity" in methods) == ("last 12 months" in split_name)


def test_nothing_dated_on_or_after_the_split_enters_the_temporal_context(small_bank_path, tmp_path):
    """Rewrite every transaction and loan application dated on or after the headline split date:
    the features as of the date, the segments fitted on them and every temporal figure stay."""
    import shutil

    from bankml.recommend import segment_memberships
    from bankml.recommend.as_of import features_as_of
    from bankml.segment import segment_customers

    def as_of(features: pd.DataFrame) -> pd.DataFrame:
        return segment_memberships(segment_customers(features), features)

    def temporal(path) -> tuple[pd.DataFrame, pd.DataFrame]:
        table = evaluate_recommenders(path, segments=None, segments_as_of=as_of)
        return features_as_of(path, split, last), table[table["split"] != "leave-one-out"]

    changed = tmp_path / "bank.duckdb"
    shutil.copyfile(small_bank_path, changed)  # a private copy: the shared bank stays as it is
    with duckdb.connect(str(changed)) as con:
        last = pd.Timestamp(con.execute("SELECT max(opened_date) FROM holdings").fetchone()[0])
        split = last - pd.DateOffset(months=HORIZON_MONTHS)
        when = split.to_pydatetime()
        before = con.execute("SELECT count(*) FROM transactions WHERE ts >= ?", [when]).fetchone()
        con.execute(
            "UPDATE transactions SET amount = amount * 3 + 7, category = 'travel',"
            " channel = 'branch', ts = ts + INTERVAL 1 HOUR WHERE ts >= ?",
            [when],
        )
        con.execute(
            "UPDATE loans SET loan_amount = loan_amount * 5 WHERE application_date >= ?", [when]
        )
    assert before[0] > 10_000  # a year of behaviour was rewritten
    features, table = temporal(small_bank_path)
    features_changed, table_changed = temporal(changed)
    pd.testing.assert_frame_equal(features, features_changed)
    pd.testing.assert_frame_equal(table, table_changed)
    assert "segment popularity" in set(table["method"])  # the segments were in the context


def test_the_age_income_baseline_groups_missing_values_instead_of_failing():
    from bankml.recommend.evaluation import _fallback_groups

    customers = pd.DataFrame(
        {
            "age": [20, 30, np.nan, 70, 45, 33],
            "annual_income": [1e4, np.nan, 5e4, 99_999_999, 8e4, 3e4],  # missing, sentinel
        }
    )
    groups = _fallback_groups(customers)
    assert list(groups) == ["0-0", "1-?", "?-1", "4-?", "2-2", "1-0"]


def test_a_bank_without_transactions_still_splits_and_a_short_record_is_refused(
    small_bank_path, tmp_path, capsys
):
    """Holdings alone are enough for the 12-month split (no segments then); a bank whose
    transactions start less than 6 months before the date gets that split marked unavailable
    with the reason, and keeps leave-one-out and the quantile split (page and CLI alike)."""
    import argparse
    import shutil

    from bankml.commands.recommend import run_evaluate
    from bankml.recommend import strongest_baseline, unavailable_splits

    def as_of(features: pd.DataFrame) -> pd.DataFrame:
        raise AssertionError("no transactions: no features as of the date to segment")

    path = tmp_path / "bank.duckdb"
    shutil.copyfile(small_bank_path, path)
    with duckdb.connect(str(path)) as con:
        last = pd.Timestamp(con.execute("SELECT max(opened_date) FROM holdings").fetchone()[0])
        split = last - pd.DateOffset(months=HORIZON_MONTHS)
        con.execute(
            "DELETE FROM transactions WHERE ts < ?",
            [(split - pd.DateOffset(months=3)).to_pydatetime()],
        )
    short = evaluate_recommenders(path)
    reasons = unavailable_splits(short)
    assert list(reasons) == ["temporal, last 12 months"]
    assert re.search(
        r"transactions start on .* less than 6 months before", reasons["temporal, last 12 months"]
    )
    summary = strongest_baseline(short)
    assert summary["split"].iloc[0] == "leave-one-out" and summary["in use"].notna().all()
    assert summary["split"].str.startswith("temporal, 80 % quantile").any()
    assert run_evaluate(argparse.Namespace(db=str(path), k=5, seed=0, json=False)) == 0
    out = capsys.readouterr().out
    assert "temporal, last 12 months: not evaluated on this bank." in out
    assert "unavailable" not in out
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM transactions")
    table = evaluate_recommenders(path, segments_as_of=as_of)
    headline = table[table["split"].str.startswith("temporal, last 12 months")]
    assert len(headline) and headline["customers"].iloc[0] >= 50
    assert "segment popularity" not in set(headline["method"])
