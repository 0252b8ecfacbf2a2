"""Credit risk: loan features, schema and row validation, candidates, the calibrated PD model and
its blend, training, explanations, batch scoring and bring-your-own-data.

optbinning is imported first through `candidates`: ortools and highspy ship clashing libhighs
builds, and importing cvxpy users before optbinning fails.
"""

from bankml.default import candidates  # noqa: F401  (first: optbinning before cvxpy users)
from bankml.default.blend import BlendModel
from bankml.default.drift import batch_drift
from bankml.default.estimator import DefaultModel, PDModel
from bankml.default.fairness import fairness_by_group
from bankml.default.features import (
    PROTECTED,
    FeatureSpec,
    bank_spec,
    binary_target,
    infer_spec,
    loan_frame,
    oracle_pd,
    read_training_csv,
)
from bankml.default.training import LEADERBOARD_COLUMNS, TrainResult, train_default
from bankml.default.workflow import train_bank_model, train_csv_model, train_table_model

__all__ = [
    "LEADERBOARD_COLUMNS",
    "PDModel",
    "PROTECTED",
    "BlendModel",
    "DefaultModel",
    "FeatureSpec",
    "TrainResult",
    "bank_spec",
    "batch_drift",
    "binary_target",
    "fairness_by_group",
    "infer_spec",
    "loan_frame",
    "oracle_pd",
    "read_training_csv",
    "train_bank_model",
    "train_csv_model",
    "train_default",
    "train_table_model",
]
