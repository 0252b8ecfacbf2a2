"""Population stability done right: reference-only bins, a missing bin, and a noise level.

PSI = sum over bins of (batch share - reference share) x ln(batch share / reference share).
- Bins come from the reference only (deciles of its finite values, or its categories), so a
  batch is always measured on the same ruler; values outside the reference's categories fall
  in an "(unseen level)" bin and missing values in a "(missing)" bin of their own, so a batch
  that has lost 60 % of a column reads as a large shift, not as "stable".
- Every bin's count gets half a row before shares are taken, so an empty bin stays finite.
- Two samples of one population do not give PSI 0: under no shift PSI is approximately
  chi-square with k - 1 degrees of freedom times (1/n_reference + 1/n_batch). Its `CONFIDENCE`
  quantile is the noise level; when the noise level itself reaches the "moderate" band (0.10)
  and the PSI does not exceed it, the verdict is "too few rows to judge" rather than a band.
  With 10 bins a batch needs roughly 220 rows before "stable" can be said.
- Conventional bands otherwise: stable < 0.10 <= moderate < 0.25 <= significant.

`batch_drift` is the batch report: the PD's PSI first, then every model input's, with the
characteristic analysis (the mean shift in score points each input causes, positive = the batch
scores safer, as scorecard points do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from bankml.errors import InputError

PSI_MODERATE = 0.10
PSI_SIGNIFICANT = 0.25
CONFIDENCE = 0.99
SMOOTHING = 0.5
MISSING = "(missing)"
UNSEEN = "(unseen level)"
TOO_FEW = "too few rows to judge"
SCORE_ROW = "PD (score)"
ANALYSIS_ROWS = 20_000


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _codes(reference: pd.Series, values: pd.Series, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin codes of the reference and of `values` on bins taken from the reference alone.

    Numeric: codes 0..len(edges) for the deciles, -1 missing. Categorical: the reference's
    levels, "(unseen level)" and "(missing)".
    """
    if _is_numeric(reference):
        ref = reference.to_numpy(float)
        new = pd.to_numeric(values, errors="coerce").to_numpy(float)
        finite = ref[np.isfinite(ref)]
        quantiles = np.linspace(0, 1, bins + 1)[1:-1]
        edges = np.unique(np.quantile(finite, quantiles)) if len(finite) else np.array([])

        def code(x: np.ndarray) -> np.ndarray:
            return np.where(np.isfinite(x), np.searchsorted(edges, x, side="right"), -1)

        return code(ref), code(new)
    ref_missing, new_missing = reference.isna().to_numpy(), values.isna().to_numpy()
    ref_text = reference.astype(str).to_numpy(dtype=object)
    new_text = values.astype(str).to_numpy(dtype=object)
    new_text = np.where(np.isin(new_text, ref_text[~ref_missing]), new_text, UNSEEN)
    return np.where(ref_missing, MISSING, ref_text), np.where(new_missing, MISSING, new_text)


def _counts(ref_codes: np.ndarray, new_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    levels, inverse = np.unique(np.concatenate([ref_codes, new_codes]), return_inverse=True)
    n_ref = len(ref_codes)
    ref = np.bincount(inverse[:n_ref], minlength=len(levels)).astype(float)
    new = np.bincount(inverse[n_ref:], minlength=len(levels)).astype(float)
    return ref, new


def _smoothed(counts: np.ndarray) -> np.ndarray:
    """Shares with half a row added to every bin (Jeffreys), so an empty bin stays finite
    without the fixed floor that made one empty bin of a 50-row batch read as a shift."""
    return (counts + SMOOTHING) / (counts.sum() + SMOOTHING * len(counts))


def _as_series(values) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())


