"""Money per loan: expected profit from each loan's own amount, rate, term and amortising exposure.

A good loan earns its rate minus the funding cost on its outstanding balance, month by month over
the horizon (or its term, if shorter); a defaulter is taken to default at a uniformly random month
of that window and loses `loss_given_default` of the balance then (its exposure at default, EAD);
the interest it paid before is ignored, which errs on the side of caution. Everything is in
closed form over arrays, so a million loans cost a few vector operations.

Which pricing applies is said, never silent (`LoanTerms.policy`):
- the data's own rate and term columns (the bank's `interest_rate` in % a year, `term_months`);
- else the config's `rate` / `term_months` (CLI `--rate`, `--term-months`, or a config file);
- else the neutral policy: no pricing is known, so every loan is priced to break even at the
  training default rate: approving is worth it only for applicants safer than the average one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankml.config import DEFAULT_ECONOMICS, LendingEconomics

RATE_COLUMN = "interest_rate"
TERM_COLUMN = "term_months"
# what `validation_columns` adds to the validation rows (never a protected group)
VALIDATION_COLUMNS = ("amount", "rate", "term", "ead", "gain", "loss", "grade", "vintage")
CUTOFF_GRID = np.round(np.arange(1, 1001) / 1000, 6)  # 0.1 % steps: the page slider's grid


@dataclass(frozen=True)
class LoanTerms:
    """Per-loan amount, annual rate (a fraction; NaN under the neutral policy) and term, and the
    policy that set them in words."""

    amount: np.ndarray
    rate: np.ndarray
    term: np.ndarray
    policy: str

    @property
    def neutral(self) -> bool:
        return bool(np.isnan(self.rate).all())


def _rate_fraction(values: np.ndarray) -> np.ndarray:
    """A rate column in % a year (the bank's 12.5) or already a fraction (0.125), by its median."""
    median = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
    return values / 100.0 if median > 1.0 else values


def loan_terms(
    frame: pd.DataFrame,
    amount_column: str | None,
    economics: LendingEconomics = DEFAULT_ECONOMICS,
) -> LoanTerms:
    """The amount, rate and term of every row of `frame`, and which policy supplied them."""
    n = len(frame)
    amount = np.ones(n)
    if amount_column and amount_column in frame.columns:
        amount = pd.to_numeric(frame[amount_column], errors="coerce").to_numpy(float)
        amount = np.where(np.isfinite(amount) & (amount > 0), amount, np.nanmedian(amount))
    unit = f"amount from {amount_column!r}" if amount_column else "every loan 1 unit"
    has_rate = RATE_COLUMN in frame.columns
    if has_rate:
        rate = _rate_fraction(pd.to_numeric(frame[RATE_COLUMN], errors="coerce").to_numpy(float))
        rate = np.where(np.isfinite(rate), rate, np.nanmedian(rate))
        source = f"each loan's own rate ({RATE_COLUMN!r})"
    elif economics.rate is not None:
        rate = np.full(n, economics.rate / 100.0)
        source = f"a flat {economics.rate:g} % a year (set in the economics)"
    else:
        return LoanTerms(
            amount,
            np.full(n, np.nan),
            np.full(n, float(economics.horizon_months)),
            f"neutral policy ({unit}): the data has no {RATE_COLUMN!r} column and no rate was "
            "set, so each loan is priced to break even at the training default rate; set a rate "
            "and term (CLI --rate/--term-months or the page) to price loans",
        )
    if TERM_COLUMN in frame.columns:
        term = pd.to_numeric(frame[TERM_COLUMN], errors="coerce").to_numpy(float)
        term_text = f"each loan's own term ({TERM_COLUMN!r})"
    else:
        term = np.full(n, float(economics.term_months or economics.horizon_months))
        term_text = f"a {economics.term_months or economics.horizon_months}-month term"
    term = np.clip(np.where(np.isfinite(term), term, economics.horizon_months), 1, 480)
    return LoanTerms(amount, rate, term, f"{source}, {term_text}, {unit}")


def balance_sum(amount, rate, term, months) -> np.ndarray:
    """Sum of an amortising loan's opening balances over its first `months` months (closed form)."""
    amount, rate, term = (np.asarray(v, dtype=float) for v in (amount, rate, term))
    k = np.minimum(np.asarray(months, dtype=float), term)
    i = rate / 12.0
    safe = np.where(i > 1e-12, i, 1.0)
    growth_t, growth_k = (1 + safe) ** term, (1 + safe) ** k
    with np.errstate(divide="ignore", invalid="ignore"):
        paid = amount / (growth_t - 1) * (k * growth_t - (growth_k - 1) / safe)
    straight = amount * (k - k * (k - 1) / (2 * term))  # no interest: equal principal repayments
    return np.where(i > 1e-12, paid, straight)


@dataclass(frozen=True)
class LoanValues:
    """Per loan: profit if it repays (`gain`), loss if it defaults (`loss`), exposure (`ead`)."""

    gain: np.ndarray
    loss: np.ndarray
    ead: np.ndarray

    def expected(self, pd_) -> np.ndarray:
        """Expected profit of approving each loan at its PD."""
        pd_ = np.asarray(pd_, dtype=float)
        return (1 - pd_) * self.gain - pd_ * self.loss


def loan_values(
    terms: LoanTerms, economics: LendingEconomics = DEFAULT_ECONOMICS, base_rate: float = 0.1
) -> LoanValues:
    """Gain, loss and EAD per loan under `economics`; `base_rate` prices the neutral policy."""
    horizon = float(economics.horizon_months)
    lgd = economics.loss_given_default
    if terms.neutral:
        ead = terms.amount.astype(float)
        loss = lgd * ead
        b = float(np.clip(base_rate, 1e-4, 0.9999))
        return LoanValues(loss * b / (1 - b), loss, ead)
    months = np.minimum(horizon, terms.term)
    balances = balance_sum(terms.amount, terms.rate, terms.term, horizon)
    ead = balances / months  # mean balance over the months a default can happen in
    gain = (terms.rate - economics.funding_cost) / 12.0 * balances
    return LoanValues(gain, lgd * ead, ead)


@dataclass(frozen=True)
class CutoffChoice:
    """The PD cut-off with the highest expected profit, and the refer band around it."""

    cutoff: float
    refer_low: float
    refer_high: float
    expected_profit: float


def expected_profit_curve(pd_, values: LoanValues, cutoffs=CUTOFF_GRID) -> pd.DataFrame:
    """Expected profit (from the PDs, not the outcomes) of approving every PD below each cut-off."""
    pd_ = np.asarray(pd_, dtype=float)
    order = np.argsort(pd_, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(values.expected(pd_)[order])])
    approved = np.searchsorted(pd_[order], cutoffs, side="left")
    return pd.DataFrame(
        {
            "cutoff": cutoffs,
            "approval_rate": approved / max(len(pd_), 1),
            "expected_profit": cum[approved],
        }
    )


