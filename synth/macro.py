"""The monthly macro series (unemployment and policy rate) that moves every applicant's true PD.

A fixed business cycle (a slump peaking about a year into the default window, recovering after it)
plus seeded noise, so the quarterly default rate visibly rises and falls. The table is public
information (a model may use it); how strongly it moves the PD is truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.common import window
from synth.params import BankParams

CYCLE_MONTHS = 30.0
BASE_UNEMPLOYMENT = 5.0
CYCLE_AMPLITUDE = 1.6
MACRO_LOG_ODDS = 0.45  # log-odds per standard deviation of the cycle, at macro_amplitude 1


def macro(params: BankParams, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """(macro table, per-month log-odds shift of the true PD)."""
    start, _, months = window(params)
    t = np.arange(months, dtype=float)
    cycle = np.sin(2 * np.pi * (t - 4.0) / CYCLE_MONTHS)
    noise = np.cumsum(rng.normal(0, 0.05, months))
    unemployment = np.round(BASE_UNEMPLOYMENT + CYCLE_AMPLITUDE * cycle + noise, 2)
    policy = np.round(
        np.clip(3.0 - 1.2 * np.sin(2 * np.pi * (t - 10.0) / CYCLE_MONTHS) + noise, 0.1, None), 2
    )
    first = start.astype("datetime64[M]")
    frame = pd.DataFrame(
        {
            "month": (first + np.arange(months)).astype("datetime64[D]").astype("datetime64[s]"),
            "unemployment_rate": unemployment,
            "policy_rate": policy,
        }
    )
    shift = (
        params.macro_amplitude
        * MACRO_LOG_ODDS
        * (unemployment - BASE_UNEMPLOYMENT)
        / (CYCLE_AMPLITUDE / np.sqrt(2))
    )
    return frame, shift
