"""Generate the synthetic bank: vectorised numpy for every number, Faker pools for the human fields.

Ground truth (latent segment, true PD, product propensities) is returned in the truth_* tables so
every model can be measured against the best possible answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import faker
import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.params import GENERATOR_VERSION, BankParams

Progress = Callable[[float, str], None]

TABLE_ORDER = (
    "customers",
    "loans",
    "transactions",
    "products",
    "holdings",
    "truth_loans",
    "truth_segments",
    "truth_affinity",
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


def _no_progress(fraction: float, message: str) -> None:
    return None


def _ascii_slug(text: str) -> str:
    normal = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in normal.lower() if ch.isalnum()) or "customer"


class _Pools:
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


def _solve_intercept(score: np.ndarray, target_rate: float) -> float:
    """Intercept b so that mean(sigmoid(b + score)) equals the target rate (bisection, monotone)."""
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2
        rate = np.mean(1.0 / (1.0 + np.exp(-(mid + score))))
        lo, hi = (mid, hi) if rate < target_rate else (lo, mid)
    return (lo + hi) / 2


def rank_auc(score: np.ndarray, label: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank formula (average ranks for ties)."""
    label = np.asarray(label).astype(bool)
    n_pos, n_neg = int(label.sum()), int((~label).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def true_pd_score(loans: pd.DataFrame, customers: pd.DataFrame) -> np.ndarray:
    """The known risk function without its intercept: the generator's truth, never a model input.

    It uses only observable applicant and loan features, and none of gender, marital status or age.
    """
    emp = customers["employment_status"].to_numpy()[loans["customer_idx"].to_numpy()]
    years = customers["years_employed"].to_numpy()[loans["customer_idx"].to_numpy()]
    dti = loans["debt_to_income"].to_numpy()
    util = loans["credit_utilization"].to_numpy()
    score = loans["credit_score"].to_numpy()
    lti = loans["loan_to_income"].to_numpy()
    purpose_idx = pd.Categorical(loans["purpose"], categories=cat.PURPOSES).codes
    return (
        2.6 * (dti - 0.30)
        + 3.0 * np.maximum(dti - 0.45, 0.0) * util
        + 1.5 * (util - 0.40)
        - 0.0105 * (score - 680.0)
        + 0.30 * np.minimum(loans["delinquencies_2y"].to_numpy(), 5)
        + 0.55 * np.minimum(loans["previous_defaults"].to_numpy(), 3)
        + 0.45 * np.log(np.clip(lti, 0.02, 5.0) / 0.25)
        + 0.60 * (emp == "unemployed")
        + 0.20 * (emp == "self_employed")
        - 0.035 * np.minimum(years, 10.0)
        + 0.25 * (loans["term_months"].to_numpy() >= 60)
        + cat.PURPOSE_RISK[purpose_idx]
    )


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
            elif values.dtype.kind in "biufM":
                digest.update(np.ascontiguousarray(values.to_numpy()).tobytes())
            else:
                digest.update("\x1f".join(values.astype(str).tolist()).encode())
    return digest.hexdigest()


def _categorical(codes: np.ndarray, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(categories))


def _customers(params: BankParams, rng: np.random.Generator, pools: _Pools) -> pd.DataFrame:
    n = params.customers
    seg = rng.choice(len(cat.SEGMENT_NAMES), size=n, p=cat.SEGMENT_SHARE)
    age = np.clip(
        np.rint(rng.normal(cat.SEGMENT_AGE[seg, 0], cat.SEGMENT_AGE[seg, 1])), 18, 100
    ).astype(np.int64)
    female = rng.random(n) < 0.5

    def pick(probabilities: np.ndarray) -> np.ndarray:
        cumulative = probabilities.cumsum(axis=1)
        draws = rng.random((len(probabilities), 1))
        return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)

    education_idx = pick(cat.SEGMENT_EDUCATION[seg])
    employment_idx = pick(cat.SEGMENT_EMPLOYMENT[seg])
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
        np.log(42_000)
        + np.log(cat.SEGMENT_INCOME[seg])
        + edu_effect
        + emp_effect
        + np.log(job_level[job_idx])
        - 0.5 * ((age - 50) / 28.0) ** 2
        + 0.008 * years_employed
        + rng.normal(0, 0.3, n)
    )
    annual_income = np.clip(np.round(np.exp(log_income), -2), 3_000, 2_000_000)

    stress = rng.normal(cat.SEGMENT_STRESS[seg], 1.0)
    delinquencies = rng.poisson(np.exp(-1.7 + 0.75 * stress))
    previous_defaults = rng.poisson(np.exp(-3.3 + 0.85 * stress))
    credit_score = np.clip(
        np.rint(
            705
            - 42 * stress
            - 22 * np.minimum(delinquencies, 5)
            - 45 * np.minimum(previous_defaults, 3)
            + 0.6 * (age - 40)
            + 12 * np.log(annual_income / 42_000)
            + rng.normal(0, 28, n)
        ),
        300,
        850,
    ).astype(np.int64)

    own_logit = -3.2 + 0.06 * (age - 30) + 0.4 * np.log(annual_income / 42_000)
    mortgage_logit = -0.6 + 0.55 * np.log(annual_income / 42_000) - 0.0006 * (age - 42) ** 2
    home_weights = np.exp(np.column_stack([np.zeros(n), mortgage_logit, own_logit]))
    home_idx = pick(home_weights / home_weights.sum(axis=1, keepdims=True))

    married_p = np.clip(0.15 + 0.6 * (seg == 2) + 0.012 * (age - 25), 0.02, 0.8)
    divorced_p = np.clip(0.004 * (age - 25), 0, 0.18)
    widowed_p = np.clip(0.006 * (age - 55), 0, 0.3)
    marital_probs = np.column_stack(
        [np.ones(n) - married_p - divorced_p - widowed_p, married_p, divorced_p, widowed_p]
    )
    marital_idx = pick(np.clip(marital_probs, 0, None))
    dependents = np.minimum(rng.poisson(cat.SEGMENT_DEPENDENTS[seg]), 6).astype(np.int64)
    tenure_months = np.floor(rng.random(n) * np.minimum((age - 17) * 12, 360)).astype(np.int64) + 1

    first = np.where(
        female,
        pools.first_female[rng.integers(len(pools.first_female), size=n)],
        pools.first_male[rng.integers(len(pools.first_male), size=n)],
    )
    last_idx = rng.integers(len(pools.last), size=n)
    last = pools.last[last_idx]
    customer_id = np.arange(1, n + 1, dtype=np.int64)
    first_slugs = {value: _ascii_slug(value) for value in np.unique(first)}
    last_slugs = np.array([_ascii_slug(value) for value in pools.last])
    domain = pools.domains[rng.integers(len(pools.domains), size=n)]
    suffix = (customer_id % 997).astype(str)
    name = [
        f"{given} {family}" for given, family in zip(first.tolist(), last.tolist(), strict=True)
    ]
    email = [
        f"{first_slugs[given]}.{family}{s}@{d}"
        for given, family, s, d in zip(
            first.tolist(),
            last_slugs[last_idx].tolist(),
            suffix.tolist(),
            domain.tolist(),
            strict=True,
        )
    ]
    city_weights = 1.0 / np.arange(1, len(pools.cities) + 1) ** 0.8
    city_idx = rng.choice(len(pools.cities), size=n, p=city_weights / city_weights.sum())

    return pd.DataFrame(
        {
            "customer_id": customer_id,
            "name": np.array(name, dtype=object),
            "email": np.array(email, dtype=object),
            "city": _categorical(city_idx, pools.cities),
            "age": age,
            "gender": _categorical(female.astype(np.int32), ("M", "F")),
            "marital_status": _categorical(marital_idx, cat.MARITAL),
            "education": _categorical(education_idx, cat.EDUCATION),
            "employment_status": _categorical(employment_idx, cat.EMPLOYMENT),
            "occupation": _categorical(occupation_idx, occupations),
            "years_employed": years_employed,
            "annual_income": annual_income,
            "credit_score": credit_score,
            "home_ownership": _categorical(home_idx, cat.HOME),
            "dependents": dependents,
            "tenure_months": tenure_months,
            "delinquencies_2y": delinquencies.astype(np.int64),
            "previous_defaults": previous_defaults.astype(np.int64),
            "_segment": seg,
            "_stress": stress,
        }
    )


