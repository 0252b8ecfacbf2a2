"""Bench (default section): reject inference judged on the whole through-the-door population.

Every application of the matured period, the declined included, is scored by the booked-only
model, by the same model refitted with fuzzy augmentation and with parcelling, and by the oracle
(the generator's true PD, `truth_applications`: read here only, never by the model). The declined
have no outcome, so the figures are the *expected* ones if every outcome were drawn from its true
PD: expected ROC AUC (each application a default with weight p and a repayment with weight 1 - p)
and expected Brier. Nothing is tuned: both methods run with their textbook settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from bankml.bench import BenchRow

SECTION = "default"


def expected_auc(score: np.ndarray, true_pd: np.ndarray) -> float:
    """ROC AUC expected when each outcome is drawn from its true PD (soft labels as weights)."""
    s, p = np.asarray(score, float), np.asarray(true_pd, float)
    labels = np.r_[np.ones(len(s)), np.zeros(len(s))]
    return float(roc_auc_score(labels, np.r_[s, s], sample_weight=np.r_[p, 1 - p]))


def expected_brier(pd_: np.ndarray, true_pd: np.ndarray) -> float:
    """Brier score expected when each outcome is drawn from its true PD."""
    q, p = np.asarray(pd_, float), np.asarray(true_pd, float)
    return float(np.mean(p * (1 - q) ** 2 + (1 - p) * q**2))


def population_table(models: dict, ttd: pd.DataFrame, true_pd: np.ndarray) -> pd.DataFrame:
    """Expected AUC, Brier and mean PD of each model on all applications and on the declined."""
    rows = []
    declined = ttd["declined"].to_numpy(bool)
    scored = {name: m.predict_pd(ttd) for name, m in models.items()}
    scored["oracle (true PD)"] = true_pd
    for name, pd_ in scored.items():
        for population, mask in (
            ("all applications", np.ones(len(ttd), bool)),
            ("declined", declined),
        ):
            rows.append(
                {
                    "model": name,
                    "population": population,
                    "n": int(mask.sum()),
                    "expected_auc": expected_auc(pd_[mask], true_pd[mask]),
                    "expected_brier": expected_brier(pd_[mask], true_pd[mask]),
                    "mean_pd": float(np.mean(pd_[mask])),
                    "mean_true_pd": float(np.mean(true_pd[mask])),
                }
            )
    return pd.DataFrame(rows)


def _booked_only(base, frame: pd.DataFrame, learner: str):
    """`learner` fitted on the booked loans alone (the quick result's model when it is that)."""
    from bankml.default.crossval import make_folds
    from bankml.default.estimator import DefaultModel

    if learner == base.chosen:
        return base.model
    y = frame["defaulted"].to_numpy()
    groups = frame["customer_id"].to_numpy() if "customer_id" in frame.columns else None
    model = DefaultModel(spec=base.spec, candidate=learner, cv=3)
    return model.fit(frame[base.spec.features], y, folds=make_folds(y, 3, 0, groups))


def reject_rows(base, frame: pd.DataFrame, apps: pd.DataFrame, truth: pd.Series) -> list[BenchRow]:
    """Rows for the bench: `base` is the booked-only quick TrainResult on `frame` (matured loans),
    `apps` the application frame (`reject.application_frame`), `truth` the true PD by id.

    Each method is compared with the same learner fitted on booked loans only (a scorecard cannot
    take fuzzy weights, so fuzzy may refit another learner than the booked-only choice).
    """
    from bankml.default import reject

    ttd = apps[reject.in_window(apps, frame)].reset_index(drop=True)
    declined = ttd[ttd["declined"]].reset_index(drop=True)
    models, learner_of = {}, {}
    for method in reject.METHODS:
        result = reject.with_reject_inference(base, frame, declined, method, cv=3)
        models[method] = result.model
        learner_of[method] = result.parameters["reject_inference"]["base_candidate"]
    for learner in sorted(set(learner_of.values())):
        models[f"booked only: {learner}"] = _booked_only(base, frame, learner)
    true_pd = truth.reindex(ttd["loan_id"].to_numpy()).to_numpy(float)
    table = population_table(models, ttd, true_pd).set_index(["model", "population"])
    out: list[BenchRow] = []
    n_all, n_dec = len(ttd), len(declined)
    for population, n in (("all applications", n_all), ("declined", n_dec)):
        oracle = table.loc[("oracle (true PD)", population)]
        where = f"all {n:,} applications (declined included)" if n == n_all else f"{n:,} declined"
        for method in reject.METHODS:
            learner = learner_of[method]
            row, booked = (
                table.loc[(method, population)],
                table.loc[(f"booked only: {learner}", population)],
            )
            label = f"reject inference ({method}, {learner})"
            out.append(
                BenchRow(
                    SECTION,
                    f"{label}: expected AUC on {where}",
                    row["expected_auc"],
                    baseline=booked["expected_auc"],
                    baseline_name=f"same learner, booked loans only (oracle {oracle['expected_auc']:.3f})",
                )
            )
            out.append(
                BenchRow(
                    SECTION,
                    f"{label}: expected Brier on {where}",
                    row["expected_brier"],
                    baseline=booked["expected_brier"],
                    baseline_name=f"same learner, booked loans only (oracle {oracle['expected_brier']:.4f})",
                )
            )
            out.append(
                BenchRow(
                    SECTION,
                    f"{label}: mean PD on {where} (booked only {booked['mean_pd']:.3f})",
                    row["mean_pd"],
                    baseline=oracle["mean_pd"],
                    baseline_name="mean true PD",
                )
            )
    return out
