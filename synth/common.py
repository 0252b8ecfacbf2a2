"""Shared pieces of the generator: the Bank container, Faker pools, hashing and small numeric helpers."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import faker
import numpy as np
import pandas as pd

Progress = Callable[[float, str], None]

TABLE_ORDER = (
    "customers",
    "applications",
    "loans",
    "transactions",
    "products",
    "holdings",
    "macro",
    "truth_applications",
    "truth_loans",
    "truth_segments",
    "truth_affinity",
    "truth_propensity",
    "truth_complements",
)


@dataclass
class Bank:
    """All generated tables plus the one-row meta table."""

    tables: dict[str, pd.DataFrame]
    meta: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return str(self.meta["content_hash"].iloc[0])


def no_progress(fraction: float, message: str) -> None:
    return None


def ascii_slug(text: str) -> str:
    normal = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in normal.lower() if ch.isalnum()) or "customer"


class Pools:
    """Faker output drawn once per bank; rows index into these pools instead of calling Faker."""

    def __init__(self, locale: str, seed: int) -> None:
        fake = faker.Faker(locale)
        fake.seed_instance(seed)
        self.first_female = np.array(sorted({fake.first_name_female() for _ in range(300)}))
        self.first_male = np.array(sorted({fake.first_name_male() for _ in range(300)}))
        self.last = np.array(sorted({fake.last_name() for _ in range(500)}))
        self.cities = np.array(sorted({fake.city() for _ in range(200)}))
        self.jobs = np.array(sorted({fake.job() for _ in range(150)} - {"Student", "Retired"}))
        self.domains = np.array(sorted({fake.free_email_domain() for _ in range(30)}))
        self.companies = np.array(sorted({fake.company() for _ in range(400)}))


def solve_intercept(score: np.ndarray, target_rate: float) -> float:
    """Intercept b so that mean(sigmoid(b + score)) equals the target rate (bisection, monotone)."""
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        rate = np.mean(1.0 / (1.0 + np.exp(-(mid + score))))
        lo, hi = (mid, hi) if rate < target_rate else (lo, mid)
    return (lo + hi) / 2


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def rank_auc(score: np.ndarray, label: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank formula (average ranks for ties)."""
    label = np.asarray(label).astype(bool)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def content_hash(tables: dict[str, pd.DataFrame]) -> str:
    """sha256 over every table's column names, dtypes and values, in a fixed order."""
    digest = hashlib.sha256()
    for name in TABLE_ORDER:
        frame = tables[name]
        digest.update(f"{name}:{len(frame)}".encode())
        for column in frame.columns:
            values = frame[column]
            digest.update(f"|{column}:{values.dtype}".encode())
            if isinstance(values.dtype, pd.CategoricalDtype):
                digest.update("\x1f".join(map(str, values.cat.categories)).encode())
                digest.update(np.ascontiguousarray(values.cat.codes.to_numpy()).tobytes())
            elif isinstance(values.dtype, pd.api.extensions.ExtensionDtype) and (
                values.dtype.kind in "biuf"
            ):
                numbers = values.to_numpy(dtype="float64", na_value=np.nan)
                digest.update(np.ascontiguousarray(numbers).tobytes())
            elif values.dtype.kind in "biufM":
                digest.update(np.ascontiguousarray(values.to_numpy()).tobytes())
            else:
                digest.update("\x1f".join(values.astype(str).tolist()).encode())
    return digest.hexdigest()


def categorical(codes: np.ndarray, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.asarray(codes).astype(np.int32), categories=list(categories)
    )


def pick(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, options) probability matrix."""
    cumulative = probabilities.cumsum(axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random((len(probabilities), 1))
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)


@dataclass(frozen=True)
class Profile:
    """Each customer's blend of their own segment and a second one (segments overlap as real ones do)."""

    segment: np.ndarray
    other: np.ndarray
    weight: np.ndarray

    def of(self, table: np.ndarray) -> np.ndarray:
        """Per-customer value of a per-segment table (rows: segments), blended by weight."""
        w = self.weight.reshape((-1,) + (1,) * (table.ndim - 1))
        return (1.0 - w) * table[self.segment] + w * table[self.other]


def window(params) -> tuple[np.datetime64, int, int]:
    """Start day, number of days and number of calendar months of the data window."""
    start = np.datetime64(params.start_date, "D")
    end = np.datetime64(params.end_date, "D")
    months = (
        int(end.astype("datetime64[M]").astype(int) - start.astype("datetime64[M]").astype(int)) + 1
    )
    return start, int((end - start).astype(int)), months


def month_index(dates: np.ndarray, start: np.datetime64) -> np.ndarray:
    """Calendar months since the window's first month (0-based)."""
    months = dates.astype("datetime64[M]").astype(np.int64)
    return months - start.astype("datetime64[M]").astype(np.int64)
