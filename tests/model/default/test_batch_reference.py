"""The fast batch path (compiled transform, the compiled walk of the LightGBM trees, row chunks on a
thread pool, vectorised reasons) against a slow, obvious reference written here: scikit-learn's own
transform, LightGBM's own leaves added one tree at a time, and the reasons built row by row in plain
Python. PDs agree to 1e-12 and every
reason (code, text, order) is the same, on a few thousand rows with missing and unseen values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bankml.default import cutoff, pdmodel
from bankml.default.blend import BlendModel
from bankml.default.calibration import PD_CAP, PD_FLOOR
from bankml.default.features import MONEY_FEATURES, PERCENT_FEATURES, loan_frame
from bankml.default.macro import macro_columns
from bankml.default.reasons import DERIVED, label

ROWS = 5_000  # two chunks of at least MIN_CHUNK_ROWS: the pool runs on a multi-core machine


@pytest.fixture(scope="module")
def frame(small_bank_path) -> pd.DataFrame:
    return loan_frame(small_bank_path)


@pytest.fixture(scope="module")
def blend(quick_bank_model) -> BlendModel:
    """The bank's model in use: the run's shared quick comparison chose the sign-consistent
    logistic blended with a monotone LightGBM (read-only here)."""
    model = quick_bank_model[0].model
    assert isinstance(model, BlendModel)
    assert [m.candidate for m in model.members_] == ["logistic", "lightgbm (monotone)"]
    return model


@pytest.fixture(scope="module")
def rows(frame) -> pd.DataFrame:
    """ROWS loans with missing numbers, an unseen and a missing category, a zero income (no
    loan-to-income) and zeros where a number is rarely 0."""
    out = frame.sample(ROWS, replace=True, random_state=11).reset_index(drop=True)
    out.loc[:99, "credit_score"] = np.nan
    out.loc[100:149, "purpose"] = "unseen purpose"
    out.loc[150:199, "home_ownership"] = np.nan
    out.loc[200:219, "annual_income"] = 0.0
    out.loc[220:239, "debt_to_income"] = np.nan
    out.loc[240:259, ["debt_to_income", "credit_score", "loan_amount"]] = 0.0
    return out


def test_the_trees_are_walked_by_the_compiled_kernel(blend):
    """The fast path below is the compiled walk (`treewalk`), not LightGBM's pred_leaf."""
    trees = [m for m in blend.members_ if hasattr(m._clf(), "booster_")]
    assert trees and all(m._paths().trees is not None for m in trees)


