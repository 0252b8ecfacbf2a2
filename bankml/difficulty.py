"""How hard the bank is: ceilings a model can be measured against (evaluation code: reads truth_*).

- credit: on matured booked loans, the oracle AUC (true PD), a logistic regression on the
  application columns alone, and a gradient-boosted model that adds customer-grain behavioural
  features from the transactions; both as ratios to the oracle on the same loans, out of fold.
- segments: the recoverability ceiling, a supervised model cross-validated on the truth labels.
Subsampled (fixed sizes, fixed seed) so the report costs a few seconds at any bank size.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bankml import data
from bankml.threads import one_thread

APPLICATION_NUMERIC = (
    "loan_amount", "term_months", "interest_rate", "debt_to_income", "credit_utilization",
    "open_credit_lines", "delinquencies_2y", "previous_defaults", "annual_income", "credit_score",
    "years_employed", "dependents", "tenure_months",
)  # fmt: skip
APPLICATION_CATEGORICAL = ("purpose", "employment_status", "education", "home_ownership")
CUSTOMER_NUMERIC = (
    "age",
    "annual_income",
    "years_employed",
    "dependents",
    "tenure_months",
    "credit_score",
)
CUSTOMER_CATEGORICAL = ("education", "employment_status", "home_ownership", "marital_status")
TABLES = ("customers", "loans", "transactions", "holdings", "truth_loans", "truth_segments")
LOAN_SAMPLE = 8_000
CUSTOMER_SAMPLE = 4_000


def behaviour_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """Customer-grain behaviour: transaction count, category and channel shares, amount level and spread."""
    txns = transactions.drop_duplicates("txn_id")
    codes, customers = pd.factorize(txns["customer_id"], sort=True)
    n = len(customers)
    log_amount = np.log(txns["amount"].to_numpy(float).clip(0.01))
    count = np.bincount(codes, minlength=n).astype(float)
    mean = np.bincount(codes, log_amount, minlength=n) / np.maximum(count, 1)
    square = np.bincount(codes, log_amount**2, minlength=n) / np.maximum(count, 1)
    columns = {
        "txn_count": count,
        "log_amount_mean": mean,
        "log_amount_sd": np.sqrt(np.maximum(square - mean**2, 0.0)),
    }
    for column in ("category", "channel"):
        values = pd.Categorical(txns[column].astype(str))
        k = len(values.categories)
        table = np.bincount(codes * k + values.codes, minlength=n * k).reshape(n, k)
        for j, name in enumerate(values.categories):
            columns[f"{column}_{name}"] = table[:, j] / np.maximum(count, 1)
    return pd.DataFrame(columns, index=pd.Index(customers, name="customer_id"))


def _design(frame: pd.DataFrame, numeric, categorical) -> pd.DataFrame:
    """Numeric columns (sentinels and gaps to the median, money on a log scale) plus one-hot categories."""
    out = pd.DataFrame(index=frame.index)
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        values = values.where((values > -900) & (values < 9e7))
        values = values.fillna(values.median())
        out[column] = (
            np.log1p(values.clip(0)) if column in ("annual_income", "loan_amount") else values
        )
    if "loan_amount" in frame.columns:
        income = pd.to_numeric(frame["annual_income"], errors="coerce").astype(float)
        income = income.where((income > 0) & (income < 9e7))
        out["log_loan_to_income"] = np.log(frame["loan_amount"] / income.fillna(income.median()))
    dummies = pd.get_dummies(frame[list(categorical)].astype(str), dtype=float)
    return pd.concat([out, dummies.set_index(frame.index)], axis=1)


def _oof(
    model, x: pd.DataFrame, y: np.ndarray, seed: int, method: str = "predict_proba"
) -> np.ndarray:
    """Out-of-fold predictions, one thread: on a shared machine OpenMP oversubscription costs 100x."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    with one_thread():
        return cross_val_predict(model, x.to_numpy(float), y, cv=folds, method=method)


