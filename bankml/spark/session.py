"""The SparkSession bankml runs on: local[*] by default, a cluster by URL, or Spark Connect.

Python workers must run this interpreter (the one with pandas, pyarrow and bankml installed), so
PYSPARK_PYTHON is set to it before the session starts; Arrow carries the batches between the JVM
and the workers.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import warnings
from pathlib import Path

from bankml.errors import BankmlError, InputError, ModelError, StoreError

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
# Arrow batches of this many rows go to each mapInPandas call: big enough to amortise the Python
# call, small enough that a batch of wide rows stays a few MB.
ARROW_BATCH_ROWS = 20_000


def spark_session(master: str | None = None, app_name: str = "bankml", shuffle_partitions: int = 0):
    """A SparkSession: `master` (e.g. local[2], spark://host:7077, yarn), else SPARK_REMOTE
    (Spark Connect), else local[*]. shuffle_partitions=0 keeps Spark's setting (cluster) or uses
    4 per local core."""
    try:
        from pyspark.sql import SparkSession
    except ModuleNotFoundError:
        raise InputError(
            "--engine spark needs PySpark: pip install 'bankml[spark]' (and Java 17)"
        ) from None
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # pandas 3 works through Arrow here (tested: strings, categoricals, missing values); the
    # "not yet fully supported" notice would print once per worker
    quiet = "ignore:PySpark does not yet fully support pandas:FutureWarning"
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    if quiet not in os.environ.get("PYTHONWARNINGS", ""):
        os.environ["PYTHONWARNINGS"] = ",".join(
            p for p in (os.environ.get("PYTHONWARNINGS", ""), quiet) if p
        )
    # local workers import the driver's copy of bankml (a checkout may shadow an installed one)
    root = str(Path(__file__).resolve().parents[2])
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *[p for p in paths if p]])
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    remote = os.environ.get("SPARK_REMOTE")
    if master:
        builder = builder.master(master)
    elif remote:
        builder = builder.remote(remote)
    else:
        builder = builder.master("local[*]")
    # a JVM starts here: local or cluster master, or a local Spark Connect server (local[...])
    launches = bool(master) or not remote or remote.startswith("local")
    java_options = os.environ.get("BANKML_SPARK_JAVA_OPTIONS", "")
    if launches:
        builder = (
            builder.config("spark.executorEnv.PYSPARK_PYTHON", sys.executable)
            .config("spark.driver.memory", os.environ.get("BANKML_SPARK_DRIVER_MEMORY", "4g"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config(
                "spark.driver.extraJavaOptions",
                f"-Duser.timezone=UTC -Dlog4j2.configurationFile={LOG_CONFIG} {java_options}".strip(),
            )
            .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        )
    # A pandas frame under 48 MB became a LocalRelation: its rows sat in every plan, a second
    # features call on a 10k-customer DuckDB bank took 14.5 s instead of 6.1 s, and the third call
    # in one local session failed with AGGREGATE_OUT_OF_MEMORY (4g driver); docs/spark.md.
    builder = (
        builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS))
        .config("spark.sql.execution.arrow.localRelationThreshold", "0")
    )
    local = (master or remote or "local").startswith("local")
    if not shuffle_partitions and local:
        shuffle_partitions = 4 * (os.cpu_count() or 1)  # Spark's 200 is for a cluster
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    try:
        with quiet_jvm_start() if launches else contextlib.nullcontext(), warnings.catch_warnings():
            # a local Connect server starts with these settings, then the client sets them again
            # on the session, which refuses the static ones with a warning each
            warnings.filterwarnings("ignore", "Failed to set spark\\.", UserWarning)
            spark = builder.getOrCreate()
    except Exception as exc:  # no Java, a bad master URL: one line, not a JVM trace
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot start Spark ({master or remote or 'local[*]'}): {first}"
        ) from None
    if master or not remote:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


# what the JVM prints on every start whatever the log settings (Spark's launcher always adds the
# incubator module), dropped from the JVM's stderr; everything else it writes is passed on
JVM_NOISE = ("WARNING: Using incubator modules: jdk.incubator.vector",)


@contextlib.contextmanager
def quiet_jvm_start():
    """Start the JVM with its stderr through a pipe that drops JVM_NOISE lines and forwards the
    rest to this process's stderr (a daemon thread, for the JVM's life)."""
    read_end, write_end = os.pipe()
    target = os.dup(2)
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(write_end, 2)  # the JVM inherits this as its stderr
    os.close(write_end)

    def forward() -> None:
        with os.fdopen(read_end, "rb") as pipe, os.fdopen(target, "wb", buffering=0) as out:
            for line in pipe:
                if line.decode(errors="replace").rstrip() not in JVM_NOISE:
                    out.write(line)

    threading.Thread(target=forward, daemon=True, name="bankml-jvm-stderr").start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # this process writes to its own stderr again
        os.close(saved)


def local_cores(spark) -> int:
    """Cores Spark schedules tasks on (defaultParallelism), 1 when unknown (Spark Connect)."""
    try:
        return int(spark.sparkContext.defaultParallelism)
    except Exception:  # Spark Connect has no SparkContext
        return 1


def arrow_safe(frame):
    """The frame with pandas 3 string (Arrow-backed) and categorical columns as plain objects,
    missing as None: PySpark 4.3 cannot send chunked Arrow string arrays back from a worker."""
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if isinstance(dtype, pd.StringDtype | pd.CategoricalDtype) or dtype is np.dtype(object):
            values = out[column].astype(object)
            out[column] = values.where(values.notna(), None)
    return out


_KINDS = {"InputError": InputError, "ModelError": ModelError, "StoreError": StoreError}


@contextlib.contextmanager
def one_line_errors():
    """Turn a bankml error raised on an executor (it arrives wrapped in a Spark exception with the
    worker's traceback) back into the same error, so the CLI prints the local one line."""
    try:
        with warnings.catch_warnings():  # toPandas repeats the worker's traceback as a warning
            warnings.filterwarnings("ignore", "toPandas attempted Arrow", UserWarning)
            yield
    except BankmlError:
        raise
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        text = str(exc)
        found = re.findall(r"bankml\.errors\.(InputError|ModelError|StoreError): ([^\n]+)", text)
        if found:
            kind, message = found[-1]
            raise _KINDS[kind](message.strip()) from None
        first = next(
            (line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__
        )
        raise BankmlError(f"Spark job failed: {first[:300]}") from None
