"""CustomerSegmenter: transform, scale and cluster customer features, choosing k by a stated rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances,
    silhouette_score,
)
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from bankml.errors import InputError
from bankml.segment.choice import (  # K_MIN, K_MAX, check_k: re-exported
    K_MAX,
    K_MIN,
    KChoice,
    check_k,
    choose_k,
    counted_k,
    decide,
    gap_curve,
    half_stability,
    shrunk,
    small_segments,
    structure_gap,
    within_weights,
)
from bankml.segment.features import Feature, categories_of, feature_catalogue, model_inputs
from bankml.segment.questioned import questioned_mask
from bankml.segment.trim import TRIM_KEEP, nearest_with_distance, trimmed_centres

# Below this size KMeans runs single-threaded: OpenMP threads spinning on a busy 2-core machine
# (the Streamlit server beside other work) made a 10k-customer sweep 7x slower (19 s vs 2.8 s).
SINGLE_THREAD_BELOW = 100_000
AUTO_RANGE = (2, 10)
SWEEP_INIT = 3  # KMeans starts per k for the scores table (and the first pass before rescaling)


class CustomerSegmenter(ClusterMixin, TransformerMixin, BaseEstimator):
    """KMeans over transformed and scaled customer features, with k chosen automatically.

    Parameters
    ----------
    k : "auto" or int in 2..20
        Number of segments; "auto" sweeps k_range and applies `choice.decide` (gap statistic
        with a tie rule, checked by a same-correlation reference and half-sample stability).
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
    choice_sample : int
        Customers (fixed seed) the choice of k is computed on: gap references and half-sample
        refits cost about 60 KMeans fits.
    fit_sample : int
        With more customers than sweep_sample, the chosen k's centres are refined on at most
        this many (fixed seed) and every customer is then assigned to the nearest centre.
    rescale : bool
        After a first pass at the chosen k, rescale every feature by 1 / its pooled
        within-segment sd (`within_weights`) and cluster again from fresh starts. Settled on the
        choose scenarios (small, sparse_txn, tuning) with seeds 2-10 at 3,000 customers and k=7:
        mean ARI 0.80x of the supervised ceiling against 0.77x, and 0.88-0.91x against
        0.76-0.93x on the 7 banks whose ceiling accuracy is >= 0.83 (sparse_txn 0.54-0.60x
        either way). The transform, centres and assignment all live in the rescaled space.
    trim : float or None
        Each centre is finally recomputed from this share of its members nearest to it
        (`trim.trimmed_centres`, trimmed k-means), so a segment's tails (blends, messy rows) do
        not move its centre; None keeps KMeans' centres. Settled where `TRIM_KEEP` says.
    features : list of str or None
        Columns to cluster on; None uses the catalogue's clustering features.
    question : bool
        Rows a bank would question (`questioned.questioned_rows`: a filled-in placeholder value,
        an amount far beyond belief) are always flagged in `questioned_`. With True they also
        neither vote on k nor move the scaler or the centres (chosen and fitted on the other
        rows, then every row assigned to the nearest centre). False by default: on seeds 2-10 of
        the defects scenario (3.5 % of incomes filled in) keeping them out moved k both ways
        (mean ARI 0.894x of the supervised ceiling against 0.898x); no other bank had any.

    Attributes
    ----------
    features_ : list of Feature used, in order
    scaler_ : fitted StandardScaler over the transformed features; with rescale its scale_
        also carries the within-segment weights (so transform() gives the clustering space)
    weights_ : per-feature within-segment weights (ones when rescale=False)
    model_ : the fitted KMeans / MiniBatchKMeans at the chosen k
    k_ : chosen number of segments, None when the data show no clear cluster structure
    choice_ : KChoice, the rule's verdict and its reason in words
    k_scores_ : DataFrame indexed by k: inertia, customers (rows the sweep used), silhouette,
        calinski_harabasz, davies_bouldin, chosen; with k="auto" also gap, gap_se, stability
    labels_ : segment of every training customer, 0 = the largest segment
    questioned_ : bool per training customer, True for a row a bank would question
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
        choice_sample: int = 10_000,
        fit_sample: int = 150_000,
        features: list[str] | None = None,
        rescale: bool = True,
        trim: float | None = TRIM_KEEP,
        question: bool = False,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.random_state = random_state
        self.n_init = n_init
        self.minibatch_threshold = minibatch_threshold
        self.silhouette_sample = silhouette_sample
        self.sweep_sample = sweep_sample
        self.choice_sample = choice_sample
        self.fit_sample = fit_sample
        self.features = features
        self.rescale = rescale
        self.trim = trim
        self.question = question

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
        return model_inputs(X, features, type(self).__name__)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Features as the clustering sees them: log1p of skewed amounts, then standardised."""
        check_is_fitted(self, "model_")
        return self.scaler_.transform(self._raw(X, self.features_))

    # -- fitting ------------------------------------------------------------------------------
    def _kmeans(self, k: int, n: int, seed: int, n_init: int | None = None):
        if n >= self.minibatch_threshold:
            return MiniBatchKMeans(
                n_clusters=k,
                n_init=3,
                batch_size=8192,
                max_no_improvement=20,
                random_state=seed,
            )
        return KMeans(n_clusters=k, n_init=n_init or self.n_init, random_state=seed)

    @staticmethod
    def _fit_one(model, Z: np.ndarray):
        with threadpool_limits(limits=1 if len(Z) < SINGLE_THREAD_BELOW else None):
            return model.fit(Z)

    def _scores(
        self, Z: np.ndarray, labels: np.ndarray, sample: np.ndarray, distances: np.ndarray
    ) -> dict:
        """Silhouette on the sample (from its distances, computed once per sweep), CH and DB."""
        if len(np.unique(labels[sample])) < 2:
            silhouette = float("nan")
        else:  # one BLAS thread: threads made the 5k silhouette take 1.7 s at load 9
            with threadpool_limits(limits=1):
                silhouette = float(
                    silhouette_score(distances, labels[sample], metric="precomputed")
                )
        return {
            "silhouette": silhouette,
            "calinski_harabasz": float(calinski_harabasz_score(Z, labels)),
            "davies_bouldin": float(davies_bouldin_score(Z, labels)),
        }

    def fit(self, X: pd.DataFrame, y=None, progress=None) -> CustomerSegmenter:
        """Fit the scaler and KMeans; with k="auto" choose k by `choice.decide` first.

        The choice runs on a fixed-seed sample of `choice_sample` customers (gap statistic,
        structure check, half-sample stability); the scores per k come from fits on up to
        `sweep_sample`, the chosen k is refined on up to `fit_sample` from the sample's centres
        and everyone is assigned to the nearest; questioned rows (see `question`) may sit out
        but are assigned. With no clear cluster structure k_ is None and all are in segment 0.
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
        # auto k checks stability on two half-samples, each of which must hold `high` clusters
        needed = 2 * (high + 1) if k == "auto" else k
        if n < max(needed, 2) + 1:
            raise InputError(
                f"{n} customers (n_samples={n}) are too few for k={self.k!r}: "
                f"need at least {max(needed, 2) + 1}"
            )
        everyone = self._raw(X, features)
        flagged = questioned_mask(everyone, features)
        questioned = flagged & self.question & (n - flagged.sum() >= max(needed, 2) + 1)
        raw = everyone[~questioned] if questioned.any() else everyone
        n = len(raw)
        scaler = StandardScaler().fit(raw)
        Z = scaler.transform(raw)
        rng = np.random.default_rng(self.random_state)
        report = progress or (lambda fraction, message: None)
        swept = Z
        if n > self.sweep_sample:
            swept = Z[np.sort(rng.choice(n, size=self.sweep_sample, replace=False))]
        m = len(swept)
        sample = np.sort(rng.choice(m, size=min(m, self.silhouette_sample), replace=False))

        ks = list(range(low, high + 1)) if k == "auto" else [k]
        rows, models = [], {}
        # the sample's distances serve every k of a sweep (once, not once per k: half the cost)
        with threadpool_limits(limits=1):
            distances = pairwise_distances(swept[sample])
        # The scores shown per k need only a few starts; the chosen k is refitted with n_init.
        shown_init = min(SWEEP_INIT, self.n_init) if k == "auto" or self.rescale else None
        for i, kk in enumerate(ks):
            report(0.6 * i / len(ks), f"clustering with k={kk}")
            model = self._fit_one(self._kmeans(kk, m, self.random_state, shown_init), swept)
            models[kk] = model
            row = {"k": kk, "inertia": float(model.inertia_), "customers": m}
            row.update(self._scores(swept, model.labels_, sample, distances))
            rows.append(row)
        del distances
        scores = pd.DataFrame(rows).set_index("k")
        if k == "auto":
            report(0.6, "choosing k (gap statistic, stability)")
            scores, choice = self._choose(swept, scores, low, high)
        else:
            choice = KChoice(k, k, float("nan"), float("nan"), f"k={k} set by the user")
        chosen = choice.k
        scores["chosen"] = scores.index == chosen
        self.features_ = features
        self.scaler_ = scaler
        self.k_scores_ = scores
        self.choice_ = choice
        self.n_features_in_ = len(features)
        self.weights_ = np.ones(len(features))
        self.questioned_ = flagged
        if chosen is None:
            self.model_ = None
            self.k_ = None
            self.remap_ = np.zeros(1, dtype=np.int64)
            self.labels_ = np.zeros(len(everyone), dtype=np.int64)
            self.cluster_centers_ = Z.mean(axis=0, keepdims=True)
            report(1.0, "no clear cluster structure")
            return self
        unscaled, kept = scaler.scale_.copy(), chosen
        while True:  # a segment under MIN_SHARE of the customers does not count towards k
            scaler.scale_ = unscaled.copy()
            model, labels = self._final_fit(models[chosen], Z, swept, scaler, rng, report)
            small = small_segments(labels, chosen)
            if k != "auto" or not small or chosen - small < low:
                break
            chosen -= small
        if chosen != kept:
            self.choice_ = choice = shrunk(choice, chosen, kept)
            scores["chosen"] = scores.index == chosen
        if questioned.any():  # the questioned rows are assigned, not fitted on
            labels = nearest_with_distance(scaler.transform(everyone), model.cluster_centers_)[0]
        # Segment ids ordered by size (0 = largest) so ids do not depend on KMeans' arbitrary order.
        counts = np.bincount(labels, minlength=chosen)
        order = np.lexsort((np.arange(chosen), -counts))
        remap = np.empty(chosen, dtype=np.int64)
        remap[order] = np.arange(chosen)
        self.model_ = model
        self.k_ = int(chosen)
        self.remap_ = remap
        self.labels_ = remap[labels]
        self.cluster_centers_ = model.cluster_centers_[order]
        report(1.0, f"chose k={chosen}")
        return self

    def _final_fit(self, model, Z, swept, scaler, rng, report):
        """The fit at the sweep model's k: rescaled (scaler_.scale_ updated in place), refined
        on a sample when the bank is large, trimmed; returns the model and everyone's labels."""
        chosen, n, m = model.n_clusters, len(Z), len(swept)
        if self.rescale:
            report(0.8, f"rescaling by the within-segment spread at k={chosen}")
            weights = within_weights(swept, model.labels_, chosen)
            scaler.scale_ = scaler.scale_ / weights
            Z, swept = Z * weights, swept * weights
            self.weights_ = weights
            model = self._fit_one(self._kmeans(chosen, m, self.random_state), swept)
        elif self.k == "auto" and self.n_init > SWEEP_INIT:  # the sweep's fits had fewer starts
            model = self._fit_one(self._kmeans(chosen, m, self.random_state), swept)
        fitted_on = swept  # the rows the final centres come from
        if m < n:
            # Refine the sample's centres on up to fit_sample customers, then assign everyone to
            # the nearest centre: at 1M a full refit cost 15 s for centres that barely move.
            fitted_on = Z
            if n > self.fit_sample:
                fitted_on = Z[np.sort(rng.choice(n, size=self.fit_sample, replace=False))]
            report(0.9, f"fitting k={chosen} on {len(fitted_on):,} customers, assigning {n:,}")
            start = self._kmeans(chosen, len(fitted_on), self.random_state)
            start.set_params(init=model.cluster_centers_, n_init=1)
            model = self._fit_one(start, fitted_on)
        if self.trim is not None:
            report(0.95, f"trimming the k={chosen} centres to their core members")
            model.cluster_centers_ = trimmed_centres(fitted_on, model.cluster_centers_, self.trim)
            model.labels_, distance = nearest_with_distance(fitted_on, model.cluster_centers_)
            model.inertia_ = float((distance**2).sum())  # of the sample the centres came from
        labels = model.labels_
        if len(fitted_on) < n:
            labels = nearest_with_distance(Z, model.cluster_centers_)[0]
        return model, labels

    def _choose(
        self, swept: np.ndarray, scores: pd.DataFrame, low: int, high: int
    ) -> tuple[pd.DataFrame, KChoice]:
        """Gap, its SE and half-sample stability per k on a sample, then the stated rule.

        With rescale, the gap rule runs twice: once on the standardised features (proposing k0),
        then on the features rescaled by their within-segment spread at k0 (`within_weights`),
        where the table's gap and stability are measured and `decide` applies. On the choose
        scenarios' 7 banks whose ceiling accuracy is >= 0.83 (3,000 customers, seeds 2-10) the
        first round alone chose 6-9 (3 of 7 at 7); the second 7-8 (5 of 7 at 7).
        """
        rng = np.random.default_rng(self.random_state + 1)
        C = swept
        if len(C) > self.choice_sample:
            C = C[np.sort(rng.choice(len(C), size=self.choice_sample, replace=False))]
        ks = [1, *range(low, high + 2)]
        with threadpool_limits(limits=1 if len(C) < SINGLE_THREAD_BELOW else None):
            gaps = gap_curve(C, ks, self.random_state)
            first_k = choose_k(gaps, low, high)
            if self.rescale and first_k > 1:
                first = KMeans(first_k, n_init=SWEEP_INIT, random_state=self.random_state).fit(C)
                C = C * within_weights(C, first.labels_, first_k)
                gaps = gap_curve(C, ks, self.random_state)
            stability = pd.Series(
                {kk: half_stability(C, kk, self.random_state) for kk in range(low, high + 1)}
            )
            gap_k = choose_k(gaps, low, high)
            structure = structure_gap(C, gap_k, self.random_state)
            counted = counted_k(C, gap_k, low, self.random_state) if gap_k > 1 else None
        table = scores.join(gaps).assign(stability=stability, choice_customers=len(C))
        first = first_k if self.rescale else None
        choice = decide(gaps.assign(stability=stability), low, high, structure, first, counted)
        return table, choice

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment id of each row: the nearest fitted centre after the fitted transform."""
        check_is_fitted(self, "model_")
        Z = self.transform(X)
        return nearest_with_distance(Z, self.cluster_centers_)[0]

    def centroids(self) -> pd.DataFrame:
        """Centres in transformed (log, unscaled) units, one row per segment, for matching refits."""
        check_is_fitted(self, "model_")
        return pd.DataFrame(
            self.scaler_.inverse_transform(self.cluster_centers_),
            columns=[f.name for f in self.features_],
            index=pd.RangeIndex(len(self.cluster_centers_), name="segment"),
        )
