"""Regenerate the synthetic bank into the store: validate, lock, generate, swap."""

from __future__ import annotations

import json
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


def make_params(scenario: str | None = None, **overrides) -> BankParams:
    """BankParams of a named scenario (default: the default bank) with explicit overrides on top;
    the generator's range errors become InputError."""
    from synth import scenario as named

    try:
        settings = {k: v for k, v in overrides.items() if v is not None}
        if scenario is None:
            return BankParams(**settings).validate()
        return named(scenario).params(**settings)
    except ParameterError as exc:
        raise InputError(str(exc)) from None
    except TypeError as exc:
        raise InputError(str(exc)) from None


def regenerate(
    params: BankParams | None = None,
    path: str | os.PathLike | None = None,
    progress: Progress = _no_progress,
    report: bool = False,
) -> BankInfo:
    """Generate a bank and swap it in at path; the previous bank survives any failure.

    The writer lock is held for the whole generation, so a second regeneration started meanwhile
    is told at once that the bank is busy instead of doing the work twice. With report=True the
    difficulty report (model ceilings against the truth, a few seconds) is saved in meta.
    """
    try:
        params = (params or BankParams()).validate()
    except ParameterError as exc:
        raise InputError(str(exc)) from None
    path = config.db_path(path)
    check_writable(path)
    with writer_lock(path):
        share = 0.7 if report else 0.8
        bank = generate(params, progress=lambda f, m: progress(share * f, m))
        meta = bank.meta
        if report:
            from bankml.difficulty import difficulty_report

            progress(0.7, "difficulty report (model ceilings against the truth)")
            meta = meta.assign(difficulty=json.dumps(difficulty_report(bank.tables, meta)))
        tables = {**bank.tables, "meta": meta}
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
