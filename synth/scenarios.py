"""A small named matrix of generator settings, so no model is tuned to one bank.

Roles: presets and model settings are CHOSEN on the `choose` scenarios (with their own seeds) and
REPORTED on the `report` scenarios, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from synth.params import BankParams, ParameterError


@dataclass(frozen=True)
class Scenario:
    name: str
    role: str  # "choose" or "report"
    description: str
    overrides: dict

    def params(self, **extra) -> BankParams:
        """BankParams of this scenario (explicit extra settings win), validated."""
        return replace(BankParams(), **{**self.overrides, **extra}).validate()


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("default", "report", "the default bank (seed 42)", {}),
        Scenario(
            "small",
            "choose",
            "2,000 customers, seed 7: fast iteration",
            {"customers": 2_000, "seed": 7},
        ),
        Scenario("low_default", "report", "3 % default rate", {"default_rate": 0.03}),
        Scenario(
            "sparse_txn",
            "choose",
            "12 transactions per customer, seed 8",
            {"txn_per_customer": 12.0, "seed": 8},
        ),
        Scenario(
            "high_overlap", "report", "segments overlap strongly (0.9)", {"segment_overlap": 0.9}
        ),
        Scenario(
            "defects", "report", "the default bank with the extract defects on", {"defects": True}
        ),
        Scenario("tuning", "choose", "default settings on seed 1", {"seed": 1}),
    )
}


def scenario(name: str) -> Scenario:
    """The named scenario; ParameterError lists the known names otherwise."""
    if name not in SCENARIOS:
        raise ParameterError(f"scenario {name!r} is not known: allowed {', '.join(SCENARIOS)}")
    return SCENARIOS[name]
