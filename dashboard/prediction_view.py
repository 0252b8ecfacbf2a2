"""The Default prediction page's texts and tables: the master scale as shown, the applicant form's
field groups and labels, and the help under each figure of a scored applicant.

The page (pages/default_prediction.py) keeps the widgets; these are pure functions of the model's
schema, its cut-off and refer band, and a scoring result, so tests can call them.
"""

from __future__ import annotations

import pandas as pd

from bankml import formatting
from bankml.data import BankInfo
from bankml.default import behaviour, macro
from bankml.default.cutoff import master_scale
from dashboard.safe import literal

PD_HELP = "Chance this loan defaults, calibrated on past loans; always between 0.03% and 99.9%."
EAD_HELP = "Mean amortising balance over the horizon: what a default would leave unpaid."
BREAK_EVEN_HELP = "The PD at which this loan's expected profit is zero, from its own rate and term."
WHAT_IF_HELP = "Change in percentage points (pp) from the applicant's PD; red when risk rises."
NO_COUNTERFACTUAL = (
    "No allowed change of loan amount or term brings this applicant under the cut-off."
)

# (label, value, help) of one st.metric
Metric = tuple[str, str, str]


def master_scale_table() -> pd.DataFrame:
    """The fixed master scale as the page lists it: one row per grade, PDs as percentages."""
    scale = master_scale()
    return (
        scale.assign(
            pd_from=scale["pd_from"].map(formatting.pd_text),
            pd_to=scale["pd_to"].map(formatting.pd_text),
        )
        .rename(columns={"grade": "Grade", "pd_from": "PD from", "pd_to": "PD below"})
        .set_index("Grade")
    )


def master_scale_markdown() -> str:
    """The master scale as one markdown table: drawn as text, it costs the first view no table
    element (whose grid code Chromium would load and run before the page is drawn)."""
    table = master_scale_table()
    rows = [
        f"| {grade} | {row['PD from']} | {row['PD below']} |" for grade, row in table.iterrows()
    ]
    return "\n".join(["| Grade | PD from | PD below |", "|:-:|--:|--:|", *rows])


def grade_help(grade: str) -> str:
    """What a risk grade means on the master scale: its PD range, and where it sits."""
    scale = master_scale().set_index("grade")
    low, high = scale.loc[grade, "pd_from"], scale.loc[grade, "pd_to"]
    return (
        f"A (safest) to {scale.index[-1]} on the fixed master scale: grade {grade} is a "
        f"PD from {formatting.pd_text(low)} to below {formatting.pd_text(high)}."
    )


def decision_help(refer_band: tuple[float, float], cutoff: float) -> str:
    """How the decision follows from the PD: approve, refer inside the band, decline above it."""
    refer_low, refer_high = refer_band
    return (
        f"Approve below a PD of {formatting.pd_text(refer_low)}, refer to an underwriter up to "
        f"{formatting.pd_text(refer_high)}, decline from there: the band around the cut-off "
        f"{formatting.pd_text(cutoff)} where the decision is worth little expected profit."
    )


def profit_help(policy: str) -> str:
    """How the expected profit is computed, with the model's pricing policy."""
    return f"(1 - PD) x profit if repaid - PD x loss if it defaults. {policy}."


def money_locale(info: BankInfo | None, card: dict) -> str | None:
    """The bank's locale for money figures when the model was trained on the bank; None (no
    currency) for a model trained on an uploaded file."""
    on_bank = info is not None and str(card.get("source", "")).startswith("bank ")
    return info.locale if on_bank else None


def field_groups(schema) -> tuple[list, list, list]:
    """The model's numeric fields in the form's three groups: what an officer types from the
    application, the customer's transaction behaviour, and the economy in the application month."""
    names = [f.name for f in schema.numeric]
    behavioural = set(behaviour.behaviour_columns(names))
    economy = set(macro.macro_columns(names))
    return (
        [f for f in schema.numeric if f.name not in behavioural | economy],
        [f for f in schema.numeric if f.name in behavioural],
        [f for f in schema.numeric if f.name in economy],
    )


def field_label(schema, name: str) -> str:
    """A form field's label: the schema's description of the column, capitalised."""
    return schema.descriptions.get(name, name).capitalize()


def numeric_hint(spec) -> str:
    """A numeric field's help: what it is and the range the validator accepts."""
    return f"{spec.help or spec.name}: from {spec.minimum:g} to {spec.maximum:g}"


def level_hint(spec) -> str:
    """A categorical field's help: what it is and how many values training saw."""
    return f"{spec.help or spec.name}: one of the {len(spec.levels)} values seen in training"


def model_caption(card: dict, cutoff: float) -> str:
    """Under the title: which model scores, and its cut-off."""
    return (
        f"Model {card.get('id', '?')} ({card.get('algorithm', '')}), "
        f"cut-off PD {formatting.pd_text(cutoff)}"
    )


def result_metrics(result, refer_band: tuple[float, float], cutoff: float) -> list[Metric]:
    """A scored applicant's PD, grade and decision, each with its help."""
    return [
        ("Probability of default", formatting.pd_text(result.pd), PD_HELP),
        ("Risk grade", result.grade, grade_help(result.grade)),
        ("Decision", result.decision.title(), decision_help(refer_band, cutoff)),
    ]


def economics_metrics(money: dict, locale: str | None, policy: str) -> list[Metric]:
    """A scored applicant's exposure at default, break-even PD and expected profit."""
    return [
        ("Exposure at default", formatting.money(money["ead"], locale), EAD_HELP),
        ("Break-even PD", formatting.pd_text(money["break_even_pd"]), BREAK_EVEN_HELP),
        (
            "Expected profit",
            formatting.money(money["expected_profit"], locale, signed=True),
            profit_help(policy),
        ),
    ]


def reasons_markdown(texts: list[str]) -> str:
    """The reasons stated to the applicant as a markdown list, each shown literally."""
    return "\n".join(f"- {literal(text)}" for text in texts)


def level_index(levels: list, value) -> int:
    """Where a categorical value sits among the levels the form offers (the first when unseen)."""
    return levels.index(value) if value in levels else 0


def unchanged_caption(field: str) -> str:
    """The what-if's note when the chosen field keeps the applicant's own value."""
    return f"Unchanged: this is the applicant's own {field.replace('_', ' ')}."


def loaded_caption(source: str) -> str:
    """After a loan is loaded into the form: where the values came from, and what to do next."""
    return f"Loaded {source}: check the fields, then score it."
