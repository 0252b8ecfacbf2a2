"""The faker-based synthetic bank generator (numpy/pandas/faker only; never imports bankml)."""

from synth.common import TABLE_ORDER, Bank, content_hash, rank_auc
from synth.generator import generate
from synth.params import GENERATOR_VERSION, SUPPORTED_LOCALES, BankParams, ParameterError
from synth.scenarios import SCENARIOS, Scenario, scenario

__all__ = [
    "GENERATOR_VERSION",
    "SCENARIOS",
    "SUPPORTED_LOCALES",
    "TABLE_ORDER",
    "Bank",
    "BankParams",
    "ParameterError",
    "Scenario",
    "content_hash",
    "generate",
    "rank_auc",
    "scenario",
]
