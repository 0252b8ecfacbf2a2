"""A truth-fitted model of the observable data: how near the oracle the data of a date can take one.

The oracle ranks by the generator's truth, which holds what no data shows: each customer's true
segment blend and individual taste. To tell a model's shortfall from the data's, this diagnostic
fits the oracle's own scores (the log of the true next-product propensity) from what the bank had
on the split date (the products held, the customer profile, and the customer features as of the
date: spend mix, activity, loans), with LightGBM per product, out of fold over customers. It is
supervised by the truth, which no real model is; it is an estimate, not a bound (a regression of
log-propensities is not the best ranking for a year of openings, and a model can pass it), but
when a model of the data reaches it, what is left to the oracle is information the data of the
date does not hold. Evaluation code only: it reads the oracle, never a model.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.model_selection import KFold

FOLDS = 3
TREES = 120
LEARNING_RATE = 0.1
PROFILE = ("gender", "marital_status", "education", "employment_status", "home_ownership")
FLOOR = 1e-6  # log of the oracle's propensity is taken above this (held products are 0)


def _design(held: sp.csr_matrix, customers: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: products held (0/1), profile categories, features as of the date."""
    frame = pd.DataFrame(
        np.asarray(held.todense(), dtype=np.float32),
        columns=[f"holds_{j}" for j in range(held.shape[1])],
    )
    for column in PROFILE:
        if column in customers.columns:
            frame[column] = pd.Categorical(customers[column].astype(str).to_numpy())
    numeric = features.select_dtypes("number").reset_index(drop=True)
    return pd.concat([frame, numeric.add_prefix("as_of_")], axis=1)


def truth_fitted_scores(
    held: sp.csr_matrix,
    customers: pd.DataFrame,
    features: pd.DataFrame,
    oracle: np.ndarray,
    random_state: int = 0,
) -> np.ndarray:
    """customers x products: out-of-fold predictions of log(oracle) from the data of the date.

    held: products held on the date (the split's training matrix); customers: the profile as of
    the date; features: customer features as of the date; all three in the oracle's row order.
    """
    design = _design(held, customers, features)
    target = np.log(np.clip(np.asarray(oracle, dtype=float), FLOOR, None))
    scores = np.full(target.shape, np.log(FLOOR))
    folds = KFold(FOLDS, shuffle=True, random_state=random_state)
    for fit_rows, score_rows in folds.split(design):
        for product in range(target.shape[1]):
            y = target[fit_rows, product]
            if np.ptp(y) == 0:
                scores[score_rows, product] = y[0]
                continue
            model = lgb.LGBMRegressor(
                n_estimators=TREES,
                learning_rate=LEARNING_RATE,
                n_jobs=1,
                random_state=random_state,
                verbose=-1,
            )
            model.fit(design.iloc[fit_rows], y)
            scores[score_rows, product] = model.predict(design.iloc[score_rows])
    return scores
