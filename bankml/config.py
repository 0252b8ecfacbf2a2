"""Settings declared once; importing this module creates nothing.

Paths resolve at call time so environment overrides (BANKML_DB, BANKML_MODELS) work in tests too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bankml.errors import InputError

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
    """The lending policy that prices every loan: one config for training, scoring, UI and CLI.

    Each loan earns its own rate on an amortising balance for `horizon_months` (capped by its own
    term), pays `funding_cost` (a year, on the same balance) and loses `loss_given_default` of its
    exposure at default when it defaults. `rate` (% a year) and `term_months` price loans whose
    data has no rate or term column; left None on such data, the neutral policy applies instead
    (`bankml.default.economics`). `refer_tolerance`: PDs whose approval moves the expected
    portfolio profit by less than this share of its best value are referred to an underwriter.
    """

    loss_given_default: float = 0.60
    funding_cost: float = 0.03
    horizon_months: int = 12
    rate: float | None = None
    term_months: int | None = None
    refer_tolerance: float = 0.01

    def __post_init__(self) -> None:
        checks = {
            "loss_given_default": (self.loss_given_default, 0.0, 1.0),
            "funding_cost": (self.funding_cost, 0.0, 0.5),
            "horizon_months": (self.horizon_months, 1, 480),
            "rate": (self.rate, 0.0, 100.0),
            "term_months": (self.term_months, 1, 480),
            "refer_tolerance": (self.refer_tolerance, 0.0, 0.5),
        }
        for name, (value, low, high) in checks.items():
            if value is None and name in ("rate", "term_months"):
                continue
            if not isinstance(value, (int, float)) or not low <= float(value) <= high:
                raise InputError(
                    f"economics {name} must be between {low} and {high}, got {value!r}"
                )

    @classmethod
    def from_mapping(cls, values: dict) -> LendingEconomics:
        """From a config file's mapping; an unknown key is an error, not silently ignored."""
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError(
                f"unknown economics setting {unknown[0]!r}: allowed {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**values)


DEFAULT_ECONOMICS = LendingEconomics()
