"""Product recommender: item-based collaborative filtering, business rules, cold start, evaluation.

`ItemCFRecommender` works on any sparse customers x products implicit-feedback matrix;
`recommend_for_customer` is the one call for the bank (reasons, rules, cold start), and
`evaluate_recommenders` compares item-CF with popularity, segment popularity and the truth oracle.
"""

from bankml.recommend.bank import (
    ELIGIBILITY_RULES,
    AgeRule,
    RecommenderContext,
    build_context,
    current_model_key,
    customer_holdings,
    customer_profile,
    find_customers,
    holdings_matrix,
    offer_decisions,
    recommend_for_customer,
    similarity_frame,
)
from bankml.recommend.estimator import ItemCFRecommender, check_implicit_matrix
from bankml.recommend.evaluation import (
    evaluate_recommenders,
    holdout_split,
    ranking_metrics,
    top_n_from_scores,
)

__all__ = [
    "ELIGIBILITY_RULES",
    "AgeRule",
    "ItemCFRecommender",
    "RecommenderContext",
    "build_context",
    "current_model_key",
    "check_implicit_matrix",
    "customer_holdings",
    "customer_profile",
    "evaluate_recommenders",
    "find_customers",
    "holdings_matrix",
    "holdout_split",
    "offer_decisions",
    "ranking_metrics",
    "recommend_for_customer",
    "similarity_frame",
    "top_n_from_scores",
]
