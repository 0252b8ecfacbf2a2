"""Which column of an uploaded loans table is the default flag, and which are protected.

Bring-your-own-data lists every two-valued column as a possible target. The first two-valued
column is often a protected attribute (gender, sex), and training on it would build a gender
classifier that looks like a credit model. So candidates named like an outcome come first, a
protected column is never suggested, and protected-looking columns are proposed to keep out.
"""

from __future__ import annotations

import re

import pandas as pd

# Name fragments of a target column, most telling first: "defaulted", "is_bad", "churn_flag".
TARGET_WORDS = (
    "default",
    "bad",
    "target",
    "label",
    "churn",
    "outcome",
    "delinquen",
    "creditability",
    "class",
    "y",
)
# Name fragments of attributes a credit decision must not use (kept out, used for fairness).
PROTECTED_WORDS = (
    "gender",
    "sex",
    "race",
    "ethnic",
    "religion",
    "marital",
    "age",
    "nationality",
    "citizenship",
    "disab",
    "pregnan",
)


def _tokens(name: object) -> list[str]:
    """Lower-case words of a column name: 'Is_Bad-Loan' -> ['is', 'bad', 'loan'], 'isBad' too."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^0-9a-z]+", spaced.lower()) if t]


def _rank(name: object, words: tuple[str, ...]) -> int | None:
    """Index of the first word the name contains: a short word (age, sex, bad, y) must be a whole
    token, so "agency" or "badge" do not match; a longer one may start a token ("defaulted")."""
    tokens = _tokens(name)
    for i, word in enumerate(words):
        if any(t == word if len(word) <= 3 else t.startswith(word) for t in tokens):
            return i
    return None


def is_protected(name: object) -> bool:
    """True for a column named like a protected attribute (gender, sex, age, marital status...)."""
    return _rank(name, PROTECTED_WORDS) is not None


def protected_columns(frame: pd.DataFrame) -> list[str]:
    """Columns to propose keeping out of the model, in file order."""
    return [str(c) for c in frame.columns if is_protected(c)]


def target_candidates(frame: pd.DataFrame) -> list[str]:
    """Two-valued columns, best target first: outcome-like names (in TARGET_WORDS order), then
    the other columns in file order, protected-looking columns last."""
    counts = frame.nunique(dropna=True)
    two = [str(c) for c in counts.index[counts == 2]]

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        position, name = item
        protected = is_protected(name)
        rank = None if protected else _rank(name, TARGET_WORDS)
        return (2 if protected else 0 if rank is not None else 1, rank or 0, position)

    return [name for _, name in sorted(enumerate(two), key=key)]


def suggest_target(frame: pd.DataFrame) -> str | None:
    """The column to preselect as the default flag, or None when no column is named like one.

    Never a protected column, and never a guess from position alone: without an outcome-like name
    the user picks the target.
    """
    for name in target_candidates(frame):
        if not is_protected(name) and _rank(name, TARGET_WORDS) is not None:
            return name
    return None