def credit_ceilings(
    tables: dict[str, pd.DataFrame], sample: int = LOAN_SAMPLE, seed: int = 0
) -> dict:
    """Oracle, application-only logistic and behaviour-GBM AUC on the same matured booked loans."""
    loans = tables["loans"].drop_duplicates("loan_id")
    loans = loans[loans["defaulted"].notna()]
    if len(loans) > sample:
        loans = loans.sample(sample, random_state=seed)
    customers = (
        tables["customers"]
        .drop_duplicates("customer_id")
        .drop(columns=["delinquencies_2y", "previous_defaults"], errors="ignore")
    )
    frame = loans.merge(customers, on="customer_id", how="left").reset_index(drop=True)
    y = frame["defaulted"].to_numpy(dtype=float).astype(int)
    if len(frame) < 200 or y.sum() < 20 or (1 - y).sum() < 20:
        return {"credit_sample": int(len(frame))}
    oracle = tables["truth_loans"].set_index("loan_id")["pd"].reindex(frame["loan_id"]).to_numpy()
    x_app = _design(frame, APPLICATION_NUMERIC, APPLICATION_CATEGORICAL)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1_000))
    p_logistic = _oof(logistic, x_app, y, seed)[:, 1]
    behaviour = behaviour_features(
        tables["transactions"][tables["transactions"]["customer_id"].isin(frame["customer_id"])]
    )
    start = frame["application_date"].min()
    x_gbm = pd.concat(
        [
            x_app,
            ((frame["application_date"] - start).dt.days / 30.4).rename("months_since_start"),
            behaviour.reindex(frame["customer_id"]).reset_index(drop=True).fillna(0.0),
        ],
        axis=1,
    )
    gbm = HistGradientBoostingClassifier(
        max_iter=400,
        learning_rate=0.03,
        max_leaf_nodes=6,
        min_samples_leaf=80,
        l2_regularization=1.0,
        random_state=seed,
    )
    p_gbm = _oof(gbm, x_gbm, y, seed)[:, 1]
    oracle_auc = float(roc_auc_score(y, oracle))
    logistic_auc = float(roc_auc_score(y, p_logistic))
    gbm_auc = float(roc_auc_score(y, p_gbm))
    return {
        "credit_sample": int(len(frame)),
        "oracle_auc_sample": oracle_auc,
        "logistic_application_auc": logistic_auc,
        "logistic_to_oracle": logistic_auc / oracle_auc,
        "gbm_behaviour_auc": gbm_auc,
        "gbm_to_oracle": gbm_auc / oracle_auc,
    }


def segment_ceiling(
    tables: dict[str, pd.DataFrame], sample: int = CUSTOMER_SAMPLE, seed: int = 0
) -> dict:
    """Cross-validated accuracy of a supervised model predicting the true segment from observables."""
    customers = tables["customers"].drop_duplicates("customer_id")
    if len(customers) > sample:
        customers = customers.sample(sample, random_state=seed)
    customers = customers.reset_index(drop=True)
    ids = customers["customer_id"]
    behaviour = behaviour_features(
        tables["transactions"][tables["transactions"]["customer_id"].isin(ids)]
    )
    held = tables["holdings"][tables["holdings"]["customer_id"].isin(ids)]
    owned = (
        pd.crosstab(held["customer_id"], held["product_id"]).clip(upper=1).add_prefix("product_")
    )
    x = pd.concat(
        [
            _design(customers, CUSTOMER_NUMERIC, CUSTOMER_CATEGORICAL),
            behaviour.reindex(ids).reset_index(drop=True),
            owned.reindex(ids).reset_index(drop=True),
        ],
        axis=1,
    ).fillna(0.0)
    truth = tables["truth_segments"].set_index("customer_id")["segment"].reindex(ids).to_numpy()
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=seed)
    predicted = _oof(model, x, truth, seed, method="predict")
    return {
        "segment_sample": int(len(customers)),
        "segment_recoverability": float(np.mean(predicted == truth)),
    }


def difficulty_report(tables: dict[str, pd.DataFrame], meta: pd.DataFrame | None = None) -> dict:
    """Everything item 7 of the data dictionary lists, as one flat dict of plain numbers."""
    report: dict = {}
    if meta is not None and len(meta):
        row = meta.iloc[0]
        for key in (
            "oracle_auc", "realised_default_rate", "declined_share", "immature_share",
            "quarterly_default_min", "quarterly_default_max",
        ):  # fmt: skip
            if key in meta.columns:
                report[key] = float(row[key])
        if report.get("quarterly_default_min", 0) > 0:
            report["quarterly_default_ratio"] = (
                report["quarterly_default_max"] / report["quarterly_default_min"]
            )
        report["row_counts"] = json.loads(row["row_counts"])
    report.update(credit_ceilings(tables))
    report.update(segment_ceiling(tables))
    # NaN (e.g. no quarter with 30 matured loans in a tiny bank) becomes null: valid JSON
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in report.items()
    }


def bank_difficulty(path: str | os.PathLike | None = None) -> dict:
    """The difficulty report of the bank in the store (the figures saved at generation when present)."""
    tables = data.read_tables([*TABLES, "meta"], path)
    meta = tables.pop("meta")
    if "difficulty" in meta.columns and isinstance(meta["difficulty"].iloc[0], str):
        return json.loads(meta["difficulty"].iloc[0])
    return difficulty_report(tables, meta)
