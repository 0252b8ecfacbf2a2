"""Holdings with a history: products are adopted one after another, each step depending on what the
customer already holds, their life stage and their (blended) segment.

The truth keeps every customer's propensities (truth_propensity: `p`, the customer's true propensity
for every product given the other products they hold, which is what leave-one-out evaluations rank
against; `p_next`, the distribution of the product they would open next given everything they hold,
0 for held products; `appeal`, the customer's own base log-odds of the product) beside the
per-segment affinities, and how held products change the next product's log-odds
(truth_complements). With those two, the next-product propensity given the products held on any
date (the temporal evaluation's oracle) is softmax(appeal + sum of held complements), over the
products not yet held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth import catalogue as cat
from synth.common import Profile, pick, window
from synth.params import BankParams

MAX_PRODUCTS = 12
LOAN_ONLY_SHARE = 0.03
_P = {name: i for i, (name, _) in enumerate(cat.PRODUCTS)}
# Holding the first product makes the second more (positive) or less (negative) likely next: log-odds.
COMPLEMENTS = (
    ("Everyday current account", "Classic credit card", 0.6),
    ("Everyday current account", "Instant savings account", 0.5),
    ("Premium current account", "Platinum card", 0.9),
    ("Premium current account", "Everyday current account", -2.0),
    ("Everyday current account", "Premium current account", -1.0),
    ("Mortgage", "Home insurance", 1.4),
    ("Mortgage", "Life insurance", 1.0),
    ("Instant savings account", "Fixed-term deposit", 0.8),
    ("Fund savings plan", "Brokerage account", 0.9),
    ("Brokerage account", "Fund savings plan", 0.6),
    ("Business card", "Business credit line", 1.3),
    ("Business credit line", "Business card", 1.0),
    ("Student credit card", "Student loan", 0.8),
    ("Travel rewards card", "Travel insurance", 1.1),
    ("Classic credit card", "Personal loan", 0.5),
    ("Car loan", "Personal loan", -0.4),
)
COMPLEMENT = np.zeros((len(cat.PRODUCTS), len(cat.PRODUCTS)))
for _held, _next, _weight in COMPLEMENTS:
    COMPLEMENT[_P[_held], _P[_next]] = _weight
# A customer's first product is far more likely a current account: log-odds added at step 0 only.
FIRST = np.zeros(len(cat.PRODUCTS))
FIRST[[_P["Everyday current account"], _P["Premium current account"], _P["Youth account"]]] = 2.5


def _life_stage(customers: pd.DataFrame) -> np.ndarray:
    """Log-multipliers of each product's appeal from age, income, dependents, home and job."""
    n = len(customers)
    age = customers["age"].to_numpy()
    log_income = np.log(customers["annual_income"].to_numpy() / 42_000)
    dependents = customers["dependents"].to_numpy()
    home = np.asarray(customers["home_ownership"]).astype(str)
    employment = np.asarray(customers["employment_status"]).astype(str)
    life = np.zeros((n, len(cat.PRODUCTS)))

    def add(product: str, value) -> None:
        life[:, _P[product]] += value

    add("Student loan", np.where(age > 40, -2.3, 0.0))
    add("Student credit card", np.where(age > 35, -2.3, 0.0))
    add("Youth account", np.where(age > 30, -1.6, 0.0))
    add("Mortgage", np.where(age < 21, -9.0, 0.0) + np.where(home == "mortgage", 1.2, -0.4))
    add("Private pension plan", np.where((age >= 30) & (age <= 62), 0.3, -0.8))
    for product in (
        "Premium current account",
        "Platinum card",
        "Brokerage account",
        "Fund savings plan",
        "Fixed-term deposit",
    ):
        add(product, 0.6 * log_income)
    for product in ("Classic credit card", "Personal loan"):
        add(product, -0.3 * log_income)
    add("Life insurance", np.where(dependents > 0, 0.7, -0.2))
    add("Home insurance", np.where(home != "rent", 0.5, -0.5))
    add("Car loan", 0.15 * np.minimum(dependents, 3))
    for product in ("Business card", "Business credit line"):
        add(product, np.where(employment == "self_employed", 0.8, -0.3))
    return life


