"""Model inputs: the loan frame from the bank, feature roles, schemas and any-CSV preparation.

Identifiers, names, emails and truth_* never become features; protected attributes are kept in
the frame for the fairness report only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankml import data
from bankml.default.behaviour import behaviour_columns, behaviour_features, describe
from bankml.default.macro import DESCRIPTIONS as MACRO_DESCRIPTIONS
from bankml.default.macro import join_macro, macro_table
from bankml.default.memo import Memo
from bankml.default.schema import FeatureSchema
from bankml.errors import InputError

TARGET = "defaulted"
PROTECTED = ("gender", "marital_status", "age")
NUMERIC = (
    "loan_amount",
    "term_months",
    "interest_rate",
    "debt_to_income",
    "credit_utilization",
    "open_credit_lines",
    "delinquencies_2y",
    "previous_defaults",
    "annual_income",
    "credit_score",
    "years_employed",
    "dependents",
    "tenure_months",
)
CATEGORICAL = ("purpose", "employment_status", "education", "home_ownership")
# loan_frame reads the bank four times (loans with customers, the behaviour columns from the
# transactions, the macro series) and joins them: a few hundred ms on a small bank, asked again
# by training, evaluation and the validation report of the same generation. The last few frames
# are kept; a big bank's frame is read each time, so the memo never holds much memory.
FRAME_MEMO_BYTES = 64 * 2**20
_FRAME_MEMO: Memo[pd.DataFrame] = Memo(size=4)
OUTCOME_COLUMNS = ("is_mature", "outcome_status", "default_month")
DISPLAY = ("loan_id", "customer_id", "name", "email", "city", "application_date")
HARD_BOUNDS: dict[str, tuple[float, float]] = {
    "credit_score": (300.0, 850.0),
    "debt_to_income": (0.0, 1.5),
    "credit_utilization": (0.0, 1.0),
    "interest_rate": (0.0, 100.0),
    "age": (18.0, 120.0),
    "loan_amount": (100.0, 5_000_000.0),
    "annual_income": (0.0, 50_000_000.0),
    "term_months": (1.0, 480.0),
    "open_credit_lines": (0.0, 200.0),
    "delinquencies_2y": (0.0, 100.0),
    "previous_defaults": (0.0, 50.0),
    "years_employed": (0.0, 80.0),
    "dependents": (0.0, 30.0),
    "tenure_months": (0.0, 1200.0),
    "macro_unemployment_rate": (0.0, 50.0),
    "macro_policy_rate": (-5.0, 50.0),
}
DESCRIPTIONS = {
    "loan_amount": "loan amount",
    "term_months": "term (months)",
    "interest_rate": "interest rate (%)",
    "debt_to_income": "debt-to-income",
    "credit_utilization": "credit utilisation",
    "open_credit_lines": "open credit lines",
    "delinquencies_2y": "delinquencies in 2 years",
    "previous_defaults": "previous defaults",
    "annual_income": "annual income",
    "credit_score": "credit score",
    "years_employed": "years employed",
    "dependents": "dependents",
    "tenure_months": "months as a customer",
    "purpose": "loan purpose",
    "employment_status": "employment status",
    "education": "education",
    "home_ownership": "home ownership",
    "age": "age",
}
PERCENT_FEATURES = ("debt_to_income", "credit_utilization")
MONEY_FEATURES = ("loan_amount", "annual_income")


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns a model uses and how: numeric and categorical inputs, protected and target."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    target: str = TARGET
    protected: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def loan_frame(
    path: str | os.PathLike | None = None, matured_only: bool = True, behaviour: bool = True
) -> pd.DataFrame:
    """Loans joined with the applicant's customer record: one row per loan, truth_* never read.

    Only matured loans by default: a loan opened less than one outcome horizon before the data's
    end has no outcome yet (`defaulted` NULL) and must never enter training or testing. With
    matured_only=False every booked loan is returned (for scoring the book); `defaulted` is then
    a nullable integer. With behaviour=True the `beh_*` columns (the customer's transactions
    strictly before the application date, `bankml.default.behaviour`) are joined by loan_id.

    Memoised in-process on the bank's generation (`data.generation_key`: generations are
    immutable) while the frame is under `FRAME_MEMO_BYTES`; callers get copies.
    """
    key = data.generation_key(path)
    if key is None:
        return _loan_frame(path, matured_only, behaviour)
    return _FRAME_MEMO.get(
        (key, matured_only, behaviour),
        lambda: _loan_frame(path, matured_only, behaviour),
        keep=lambda frame: frame.memory_usage(deep=True).sum() <= FRAME_MEMO_BYTES,
    )


def _loan_frame(
    path: str | os.PathLike | None, matured_only: bool, behaviour: bool
) -> pd.DataFrame:
    """loan_frame itself, unmemoised."""
    tables = data.read_tables(["loans", "customers"], path)
    loans, customers = tables["loans"], tables["customers"]
    if matured_only:
        loans = loans[loans["defaulted"].notna()]
        if "is_mature" in loans.columns:
            loans = loans[loans["is_mature"].astype(bool)]
        loans = loans.assign(defaulted=loans["defaulted"].astype(np.int64)).reset_index(drop=True)
    else:
        loans = loans.assign(defaulted=loans["defaulted"].astype("Int64"))
    # Outcome bookkeeping (maturity, status, month of default) would leak the target into a model.
    loans = loans.drop(columns=[c for c in OUTCOME_COLUMNS if c in loans.columns])
    return with_customer(loans, customers, path, "loans" if behaviour else None)


def with_customer(
    rows: pd.DataFrame,
    customers: pd.DataFrame,
    path: str | os.PathLike | None,
    behaviour_table: str | None,
) -> pd.DataFrame:
    """Loans or applications joined with their customer (and, when behaviour_table names the
    table they come from, the `beh_*` columns by loan_id), the `macro_*` columns of the application
    month (`bankml.default.macro`), categories as plain text."""
    customers = customers.drop(
        columns=[c for c in customers.columns if c in rows.columns and c != "customer_id"]
    )
    frame = rows.merge(customers, on="customer_id", how="left", validate="many_to_one")
    if behaviour_table is not None:
        history = behaviour_features(path, table=behaviour_table)
        if len(history.columns):
            frame = frame.join(history, on="loan_id")
    frame = join_macro(frame, macro_table(path), "application_date")
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame


def oracle_pd(path: str | os.PathLike | None = None) -> pd.Series:
    """The generator's true PD per loan (evaluation only: never a model input)."""
    truth = data.read_table("truth_loans", path)
    return pd.Series(
        truth["pd"].to_numpy(float), index=truth["loan_id"].to_numpy(), name="oracle_pd"
    )


