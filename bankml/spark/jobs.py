"""The Spark runs behind `--engine spark`: features, segments, PDs and offers for a whole bank.

Each returns Spark DataFrames (written or collected by the caller) plus what the driver fitted.
The fitted parts stay small and are made on the driver; the per-customer work is on Spark.
"""

from __future__ import annotations

import os

import pandas as pd

from bankml import lake, registry
from bankml.recommend import RiskView, build_context
from bankml.recommend.bank import BANK_TABLES, BankTables, read_bank
from bankml.recommend.batch import OfferModel
from bankml.spark import broadcast as bc
from bankml.spark.features import features_frame, read_features, register_tables
from bankml.spark.offers import offers_spark, risk_pds_spark
from bankml.spark.segments import assign_spark, fit_on_driver


def segment_job(
    spark,
    path: str | os.PathLike | None,
    k="auto",
    random_state: int = 0,
    features_path: str | os.PathLike | None = None,
):
    """(segmentation fitted on the driver, Spark DataFrame of every customer's segment).

    features_path: a table written by `bankml features --engine spark` (Parquet), used instead of
    recomputing the features from the transactions (one pass over a lake instead of two)."""
    if features_path is None:
        features, categories = features_frame(spark, path)
    else:
        features, categories = read_features(spark, features_path)
    features = features.cache()
    result = fit_on_driver(features, categories, k=k, random_state=random_state)
    return result, assign_spark(spark, features, result)


def pd_job(spark, path: str | os.PathLike | None, model_path=None, reasons: bool = False):
    """Spark DataFrame (customer_id, pd[, grade, decision, reasons]): the registry model on each
    customer's standard loan."""
    register_tables(spark, path, ("customers", "loans"))
    return risk_pds_spark(spark, bc.registry_payload(model_path), reasons)


def _bank(path) -> BankTables:
    if lake.is_lake(path):
        return BankTables(**lake.read_tables(path, list(BANK_TABLES)))
    return read_bank(path)


def offers_job(
    spark,
    path: str | os.PathLike | None,
    n: int = 5,
    rules: bool = True,
    use_segments: bool = True,
    model_path=None,
):
    """Spark DataFrame of every customer's top-n offers, ranked as `recommend --all` locally."""
    segments = names = None
    if use_segments:
        _, segments = segment_job(spark, path)
        segments = segments.cache()
        names = segments.select("customer_id", "segment_name").toPandas()
        names = names.set_index("customer_id")["segment_name"]
    cutoff, pd_frame = None, None
    if registry.current_id(model_path) is not None:  # as locally: no model, no risk check
        model, _ = registry.load_model(model_path)
        cutoff, pd_frame = float(model.cutoff_), pd_job(spark, path, model_path)
    context = build_context(_bank(path), segments=names, risk=RiskView.off("fitted for Spark"))
    offer = OfferModel.from_context(context)
    offer = OfferModel(offer.model, offer.names, offer.families, cutoff)
    register_tables(spark, path, ("customers", "holdings"))
    return offers_spark(spark, offer, segments, pd_frame, n, rules)


def collect_sorted(frame, keys: list[str]) -> pd.DataFrame:
    """A Spark result collected in a stable order (for comparison with the local engine)."""
    return frame.toPandas().sort_values(keys, kind="stable").reset_index(drop=True)
