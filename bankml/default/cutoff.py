"""PD to risk grades and decisions around the money-chosen cut-off."""

from __future__ import annotations

import numpy as np

GRADES = np.array(["A", "B", "C", "D", "E"])
# Grade edges as multiples of the cut-off: A-C are approvable, D is the refer zone, E declines.
GRADE_EDGES = (0.25, 0.5, 1.0, 1.5)
REFER_BAND = (0.8, 1.25)


def grade(pd_, cutoff: float) -> np.ndarray:
    """Risk grade A (safest) .. E from PD relative to the cut-off."""
    edges = np.asarray(GRADE_EDGES) * cutoff
    return GRADES[np.searchsorted(edges, np.asarray(pd_, dtype=float), side="right")]


def decision(pd_, cutoff: float, band: tuple[float, float] = REFER_BAND) -> np.ndarray:
    """approve below 0.8 x cut-off, refer to an underwriter near it, decline from 1.25 x cut-off."""
    pd_ = np.asarray(pd_, dtype=float)
    low, high = band[0] * cutoff, band[1] * cutoff
    return np.where(pd_ < low, "approve", np.where(pd_ < high, "refer", "decline"))
