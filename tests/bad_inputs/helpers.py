"""A tiny trained model registry shared by the batch-CSV tests (trained once per test session)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path


@functools.cache
def trained_registry(bank_path: str) -> Path:
    """A registry holding one logistic model trained on the given bank (read-only for tests)."""
    from bankml.data import bank_info
    from bankml.default import loan_frame, train_default
    from bankml.model_card import make_card
    from bankml.registry import save_model

    frame = loan_frame(bank_path)
    result = train_default(frame, candidates=["logistic"], cv=3, search_seconds=0)
    card = make_card(result, data_hash=bank_info(bank_path).content_hash, source="bank")
    registry = Path(tempfile.mkdtemp(prefix="bankml-a2-models-"))
    save_model(result.model, card, registry, result.validation)
    return registry


@functools.cache
def trained_model(bank_path: str):
    """(model, card) loaded through the registry's checksum-verified path."""
    from bankml.registry import load_model

    return load_model(trained_registry(bank_path))


# Bad numeric cells every row-level check must name: row index -> (column, value, reason).
BAD_NUMBER_CELLS = {
    10: ("annual_income", "fifty thousand", "not a number"),
    20: ("annual_income", -5, "out of range"),
    30: ("debt_to_income", float("nan"), "missing value"),
    40: ("debt_to_income", float("inf"), "infinite value"),
    50: ("annual_income", float("-inf"), "infinite value"),
}