def _loans(
    params: BankParams, rng: np.random.Generator, customers: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    n_customers = len(customers)
    n = max(int(round(n_customers * params.loans_per_customer)), 1)
    idx = np.sort(rng.integers(n_customers, size=n))
    seg = customers["_segment"].to_numpy()[idx]
    stress = customers["_stress"].to_numpy()[idx]
    income = customers["annual_income"].to_numpy()[idx]
    credit_score = customers["credit_score"].to_numpy()[idx]

    start = np.datetime64(params.start_date, "D")
    days = int((np.datetime64(params.end_date, "D") - start).astype(int))
    application_date = start + rng.integers(0, days + 1, size=n).astype("timedelta64[D]")

    cumulative = cat.SEGMENT_PURPOSE[seg].cumsum(axis=1)
    purpose_idx = np.minimum((rng.random((n, 1)) > cumulative).sum(axis=1), len(cat.PURPOSES) - 1)
    purpose = np.array(cat.PURPOSES)[purpose_idx]

    amount = (
        income * np.exp(rng.normal(np.log(0.22), 0.55, n)) * cat.PURPOSE_AMOUNT_FACTOR[purpose_idx]
    )
    loan_amount = np.clip(np.round(amount, -1), 500, 750_000)
    ratio = loan_amount / income
    term_idx = np.clip(
        np.rint(1.2 + 4.0 * np.sqrt(ratio) + rng.normal(0, 1.0, n)), 0, len(cat.TERMS) - 1
    ).astype(int)
    term_months = cat.TERMS[term_idx]
    interest_rate = np.round(
        np.clip(
            4.5 + 0.028 * (760 - credit_score) + 0.25 * term_months / 12 + rng.normal(0, 1.2, n),
            2.5,
            29.9,
        ),
        2,
    )
    monthly_rate = interest_rate / 1200
    payment = loan_amount * monthly_rate / (1 - (1 + monthly_rate) ** (-term_months))
    other_debt = np.clip(0.17 + 0.07 * stress + rng.normal(0, 0.08, n), 0.0, 0.75)
    debt_to_income = np.round(np.clip(other_debt + 12 * payment / income, 0.0, 1.5), 4)
    credit_utilization = np.round(
        1 / (1 + np.exp(-(-0.55 + 0.85 * stress + rng.normal(0, 0.75, n)))), 4
    )
    open_credit_lines = np.minimum(
        rng.poisson(
            2.0
            + 0.05 * np.clip(customers["age"].to_numpy()[idx] - 18, 0, 40)
            + 0.6 * stress.clip(0)
        ),
        40,
    ).astype(np.int64)

    loans = pd.DataFrame(
        {
            "loan_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[idx],
            "application_date": application_date.astype("datetime64[s]"),
            "loan_amount": loan_amount,
            "term_months": term_months.astype(np.int64),
            "interest_rate": interest_rate,
            "purpose": purpose,
            "debt_to_income": debt_to_income,
            "credit_utilization": credit_utilization,
            "open_credit_lines": open_credit_lines,
            "delinquencies_2y": customers["delinquencies_2y"].to_numpy()[idx],
            "previous_defaults": customers["previous_defaults"].to_numpy()[idx],
        }
    )
    helper = loans.assign(customer_idx=idx, credit_score=credit_score, loan_to_income=ratio)
    score = true_pd_score(helper, customers)
    intercept = _solve_intercept(score, params.default_rate)
    pd_true = 1.0 / (1.0 + np.exp(-(intercept + score)))
    loans["defaulted"] = (rng.random(n) < pd_true).astype(np.int64)
    return loans, pd_true


def _day_weights(start: np.datetime64, days: int, summer: bool) -> np.ndarray:
    dates = start + np.arange(days + 1).astype("timedelta64[D]")
    month = (dates.astype("datetime64[M]").astype(int) % 12) + 1
    weekday = (dates.astype(int) + 3) % 7  # 0 = Monday
    weights = 1.0 + 0.12 * (weekday >= 4) + 0.35 * (month == 12) + 0.1 * (month == 11)
    if summer:
        weights = weights + 1.2 * np.isin(month, (6, 7, 8)) + 0.3 * (month == 12)
    return weights / weights.sum()


def _transactions(
    params: BankParams, rng: np.random.Generator, customers: pd.DataFrame, pools: _Pools
) -> pd.DataFrame:
    n = len(customers)
    seg = customers["_segment"].to_numpy()
    activity = rng.gamma(4.0, 0.25, n) * cat.SEGMENT_ACTIVITY[seg]
    counts = rng.poisson(params.txn_per_customer * activity)
    mix = rng.gamma(cat.SEGMENT_SPEND_MIX[seg] * cat.SPEND_MIX_CONCENTRATION / 2.0)
    mix = mix / mix.sum(axis=1, keepdims=True)
    per_category = rng.multinomial(counts, mix)
    n_cat = len(cat.CATEGORIES)
    flat = per_category.ravel()
    customer_idx = np.repeat(np.repeat(np.arange(n), n_cat), flat)
    category_idx = np.repeat(np.tile(np.arange(n_cat, dtype=np.int8), n), flat)
    total = len(customer_idx)

    income_factor = (customers["annual_income"].to_numpy() / 42_000) ** 0.3
    log_amount = (
        np.log(cat.CATEGORY_MEDIAN_AMOUNT[category_idx])
        + np.log(cat.SEGMENT_SPEND_LEVEL[seg[customer_idx]])
        + np.log(income_factor[customer_idx])
        + rng.normal(0, 0.6, total)
    )
    amount = np.round(np.clip(np.exp(log_amount), 0.5, 50_000), 2)

    start = np.datetime64(params.start_date, "D")
    days = int((np.datetime64(params.end_date, "D") - start).astype(int))
    day = rng.choice(days + 1, size=total, p=_day_weights(start, days, summer=False))
    travel = category_idx == cat.CATEGORIES.index("travel")
    day[travel] = rng.choice(days + 1, size=int(travel.sum()), p=_day_weights(start, days, True))
    seconds = rng.integers(6 * 3600, 23 * 3600, size=total)
    ts = (start + day.astype("timedelta64[D]")).astype("datetime64[s]") + seconds.astype(
        "timedelta64[s]"
    )

    digital = rng.beta(
        cat.SEGMENT_DIGITAL[seg] * 12 + 0.5, (1 - cat.SEGMENT_DIGITAL[seg]) * 12 + 0.5
    )
    mobile_share = np.clip(1.1 - customers["age"].to_numpy() / 70, 0.1, 0.9)
    u = rng.random(total)
    v = rng.random(total)
    is_cash = category_idx == cat.CATEGORIES.index("cash")
    is_digital = u < digital[customer_idx]
    channel_idx = np.where(
        is_cash,
        np.where(v < 0.85, 3, 4),
        np.where(
            is_digital,
            np.where(v < mobile_share[customer_idx], 2, 1),
            np.where(v < 0.93, 0, 4),
        ),
    ).astype(np.int8)

    per_category_merchants = 24
    merchant_pool = pools.companies[: per_category_merchants * n_cat]
    if len(merchant_pool) < per_category_merchants * n_cat:
        merchant_pool = np.resize(pools.companies, per_category_merchants * n_cat)
    merchant_code = (
        category_idx.astype(np.int32) * per_category_merchants
        + rng.zipf(1.6, total).clip(1, per_category_merchants).astype(np.int32)
        - 1
    )
    return pd.DataFrame(
        {
            "txn_id": np.arange(1, total + 1, dtype=np.int64),
            "customer_id": customers["customer_id"].to_numpy()[customer_idx],
            "ts": ts,
            "amount": amount,
            "category": pd.Categorical.from_codes(category_idx, categories=list(cat.CATEGORIES)),
            "channel": pd.Categorical.from_codes(channel_idx, categories=list(cat.CHANNELS)),
            "merchant": pd.Categorical.from_codes(
                merchant_code, categories=pd.Index(merchant_pool).unique()
            )
            if pd.Index(merchant_pool).is_unique
            else pd.Categorical(merchant_pool[merchant_code]),
        }
    )


def _holdings(
    params: BankParams, rng: np.random.Generator, customers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(customers)
    seg = customers["_segment"].to_numpy()
    base = cat.SEGMENT_PROPENSITY
    scale = params.products_per_customer / float((base.sum(axis=1) * cat.SEGMENT_SHARE).sum())
    propensity = np.clip(base * scale, 0.0, 0.97)
    individual = rng.lognormal(0.0, 0.25, (n, 1))
    age = customers["age"].to_numpy()
    probability = np.clip(propensity[seg] * individual, 0.0, 0.98)
    student_loan = cat.PRODUCTS.index(("Student loan", "lending"))
    youth = cat.PRODUCTS.index(("Youth account", "deposit"))
    mortgage = cat.PRODUCTS.index(("Mortgage", "lending"))
    probability[age > 40, student_loan] *= 0.1
    probability[age > 30, youth] *= 0.2
    probability[age < 21, mortgage] = 0.0
    held = rng.random(probability.shape) < probability
    rows, cols = np.nonzero(held)
    end = np.datetime64(params.end_date, "D")
    tenure_days = customers["tenure_months"].to_numpy()[rows] * 30
    opened = end - np.floor(rng.random(len(rows)) * tenure_days).astype("timedelta64[D]")
    holdings = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[rows],
            "product_id": (cols + 1).astype(np.int64),
            "opened_date": opened.astype("datetime64[s]"),
        }
    )
    segments, products = np.meshgrid(
        np.arange(len(cat.SEGMENT_NAMES)), np.arange(len(cat.PRODUCTS)), indexing="ij"
    )
    affinity = pd.DataFrame(
        {
            "segment": segments.ravel().astype(np.int64),
            "product_id": (products.ravel() + 1).astype(np.int64),
            "propensity": propensity.ravel(),
        }
    )
    return holdings, affinity