def stability(expected, actual, bins: int = 10, confidence: float = CONFIDENCE) -> dict:
    """PSI of `actual` against the reference `expected`, its noise level and the verdict.

    Returns psi, noise (the PSI two samples of one population exceed with probability
    1 - confidence), band, rows (of the batch), missing_reference and missing_batch (shares).
    """
    reference, batch = _as_series(expected), _as_series(actual)
    if len(reference) == 0 or len(batch) == 0:
        raise InputError(
            f"PSI needs two non-empty samples, got {len(reference)} reference and "
            f"{len(batch)} batch rows"
        )
    ref_codes, new_codes = _codes(reference, batch, bins)
    ref, new = (_smoothed(c) for c in _counts(ref_codes, new_codes))
    value = max(float(np.sum((new - ref) * np.log(new / ref))), 0.0)
    k = len(ref)
    noise = noise_level(k, len(reference), len(batch), confidence)
    missing = MISSING if ref_codes.dtype == object else -1
    return {
        "psi": value,
        "noise": noise,
        "band": verdict(value, noise),
        "rows": len(batch),
        "missing_reference": float(np.mean(ref_codes == missing)),
        "missing_batch": float(np.mean(new_codes == missing)),
    }


def psi(expected, actual, bins: int = 10) -> float:
    """The population stability index of a batch against a reference (see `stability`)."""
    return stability(expected, actual, bins)["psi"]


def noise_level(k: int, n_reference: int, n_batch: int, confidence: float = CONFIDENCE) -> float:
    """The PSI that two samples of one population exceed with probability 1 - confidence."""
    if k < 2:
        return 0.0
    return float(chi2.ppf(confidence, k - 1) * (1.0 / n_reference + 1.0 / n_batch))


def band(value: float) -> str:
    """Conventional bands: stable < 0.10 <= moderate < 0.25 <= significant."""
    if value < PSI_MODERATE:
        return "stable"
    if value < PSI_SIGNIFICANT:
        return "moderate"
    return "significant"


def verdict(value: float, noise: float = 0.0) -> str:
    """The band, or "too few rows to judge" when the sample's noise level reaches the moderate
    band and the PSI is within it (no shift could be told from sampling noise)."""
    if noise >= PSI_MODERATE and value <= noise:
        return TOO_FEW
    return band(value)


def drift_table(
    reference: pd.DataFrame, batch: pd.DataFrame, columns: list[str] | None = None
) -> pd.DataFrame:
    """PSI, noise level and verdict per shared column between a reference frame and a batch."""
    columns = columns or [c for c in reference.columns if c in batch.columns]
    rows = [{"feature": c, **stability(reference[c], batch[c])} for c in columns]
    out = pd.DataFrame(
        rows,
        columns=["feature", "psi", "noise", "band", "rows", "missing_reference", "missing_batch"],
    )
    return out.sort_values("psi", ascending=False, kind="stable", ignore_index=True)


def characteristic_analysis(
    model, reference: pd.DataFrame, batch: pd.DataFrame, max_rows: int = ANALYSIS_ROWS
) -> pd.Series:
    """Mean score-point shift per model input between the reference and the batch.

    The scorecard's characteristic analysis (sum over bins of share change x points),
    generalised to any model with exact additive contributions: the batch's mean contribution
    minus the reference's, in points, positive when the batch scores safer on that input.
    Each side is a fixed random sample of at most `max_rows` rows.
    """
    from bankml.default.reasons import POINTS_PER_LOGIT

    def mean_contribution(frame: pd.DataFrame) -> np.ndarray:
        if len(frame) > max_rows:
            frame = frame.sample(max_rows, random_state=0)
        return model.contributions(frame)[1].mean(axis=0)

    shift = mean_contribution(batch) - mean_contribution(reference)
    return pd.Series(-shift * POINTS_PER_LOGIT, index=list(model.features_), name="score_shift")


def batch_drift(model, reference: pd.DataFrame, batch: pd.DataFrame) -> pd.DataFrame:
    """The batch report: PSI of the PD first, then of every model input (largest first), each
    with its noise level and verdict, and the characteristic analysis in score points."""
    features = [f for f in model.features_ if f in reference.columns and f in batch.columns]
    table = drift_table(reference, batch, features)
    complete = len(features) == len(model.features_)
    if complete:
        score = stability(model.predict_pd(reference), model.predict_pd(batch))
        table = pd.concat([pd.DataFrame([{"feature": SCORE_ROW, **score}]), table])
        table = table.reset_index(drop=True)
        shift = characteristic_analysis(model, reference, batch)
        total = pd.Series({SCORE_ROW: float(shift.sum())})
        table["score_shift"] = table["feature"].map(pd.concat([total, shift])).to_numpy(float)
    else:
        table["score_shift"] = np.nan
    return table