def bank_spec(
    include_age: bool = False,
    protected: tuple[str, ...] = PROTECTED,
    behaviour: tuple[str, ...] = (),
) -> FeatureSpec:
    """The synthetic bank's feature roles; age becomes a feature only when asked (and is recorded).

    `behaviour` names the behavioural (`beh_*`) and macro (`macro_*`) columns to add as numeric
    inputs.
    """
    numeric = (*NUMERIC, "age") if include_age else NUMERIC
    numeric = (*numeric, *behaviour)
    kept = tuple(p for p in protected if not (include_age and p == "age"))
    return FeatureSpec(numeric=numeric, categorical=CATEGORICAL, protected=kept)


def build_schema(frame: pd.DataFrame, spec: FeatureSpec) -> FeatureSchema:
    """The input schema stored in the model card: hard bounds where known, generous elsewhere."""
    return FeatureSchema.from_frame(
        frame,
        list(spec.numeric),
        list(spec.categorical),
        hard_bounds={k: v for k, v in HARD_BOUNDS.items() if k in spec.numeric},
        descriptions={
            **{k: v for k, v in DESCRIPTIONS.items() if k in spec.features},
            **{c: describe(c) for c in behaviour_columns(spec.numeric)},
            **{k: v for k, v in MACRO_DESCRIPTIONS.items() if k in spec.numeric},
        },
    )


_TRUE = {"1", "yes", "y", "true", "t", "bad", "default", "defaulted"}
_FALSE = {"0", "no", "n", "false", "f", "good", "non-default", "nondefault", "paid"}


