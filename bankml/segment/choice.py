"""Choosing k without the truth: the gap statistic, a same-correlation structure check and
half-sample stability, combined by one stated rule (`decide`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from bankml.errors import InputError

K_MIN, K_MAX = 2, 20
GAP_REFERENCES = 3  # reference draws per k for the gap statistic
# gaps within 4 % (or one SE) of each other are a tie: the smaller k wins. Settled on generator
# 2.0's choose scenarios (small, sparse_txn, tuning): there an extra real group added >= 5.5 % to
# the gap and an over-split <= 3.1 %; 2 % (set on the old generator) over-split to k=9.
GAP_TIE = 0.04
MIN_STABILITY = 0.5  # below this ARI between half-sample fits the segments are not reproducible
MIN_STRUCTURE_GAP = 0.02  # gap over a same-correlation reference below this = no clusters
# A segment holding under this share of the customers does not count towards k (`counted_k`).
MIN_SHARE = 0.05

# Floor of a feature's pooled within-segment sd (in standardised units) when rescaling: a feature
# that one pass separates perfectly gets at most 10x the weight of one it does not separate at all.
MIN_WITHIN_SD = 0.1


def within_weights(Z: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """1 / pooled within-segment sd of every column of Z, given a first partition.

    Rescaling by it turns KMeans' Euclidean distance into the Mahalanobis distance of a mixture
    with one shared diagonal covariance (classification EM's next step): features that the
    segments spread along count more, features that are noise inside every segment count less.
    """
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.zeros((k, Z.shape[1]))
    np.add.at(sums, labels, Z)
    centres = sums / np.maximum(counts, 1)[:, None]
    within = np.sqrt(((Z - centres[labels]) ** 2).mean(axis=0))
    return 1.0 / np.maximum(within, MIN_WITHIN_SD)


def check_k(k: int | str) -> int | str:
    """Validate k: "auto" or an integer in 2..20; InputError naming the value otherwise."""
    if isinstance(k, str):
        if k == "auto":
            return k
        try:
            k = int(k)
        except ValueError:
            raise InputError(f"k={k!r} is not valid: allowed 'auto' or {K_MIN}..{K_MAX}") from None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not K_MIN <= k <= K_MAX:
        raise InputError(f"k={k!r} is out of range: allowed 'auto' or {K_MIN}..{K_MAX}")
    return int(k)


def _log_dispersion(Z: np.ndarray, k: int, n_init: int, seed: int) -> float:
    if k == 1:
        return float(np.log(((Z - Z.mean(axis=0)) ** 2).sum()))
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(Z)
    return float(np.log(max(model.inertia_, 1e-12)))


def _permuted(Z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each column shuffled on its own: same marginals, no joint structure (the null of no groups)."""
    return np.column_stack([rng.permutation(Z[:, j]) for j in range(Z.shape[1])])


def gap_curve(
    Z: np.ndarray, ks: list[int], random_state: int = 0, references: int = GAP_REFERENCES
) -> pd.DataFrame:
    """Gap statistic per k against column-permuted references: gap = E[log W_ref] - log W.

    W is the KMeans within-cluster sum of squares. Permuting each column keeps every feature's
    distribution (skew, zeros, integers) and only destroys how they go together, so a gap that
    keeps growing means the extra cluster finds real joint structure. Returns gap and its standard
    error (sd of the reference logs x sqrt(1 + 1/B)) indexed by k.
    """
    rng = np.random.default_rng(random_state)
    refs = [_permuted(Z, rng) for _ in range(references)]
    rows = {}
    for k in ks:
        observed = _log_dispersion(Z, k, 4, random_state)
        ref = np.array([_log_dispersion(R, k, 1, random_state + b) for b, R in enumerate(refs)])
        rows[k] = (float(ref.mean() - observed), float(ref.std() * np.sqrt(1 + 1 / references)))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["gap", "gap_se"])


def structure_gap(Z: np.ndarray, k: int, random_state: int = 0) -> float:
    """Gap at k against references that keep the principal components' spread and correlation.

    The data are rotated onto their principal components and each component is permuted: a
    single elongated cloud (correlated features, no groups) then scores about 0, real groups well
    above. Guards the gap rule, whose column-permuted reference also rewards mere correlation.
    """
    if k < 2:
        return 0.0
    rotated = PCA(random_state=random_state).fit_transform(Z)
    return float(gap_curve(rotated, [k], random_state).loc[k, "gap"])


