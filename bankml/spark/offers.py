"""Risk PDs and top-n offers for every customer on Spark.

The recommender is fitted on the driver (a products-plus-context Gram matrix, small); its weights,
the products and the cut-off are broadcast once, and each batch of customers (their record, held
products, segment name and PD) is ranked by `bankml.recommend.batch.top_offers`, the local code.
Each customer's PD comes from the registry model on their standard application, built as locally
(`risk.apply_terms`) from their latest loan and the bank's median terms computed by Spark.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd

from bankml.errors import InputError
from bankml.recommend.batch import OfferModel, context_rows, held_matrix, top_offers
from bankml.recommend.risk import CREDIT_FACTS, OFFER_TERMS, apply_terms, pds
from bankml.spark import broadcast as bc
from bankml.spark.session import arrow_safe

LATEST = "_latest_"


def standard_terms_spark(spark) -> dict:
    """`risk.standard_terms` of the registered loans view (exact medians, the mode of purpose)."""
    numeric = [c for c in (*CREDIT_FACTS, *OFFER_TERMS) if c != "purpose"]
    medians = spark.sql(
        "SELECT " + ", ".join(f"median({c}) AS {c}" for c in numeric) + " FROM loans"
    ).first()
    terms: dict = {c: float(medians[c]) for c in numeric}
    terms["purpose"] = spark.sql(
        "SELECT purpose FROM loans WHERE purpose IS NOT NULL GROUP BY purpose "
        "ORDER BY count(*) DESC, purpose LIMIT 1"
    ).first()["purpose"]
    return terms


def applications_spark(spark):
    """customers with their latest application's credit facts (LATEST-prefixed), as a view."""
    facts = ", ".join(f"l.{c} AS {LATEST}{c}" for c in CREDIT_FACTS)
    return spark.sql(
        f"""SELECT c.*, {facts} FROM customers c LEFT JOIN (
              SELECT *, row_number() OVER (PARTITION BY customer_id
                         ORDER BY application_date DESC, loan_id DESC) AS _n FROM loans) l
            ON c.customer_id = l.customer_id AND l._n = 1"""
    )


def _split(batch: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    latest = [f"{LATEST}{c}" for c in CREDIT_FACTS]
    facts = batch[latest].rename(columns=lambda c: c.removeprefix(LATEST)).reset_index(drop=True)
    return batch.drop(columns=latest), facts


REASONS = ("grade", "decision", "reason_1", "reason_2", "reason_3")


def _pd_batches(payload_bc, terms: dict, reasons: bool):
    def run(batches):
        model = bc.load(payload_bc.value)
        for batch in batches:
            customers, facts = _split(batch)
            frame = apply_terms(customers.reset_index(drop=True), facts, terms)
            ids = frame["customer_id"].to_numpy(np.int64)
            if reasons:
                scored = model.score_frame(frame).reset_index(drop=True)
                out = scored[["pd", *REASONS]].assign(customer_id=ids)
                yield arrow_safe(out[["customer_id", "pd", *REASONS]])
                continue
            scores, why = pds(model, frame)
            if scores is None:
                raise InputError(why)
            yield pd.DataFrame({"customer_id": ids, "pd": scores})

    return run


def risk_pds_spark(spark, payload: bc.Payload, reasons: bool = False):
    """Spark DataFrame (customer_id, pd[, grade, decision, reason_1..3]): every customer's PD on
    their standard application, with the reasons when asked."""
    terms = standard_terms_spark(spark)
    applications = applications_spark(spark)
    ddl = "customer_id bigint, pd double" + (
        "".join(f", {c} string" for c in REASONS) if reasons else ""
    )
    return applications.mapInPandas(_pd_batches(bc.broadcast(spark, payload), terms, reasons), ddl)


def _offer_batches(payload_bc, n: int, rules: bool):
    def run(batches):
        offer = bc.load(payload_bc.value)
        for batch in batches:
            batch = batch.reset_index(drop=True)
            held = held_matrix(batch["_held"], offer.model.item_ids_)
            segments = batch["segment_name"] if "segment_name" in batch.columns else None
            if segments is not None and segments.isna().all():
                segments = None
            flags = context_rows(offer.model, batch, segments)
            pd_values = batch["pd"].to_numpy(float) if "pd" in batch.columns else None
            yield arrow_safe(
                top_offers(
                    offer,
                    batch["customer_id"].to_numpy(np.int64),
                    held,
                    flags,
                    batch["age"].to_numpy(float),
                    pd_values,
                    n,
                    rules,
                )
            )

    return run


def offers_spark(
    spark, offer: OfferModel, segments=None, pd_frame=None, n: int = 5, rules: bool = True
):
    """Spark DataFrame (customer_id, rank, product_id, name, score) of every customer's top-n.

    segments: Spark DataFrame (customer_id, segment_name) or None; pd_frame: (customer_id, pd)
    or None (risk check off)."""
    customers = spark.sql(
        """SELECT c.*, h._held FROM customers c LEFT JOIN (
             SELECT customer_id, collect_list(product_id) AS _held FROM holdings
             GROUP BY customer_id) h ON c.customer_id = h.customer_id"""
    )
    if segments is not None:
        customers = customers.join(
            segments.select("customer_id", "segment_name"), "customer_id", "left"
        )
    if pd_frame is not None and offer.cutoff is not None:
        customers = customers.join(pd_frame, "customer_id", "left")
    light = copy.copy(offer.model)  # the fitted customer matrices stay on the driver
    light.user_items_ = light.user_context_ = light._U = None
    payload = bc.object_payload(dataclasses.replace(offer, model=light), "recommender")
    return customers.mapInPandas(
        _offer_batches(bc.broadcast(spark, payload), n, rules),
        "customer_id bigint, rank bigint, product_id bigint, name string, score double",
    )
