"""The faker-based synthetic bank generator (numpy/pandas/faker only; never imports bankml)."""

from synth.generator import TABLE_ORDER, Bank, content_hash, generate, rank_auc
from synth.params import GENERATOR_VERSION, SUPPORTED_LOCALES, BankParams, ParameterError

__all__ = [
    "GENERATOR_VERSION",
    "SUPPORTED_LOCALES",
    "TABLE_ORDER",
    "Bank",
    "BankParams",
    "ParameterError",
    "content_hash",
    "generate",
    "rank_auc",
]