def half_stability(Z: np.ndarray, k: int, random_state: int = 0, repeats: int = 2) -> float:
    """Mean ARI between KMeans fitted on two disjoint random halves, both labelling all rows."""
    rng = np.random.default_rng(random_state)
    n = len(Z)
    scores = []
    for r in range(repeats):
        order = rng.permutation(n)
        a, b = order[: n // 2], order[n // 2 :]
        left = KMeans(n_clusters=k, n_init=4, random_state=random_state + r).fit(Z[a])
        right = KMeans(n_clusters=k, n_init=4, random_state=random_state + 100 + r).fit(Z[b])
        scores.append(adjusted_rand_score(left.predict(Z), right.predict(Z)))
    return float(np.mean(scores))


def small_segments(labels: np.ndarray, k: int) -> int:
    """How many of the k segments hold under MIN_SHARE of the rows."""
    return int((np.bincount(labels, minlength=k) < MIN_SHARE * len(labels)).sum())


def counted_k(Z: np.ndarray, k: int, low: int, random_state: int = 0) -> int:
    """k less its segments that hold under MIN_SHARE of the rows, refitted until none does.

    A segment that small is too small for a bank to act on, and on the banks the gap rule
    over-split, the extra segments were the small ones: a split-off tail, not a customer type.
    Never goes below `low`."""
    while k > low:
        small = small_segments(KMeans(k, n_init=4, random_state=random_state).fit(Z).labels_, k)
        if small == 0:
            break
        k = max(low, k - small)
    return k


def choose_k(scores: pd.DataFrame, low: int, high: int) -> int:
    """The gap rule with ties: the smallest k in 1..high whose gap is at least the next k's gap
    minus the larger of its standard error and GAP_TIE of it (Tibshirani's one-SE rule, with a
    floor because three references understate the error). Returns 1 when one group is as good
    as two. Needs gap/gap_se for 1..high+1; k below `low` (other than 1) is never returned."""
    gap, se = scores["gap"], scores["gap_se"]
    for k in [1, *range(low, high + 1)]:
        following = k + 1 if k > 1 else low
        tolerance = max(float(se[following]), GAP_TIE * abs(float(gap[following])))
        if gap[k] >= gap[following] - tolerance:
            return k
    return high


@dataclass(frozen=True)
class KChoice:
    """How k was chosen: the k (None when there is no clear cluster structure) and why."""

    k: int | None
    gap_k: int
    stability: float
    structure_gap: float
    reason: str
    first_k: int | None = None  # the gap rule's k before rescaling (None: no rescaling round)


def decide(
    scores: pd.DataFrame,
    low: int,
    high: int,
    structure: float,
    first_k: int | None = None,
    counted: int | None = None,
) -> KChoice:
    """Apply the stated rule to a sweep table (gap, gap_se, stability per k) and say why.

    first_k: the k a first gap round proposed on the standardised features, when the table was
    measured after rescaling the features by their within-segment spread at that k.
    counted: the gap's k less its segments under MIN_SHARE (`counted_k`), when measured."""
    gap_k = choose_k(scores, low, high)
    if gap_k == 1:
        return KChoice(
            None, 1, float("nan"), structure, "one group explains the data as well as two", first_k
        )
    k = gap_k if counted is None else counted
    stability = float(scores.loc[k, "stability"])
    if structure < MIN_STRUCTURE_GAP:
        reason = (
            f"the {gap_k} groups explain no more than a cloud with the same correlations "
            f"(structure gap {structure:.3f} < {MIN_STRUCTURE_GAP})"
        )
        return KChoice(None, gap_k, stability, structure, reason, first_k)
    if stability < MIN_STABILITY:
        reason = (
            f"k={gap_k} is not reproducible: fits on two halves agree only at ARI "
            f"{stability:.2f} (< {MIN_STABILITY})"
        )
        return KChoice(None, gap_k, stability, structure, reason, first_k)
    rescaled = (
        ""
        if first_k is None
        else f" (measured with each feature scaled by its spread inside the k={first_k} segments"
        " a first gap round proposed)"
    )
    small = (
        ""
        if k == gap_k
        else f" ({gap_k - k} of the gap's k={gap_k} segments held under {MIN_SHARE:.0%} of the "
        "customers each, too few to count as segments)"
    )
    reason = (
        f"k={k}: the gap statistic stops growing after {'it' if k == gap_k else gap_k} (within "
        f"one SE or {GAP_TIE:.0%}){small}, fits on two halves agree at ARI {stability:.2f}, and "
        f"the groups beat a same-correlation cloud by {structure:.3f}{rescaled}"
    )
    return KChoice(k, gap_k, stability, structure, reason, first_k)


def shrunk(choice: KChoice, k: int, proposed: int) -> KChoice:
    """The choice after the final fit at `proposed` left segments under MIN_SHARE: k counts only
    the others (the fit is redone at k)."""
    note = (
        f"k={k}: the final fit at k={proposed} left {proposed - k} segment(s) under "
        f"{MIN_SHARE:.0%} of the customers, which do not count; before that, "
    )
    return replace(choice, k=k, reason=note + choice.reason)
