"""Generator parameters and their allowed ranges (validated before any work starts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

GENERATOR_VERSION = "2.0.0"
SUPPORTED_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")

MIN_CUSTOMERS = 100
MAX_CUSTOMERS = 5_000_000
MIN_DEFAULT_RATE = 0.005
MAX_DEFAULT_RATE = 0.5


class ParameterError(ValueError):
    """A generator parameter is outside its allowed range; the message says which and why."""


@dataclass(frozen=True)
class BankParams:
    """Everything that determines a synthetic bank; same params -> identical tables."""

    customers: int = 10_000
    seed: int = 42
    default_rate: float = 0.10
    locale: str = "en_US"
    start_date: str = "2023-01-01"
    end_date: str = "2025-12-31"
    txn_per_customer: float = 60.0
    products_per_customer: float = 4.0
    loans_per_customer: float = 1.0
    horizon_months: int = 12
    decline_rate: float = 0.18
    segment_overlap: float = 0.5
    macro_amplitude: float = 1.0
    behaviour_signal: float = 1.0
    defects: bool = False

    def validate(self) -> BankParams:
        """Raise ParameterError naming the bad parameter and its allowed range."""
        if not isinstance(self.customers, int) or not (
            MIN_CUSTOMERS <= self.customers <= MAX_CUSTOMERS
        ):
            raise ParameterError(
                f"customers={self.customers!r} is out of range: allowed {MIN_CUSTOMERS}..{MAX_CUSTOMERS}"
            )
        if not isinstance(self.seed, int) or not (0 <= self.seed < 2**32):
            raise ParameterError(f"seed={self.seed!r} is out of range: allowed 0..{2**32 - 1}")
        if not (MIN_DEFAULT_RATE <= self.default_rate <= MAX_DEFAULT_RATE):
            raise ParameterError(
                f"default_rate={self.default_rate!r} is out of range: allowed {MIN_DEFAULT_RATE}..{MAX_DEFAULT_RATE}"
            )
        if self.locale not in SUPPORTED_LOCALES:
            raise ParameterError(
                f"locale={self.locale!r} is not supported: allowed {', '.join(SUPPORTED_LOCALES)}"
            )
        try:
            start = dt.date.fromisoformat(self.start_date)
            end = dt.date.fromisoformat(self.end_date)
        except ValueError as exc:
            raise ParameterError(f"dates must be YYYY-MM-DD: {exc}") from None
        if (end - start).days < 60:
            raise ParameterError(
                f"end_date {self.end_date} must be at least 60 days after start_date {self.start_date}"
            )
        if not (1.0 <= self.txn_per_customer <= 500.0):
            raise ParameterError(
                f"txn_per_customer={self.txn_per_customer!r} is out of range: allowed 1..500"
            )
        if not (1.0 <= self.products_per_customer <= 10.0):
            raise ParameterError(
                f"products_per_customer={self.products_per_customer!r} is out of range: allowed 1..10"
            )
        if not (0.1 <= self.loans_per_customer <= 5.0):
            raise ParameterError(
                f"loans_per_customer={self.loans_per_customer!r} is out of range: allowed 0.1..5"
            )
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if not isinstance(self.horizon_months, int) or not (1 <= self.horizon_months <= 36):
            raise ParameterError(
                f"horizon_months={self.horizon_months!r} is out of range: allowed 1..36"
            )
        if self.horizon_months >= months:
            raise ParameterError(
                f"horizon_months={self.horizon_months} must be shorter than the {months}-month window"
            )
        for name, low, high in (
            ("decline_rate", 0.0, 0.6),
            ("segment_overlap", 0.0, 1.0),
            ("macro_amplitude", 0.0, 3.0),
            ("behaviour_signal", 0.0, 3.0),
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not (low <= value <= high):
                raise ParameterError(f"{name}={value!r} is out of range: allowed {low}..{high}")
        if not isinstance(self.defects, bool):
            raise ParameterError(f"defects={self.defects!r} must be true or false")
        return self

    def to_dict(self) -> dict:
        return asdict(self)