def generate(params: BankParams | None = None, progress: Progress = _no_progress) -> Bank:
    """Build every table of the bank from params; deterministic for a given seed."""
    import time

    params = (params or BankParams()).validate()
    rng = np.random.default_rng(params.seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    progress(0.02, "building name pools")
    pools = _Pools(params.locale, params.seed)
    timings["pools"] = time.perf_counter() - t0

    progress(0.1, "customers")
    t = time.perf_counter()
    customers = _customers(params, rng, pools)
    timings["customers"] = time.perf_counter() - t

    progress(0.25, "loans and true default probabilities")
    t = time.perf_counter()
    loans, pd_true = _loans(params, rng, customers)
    timings["loans"] = time.perf_counter() - t

    progress(0.4, "transactions")
    t = time.perf_counter()
    transactions = _transactions(params, rng, customers, pools)
    timings["transactions"] = time.perf_counter() - t

    progress(0.7, "products and holdings")
    t = time.perf_counter()
    holdings, affinity = _holdings(params, rng, customers)
    products = pd.DataFrame(
        {
            "product_id": np.arange(1, len(cat.PRODUCTS) + 1, dtype=np.int64),
            "name": [name for name, _ in cat.PRODUCTS],
            "family": [family for _, family in cat.PRODUCTS],
        }
    )
    timings["holdings"] = time.perf_counter() - t

    seg = customers["_segment"].to_numpy()
    truth_segments = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "segment": seg.astype(np.int64),
            "segment_name": np.array(cat.SEGMENT_NAMES)[seg],
        }
    )
    truth_loans = pd.DataFrame({"loan_id": loans["loan_id"].to_numpy(), "pd": pd_true})
    customers = customers.drop(columns=["_segment", "_stress"])
    tables = {
        "customers": customers,
        "loans": loans,
        "transactions": transactions,
        "products": products,
        "holdings": holdings,
        "truth_loans": truth_loans,
        "truth_segments": truth_segments,
        "truth_affinity": affinity,
    }
    progress(0.8, "hashing content")
    t = time.perf_counter()
    digest = content_hash(tables)
    timings["hash"] = time.perf_counter() - t
    meta = pd.DataFrame(
        [
            {
                "generator_version": GENERATOR_VERSION,
                "seed": params.seed,
                "customers": params.customers,
                "default_rate_target": params.default_rate,
                "locale": params.locale,
                "parameters": json.dumps(params.to_dict(), sort_keys=True),
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "row_counts": json.dumps({name: len(frame) for name, frame in tables.items()}),
                "content_hash": digest,
                "realised_default_rate": float(loans["defaulted"].mean()),
                "oracle_auc": rank_auc(pd_true, loans["defaulted"].to_numpy()),
                "numpy_version": np.__version__,
                "pandas_version": pd.__version__,
                "faker_version": faker.VERSION,
            }
        ]
    )
    timings["total"] = time.perf_counter() - t0
    return Bank(tables=tables, meta=meta, timings=timings)
