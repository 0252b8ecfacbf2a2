"""PD to risk grades on a fixed master scale, and decisions around the expected-value cut-off.

The master scale does not move with the model or the cut-off: grade D means a PD of 1-2 % today
and after the next retrain, so grades compare across models, portfolios and time. The cut-off
and the refer band are chosen by expected profit (`bankml.default.economics.choose_cutoff`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# PDs are never shown or used as exactly 0 or 1: every calibrated PD lies in [PD_FLOOR, PD_CAP].
PD_FLOOR = 0.0003
PD_CAP = 0.999
GRADES = np.array(["A", "B", "C", "D", "E", "F", "G", "H", "I"])
# Upper PD edge of grades A..H (I runs to the cap): roughly doubling, as bank master scales do.
MASTER_EDGES = (0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.30)
# Used only by models saved before the refer band was chosen by expected value.
LEGACY_REFER_BAND = (0.8, 1.25)


def grade(pd_) -> np.ndarray:
    """Risk grade A (safest) .. I from the PD on the fixed master scale."""
    return GRADES[np.searchsorted(np.asarray(MASTER_EDGES), np.asarray(pd_, dtype=float), "right")]


def master_scale() -> pd.DataFrame:
    """The master scale as a table: grade, PD from (inclusive), PD to (exclusive)."""
    lows = (PD_FLOOR, *MASTER_EDGES)
    highs = (*MASTER_EDGES, PD_CAP)
    return pd.DataFrame({"grade": GRADES, "pd_from": lows, "pd_to": highs})


def decision(pd_, refer_low: float, refer_high: float) -> np.ndarray:
    """approve below the refer band, refer to an underwriter inside it, decline from its top."""
    pd_ = np.asarray(pd_, dtype=float)
    return np.where(pd_ < refer_low, "approve", np.where(pd_ < refer_high, "refer", "decline"))
