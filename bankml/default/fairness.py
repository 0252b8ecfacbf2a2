"""Fair lending: protected columns found by name, the fairness report by group, a proxy check.

Drift (PSI) lives in `bankml.default.drift`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bankml import evaluate
from bankml.default.economics import VALIDATION_COLUMNS
from bankml.default.memo import Memo, data_key
from bankml.threads import one_thread

NOT_GROUPS = ("y", "pd", "score", "loan_id", "oracle_pd", *VALIDATION_COLUMNS)


def fairness_by_group(validation: pd.DataFrame, cutoff: float) -> dict[str, pd.DataFrame]:
    """evaluate.fairness_report per protected column saved with the validation rows.

    Age-like numeric columns are shown in bands; on a foreign CSV the columns named with
    --protected are used as they are.
    """
    out: dict[str, pd.DataFrame] = {}
    for column in [c for c in validation.columns if c not in NOT_GROUPS]:
        values = validation[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        if numeric and _is_age(column):
            group, name = evaluate.age_band(values), f"{column} band"
        elif numeric and values.nunique() > 10:
            group, name = pd.qcut(values, 4, duplicates="drop").astype(str), f"{column} quartile"
        else:
            group, name = values, column
        out[name] = evaluate.fairness_report(validation["y"], validation["pd"], cutoff, group)
    return out


# Name tokens that mark a column as a protected attribute (fair-lending law: sex, age, marital
# status, race, colour, religion, national origin, disability...). Matched on whole tokens of
# the column name (split at punctuation and camelCase), so "percentage" or "mortgage" never match.
PROTECTED_TOKENS = {
    "sex": "sex",
    "gender": "sex",
    "age": "age",
    "ages": "age",
    "dob": "age",
    "birth": "age",
    "birthdate": "age",
    "birthday": "age",
    "marital": "marital status",
    "marriage": "marital status",
    "married": "marital status",
    "race": "race",
    "racial": "race",
    "colour": "race",
    "color": "race",
    "ethnic": "ethnicity",
    "ethnicity": "ethnicity",
    "religion": "religion",
    "religious": "religion",
    "nationality": "nationality",
    "national": "nationality",
    "citizenship": "nationality",
    "citizen": "nationality",
    "foreign": "nationality",
    "immigrant": "nationality",
    "disability": "disability",
    "disabled": "disability",
    "pregnancy": "pregnancy",
    "pregnant": "pregnancy",
    "orientation": "sexual orientation",
}
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# A protected attribute the inputs predict with a cross-validated ROC AUC at or above this is a
# strong proxy: 0.70 is where Hosmer and Lemeshow's rule of thumb starts "acceptable" discrimination.
STRONG_PROXY_AUC = 0.70
PROXY_ROWS = 10_000
# proxy_check depends only on the data it reads, not on the model: retraining one table with
# other settings (candidates, cv, cut-off) reuses the last few results instead of refitting.
_PROXY_MEMO: Memo[pd.DataFrame] = Memo(size=8)


def protected_columns(columns, exclude=()) -> dict[str, str]:
    """Columns whose names mark them as protected, each with the attribute it names."""
    found = {}
    for column in columns:
        if column in exclude:
            continue
        tokens = [t.lower() for t in _TOKEN.findall(str(column))]
        hit = next((PROTECTED_TOKENS[t] for t in tokens if t in PROTECTED_TOKENS), None)
        if hit is not None:
            found[str(column)] = hit
    return found


def _is_age(column: str) -> bool:
    """Age by name token ("AGE", "age_in_years"), never a substring ("MARRIAGE", "mortgage")."""
    return protected_columns([column]).get(str(column)) == "age"


def protected_notice(excluded: dict[str, str], opted_in: tuple[str, ...]) -> str:
    """The sentence the page and the CLI show about protected columns."""
    parts = []
    if excluded:
        named = ", ".join(f"{c} ({a})" for c, a in excluded.items())
        parts.append(
            f"Excluded from the model inputs as protected attributes: {named}. They are kept "
            "for the fairness report; opt in to use one as an input."
        )
    if opted_in:
        parts.append(
            f"Protected columns used as inputs at the user's request: {', '.join(opted_in)}."
        )
    return " ".join(parts)


def _groups(values: pd.Series, name: str) -> pd.Series:
    """A protected column as classes: age-like numbers in bands, other numbers in quartiles."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique() > 10:
        if _is_age(name):
            return evaluate.age_band(values).set_axis(values.index)
        return pd.qcut(values, 4, duplicates="drop").astype(str)
    return values.astype(str).where(values.notna(), "missing")


