"""CustomerSegmenter: transform, scale and cluster customer features, choosing k by a stated rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances_argmin,
    silhouette_score,
)
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from bankml.errors import InputError
from bankml.segment.features import Feature, categories_of, feature_catalogue

K_MIN, K_MAX = 2, 20
# Below this size KMeans runs single-threaded: OpenMP threads spinning on a busy 2-core machine
# (the Streamlit server beside other work) made a 10k-customer sweep 7x slower (19 s vs 2.8 s).
SINGLE_THREAD_BELOW = 100_000
AUTO_RANGE = (2, 10)


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


def elbow_k(inertia: pd.Series) -> int:
    """The sharpest elbow of the inertia curve: argmax over k of drop(k) / drop(k + 1).

    drop(k) = inertia(k - 1) - inertia(k) with inertia(1) the total sum of squares. The ratio asks
    how much the k-th cluster bought compared with the next one; past the true number of groups
    every extra cluster only splits noise, so the ratio peaks at the last real split. It is
    scale-free and, unlike the silhouette (which prefers 5 on the synthetic bank) or
    Calinski-Harabasz (which prefers 2-3), it finds the bank's 7 segments on every seed tried.
    The curve is made non-increasing first and every drop is floored at 0.5 % of the total sum of
    squares, so a near-zero step (one unlucky KMeans start, or noise after perfectly separated
    groups) cannot fake an elbow by dividing by almost nothing.
    """
    curve = inertia.sort_index().cummin()
    drops = -curve.diff().dropna()
    drops = drops.clip(lower=0.005 * float(curve.iloc[0]))
    ratio = drops / drops.shift(-1)
    ratio = ratio.dropna()
    return int(ratio.idxmax())


class CustomerSegmenter(ClusterMixin, TransformerMixin, BaseEstimator):
    """KMeans over transformed and scaled customer features, with k chosen automatically.

    Parameters
    ----------
    k : "auto" or int in 2..20
        Number of segments; "auto" sweeps k_range and applies `elbow_k`.
    k_range : (low, high)
        The k values evaluated when k="auto" (inclusive).
    random_state : int
        Seed of every KMeans start and of the silhouette sample.
    n_init : int
        KMeans restarts per k (k-means++ seeding). 10, because with 4 one unlucky k=7 fit on
        the 1M bank hid its elbow (k=6 chosen, ARI 0.85 instead of 7 and 0.93).
    minibatch_threshold : int
        From this many customers on, MiniBatchKMeans replaces KMeans.
    silhouette_sample : int
        Customers sampled (fixed seed) for the silhouette, which is quadratic in size.
    sweep_sample : int
        With more customers than this, k is chosen (and the start fitted) on a fixed-seed sample
        this size; MiniBatchKMeans from k-means++ on 1M rows was slower and worse (ARI 0.59).
    features : list of str or None
        Columns to cluster on; None uses the catalogue's clustering features.

    Attributes
    ----------
    features_ : list of Feature used, in order
    scaler_ : fitted StandardScaler over the transformed features
    model_ : the fitted KMeans / MiniBatchKMeans at the chosen k
    k_ : chosen number of segments
    k_scores_ : DataFrame indexed by k: inertia, customers (rows the sweep used), silhouette,
        calinski_harabasz, davies_bouldin, chosen
    labels_ : segment of every training customer, 0 = the largest segment
    cluster_centers_ : centres in scaled space, rows ordered by segment id
    """

    def __init__(
        self,
        k: int | str = "auto",
        k_range: tuple[int, int] = AUTO_RANGE,
        random_state: int = 0,
        n_init: int = 10,
        minibatch_threshold: int = 200_000,
        silhouette_sample: int = 5_000,
        sweep_sample: int = 50_000,
        features: list[str] | None = None,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.random_state = random_state
        self.n_init = n_init
        self.minibatch_threshold = minibatch_threshold
        self.silhouette_sample = silhouette_sample
        self.sweep_sample = sweep_sample
        self.features = features

    # -- transforms ---------------------------------------------------------------------------
    def _catalogue(self, X: pd.DataFrame) -> list[Feature]:
        if not isinstance(X, pd.DataFrame):  # a plain matrix: every column as given, no transform
            n_columns = check_array(X).shape[1]
            return [Feature(f"x{i}", f"column {i}", "none", True) for i in range(n_columns)]
        catalogue = feature_catalogue(categories_of(X))
        if self.features is None:
            return [f for f in catalogue if f.cluster]
        by_name = {f.name: f for f in catalogue}
        unknown = [name for name in self.features if name not in by_name]
        if unknown:
            raise InputError(
                f"unknown feature {unknown[0]!r}: allowed {', '.join(sorted(by_name))}"
            )
        return [by_name[name] for name in self.features]

    def _raw(self, X: pd.DataFrame, features: list[Feature]) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            values = check_array(X, dtype=float, copy=True)
            if values.shape[1] != len(features):
                raise ValueError(
                    f"X has {values.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{len(features)} features as input"
                )
            X = pd.DataFrame(values, columns=[f.name for f in features])
        missing = [f.name for f in features if f.name not in X.columns]
        if missing:
            raise InputError(f"customer features lack column {missing[0]!r}")
        values = X[[f.name for f in features]].to_numpy(dtype=float, copy=True)
        bad = ~np.isfinite(values)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise InputError(
                f"column {features[col].name!r}, row {X.index[row]!r}: value {values[row, col]!r}"
                " is not a finite number"
            )
        logged = np.array([f.transform == "log1p" for f in features])
        if (values[:, logged] < 0).any():
            row, col = np.argwhere(values[:, logged] < 0)[0]
            name = [f.name for f in features if f.transform == "log1p"][col]
            raise InputError(f"column {name!r}, row {X.index[row]!r}: must be >= 0")
        values[:, logged] = np.log1p(values[:, logged])
        return values

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Features as the clustering sees them: log1p of skewed amounts, then standardised."""
        check_is_fitted(self, "model_")
        return self.scaler_.transform(self._raw(X, self.features_))

    # -- fitting ------------------------------------------------------------------------------
    def _kmeans(self, k: int, n: int, seed: int):
        if n >= self.minibatch_threshold:
            return MiniBatchKMeans(
                n_clusters=k,
                n_init=3,
                batch_size=8192,
                max_no_improvement=20,
                random_state=seed,
            )
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)

    @staticmethod
    def _fit_one(model, Z: np.ndarray):
        with threadpool_limits(limits=1 if len(Z) < SINGLE_THREAD_BELOW else None):
            return model.fit(Z)

    def _scores(self, Z: np.ndarray, labels: np.ndarray, sample: np.ndarray) -> dict:
        if len(np.unique(labels[sample])) < 2:
            silhouette = float("nan")
        else:
            silhouette = float(silhouette_score(Z[sample], labels[sample]))
        return {
            "silhouette": silhouette,
            "calinski_harabasz": float(calinski_harabasz_score(Z, labels)),
            "davies_bouldin": float(davies_bouldin_score(Z, labels)),
        }

    def fit(self, X: pd.DataFrame, y=None, progress=None) -> CustomerSegmenter:
        """Fit the scaler and KMeans; with k="auto" sweep k_range and keep the elbow's model.

        Above `sweep_sample` customers the k sweep runs on a fixed-seed sample (the elbow does not
        need a million points) and the chosen k is then fitted on everyone, started from the
        sample's centres.
        """
        if not isinstance(X, pd.DataFrame):
            X = check_array(X, dtype=float)
        k = check_k(self.k)
        low, high = self.k_range
        if not (K_MIN <= low < high <= K_MAX):
            raise InputError(
                f"k_range={self.k_range!r} is not valid: need {K_MIN} <= low < high <= {K_MAX}"
            )
        features = self._catalogue(X)
        n = len(X)
        needed = (high + 1) if k == "auto" else k
        if n < max(needed, 2) + 1:
            raise InputError(
                f"{n} customers (n_samples={n}) are too few for k={self.k!r}: "
                f"need at least {max(needed, 2) + 1}"
            )
        raw = self._raw(X, features)
        scaler = StandardScaler().fit(raw)
        Z = scaler.transform(raw)
        rng = np.random.default_rng(self.random_state)
        report = progress or (lambda fraction, message: None)
        swept = Z
        if n > self.sweep_sample:
            swept = Z[np.sort(rng.choice(n, size=self.sweep_sample, replace=False))]
        m = len(swept)
        sample = np.sort(rng.choice(m, size=min(m, self.silhouette_sample), replace=False))

        # One k beyond the range is fitted so the elbow rule can judge its last candidate.
        ks = list(range(low, high + 2)) if k == "auto" else [k]
        rows, models = [], {}
        for i, kk in enumerate(ks):
            report(0.9 * i / len(ks), f"clustering with k={kk}")
            model = self._fit_one(self._kmeans(kk, m, self.random_state), swept)
            models[kk] = model
            row = {"k": kk, "inertia": float(model.inertia_), "customers": m}
            if kk <= high or k != "auto":
                row.update(self._scores(swept, model.labels_, sample))
            rows.append(row)
        scores = pd.DataFrame(rows).set_index("k")
        if k == "auto":
            total = float(((swept - swept.mean(axis=0)) ** 2).sum())
            chosen = elbow_k(pd.concat([pd.Series({1: total}), scores["inertia"]]).loc[low - 1 :])
            chosen = min(max(chosen, low), high)
            scores = scores.loc[low:high].copy()
        else:
            chosen = k
        scores["chosen"] = scores.index == chosen
        model = models[chosen]
        if m < n:
            report(0.9, f"fitting k={chosen} on all {n:,} customers")
            start = self._kmeans(chosen, n, self.random_state)
            start.set_params(init=model.cluster_centers_, n_init=1)
            model = self._fit_one(start, Z)
        # Segment ids ordered by size (0 = largest) so ids do not depend on KMeans' arbitrary order.
        counts = np.bincount(model.labels_, minlength=chosen)
        order = np.lexsort((np.arange(chosen), -counts))
        remap = np.empty(chosen, dtype=np.int64)
        remap[order] = np.arange(chosen)
        self.features_ = features
        self.scaler_ = scaler
        self.model_ = model
        self.k_ = int(chosen)
        self.k_scores_ = scores
        self.remap_ = remap
        self.labels_ = remap[model.labels_]
        self.cluster_centers_ = model.cluster_centers_[order]
        self.n_features_in_ = len(features)
        report(1.0, f"chose k={chosen}")
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment id of each row: the nearest fitted centre after the fitted transform."""
        check_is_fitted(self, "model_")
        Z = self.transform(X)
        return pairwise_distances_argmin(Z, self.cluster_centers_)

    def centroids(self) -> pd.DataFrame:
        """Centres in transformed (log, unscaled) units, one row per segment, for matching refits."""
        check_is_fitted(self, "model_")
        return pd.DataFrame(
            self.scaler_.inverse_transform(self.cluster_centers_),
            columns=[f.name for f in self.features_],
            index=pd.RangeIndex(self.k_, name="segment"),
        )
