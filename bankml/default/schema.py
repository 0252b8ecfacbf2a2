"""The feature schema a model was trained on: names, kinds, allowed ranges and known categories.

One object drives the applicant form's widget bounds, batch-CSV validation and the model card, so
the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class NumericField:
    """A numeric feature: allowed closed range, widget step, whether it must be whole, and its median."""

    name: str
    minimum: float
    maximum: float
    step: float = 1.0
    integer: bool = False
    default: float = 0.0
    help: str = ""


@dataclass(frozen=True)
class CategoricalField:
    """A categorical feature: the levels seen in training (others are allowed, flagged as unseen)."""

    name: str
    levels: tuple[str, ...]
    default: str = ""
    help: str = ""


@dataclass(frozen=True)
class FeatureSchema:
    """Every model input in order; `to_dict`/`from_dict` round-trip through the JSON model card."""

    numeric: tuple[NumericField, ...] = ()
    categorical: tuple[CategoricalField, ...] = ()
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.numeric] + [f.name for f in self.categorical]

    def field(self, name: str) -> NumericField | CategoricalField:
        for item in (*self.numeric, *self.categorical):
            if item.name == name:
                return item
        raise KeyError(name)

    def defaults(self) -> dict[str, float | str]:
        """A typical applicant: the median of every numeric field and the mode of every category."""
        values: dict[str, float | str] = {f.name: f.default for f in self.numeric}
        values.update({f.name: f.default for f in self.categorical})
        return values

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        numeric: list[str],
        categorical: list[str],
        hard_bounds: dict[str, tuple[float, float]] | None = None,
        descriptions: dict[str, str] | None = None,
    ) -> FeatureSchema:
        """Infer ranges from training data: hard bounds where known, else 0..(max x 1.5) style limits.

        Ranges are generous on purpose: they reject impossible values (negative income, age 250),
        not unusual ones, which the model should still score.
        """
        hard_bounds = hard_bounds or {}
        descriptions = descriptions or {}
        numeric_fields = []
        for name in numeric:
            values = pd.to_numeric(frame[name], errors="coerce").replace([np.inf, -np.inf], np.nan)
            values = values.dropna()
            integer = bool(len(values)) and bool(np.all(np.mod(values, 1) == 0))
            if name in hard_bounds:
                low, high = hard_bounds[name]
            else:
                lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
                low = 0.0 if lo >= 0 else lo * 1.5
                high = hi * 1.5 if hi > 0 else hi + 1.0
                if integer:
                    low, high = float(np.floor(low)), float(np.ceil(high))
            median = float(values.median()) if len(values) else low
            span = high - low
            step = 1.0 if integer else _nice_step(span)
            if integer:
                median = float(round(median))
            numeric_fields.append(
                NumericField(
                    name=name,
                    minimum=float(low),
                    maximum=float(high),
                    step=step,
                    integer=integer,
                    default=float(min(max(median, low), high)),
                    help=descriptions.get(name, ""),
                )
            )
        categorical_fields = []
        for name in categorical:
            counts = frame[name].dropna().astype(str).value_counts()
            levels = tuple(sorted(counts.index))
            categorical_fields.append(
                CategoricalField(
                    name=name,
                    levels=levels,
                    default=str(counts.index[0]) if len(counts) else "",
                    help=descriptions.get(name, ""),
                )
            )
        return cls(tuple(numeric_fields), tuple(categorical_fields), dict(descriptions))

    def to_dict(self) -> dict:
        return {
            "numeric": [vars(f) for f in self.numeric],
            "categorical": [{**vars(f), "levels": list(f.levels)} for f in self.categorical],
            "descriptions": dict(self.descriptions),
        }

    @classmethod
    def from_dict(cls, payload: dict) -> FeatureSchema:
        return cls(
            tuple(NumericField(**f) for f in payload.get("numeric", [])),
            tuple(
                CategoricalField(**{**f, "levels": tuple(f["levels"])})
                for f in payload.get("categorical", [])
            ),
            dict(payload.get("descriptions", {})),
        )


def _nice_step(span: float) -> float:
    """A round widget step of about 1/100 of the range (0.01, 0.05, 100, ...)."""
    if span <= 0:
        return 0.01
    raw = span / 100
    magnitude = 10 ** np.floor(np.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)