def _softmax_masked(logits: np.ndarray, held: np.ndarray) -> np.ndarray:
    logits = np.where(held, -np.inf, logits)
    logits = logits - logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


def holdings(
    params: BankParams, rng: np.random.Generator, customers: pd.DataFrame, prof: Profile
) -> dict[str, pd.DataFrame]:
    """holdings (with opened_date in adoption order), truth_affinity, truth_propensity and
    truth_complements."""
    n = len(customers)
    base = cat.SEGMENT_PROPENSITY
    scale = params.products_per_customer / float((base.sum(axis=1) * cat.SEGMENT_SHARE).sum())
    affinity_table = np.clip(base * scale, 0.0, 0.97)
    appeal = np.log(np.clip(prof.of(base), 1e-4, None)) + _life_stage(customers)
    appeal += rng.normal(0, 0.3, appeal.shape)  # individual taste
    tenure = customers["tenure_months"].to_numpy()
    drive = rng.lognormal(0.0, 0.35, n) * (0.4 + 0.6 * np.minimum(tenure / 48.0, 1.0))
    lam = (params.products_per_customer - 1.0) * drive / drive.mean()
    count = np.minimum(1 + rng.poisson(lam), MAX_PRODUCTS)
    count[rng.random(n) < LOAN_ONLY_SHARE] = 0  # customers who hold only a loan (cold start)

    held = np.zeros((n, len(cat.PRODUCTS)), dtype=bool)
    rows, cols, steps = [], [], []
    first = FIRST
    for step in range(int(count.max())):
        active = np.flatnonzero(count > step)
        logits = (
            appeal[active] + held[active].astype(float) @ COMPLEMENT + (first if step == 0 else 0.0)
        )
        choice = pick(rng, _softmax_masked(logits, held[active]))
        held[active, choice] = True
        rows.append(active)
        cols.append(choice)
        steps.append(np.full(len(active), step))
    rows, cols, steps = (np.concatenate(parts) for parts in (rows, cols, steps))

    start, days, _ = window(params)
    end = start + np.timedelta64(days, "D")
    join = customers["_join_day"].to_numpy()
    span = days - join
    offsets = np.sort(rng.random((n, MAX_PRODUCTS)), axis=1)
    offsets[:, 0] = 0.0
    opened = start + (join[rows] + np.floor(offsets[rows, steps] * span[rows])).astype(
        "timedelta64[D]"
    )
    opened = np.minimum(opened, end)
    order = np.lexsort((steps, rows))
    holding = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[rows[order]],
            "product_id": (cols[order] + 1).astype(np.int64),
            "opened_date": opened[order].astype("datetime64[s]"),
        }
    )
    segments, products = np.meshgrid(
        np.arange(len(cat.SEGMENT_NAMES)), np.arange(len(cat.PRODUCTS)), indexing="ij"
    )
    affinity = pd.DataFrame(
        {
            "segment": segments.ravel().astype(np.int64),
            "product_id": (products.ravel() + 1).astype(np.int64),
            "propensity": affinity_table.ravel(),
        }
    )
    empty = ~held.any(axis=1, keepdims=True)
    logits = appeal + held.astype(float) @ COMPLEMENT  # a held product's own row adds nothing to it
    following = _softmax_masked(logits + empty * first, held)
    overall = _softmax_masked(logits, np.zeros_like(held))
    r, c = np.nonzero(np.ones_like(held))
    propensity = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[r],
            "product_id": (c + 1).astype(np.int64),
            "p": overall[r, c],
            "p_next": following[r, c],
            "appeal": appeal[r, c],
        }
    )
    return {
        "holdings": holding,
        "truth_affinity": affinity,
        "truth_propensity": propensity,
        "truth_complements": complements(),
    }


def complements() -> pd.DataFrame:
    """The log-odds each held product adds to opening another next (held_product_id 0: holding
    nothing yet, the boost of the first product), one row per non-zero entry."""
    held, following = np.nonzero(COMPLEMENT)
    opening = np.flatnonzero(FIRST)
    return pd.DataFrame(
        {
            "held_product_id": np.r_[held + 1, np.zeros(len(opening))].astype(np.int64),
            "product_id": np.r_[following + 1, opening + 1].astype(np.int64),
            "log_odds": np.r_[COMPLEMENT[held, following], FIRST[opening]],
        }
    )
