"""Segments on Spark: fit KMeans on the driver (the whole bank, or a seeded sample of a big one),
then assign every customer on the executors with the fitted transform and centres, broadcast once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml.customer_features import finish
from bankml.segment import SegmentResult, assign, segment_customers
from bankml.spark import broadcast as bc

# customers the driver fits on: the segmentation's own samples are smaller (sweep 50k, choice
# 10k), so a larger fit sample changes little but the memory of the driver
FIT_SAMPLE = 200_000


def fit_on_driver(
    features, categories: list[str], k="auto", random_state: int = 0, sample: int = FIT_SAMPLE
) -> SegmentResult:
    """segment_customers on all customers (up to `sample`) or a seeded sample of them."""
    total = features.count()
    chosen = features if total <= sample else features.sample(False, sample / total, random_state)
    frame = finish(chosen.toPandas(), categories).sort_index()
    return segment_customers(frame, k=k, random_state=random_state)


def _assign_batches(payload_bc):
    def run(batches):
        result = bc.load(payload_bc.value)
        names = result.names
        for batch in batches:
            rows = batch.set_index("customer_id")
            labels = assign(result, rows)
            yield pd.DataFrame(
                {
                    "customer_id": rows.index.to_numpy(np.int64),
                    "segment": labels.to_numpy(np.int64),
                    "segment_name": labels.map(names).astype(object).to_numpy(),
                }
            )

    return run


def assign_spark(spark, features, result: SegmentResult):
    """Spark DataFrame (customer_id, segment, segment_name) for every row of `features`."""
    light = SegmentResult(  # only what assign() and the names need travel to the executors
        **{
            **result.__dict__,
            "labels": result.labels.iloc[:0],
            "projection": result.projection.iloc[:0],
            "feature_profile": result.feature_profile.iloc[:0],
        }
    )
    payload = bc.object_payload(light, "segmentation")
    return features.mapInPandas(
        _assign_batches(bc.broadcast(spark, payload)),
        "customer_id bigint, segment bigint, segment_name string",
    )