def choose_cutoff(
    pd_, values: LoanValues, economics: LendingEconomics = DEFAULT_ECONOMICS
) -> CutoffChoice:
    """Cut-off maximising the expected profit; the refer band is every cut-off whose expected
    profit is within `refer_tolerance` of that best (there the decision is worth little money)."""
    curve = expected_profit_curve(pd_, values)
    profit = curve["expected_profit"].to_numpy()
    best = int(np.argmax(profit))
    near = np.flatnonzero(profit >= profit[best] - economics.refer_tolerance * abs(profit[best]))
    cutoffs = curve["cutoff"].to_numpy()
    return CutoffChoice(
        float(cutoffs[best]),
        float(cutoffs[near.min()]),
        float(cutoffs[near.max()]),
        float(profit[best]),
    )


def vintage(dates) -> np.ndarray:
    """Application quarter (e.g. "2025Q3") of each date; "unknown" when missing."""
    stamps = pd.to_datetime(pd.Series(dates), errors="coerce")
    quarters = stamps.dt.to_period("Q").astype(str).to_numpy(dtype=object)
    return np.where(stamps.notna().to_numpy(), quarters, "unknown")


def expected_loss(frame: pd.DataFrame, lgd: float, by: str) -> pd.DataFrame:
    """Expected loss = PD x LGD x EAD summed per `by` value (frame columns pd, ead and `by`)."""
    work = frame.assign(el=frame["pd"] * lgd * frame["ead"], pd_ead=frame["pd"] * frame["ead"])
    out = work.groupby(by, sort=True, observed=True).agg(
        loans=("pd", "size"),
        mean_pd=("pd", "mean"),
        exposure=("ead", "sum"),
        expected_loss=("el", "sum"),
    )
    out["el_rate"] = out["expected_loss"] / out["exposure"].where(out["exposure"] > 0)
    total = pd.DataFrame(
        {
            "loans": [len(work)],
            "mean_pd": [work["pd"].mean()],
            "exposure": [work["ead"].sum()],
            "expected_loss": [work["el"].sum()],
        },
        index=["all"],
    )
    total["el_rate"] = total["expected_loss"] / total["exposure"].where(total["exposure"] > 0)
    return pd.concat([out, total]).reset_index(names=by)


def portfolio_view(
    frame: pd.DataFrame, economics: LendingEconomics = DEFAULT_ECONOMICS
) -> dict[str, pd.DataFrame]:
    """Expected loss by grade and by vintage (application quarter) from columns pd, ead, grade and
    vintage (vintage optional): what a portfolio manager provisions for."""
    lgd = economics.loss_given_default
    out = {"by_grade": expected_loss(frame, lgd, "grade")}
    if "vintage" in frame.columns:
        out["by_vintage"] = expected_loss(frame, lgd, "vintage")
    return out


def validation_columns(model, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each validation loan's amount, rate, term, exposure, gain, loss, grade and vintage, from a
    fitted PD model (economics_, amount_column_, base_rate_, validation_pd_): what the money views
    and the portfolio's expected loss are computed from, again under other economics."""
    terms = loan_terms(frame, model.amount_column_, model.economics_)
    values = loan_values(terms, model.economics_, model.base_rate_)
    out = {
        "amount": terms.amount,
        "rate": terms.rate,
        "term": terms.term,
        "ead": values.ead,
        "gain": values.gain,
        "loss": values.loss,
        "grade": model.grade(model.validation_pd_),
    }
    if "application_date" in frame.columns:
        out["vintage"] = vintage(frame["application_date"])
    return out


def revalue(validation: pd.DataFrame, economics: LendingEconomics) -> pd.DataFrame:
    """The validation rows re-priced under other economics (the page's what-if): new ead, gain,
    loss from the stored amount, rate and term."""
    rate = validation["rate"].to_numpy(float)
    terms = LoanTerms(
        validation["amount"].to_numpy(float),
        rate,
        validation["term"].to_numpy(float),
        "",
    )
    if np.isnan(rate).all() and economics.rate is not None:
        term = np.full(len(rate), float(economics.term_months or economics.horizon_months))
        terms = LoanTerms(terms.amount, np.full(len(rate), economics.rate / 100.0), term, "")
    values = loan_values(terms, economics, float(validation["y"].mean()))
    return validation.assign(ead=values.ead, gain=values.gain, loss=values.loss)
