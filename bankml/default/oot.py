"""Out-of-time validation: fit on earlier matured vintages, test on the latest matured ones.

The figure a model-validation team asks for first: in-time cross-validation (grouped by customer)
flatters a model when default rates move with the economy, so the headline is how a model fitted
on earlier applications ranks and calibrates the latest ones. Immature loans (no outcome yet)
never enter either side. The oracle (true PD, evaluation only) scores the same loans, and default
LightGBM fitted on the same earlier loans is the baseline.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from bankml import evaluate
from bankml.default import candidates as cands  # first: optbinning's import-order trap
from bankml.default.crossval import make_folds, out_of_fold
from bankml.default.memo import Memo, array_key, data_key
from bankml.default.training import train_default
from bankml.errors import InputError

DATE = "application_date"
METRICS = ("roc_auc", "gini", "ks", "brier")
BASELINE = "lightgbm (default)"


@dataclass(frozen=True)
class OutOfTime:
    """In-time and out-of-time metrics of the chosen model, the baseline and the oracle.

    `table` has one row per (model, period) with n, AUC, Gini, KS, Brier and AUC / oracle AUC on
    the same loans; `cutoff` is the first application date of the test vintages.
    """

    table: pd.DataFrame
    cutoff: str
    chosen: str
    n_train: int
    n_test: int

    def metric(self, model: str, period: str, name: str = "roc_auc") -> float:
        """One figure, e.g. metric("chosen", "out-of-time")."""
        rows = self.table[(self.table["role"] == model) & (self.table["period"] == period)]
        return float(rows[name].iloc[0])

    def as_dict(self) -> dict:
        """JSON-ready: cut-off, sizes and every row of the table."""
        return {
            "cutoff": self.cutoff,
            "chosen": self.chosen,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "rows": self.table.to_dict(orient="records"),
        }


# The same bank's out-of-time test is asked for by the CLI's evaluation, the validation report and
# its download on the page: the last few results are kept, keyed on what the test reads.
_OOT_MEMO: Memo[OutOfTime] = Memo(size=4)


def split_by_time(
    frame: pd.DataFrame, test_share: float = 0.2, date_column: str = DATE
) -> tuple[np.ndarray, np.ndarray, pd.Timestamp]:
    """Row positions of the earlier and the latest vintages (the last `test_share` of dates).

    Whole application dates go to one side; rows without an outcome are on neither side.
    """
    if not 0.05 <= test_share <= 0.5:
        raise InputError(f"test_share={test_share} is outside the allowed range 0.05-0.5")
    if date_column not in frame.columns:
        raise InputError(
            f"out-of-time validation needs the column {date_column!r}: columns are "
            f"{list(frame.columns)[:20]}"
        )
    dates = pd.to_datetime(frame[date_column], errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise InputError(f"{date_column!r} is empty or not a date at row {row + 1}")
    cutoff = dates.quantile(1 - test_share)
    cutoff = dates[dates >= cutoff].min()
    test = dates.to_numpy() >= np.datetime64(cutoff)
    if test.all() or not test.any():
        raise InputError(f"all {len(frame)} loans share one application date: no time to split")
    return np.flatnonzero(~test), np.flatnonzero(test), cutoff


def _rows(role, name, period, y, proba, oracle) -> dict:
    out = {"role": role, "model": name, "period": period, "n": len(y)}
    out.update({m: evaluate.summary(y, proba)[m] for m in METRICS})
    out["default_rate"] = float(np.mean(y))
    out["auc_vs_oracle"] = (
        out["roc_auc"] / evaluate.roc_auc(y, oracle) if oracle is not None else np.nan
    )
    return out


def _baseline(spec, X, y, groups, X_test, cv, random_state) -> tuple[np.ndarray, np.ndarray]:
    """Default LightGBM: grouped out-of-fold on the earlier loans, refitted to score the latest."""
    candidate = next(c for c in cands.KNOWN if c.name == BASELINE)

    def make():
        return cands.pipeline(candidate, spec, random_state)

    in_time = out_of_fold(make, X, y, make_folds(y, cv, random_state, groups)).proba
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        model = make().fit(X, y)
    return in_time, model.predict_proba(X_test)[:, 1]


def out_of_time(
    frame: pd.DataFrame,
    oracle: pd.Series | None = None,
    candidates: str | list[str] = "quick",
    test_share: float = 0.2,
    cv: int = 5,
    random_state: int = 0,
    train: Callable[..., object] = train_default,
) -> OutOfTime:
    """Train (candidate choice included) on the earlier matured loans, score the latest ones.

    In-time figures are the grouped out-of-fold predictions on the earlier loans; out-of-time
    figures are the refitted model's PDs on the latest loans. `oracle` (true PD by loan_id) adds
    the best possible figures on the very same loans. `train` is `train_default` or a stand-in
    with its signature (tests), called with `reviews=False`. Memoised in-process on a content
    hash of the matured loans (every column: the training reads them), the oracle's PDs of those
    loans, the settings and `train`.
    """
    if "defaulted" not in frame.columns:
        raise InputError("out-of-time validation needs the bank's loan frame (column 'defaulted')")
    frame = frame[frame["defaulted"].notna()].reset_index(drop=True)  # immature: no outcome
    frame = frame.assign(defaulted=frame["defaulted"].astype(np.int64))
    truth = None
    if oracle is not None and "loan_id" in frame.columns:
        truth = oracle.reindex(frame["loan_id"].to_numpy()).to_numpy(float)
    chosen = candidates if isinstance(candidates, str) else tuple(candidates)
    settings = (chosen, test_share, cv, random_state)
    key = (
        train,
        data_key(frame, list(frame.columns), settings),
        array_key(*([] if truth is None else [truth]), params=(truth is None,)),
    )
    return _OOT_MEMO.get(
        key, lambda: _out_of_time(frame, truth, candidates, test_share, cv, random_state, train)
    )


def _out_of_time(
    frame: pd.DataFrame,
    truth: np.ndarray | None,
    candidates: str | list[str],
    test_share: float,
    cv: int,
    random_state: int,
    train: Callable[..., object],
) -> OutOfTime:
    """out_of_time itself, unmemoised, on the matured loans and the oracle's PDs of them."""
    early, late, cutoff = split_by_time(frame, test_share)
    past, recent = frame.iloc[early].reset_index(drop=True), frame.iloc[late].reset_index(drop=True)
    for part, label in ((past, "earlier"), (recent, "latest")):
        if part["defaulted"].nunique() < 2:
            raise InputError(f"the {label} vintages hold only one outcome: no AUC to measure")
    # only the model and its out-of-fold PDs are read: no scorecard review, no proxy check
    result = train(past, candidates=candidates, cv=cv, random_state=random_state, reviews=False)
    spec = result.spec
    y_past, y_recent = past["defaulted"].to_numpy(), recent["defaulted"].to_numpy()
    groups = past["customer_id"].to_numpy() if "customer_id" in past.columns else None
    lgbm_in, lgbm_out = _baseline(
        spec, past[spec.features], y_past, groups, recent[spec.features], cv, random_state
    )
    model_out = result.model.predict_proba(recent[spec.features])[:, 1]
    truth_past = truth_recent = None
    if truth is not None and np.isfinite(truth).all():
        truth_past, truth_recent = truth[early], truth[late]
    rows = []
    for period, y, truth, chosen_pd, lgbm_pd in (
        ("in-time", y_past, truth_past, result.validation["pd"].to_numpy(float), lgbm_in),
        ("out-of-time", y_recent, truth_recent, model_out, lgbm_out),
    ):
        rows.append(_rows("chosen", result.chosen, period, y, chosen_pd, truth))
        rows.append(_rows("baseline", "LightGBM defaults", period, y, lgbm_pd, truth))
        if truth is not None:
            rows.append(_rows("oracle", "oracle (true PD)", period, y, truth, truth))
    return OutOfTime(
        table=pd.DataFrame(rows),
        cutoff=str(pd.Timestamp(cutoff).date()),
        chosen=result.chosen,
        n_train=len(past),
        n_test=len(recent),
    )
