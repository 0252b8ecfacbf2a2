"""Settings declared once; importing this module creates nothing.

Paths resolve at call time so environment overrides (BANKML_DB, BANKML_MODELS) work in tests too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("data") / "bank.duckdb"
DEFAULT_MODELS = Path("models")
LOCK_TIMEOUT_SECONDS = 0.0


def db_path(override: str | os.PathLike | None = None) -> Path:
    """The bank database: explicit override, else $BANKML_DB, else data/bank.duckdb."""
    return Path(override or os.environ.get("BANKML_DB") or DEFAULT_DB)


def models_dir(override: str | os.PathLike | None = None) -> Path:
    """The model registry folder: explicit override, else $BANKML_MODELS, else models/."""
    return Path(override or os.environ.get("BANKML_MODELS") or DEFAULT_MODELS)


@dataclass(frozen=True)
class LendingEconomics:
    """Money per loan used to choose the cut-off: margin earned on a good loan, loss on a bad one."""

    interest_margin: float = 0.06
    loss_given_default: float = 0.60
    years: float = 1.0


DEFAULT_ECONOMICS = LendingEconomics()
