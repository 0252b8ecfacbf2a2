"""The default-risk model: loan features, candidates, calibrated PD, cut-off, reason codes.

optbinning is imported first through `candidates` (TOOLCHAIN.md import-order trap).
"""

from bankml.default import candidates  # noqa: F401  (first: optbinning before cvxpy users)
from bankml.default.drift import batch_drift
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
from bankml.default.model import LEADERBOARD_COLUMNS, DefaultModel, TrainResult, train_default
from bankml.default.workflow import train_bank_model, train_csv_model, train_table_model

__all__ = [
    "LEADERBOARD_COLUMNS",
    "PROTECTED",
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