def binary_target(values: pd.Series, positive: str | None = None) -> pd.Series:
    """Map a two-valued column (0/1, yes/no, good/bad, true/false) to 0/1 with 1 = default."""
    name = values.name
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise InputError(f"target column {name!r} is empty at row {row + 1}")
    text = values.astype(str).str.strip()
    if positive is not None:
        levels = sorted(text.unique())
        if positive not in levels:
            raise InputError(
                f"--positive {positive!r} is not a value of {name!r}: allowed {levels}"
            )
        if len(levels) != 2:
            raise InputError(
                f"target column {name!r} must have exactly 2 values, found {len(levels)}: {levels[:5]}"
            )
        return (text == positive).astype(np.int64).rename(name)
    lower = text.str.lower()
    low = sorted(lower.unique())
    if len(low) != 2:
        raise InputError(
            f"target column {name!r} must have exactly 2 values, found {len(low)}: {low[:5]}"
        )
    levels = low
    if low[0] in _FALSE and low[1] in _TRUE:
        return lower.eq(low[1]).astype(np.int64).rename(name)
    if low[1] in _FALSE and low[0] in _TRUE:
        return lower.eq(low[0]).astype(np.int64).rename(name)
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.notna().all():
        return numeric.eq(numeric.max()).astype(np.int64).rename(name)
    raise InputError(
        f"cannot tell which value of {name!r} means default among {levels}: name it with --positive"
    )


_ID_NAME = re.compile(r"(^|_)(id|uuid|key|email|name|phone)($|_)|id$", re.IGNORECASE)


def infer_spec(
    frame: pd.DataFrame, target: str, protected: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, FeatureSpec]:
    """Feature roles of any tabular frame: numeric vs categorical, ID-like columns dropped.

    A column is ID-like when its name says so (…_id, email, name) and it is nearly unique, or when
    it is text with a distinct value on almost every row.
    """
    if target not in frame.columns:
        raise InputError(
            f"target column {target!r} not found: columns are {list(frame.columns)[:20]}"
        )
    missing = [p for p in protected if p not in frame.columns]
    if missing:
        raise InputError(f"protected column {missing[0]!r} not found in the data")
    frame = frame.copy()
    numeric, categorical, dropped = [], [], []
    n = max(len(frame), 1)
    for column in frame.columns:
        if column == target or column in protected:
            continue
        values = frame[column]
        unique_share = values.nunique(dropna=True) / n
        as_number = pd.to_numeric(values, errors="coerce")
        is_numeric = pd.api.types.is_numeric_dtype(values) or (
            values.notna().sum() > 0 and as_number.notna().sum() >= 0.95 * values.notna().sum()
        )
        if (
            values.notna().sum() == 0
            or values.nunique(dropna=True) <= 1
            or _ID_NAME.search(str(column))
            and unique_share > 0.5
        ):
            dropped.append(column)
        elif is_numeric:
            frame[column] = as_number.astype(float)
            if pd.api.types.is_integer_dtype(values) and unique_share > 0.95 and n > 50:
                dropped.append(column)
            else:
                numeric.append(column)
        elif unique_share > 0.5 and n > 50:
            dropped.append(column)
        else:
            frame[column] = values.astype("str").where(values.notna(), np.nan)
            categorical.append(column)
    if not numeric and not categorical:
        raise InputError(f"no usable feature columns besides the target {target!r}")
    spec = FeatureSpec(tuple(numeric), tuple(categorical), target, tuple(protected), tuple(dropped))
    return frame, spec


def read_training_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Read a training CSV (delimiter sniffed, BOM stripped) with a clean error when unreadable."""
    try:
        frame = pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        try:
            frame = pd.read_csv(path, sep=None, engine="python", encoding="latin-1")
        except Exception as exc:
            raise InputError(f"{path}: not a readable CSV ({exc})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (no rows)") from None
    except Exception as exc:
        raise InputError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    if frame.empty:
        raise InputError(f"{path}: no rows (only a header)")
    if frame.columns.duplicated().any():
        raise InputError(
            f"{path}: duplicate column {frame.columns[frame.columns.duplicated()][0]!r}"
        )
    return frame
