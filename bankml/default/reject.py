"""Reject inference: learn from the applications the old policy declined, which have no outcome.

A model trained on booked loans only (the "known good/bad" model) never sees the applicants the
bank turned away, so it is fitted on a censored population and scores the through-the-door one.
Two standard remedies, both from the booked-only model's PD of each declined application:

- fuzzy augmentation: each declined application enters twice, as a bad weighted by its PD and as a
  good weighted by one minus it; the final model is refitted with those sample weights (its
  out-of-fold scores and calibration weighted too; the cut-off is chosen on real outcomes only);
- parcelling: the declined are cut into PD bands and, in each band, the expected number of them
  (band size x mean PD) is labelled bad at random, the rest good; an ordinary refit follows.

Only the `applications` table is read (never truth_*); the bench measures the effect against the
generator's true PD of every application (`bankml.bench.reject`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bankml import data
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default import economics as econ
from bankml.default import reasons
from bankml.default.calibration import Calibrator, logit
from bankml.default.crossval import make_folds
from bankml.default.estimator import DefaultModel
from bankml.default.features import with_customer
from bankml.errors import InputError
from bankml.threads import one_thread

METHODS = ("fuzzy", "parcelling")
POLICY_COLUMNS = ("policy_score", "decision", "decline_reason")
PARCEL_BANDS = 10


def application_frame(
    path: str | os.PathLike | None = None, behaviour: bool = True
) -> pd.DataFrame:
    """Every through-the-door application joined with its customer, as `loan_frame` builds loans.

    `loan_id` is the application id (a booked loan keeps it); `declined` says the old policy
    turned it away. The policy's own score and reasons are not kept: they are not applicant data.
    """
    tables = data.read_tables(["applications", "customers"], path)
    apps, customers = tables["applications"], tables["customers"]
    declined = apps["decision"].astype(str).eq("declined").to_numpy()
    apps = apps.drop(columns=[c for c in POLICY_COLUMNS if c in apps.columns])
    apps = apps.rename(columns={"application_id": "loan_id"}).assign(declined=declined)
    return with_customer(apps, customers, path, "applications" if behaviour else None)


def in_window(applications: pd.DataFrame, booked: pd.DataFrame) -> np.ndarray:
    """Which applications fall in the booked (matured) loans' application period: the declined of
    months whose booked loans have no outcome yet would tilt the sample towards later vintages."""
    dates = pd.to_datetime(applications["application_date"])
    known = pd.to_datetime(booked["application_date"])
    return dates.between(known.min(), known.max()).to_numpy()


@dataclass(frozen=True)
class Augmented:
    """Booked rows (weight 1) followed by the inferred declined rows; `declined` marks the latter."""

    frame: pd.DataFrame
    y: np.ndarray
    weight: np.ndarray
    declined: np.ndarray


def augment(
    booked: pd.DataFrame,
    y: np.ndarray,
    declined: pd.DataFrame,
    pd_declined: np.ndarray,
    method: str = "fuzzy",
    random_state: int = 0,
) -> Augmented:
    """The training sample with the declined applications' outcomes inferred (see module doc)."""
    if method not in METHODS:
        raise InputError(f"reject inference method {method!r} is not one of {', '.join(METHODS)}")
    p = np.asarray(pd_declined, dtype=float)
    if len(p) != len(declined):
        raise InputError(f"{len(p)} PDs for {len(declined)} declined applications")
    if not np.all((p >= 0) & (p <= 1)):
        raise InputError("declined applications' PDs must lie in 0-1")
    y = np.asarray(y, dtype=np.int64)
    if method == "fuzzy":
        frame = pd.concat([booked, declined, declined], ignore_index=True)
        inferred = np.r_[np.ones(len(p), np.int64), np.zeros(len(p), np.int64)]
        weight = np.r_[np.ones(len(y)), p, 1.0 - p]
        n_declined = 2 * len(p)
    else:
        frame = pd.concat([booked, declined], ignore_index=True)
        inferred = parcel(p, random_state)
        weight = np.ones(len(y) + len(p))
        n_declined = len(p)
    return Augmented(
        frame=frame,
        y=np.r_[y, inferred],
        weight=weight,
        declined=np.r_[np.zeros(len(y), bool), np.ones(n_declined, bool)],
    )


def parcel(p: np.ndarray, random_state: int = 0) -> np.ndarray:
    """0/1 outcomes for the declined: per PD band, round(band size x mean PD) bads at random."""
    rng = np.random.default_rng(random_state)
    order = np.argsort(p, kind="stable")
    out = np.zeros(len(p), np.int64)
    for band in np.array_split(order, min(PARCEL_BANDS, max(len(p), 1))):
        if len(band):
            bads = int(round(p[band].sum()))
            out[rng.choice(band, size=bads, replace=False)] = 1
    return out


def weighted_calibrator(method: str, score: np.ndarray, y: np.ndarray, w: np.ndarray) -> Calibrator:
    """A `Calibrator` fitted with sample weights (a fuzzy row counts as its weight)."""
    return Calibrator(method).fit(score, y, sample_weight=w)


