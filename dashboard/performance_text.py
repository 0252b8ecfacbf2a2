"""The Model performance page's figures and texts: pure functions of the model's card, the what-if
settings and the stored tables, so tests can call them without a page.

The page (pages/model_performance.py) keeps the widgets and the layout; every headline figure
(label, value, help), caption and notice it shows is built here.
"""

from __future__ import annotations

from bankml import formatting
from bankml.config import LendingEconomics
from bankml.default import byod
from dashboard.safe import literal

# (label, value, help) of one st.metric
Metric = tuple[str, str, str | None]


def headline_metrics(card: dict) -> list[Metric]:
    """The four figures above the leaderboard: algorithm, AUC, Brier and the money cut-off."""
    metrics = card["metrics"]
    return [
        ("Model", str(card["algorithm"]), None),
        (
            "ROC AUC (out of fold)",
            f"{metrics['roc_auc']:.3f}",
            "Chance that a random defaulter gets a higher PD than a random good payer: 0.5 is a "
            "coin flip, 1 is perfect. Measured on loans the model did not train on.",
        ),
        (
            "Brier (calibrated)",
            f"{metrics['brier']:.4f}",
            "Mean squared gap between the PD and what happened (0 or 1): lower is better.",
        ),
        (
            "Money cut-off (PD)",
            formatting.pd_text(float(card["cutoff"])),
            "The PD at and above which the model declines: chosen at training to maximise profit.",
        ),
    ]


def source_notice(card: dict, content_hash: str, registry_section: str) -> tuple[str, str] | None:
    """(kind, text) of the notice on where the model was trained, None for a model of this bank.

    One staleness rule (bankml.default.byod.model_is_stale, as in the sidebar): only a model
    trained on an earlier version of this bank is stale ("warning"). A model trained on an
    uploaded CSV is not: retraining on the bank would throw it away, so say what its figures are
    instead ("info").
    """
    if byod.model_is_stale(card, content_hash):
        return (
            "warning",
            "This model was trained on an earlier version of this bank: retrain it under "
            f"**{registry_section}** below.",
        )
    if card.get("data_hash") != content_hash:
        return (
            "info",
            f"This model was trained on {literal(card.get('source', 'uploaded data'))}, not on the "
            "synthetic bank: the figures below are its own out-of-fold validation on that file.",
        )
    return None


def pricing_caption(card: dict) -> str:
    """How the money section prices a loan, and that the cut-off follows from it."""
    return (
        f"Pricing: {literal(card.get('pricing_policy') or 'not recorded')}. A repaid loan "
        "earns its rate minus the funding cost on its amortising balance over the horizon; a "
        "default loses the loss given default of its exposure at default (EAD). The model's "
        "cut-off and refer band maximise the expected profit from the PDs; change the settings to "
        "see what another policy would choose."
    )


def what_if_economics_text(
    money: dict, settings: dict, model_cutoff: float, registry_section: str
) -> str:
    """Under what-if economics: the cut-off and refer band they would choose, and how to get a
    model that scores with them (the model keeps its own cut-off until retrained)."""
    low, high = money["refer_band"]
    lgd, funding, horizon = settings["lgd"], settings["funding"], settings["horizon"]
    return (
        f"Under these settings the expected-value cut-off would be "
        f"{formatting.pd_text(money['cutoff'])} (refer band "
        f"{formatting.pd_text(low)}-{formatting.pd_text(high)}). The model keeps scoring with "
        f"its own {formatting.pd_text(model_cutoff)} until retrained with them (under "
        f"{registry_section}, or `bankml train --lgd {lgd:g} "
        f"--funding-cost {funding:g} --horizon-months {horizon}`)."
    )


def refer_band_caption(refer_band: tuple[float, float], tolerance: float) -> str:
    """What the model's refer band is: the PDs where the decision barely moves the profit."""
    low, high = refer_band
    return (
        f"Refer band: PDs from {formatting.pd_text(low)} to {formatting.pd_text(high)} go to an "
        "underwriter: approving or declining them moves the expected profit by less than "
        f"{formatting.percent(tolerance)} of its best value."
    )


def cutoff_caption(model_cutoff: float, cutoff: float, stored_cutoff: float) -> str:
    """Under the what-if slider: the model scores with its own cut-off whatever the slider says."""
    return (
        f"What-if only: the model scores with its own cut-off {formatting.pd_text(model_cutoff)}"
        + ("." if cutoff == stored_cutoff else f"; shown here at {cutoff:.1%}.")
    )


def business_metrics(view: dict, locale: str | None) -> list[Metric]:
    """The four figures of a cut-off: approvals, defaulters caught, bad debt avoided, profit."""
    return [
        ("Approval rate", formatting.percent(view["approval_rate"]), "Share of loans approved."),
        (
            "Defaulters caught",
            formatting.percent(view["defaulters_caught"]),
            "Share of the loans that defaulted which this cut-off declines.",
        ),
        (
            "Bad debt avoided",
            formatting.money(view["bad_debt_avoided"], locale),
            "Loss given default on the exposure of the declined loans that would have defaulted.",
        ),
        (
            "Profit vs approve-all",
            formatting.money(view["profit_vs_approve_all"], locale, signed=True),
            "Profit at this cut-off minus the profit of approving every loan.",
        ),
    ]


def money_units(locale: str | None) -> str:
    """The profit chart's units: the bank's currency, or plain amount units for a CSV model."""
    return formatting.currency(locale) if locale else "amount units"


def profit_caption(economics: LendingEconomics) -> str:
    """Under the profit curve: the assumptions it is realised under, and that it is a back-test."""
    return (
        f"Realised on out-of-fold loans: each repaid loan earns its rate minus "
        f"{formatting.percent(economics.funding_cost)} funding over "
        f"{economics.horizon_months} months; each default loses "
        f"{formatting.percent(economics.loss_given_default)} of its exposure. A back-test: "
        "the cut-off itself is chosen by expected profit."
    )


def calibration_caption(ece: float) -> str:
    """Under the calibration chart: how to read it, and the expected calibration error."""
    return (
        "Each dot is a group of loans with similar PDs: on the dashed diagonal the predicted PD "
        "equals the default rate observed. Expected calibration error (the average gap, weighted "
        f"by loans) {formatting.percent(ece, 2)}."
    )


def fairness_caption(cutoff: float, money_section: str) -> str:
    """Above the fairness tables: what they show, at which cut-off, and the four-fifths flag."""
    return (
        "Approval rate, defaulters declined (TPR) and good payers declined (FPR) per group at "
        f"the cut-off {formatting.pd_text(cutoff)} (set under {money_section}); a disparate-impact "
        "ratio below 0.8 is flagged. These attributes are not model inputs."
    )


def loss_caption(what_if_economics: bool) -> str:
    """Above the expected-loss tables: the formula, and whether what-if economics apply."""
    return (
        "Expected loss = PD x loss given default x exposure at default, over the out-of-fold loans, "
        "by grade on the fixed master scale and by application quarter (vintage)"
        + (", under the economics set under Cut-off and money." if what_if_economics else ".")
    )
