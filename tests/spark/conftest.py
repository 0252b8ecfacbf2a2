"""One local SparkSession for the Spark tests, and a model registry trained on the small bank."""

from __future__ import annotations

import pytest

# PySpark comes with the test extras (`bankml[spark]`): a missing install fails here, never skips


@pytest.fixture(scope="session")
def spark():
    """local[2] with few shuffle partitions: a 3,000-customer bank is a few MB."""
    from bankml.spark.session import spark_session

    session = spark_session("local[2]", app_name="bankml-tests", shuffle_partitions=4)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_models(logistic_bank_model):
    """A registry with a logistic model trained on the small bank (the current model): the run's
    shared one (tests/conftest.py), trained once for every worker; read-only."""
    return logistic_bank_model