class WeightedDefaultModel(DefaultModel):
    """A `DefaultModel` fitted with sample weights (fuzzy-augmented rows).

    Every fit, the out-of-fold scores and the calibration are weighted; the cut-off is chosen on
    the `known` rows only (real outcomes, real money). Learners that take weights only: logistic
    and LightGBM families without resampling.
    """

    def fit(self, X, y, sample_weight=None, folds=None, known=None):
        self.candidate_ = self._candidate()
        c = self.candidate_
        if c.kind == "scorecard" or c.imbalance in ("oversample", "smote") or c.subsample:
            raise InputError(f"{c.name!r} cannot be fitted with sample weights")
        X, y = self._start_fit(X, y)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        known = np.ones(len(y), bool) if known is None else np.asarray(known, bool)
        folds = self._folds(y, folds)
        oof = np.zeros(len(y))
        for train, test in folds:
            inputs = X[self.features_]
            oof[test] = self._fit_weighted(inputs.iloc[train], y[train], w[train]).predict_proba(
                inputs.iloc[test]
            )[:, 1]
        # schema, pricing, calibration and cut-off on every row; calibration and cut-off redone
        # below: weighted, and the cut-off priced on the known rows only (real outcomes, real money)
        self._finish_fit(X, y, oof, folds)
        score = logit(oof)
        self.calibrator_ = weighted_calibrator(self.calibration_, score, y, w)
        self.validation_pd_ = np.zeros(len(y))
        for train, test in folds:
            part = weighted_calibrator(self.calibration_, score[train], y[train], w[train])
            self.validation_pd_[test] = part.transform(score[test])
        values = self.loan_values(X)
        chosen = econ.choose_cutoff(
            self.validation_pd_[known],
            econ.LoanValues(values.gain[known], values.loss[known], values.ead[known]),
            self.economics_,
        )
        self.cutoff_ = chosen.cutoff
        self.refer_band_ = (chosen.refer_low, chosen.refer_high)
        self.base_rate_ = float(np.average(y, weights=w))
        self.oof_proba_ = oof
        self.pipeline_ = self._fit_weighted(X[self.features_], y, w)
        prep = self.pipeline_.named_steps["prep"]
        self.attribution_ = reasons.attribution_matrix(
            reasons.parents_of(prep, self.features_), self.features_
        )
        self.train_mean_ = np.asarray(self._transform(X[self.features_]).mean(axis=0)).ravel()
        return self

    def _fit_weighted(self, X: pd.DataFrame, y: np.ndarray, w: np.ndarray):
        with warnings.catch_warnings(), one_thread():
            warnings.simplefilter("ignore")
            return self._make().fit(X, y, clf__sample_weight=w)


def _base_candidate(result, method: str) -> str:
    """The candidate to refit: the chosen one when it can take the method, else the best one on
    the leaderboard that can (a blend or a scorecard cannot take fuzzy weights)."""
    board = result.leaderboard.sort_values("roc_auc", ascending=False)
    known = {c.name: c for c in cands.KNOWN}
    for name in [result.chosen, *board["name"]]:
        c = known.get(name)
        if c is None or not c.explainable or c.kind == "blend":
            continue
        weighted_ok = c.kind != "scorecard" and c.imbalance not in ("oversample", "smote")
        if method == "parcelling" or (weighted_ok and not c.subsample):
            return name
    raise InputError(f"no compared candidate can be refitted with {method} reject inference")


def with_reject_inference(
    result,
    booked: pd.DataFrame,
    declined: pd.DataFrame,
    method: str = "fuzzy",
    cv: int = 5,
    random_state: int = 0,
):
    """`result` (a booked-only `TrainResult`) with its model refitted on booked + inferred declined.

    The booked-only model's calibrated PDs infer the declined outcomes (the refitted learner's own
    booked-only model when the chosen one cannot take the method); folds are grouped by
    customer over booked and declined rows together. The leaderboard keeps the booked-only
    comparison; the chosen name, parameters and diagnostics say what was done.
    """
    if declined.empty:
        raise InputError("reject inference needs declined applications: the data has none")
    spec = result.spec
    missing = [c for c in spec.features if c not in declined.columns]
    if missing:
        raise InputError(f"declined applications lack the model input {missing[0]!r}")
    candidate = _base_candidate(result, method)
    keep = [*spec.features, *(["customer_id"] if "customer_id" in booked.columns else [])]
    y = result.validation["y"].to_numpy(np.int64)
    kgb = result.model
    if candidate != result.chosen:  # infer with the refitted learner's own booked-only model
        booked_groups = booked["customer_id"].to_numpy() if "customer_id" in keep else None
        kgb = DefaultModel(spec=spec, candidate=candidate, cv=cv, random_state=random_state)
        kgb.economics = getattr(result.model, "economics", None)
        kgb.fit(booked[spec.features], y, folds=make_folds(y, cv, random_state, booked_groups))
    p = kgb.predict_pd(declined[spec.features])
    aug = augment(booked[keep], y, declined[keep], p, method, random_state)
    groups = aug.frame["customer_id"].to_numpy() if "customer_id" in keep else None
    folds = make_folds(aug.y, cv, random_state, groups)
    params = None
    if candidate == result.chosen:  # the searched hyper-parameters of the chosen one, if any
        params = result.parameters.get("classifier_params") or None
    options = {"spec": spec, "candidate": candidate, "params": params, "cv": cv}
    options.update(economics=getattr(kgb, "economics", None), random_state=random_state)
    X = aug.frame[spec.features]
    if method == "fuzzy":
        model = WeightedDefaultModel(**options).fit(
            X, aug.y, sample_weight=aug.weight, folds=folds, known=~aug.declined
        )
    else:
        model = DefaultModel(**options).fit(X, aug.y, folds=folds)
    n = len(booked)
    validation = result.validation.assign(pd=model.validation_pd_[:n])
    summary = {
        "method": method,
        "base_candidate": candidate,
        "declined_rows": int(len(declined)),
        "declined_mean_pd_booked_only_model": float(p.mean()),
        "booked_rows": int(n),
    }
    chosen = f"{candidate} + reject inference ({method})"
    return replace(
        result,
        model=model,
        chosen=chosen,
        validation=validation,
        parameters={**result.parameters, "reject_inference": summary},
        diagnostics={**result.diagnostics, "reject_inference": summary},
    )
