"""Every custom estimator against scikit-learn's own contract (`parametrize_with_checks`).

A check an estimator fails on purpose is listed below with the reason; anything else that fails
is a bug. sklearn itself skips `check_array_api_input` unless SCIPY_ARRAY_API is set.
"""

from __future__ import annotations

import warnings

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from bankml.default import BlendModel, DefaultModel
from bankml.recommend.ease import EASERecommender
from bankml.recommend.estimator import ItemCFRecommender
from bankml.recommend.sequence import NextProductRecommender
from bankml.segment.model import CustomerSegmenter

MONEY_CUTOFF = (
    "predict applies the money-chosen PD cut-off (cutoff_), not decision_function > 0: the "
    "raw log-odds score is what reason codes add up to, the cut-off is priced by economics"
)
DENSE = (
    "the recommenders take only a scipy.sparse holdings matrix and refuses the dense array "
    "this check feeds it, with an InputError that says to wrap it in csr_matrix"
)
RECOMMENDER_DENSE_CHECKS = (
    "check_complex_data",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
)

ESTIMATORS = [
    CustomerSegmenter(k=3, n_init=2),
    CustomerSegmenter(n_init=2, k_range=(2, 3)),  # auto k on the checks' small data
    ItemCFRecommender(),
    EASERecommender(),
    NextProductRecommender(),
    DefaultModel(candidate="logistic", cv=3),
]
# the blend's own contract; two linear members keep it quick (trees are covered in tests/model)
BLEND = BlendModel(members=["logistic", "logistic (strong L2)"], weights=[0.6, 0.4], cv=3)


def expected_failed_checks(estimator) -> dict[str, str]:
    """The checks each estimator fails by design, with the reason."""
    if isinstance(estimator, CustomerSegmenter):
        return {}
    if isinstance(estimator, ItemCFRecommender | EASERecommender):
        return dict.fromkeys(RECOMMENDER_DENSE_CHECKS, DENSE)
    return {"check_classifiers_train": MONEY_CUTOFF}


def _run(estimator, check) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on the checks' toy data
        check(estimator)


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_contract(estimator, check):
    _run(estimator, check)


@pytest.mark.slow  # every check fits the blend's members several times over: make test only
@parametrize_with_checks([BLEND], expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_contract_of_the_blend(estimator, check):
    _run(estimator, check)
