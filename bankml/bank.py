"""Regenerate the synthetic bank into the store: validate, lock, generate, swap."""

from __future__ import annotations

import os

from bankml import config
from bankml.data import (
    BankInfo,
    Progress,
    _no_progress,
    _write_locked,
    bank_info,
    check_writable,
    writer_lock,
)
from bankml.errors import InputError
from synth import SUPPORTED_LOCALES, BankParams, ParameterError, generate
from synth.params import MAX_CUSTOMERS, MAX_DEFAULT_RATE, MIN_CUSTOMERS, MIN_DEFAULT_RATE

# The generator's limits, re-exported so pages take them through bankml and never import synth.
__all__ = [
    "MAX_CUSTOMERS",
    "MAX_DEFAULT_RATE",
    "MIN_CUSTOMERS",
    "MIN_DEFAULT_RATE",
    "SUPPORTED_LOCALES",
    "ensure_bank",
    "make_params",
    "regenerate",
]


def make_params(**overrides) -> BankParams:
    """BankParams from keyword overrides, with the generator's range errors as InputError."""
    try:
        return BankParams(**{k: v for k, v in overrides.items() if v is not None}).validate()
    except ParameterError as exc:
        raise InputError(str(exc)) from None
    except TypeError as exc:
        raise InputError(str(exc)) from None


def regenerate(
    params: BankParams | None = None,
    path: str | os.PathLike | None = None,
    progress: Progress = _no_progress,
) -> BankInfo:
    """Generate a bank and swap it in at path; the previous bank survives any failure.

    The writer lock is held for the whole generation, so a second regeneration started meanwhile
    is told at once that the bank is busy instead of doing the work twice.
    """
    try:
        params = (params or BankParams()).validate()
    except ParameterError as exc:
        raise InputError(str(exc)) from None
    path = config.db_path(path)
    check_writable(path)
    with writer_lock(path):
        bank = generate(params, progress=lambda f, m: progress(0.8 * f, m))
        tables = {**bank.tables, "meta": bank.meta}
        _write_locked(tables, path, lambda f, m: progress(0.8 + 0.2 * f, m))
    return bank_info(path)


def ensure_bank(
    path: str | os.PathLike | None = None, params: BankParams | None = None
) -> BankInfo:
    """Return the bank at path, generating the default one first if there is none."""
    path = config.db_path(path)
    if not path.exists():
        return regenerate(params, path)
    return bank_info(path)
