"""Product recommender: a learned item-item model with customer context, business rules, evaluation.

`EASERecommender` (closed-form learned item-item weights) and `ItemCFRecommender` (neighbourhood
item-CF) work on any sparse customers x products implicit-feedback matrix;
`NextProductRecommender` adds what the opening history teaches (which product comes next). For the bank:
`read_bank` (one read), then `build_context(bank, segments=..., risk=...)` with the collaborators
passed in explicitly, then `recommend_for_customer`. `evaluate_recommenders` compares the model in
use with popularity, segment popularity, item-CF and the truth oracle on leave-one-out and temporal
splits.
"""

from bankml.recommend.bank import (
    ELIGIBILITY_RULES,
    AgeRule,
    BankTables,
    RecommenderContext,
    build_context,
    customer_holdings,
    customer_profile,
    find_customers,
    holdings_matrix,
    offer_decisions,
    read_bank,
    reason_text,
    recommend_for_customer,
    similarity_frame,
)
from bankml.recommend.context import customer_context
from bankml.recommend.ease import EASE_COLUMN_LIMIT, EASERecommender
from bankml.recommend.estimator import ItemCFRecommender, check_implicit_matrix
from bankml.recommend.evaluation import (
    evaluate_recommenders,
    strongest_baseline,
    unavailable_splits,
)
from bankml.recommend.memberships import segment_memberships
from bankml.recommend.metrics import holdout_split, ranking_metrics, top_n_from_scores
from bankml.recommend.risk import RiskView, risk_profiles, risk_view
from bankml.recommend.sequence import NextProductRecommender, opening_events
from bankml.recommend.temporal import HORIZON_MONTHS, temporal_split

__all__ = [
    "EASE_COLUMN_LIMIT",
    "HORIZON_MONTHS",
    "ELIGIBILITY_RULES",
    "AgeRule",
    "BankTables",
    "EASERecommender",
    "ItemCFRecommender",
    "NextProductRecommender",
    "RecommenderContext",
    "RiskView",
    "build_context",
    "check_implicit_matrix",
    "customer_context",
    "customer_holdings",
    "customer_profile",
    "evaluate_recommenders",
    "find_customers",
    "holdings_matrix",
    "holdout_split",
    "offer_decisions",
    "opening_events",
    "ranking_metrics",
    "read_bank",
    "reason_text",
    "recommend_for_customer",
    "risk_profiles",
    "risk_view",
    "segment_memberships",
    "similarity_frame",
    "strongest_baseline",
    "unavailable_splits",
    "temporal_split",
    "top_n_from_scores",
]
