"""The Data page's logic: the regenerate form's starting values, a regeneration with what the other
pages' first views need, a training on an uploaded CSV, and the messages each leaves.

The page (pages/data.py) keeps the widgets; what they feed and what comes back is here, so tests
can call it without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from bankml import formatting
from bankml.bank import SUPPORTED_LOCALES, make_params, regenerate
from bankml.data import BankInfo
from bankml.default import byod
from bankml.errors import BankmlError
from bankml.segment import store as segment_store
from dashboard import models, sidebar, store

Progress = Callable[[float, str], None]
FORM_KEYS = ("gen_customers", "gen_seed", "gen_default_rate", "gen_locale")
STALE_AFTER_REGENERATION = (
    "The active model was trained on the previous bank and is now marked stale: retrain it on the "
    "Model performance page."
)


def form_start(in_use: BankInfo | None, state: Mapping) -> dict | None:
    """The session values that make the regenerate form show the bank in use, or None to leave
    the form as it is.

    The form starts from the bank in use (not the generator's defaults), again after each
    regeneration, and after another page (Streamlit drops a widget's state when it is not drawn),
    so "Regenerate" with nothing changed gives the same bank back.
    """
    if in_use is None:
        return None
    if state.get("gen_for") == in_use.content_hash and "gen_customers" in state:
        return None
    locale = in_use.locale if in_use.locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0]
    return {
        "gen_for": in_use.content_hash,
        "gen_customers": int(in_use.customers),
        "gen_seed": int(in_use.seed),
        "gen_default_rate": float(in_use.default_rate_target),
        "gen_locale": locale,
    }


def regenerate_bank(
    customers: int,
    seed: int,
    default_rate: float,
    locale: str,
    report: bool,
    progress: Progress,
) -> BankInfo:
    """A new bank from the form's settings, swapped in at the store's path. Raises BankmlError on
    bad settings or a failed generation (the bank in use is then untouched)."""
    params = make_params(
        customers=int(customers), seed=int(seed), default_rate=float(default_rate), locale=locale
    )
    return regenerate(params, store.db_path(), progress, report=bool(report))


def after_regeneration(progress: Progress) -> None:
    """Store the k="auto" segmentation beside the new bank (the Customer segments page's first
    view fits nothing) and clear every cache, so each page reads the new bank."""
    progress(1.0, "Precomputing the customer segments for their page's first view")
    segment_store.precompute(store.db_path())
    store.clear_caches()


def regeneration_messages(new: BankInfo, card: dict | None) -> list[tuple[str, str]]:
    """What the page says after a regeneration: the new bank, and a warning when the active
    model was trained on the previous one (now stale)."""
    messages = [
        (
            "success",
            f"New bank in use: {formatting.count(new.customers)} customers, hash "
            f"{new.short_hash}, default rate {formatting.percent(new.realised_default_rate)}.",
        )
    ]
    if card is not None and byod.model_is_stale(card, new.content_hash):
        messages.append(("warning", STALE_AFTER_REGENERATION))
    return messages


def current_card_or_none() -> dict | None:
    """The active model's card, or None when there is none or it cannot be read (a regeneration
    has just succeeded: a broken model must not hide that)."""
    try:
        return models.current_card()
    except BankmlError:
        return None


def target_index(candidates: list[str], suggested: str | None) -> int | None:
    """Where the target selectbox starts: the suggested column, else nothing chosen."""
    return candidates.index(suggested) if suggested else None


def train_upload(
    frame: pd.DataFrame,
    target: str,
    name: str,
    opted: list[str],
    protected: Mapping[str, str],
    progress: Progress,
):
    """Train on an uploaded frame and make the model active, with its Model performance view
    stored and every cache cleared; (result, folder). Only protected columns the user opted in
    become inputs. Raises BankmlError when the training fails (nothing is activated then)."""
    result, folder = byod.train_uploaded(
        frame,
        target,
        name,
        store.models_path(),
        progress=progress,
        use_protected=tuple(c for c in opted if c in protected),
    )
    progress(1.0, "Preparing the Model performance view...")
    sidebar.store_first_views()
    store.clear_caches()
    return result, folder


def trained_message(folder_name: str, chosen: str, auc: float, rows: int) -> tuple[str, str]:
    """The flash message after a training on an uploaded CSV."""
    return (
        "success",
        f"Model {folder_name} ({chosen}) is now active: ROC AUC {auc:.3f} on "
        f"{formatting.count(rows)} rows.",
    )


def tables_text(row_counts: Mapping[str, int]) -> str:
    """The caption of the table browser before a table is chosen: every table and its rows."""
    listed = ", ".join(
        f"{name} ({formatting.count(rows)} rows)" for name, rows in row_counts.items()
    )
    return f"Tables of this bank: {listed}, and meta (how it was generated)."