def _ovr_auc(classes: np.ndarray, labels: np.ndarray, score_of, either_way: bool = False) -> float:
    """Macro one-vs-rest ROC AUC; `score_of(label)` gives the score for that class
    (`either_way`: each class's AUC counted in its better direction)."""
    aucs = [
        evaluate.roc_auc(classes == label, score_of(label))
        for label in labels
        if 0 < np.sum(classes == label) < len(classes)
    ]
    if either_way:
        aucs = [max(a, 1.0 - a) for a in aucs]
    return float(np.nanmean(aucs)) if aucs else float("nan")


def _single_input_auc(x: pd.Series, classes: np.ndarray, labels: np.ndarray) -> float:
    """How well one input alone separates the classes (direction-free macro one-vs-rest AUC)."""
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        values = x.to_numpy(float)
        values = np.where(np.isfinite(values), values, np.nanmedian(values))
        return _ovr_auc(classes, labels, lambda label: values, either_way=True)
    level = x.astype(str).to_numpy()
    table = pd.crosstab(level, classes, normalize="index")
    return _ovr_auc(classes, labels, lambda label: table[label].reindex(level).to_numpy())


def proxy_check(
    frame: pd.DataFrame,
    features: list[str],
    protected: list[str],
    max_rows: int = PROXY_ROWS,
    random_state: int = 0,
) -> pd.DataFrame:
    """How well the model inputs predict each protected attribute, and the strongest single proxy.

    A gradient-boosted classifier predicts the attribute (age in bands) from the inputs with
    3-fold cross-validation on at most `max_rows` rows; its macro one-vs-rest ROC AUC is the
    proxy strength (0.5: the inputs say nothing about it). `flagged` marks AUC >=
    STRONG_PROXY_AUC: the model could discriminate through its inputs although the attribute
    itself is excluded. Memoised on a content hash of the columns it reads (the last few
    tables), since it depends on the data only: a retraining with other settings reuses it.
    """
    features, protected = list(features), list(protected)
    present = [c for c in protected if c in frame.columns]
    columns = list(dict.fromkeys([*features, *present]))
    key = data_key(frame, columns, features, present, len(frame), max_rows, random_state)
    return _PROXY_MEMO.get(
        key, lambda: _proxy_check(frame, features, present, max_rows, random_state)
    )


def _proxy_check(
    frame: pd.DataFrame, features: list[str], protected: list[str], max_rows: int, random_state: int
) -> pd.DataFrame:
    """proxy_check itself, unmemoised."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows = []
    sample = frame.sample(min(len(frame), max_rows), random_state=random_state)
    X = pd.DataFrame(index=sample.index)
    for f in features:
        values = sample[f]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            X[f] = values.astype(float)
        else:  # at most 50 levels (HistGradientBoosting takes 255), the rest pooled
            text = values.astype(str).where(values.notna(), "missing")
            top = text.value_counts().index[:50]
            X[f] = text.where(text.isin(top), "other").astype("category")
    for column in [c for c in protected if c in sample.columns]:
        classes = _groups(sample[column], column).to_numpy().astype(str)
        labels, counts = np.unique(classes, return_counts=True)
        if len(labels) < 2 or counts.min() < 3:
            continue
        model = HistGradientBoostingClassifier(
            max_iter=50, learning_rate=0.1, categorical_features="from_dtype", random_state=0
        )
        folds = StratifiedKFold(3, shuffle=True, random_state=random_state)
        with one_thread():  # OpenMP threads oversubscribe a shared machine
            proba = cross_val_predict(model, X, classes, cv=folds, method="predict_proba")
        index = {label: i for i, label in enumerate(labels)}
        auc = _ovr_auc(classes, labels, lambda label, p=proba, ix=index: p[:, ix[label]])
        single = {f: _single_input_auc(sample[f], classes, labels) for f in features}
        single = {f: a for f, a in single.items() if a == a}
        strongest = max(single, key=single.get) if single else ""
        rows.append(
            {
                "attribute": column,
                "groups": len(labels),
                "proxy_auc": auc,
                "strongest_input": strongest,
                "strongest_input_auc": single.get(strongest, float("nan")),
                "flagged": bool(auc >= STRONG_PROXY_AUC),
            }
        )
    columns = ["attribute", "groups", "proxy_auc", "strongest_input", "strongest_input_auc"]
    return pd.DataFrame(rows, columns=[*columns, "flagged"])