def _reference_member(member, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(raw score, contributions per input) of one member by scikit-learn's own transform and,
    for LightGBM, each tree's leaf row of the path table added one tree at a time."""
    Xt = np.asarray(member.pipeline_.named_steps["prep"].transform(X), dtype=float)
    clf = member._clf()
    if hasattr(clf, "booster_"):
        leaves = clf.booster_.predict(Xt, pred_leaf=True, num_threads=1)
        table, offsets = member.paths_.table, member.paths_.offsets
        summed = np.zeros((len(Xt), table.shape[1]))
        for t in range(leaves.shape[1]):
            summed += table[offsets[t] + leaves[:, t]]
        raw = clf.booster_.predict(Xt, raw_score=True, num_threads=1)
        np.testing.assert_allclose(summed[:, -1], raw, rtol=0, atol=1e-9)  # LightGBM's own score
        return summed[:, -1], summed[:, :-1]
    coef = clf.coef_.ravel()
    score = Xt @ coef + clf.intercept_[0]
    return score, ((Xt - member.train_mean_) * coef) @ member.attribution_


def _value_text(feature: str, value) -> str:
    """One value as a reason prints it, the obvious way."""
    if isinstance(value, str):
        return value.replace("_", " ")
    if value is None or not math.isfinite(float(value)):
        return "missing"
    if feature in PERCENT_FEATURES or feature in DERIVED:
        return f"{float(value) * 100:.0f}%"
    if feature in MONEY_FEATURES:
        return f"{float(value):.0f}"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _reference(model: BlendModel, frame: pd.DataFrame) -> pd.DataFrame:
    """pd, grade, decision and the top three PD-raising reasons, row by row."""
    X = model._prepare(frame)
    parts = [_reference_member(m, X) for m in model.members_]
    score = sum(w * s for w, (s, _) in zip(model.weights_, parts, strict=True))
    contrib = sum(w * c for w, (_, c) in zip(model.weights_, parts, strict=True))
    pd_ = model.calibrator_.transform(score)
    features = list(model.features_)
    loan, income = features.index("loan_amount"), features.index("annual_income")
    economy = set(macro_columns(features))
    low, high = model.refer_band_
    out = []
    for i in range(len(X)):
        row = X.iloc[i]
        # loan-to-income is one reason: its two inputs' contributions added, in input order
        named = {}
        for j, f in enumerate(features):
            if j == income or f in economy:  # the economy is never an applicant's reason
                continue
            if j == loan:
                ratio = (
                    row["loan_amount"] / row["annual_income"] if row["annual_income"] > 0 else None
                )
                named["loan_to_income"] = (contrib[i, loan] + contrib[i, income], ratio)
            else:
                named[f] = (contrib[i, j], row[f])
        ranked = sorted(named.items(), key=lambda kv: -kv[1][0])  # stable: ties keep input order
        texts = [f"{label(f)} {_value_text(f, v)}" for f, (c, v) in ranked if c > 0][:3]
        p = pd_[i]
        grade = next(
            (g for g, top in zip(cutoff.GRADES, cutoff.MASTER_EDGES, strict=False) if p < top), "I"
        )
        decision = "approve" if p < low else "refer" if p < high else "decline"
        out.append([p, grade, decision, *texts, *[""] * (3 - len(texts))])
    columns = ["pd", "grade", "decision", "reason_1", "reason_2", "reason_3"]
    return pd.DataFrame(out, columns=columns)


@pytest.mark.parametrize("chunk_rows", [None, 700])
def test_batch_scoring_equals_the_slow_reference(blend, rows, chunk_rows, monkeypatch):
    """As the batch goes (chunks of half the rows per core) and in many small chunks."""
    if chunk_rows:
        monkeypatch.setattr(pdmodel, "CHUNK_ROWS", chunk_rows)
    assert blend._derived_reasons() == {"loan_to_income"}
    fast = blend.score_frame(rows).reset_index(drop=True)
    slow = _reference(blend, rows)
    np.testing.assert_allclose(fast["pd"], slow["pd"], rtol=0, atol=1e-12)
    assert fast["pd"].between(PD_FLOOR, PD_CAP).all()
    for column in ("grade", "decision", "reason_1", "reason_2", "reason_3"):
        mismatch = np.flatnonzero(fast[column].astype(str).to_numpy() != slow[column].to_numpy())
        assert not len(mismatch), (
            column,
            fast[column].iloc[mismatch[:3]],
            slow[column].iloc[mismatch[:3]],
        )
    # the reference is not trivially empty: every kind of reason and decision occurs
    assert (fast["reason_3"] != "").mean() > 0.5
    assert fast["reason_1"].str.startswith("loan-to-income").any()
    assert (
        fast["reason_1"].str.contains("missing").any()
        or fast["reason_2"].str.contains("missing").any()
    )
    assert set(fast["decision"]) >= {"approve", "decline"}


def test_pd_only_equals_the_pd_with_reasons(blend, rows):
    """`predict_pd` (LightGBM's raw score) and `score_frame` (the path table's sum) agree."""
    np.testing.assert_allclose(
        blend.predict_pd(rows), blend.score_frame(rows)["pd"], rtol=0, atol=1e-12
    )


def test_one_applicant_scores_as_in_the_batch(blend, rows):
    """A single row (one LightGBM thread, the small-frame transform) equals its batch row."""
    batch = blend.score_frame(rows)
    for i in (0, 5, 120, 160, 210, 230):
        one = blend.score_frame(rows.iloc[[i]])
        np.testing.assert_allclose(one["pd"], batch["pd"].iloc[[i]], rtol=0, atol=1e-12)
        assert one.iloc[0, 1:].tolist() == batch.iloc[i, 1:].tolist()


def test_row_chunks_on_threads_equal_one_call(blend, rows, monkeypatch):
    """Scores, contributions and PD-only scores in chunks on a thread pool are bit-identical to
    one call over the whole frame (rows are scored independently)."""
    X = blend._prepare(rows)
    whole_contrib = blend._contributions(X)
    whole_score = blend._raw_score(X)
    monkeypatch.setattr(pdmodel, "CHUNK_ROWS", 512)
    chunked_contrib = blend.contributions(rows)
    for whole, chunked in zip(whole_contrib, chunked_contrib, strict=True):
        np.testing.assert_array_equal(whole, chunked)
    np.testing.assert_array_equal(whole_score, blend.decision_function(rows))
    calls = []
    spy = lambda X, threads: calls.append((len(X), threads)) or blend._raw_score(X, threads)  # noqa: E731
    pdmodel.in_row_chunks(spy, X)
    assert len(calls) == -(-len(X) // 512) and {t for _, t in calls} == {1}
