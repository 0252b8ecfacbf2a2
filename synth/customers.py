"""Customers: latent segment (blended with a second one), latent stress and resilience, Faker names.

Hidden columns (prefixed `_`) carry the latent state to the other modules and are dropped before
the tables are returned: `_segment`, `_stress` (drives the visible credit history) and
`_resilience` (drives behaviour in the transactions and the true PD, and is never a column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.common import Pools, Profile, ascii_slug, categorical, pick, window
from synth.params import BankParams


def profile(params: BankParams, rng: np.random.Generator, n: int) -> Profile:
    """Segment, a second segment and the blend weight (up to segment_overlap, Beta-shaped)."""
    k = len(cat.SEGMENT_NAMES)
    seg = rng.choice(k, size=n, p=cat.SEGMENT_SHARE)
    other = (seg + rng.integers(1, k, size=n)) % k
    weight = params.segment_overlap * rng.beta(2.0, 2.0, n)
    return Profile(seg, other, weight)


def _names(
    n: int, rng: np.random.Generator, pools: Pools
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    female = rng.random(n) < 0.5
    first = np.where(
        female,
        pools.first_female[rng.integers(len(pools.first_female), size=n)],
        pools.first_male[rng.integers(len(pools.first_male), size=n)],
    )
    last_idx = rng.integers(len(pools.last), size=n)
    last = pools.last[last_idx]
    customer_id = np.arange(1, n + 1, dtype=np.int64)
    first_slugs = {value: ascii_slug(value) for value in np.unique(first)}
    last_slugs = np.array([ascii_slug(value) for value in pools.last])
    domain = pools.domains[rng.integers(len(pools.domains), size=n)]
    suffix = (customer_id % 997).astype(str)
    name = [f"{g} {f}" for g, f in zip(first.tolist(), last.tolist(), strict=True)]
    email = [
        f"{first_slugs[g]}.{f}{s}@{d}"
        for g, f, s, d in zip(
            first.tolist(),
            last_slugs[last_idx].tolist(),
            suffix.tolist(),
            domain.tolist(),
            strict=True,
        )
    ]
    return female, np.array(name, dtype=object), np.array(email, dtype=object)


def customers(
    params: BankParams, rng: np.random.Generator, pools: Pools, prof: Profile
) -> pd.DataFrame:
    """The customers table with hidden latent columns; no value sits on an artificial floor."""
    n = len(prof.segment)
    age_mean, age_sd = prof.of(cat.SEGMENT_AGE[:, 0]), prof.of(cat.SEGMENT_AGE[:, 1])
    raw_age = age_mean + age_sd * rng.standard_normal(n)
    raw_age = np.where(raw_age < 18, 36 - raw_age, raw_age)  # reflect: no pile-up at 18
    age = np.clip(np.rint(raw_age), 18, 100).astype(np.int64)
    female, name, email = _names(n, rng, pools)

    education_idx = pick(rng, prof.of(cat.SEGMENT_EDUCATION))
    employment_idx = pick(rng, prof.of(cat.SEGMENT_EMPLOYMENT))
    employment_idx = np.where((age >= 67) & (rng.random(n) < 0.8), 3, employment_idx)
    employment_idx = np.where((age < 60) & (employment_idx == 3), 0, employment_idx)
    employment_idx = np.where((age > 35) & (employment_idx == 4), 0, employment_idx)

    job_idx = rng.integers(len(pools.jobs), size=n)
    job_level = np.random.default_rng(params.seed + 7).lognormal(0.0, 0.22, len(pools.jobs))
    occupations = [*pools.jobs, "Student", "Retired"]
    occupation_idx = np.where(
        employment_idx == 4,
        len(pools.jobs),
        np.where(employment_idx == 3, len(pools.jobs) + 1, job_idx),
    )
    working = employment_idx <= 1
    years_employed = np.where(
        working, np.round(rng.beta(1.6, 3.0, n) * np.clip(age - 18, 0, 45), 1), 0.0
    )
    edu_effect = np.array([-0.15, 0.1, 0.25, 0.4])[education_idx]
    emp_effect = np.array([0.0, 0.1, -1.0, -0.45, -0.9])[employment_idx]
    log_income = (
        np.log(40_000)
        + np.log(prof.of(cat.SEGMENT_INCOME))
        + edu_effect
        + emp_effect
        + np.log(job_level[job_idx])
        - 0.5 * ((age - 50) / 28.0) ** 2
        + 0.008 * years_employed
        + rng.normal(0, 0.32, n)
    )
    # A smooth minimum (benefits, pensions, part-time work) instead of a hard floor.
    annual_income = np.minimum(np.round(6_000 + np.exp(log_income), -2), 2_000_000)

    stress = rng.normal(prof.of(cat.SEGMENT_STRESS), 1.0)
    resilience = rng.normal(-0.4 * prof.of(cat.SEGMENT_STRESS), 1.0)
    delinquencies = rng.poisson(np.exp(-1.7 + 0.75 * stress))
    previous_defaults = rng.poisson(np.exp(-3.3 + 0.85 * stress))
    raw_score = (
        705
        - 42 * stress
        - 22 * np.minimum(delinquencies, 5)
        - 45 * np.minimum(previous_defaults, 3)
        + 0.6 * (age - 40)
        + 12 * np.log(annual_income / 42_000)
        + rng.normal(0, 28, n)
    )
    # Squashed into 300..850 by a logistic curve: the ends are approached, never piled on.
    credit_score = np.rint(300 + 550 / (1 + np.exp(-(raw_score - 590) / 105))).astype(np.int64)

    own_logit = -3.2 + 0.06 * (age - 30) + 0.4 * np.log(annual_income / 42_000)
    mortgage_logit = -0.6 + 0.55 * np.log(annual_income / 42_000) - 0.0006 * (age - 42) ** 2
    home_weights = np.exp(np.column_stack([np.zeros(n), mortgage_logit, own_logit]))
    home_idx = pick(rng, home_weights / home_weights.sum(axis=1, keepdims=True))

    family = prof.of((np.arange(len(cat.SEGMENT_NAMES)) == 2).astype(float))
    married_p = np.clip(0.15 + 0.6 * family + 0.012 * (age - 25), 0.02, 0.8)
    divorced_p = np.clip(0.004 * (age - 25), 0, 0.18)
    widowed_p = np.clip(0.006 * (age - 55), 0, 0.3)
    marital_probs = np.column_stack(
        [np.ones(n) - married_p - divorced_p - widowed_p, married_p, divorced_p, widowed_p]
    )
    marital_idx = pick(rng, np.clip(marital_probs, 0, None))
    dependents = np.minimum(rng.poisson(prof.of(cat.SEGMENT_DEPENDENTS)), 6).astype(np.int64)
    tenure_months = np.floor(rng.random(n) * np.minimum((age - 17) * 12, 360)).astype(np.int64) + 1
    _, days, _ = window(params)
    join_day = days - tenure_months * 30  # days since the window start (negative: before it)

    city_weights = 1.0 / np.arange(1, len(pools.cities) + 1) ** 0.8
    city_idx = rng.choice(len(pools.cities), size=n, p=city_weights / city_weights.sum())
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype=np.int64),
            "name": name,
            "email": email,
            "city": categorical(city_idx, pools.cities),
            "age": age,
            "gender": categorical(female.astype(np.int32), ("M", "F")),
            "marital_status": categorical(marital_idx, cat.MARITAL),
            "education": categorical(education_idx, cat.EDUCATION),
            "employment_status": categorical(employment_idx, cat.EMPLOYMENT),
            "occupation": categorical(occupation_idx, occupations),
            "years_employed": years_employed,
            "annual_income": annual_income,
            "credit_score": credit_score,
            "home_ownership": categorical(home_idx, cat.HOME),
            "dependents": dependents,
            "tenure_months": tenure_months,
            "delinquencies_2y": delinquencies.astype(np.int64),
            "previous_defaults": previous_defaults.astype(np.int64),
            "_segment": prof.segment,
            "_stress": stress,
            "_resilience": resilience,
            "_join_day": join_day,
        }
    )
