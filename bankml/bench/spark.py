"""Bench: the Spark engine against the local engine on the same bank, and a 10M-customer lake.

1M customers (20k with --quick), both engines in one run on the same Parquet bank and the same
registry model (a logistic trained on a separate 20k bank of the same generator): customer
features, every customer's PD with reasons on their standard application, segment assignment
(KMeans fitted on a 200k sample on the driver, not timed) and top-5 offers for everyone. Figures
are customers per second over the four stages; Spark runs local[2], so the ratio is what one
machine gives and rows/s/core is what docs/spark.md's scaling estimate starts from.
10M customers (skipped with --quick): the Parquet lake is generated in chunks, then features, PDs
(without reasons, to keep the run short: at the 1M rate with reasons, about 8,000 customers/s
on two cores, they would add about 20 minutes; the 1M part measures their rate) and segment assignment run on Spark (driver memory 6g unless
BANKML_SPARK_DRIVER_MEMORY says otherwise); wall time and peak RSS of the driver (Python), the JVM
(driver and executor in local mode) and the Python workers (sum of those alive at once).
BANKML_BENCH_SPARK_10M=skip leaves the 10M part out; set to a lake folder, it runs Spark on that
lake instead of generating one (the generation rows are then left out).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from bankml.bench import BenchRow, in_subprocess

SECTION = "spark"
FIT_SAMPLE = 200_000
TOP = 5


class PeakRSS:
    """Peak RSS (MB) of this process, its JVM and its Python workers, sampled every 0.5 s."""

    def __init__(self) -> None:
        self.peaks = {"driver": 0.0, "jvm": 0.0, "workers": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        now = {"driver": me.memory_info().rss, "jvm": 0, "workers": 0}
        for child in me.children(recursive=True):
            try:
                kind = "jvm" if "java" in child.name() else "workers"
                now[kind] += child.memory_info().rss
            except psutil.Error:
                continue
        for key, value in now.items():
            self.peaks[key] = max(self.peaks[key], value / 2**20)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def prepare(customers: int, folder: str) -> dict:
    """Child: the bank to compare on and a registry model trained on a separate 20k bank."""
    from bankml.bank import regenerate
    from bankml.default import train_bank_model
    from bankml.lake import write_lake
    from synth import BankParams

    started = time.perf_counter()
    write_lake(BankParams(customers=customers, seed=11), Path(folder) / "lake")
    generated = time.perf_counter() - started
    train_db = Path(folder) / "train.duckdb"
    regenerate(BankParams(customers=20_000, seed=12), train_db)
    train_bank_model(train_db, Path(folder) / "models", candidates=["logistic"], cv=3)
    return {"generate_seconds": generated}


def local_run(db: str, models: str) -> dict:
    """Child: the four stages on pandas/DuckDB (reading the Parquet bank in place)."""
    from bankml import lake, recommend, registry
    from bankml.customer_features import customer_features
    from bankml.recommend.bank import BANK_TABLES
    from bankml.recommend.batch import offers_for_all
    from bankml.recommend.risk import risk_profiles
    from bankml.segment import assign, segment_customers

    seconds = {}
    t = time.perf_counter()
    X = customer_features(db)
    seconds["features"] = time.perf_counter() - t
    model, _ = registry.load_model(models)
    t = time.perf_counter()
    bank = recommend.BankTables(**lake.read_tables(db, list(BANK_TABLES)))
    scored = model.score_frame(risk_profiles(bank.customers, bank.loans))
    seconds["scoring"] = time.perf_counter() - t
    sample = X.sample(n=min(FIT_SAMPLE, len(X)), random_state=0).sort_index()
    sample.attrs = X.attrs
    result = segment_customers(sample)
    t = time.perf_counter()
    labels = assign(result, X)
    seconds["assign"] = time.perf_counter() - t
    t = time.perf_counter()
    pd_series = scored["pd"].set_axis(bank.customers["customer_id"].to_numpy())
    risk = recommend.RiskView(pd_series, float(model.cutoff_), "bench")
    context = recommend.build_context(bank, segments=labels.map(result.names), risk=risk)
    offers = offers_for_all(context, TOP)
    seconds["offers"] = time.perf_counter() - t
    return {"customers": len(X), "seconds": seconds, "offers": len(offers)}


def spark_run(
    source: str, models: str, master: str = "local[2]", offers: bool = True, reasons: bool = True
) -> dict:
    """Child: the stages on Spark (results forced with a no-op write); peak RSS per process kind."""
    import dataclasses

    from bankml import registry
    from bankml.recommend import RiskView, build_context
    from bankml.recommend.batch import OfferModel
    from bankml.spark.features import features_frame, register_tables
    from bankml.spark.jobs import _bank, pd_job
    from bankml.spark.offers import offers_spark
    from bankml.spark.segments import assign_spark, fit_on_driver
    from bankml.spark.session import local_cores, spark_session

    def force(frame) -> None:
        frame.write.format("noop").mode("overwrite").save()

    seconds: dict[str, float] = {}
    with PeakRSS() as rss:
        t = time.perf_counter()
        spark = spark_session(master, app_name="bankml-bench")
        seconds["start"] = time.perf_counter() - t
        t = time.perf_counter()
        features, categories = features_frame(spark, source)
        features = features.cache()
        customers = features.count()
        seconds["features"] = time.perf_counter() - t
        t = time.perf_counter()
        pds = pd_job(spark, source, models, reasons=reasons).cache()
        pds.count()
        seconds["scoring"] = time.perf_counter() - t
        result = fit_on_driver(features, categories, sample=FIT_SAMPLE)
        t = time.perf_counter()
        assigned = assign_spark(spark, features, result).cache()
        assigned.count()
        seconds["assign"] = time.perf_counter() - t
        if offers:
            t = time.perf_counter()
            model, _ = registry.load_model(models)
            names = assigned.select("customer_id", "segment_name").toPandas()
            names = names.set_index("customer_id")["segment_name"]
            context = build_context(_bank(source), segments=names, risk=RiskView.off("bench"))
            offer = dataclasses.replace(
                OfferModel.from_context(context), cutoff=float(model.cutoff_)
            )
            register_tables(spark, source, ("customers", "holdings"))
            force(offers_spark(spark, offer, assigned, pds.select("customer_id", "pd"), TOP))
            seconds["offers"] = time.perf_counter() - t
        cores = local_cores(spark)
        spark.stop()
    return {"customers": customers, "seconds": seconds, "cores": cores, "rss_mb": rss.peaks}


def lake_run(customers: int, folder: str) -> dict:
    """Child: write the lake in chunks; wall time and this process's peak RSS."""
    from bankml.lake import write_lake
    from synth import BankParams

    started = time.perf_counter()
    with PeakRSS() as rss:
        meta = write_lake(BankParams(customers=customers, seed=21), folder)
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": rss.peaks,
        "rows": meta["row_counts"],
    }


def lake_customers(folder: str) -> int:
    """Customers in an existing lake (its meta row)."""
    from bankml.lake import read_tables

    return int(read_tables(folder, ["meta"])["meta"]["customers"].iloc[0])


def _rate(run: dict, stages=("features", "scoring", "assign", "offers")) -> float:
    return run["customers"] / sum(run["seconds"][s] for s in stages if s in run["seconds"])


def run(quick: bool = False) -> list[BenchRow]:
    rows = one_machine(20_000 if quick else 1_000_000)
    big = os.environ.get("BANKML_BENCH_SPARK_10M", "")
    if not quick and big != "skip":
        rows.extend(ten_million(lake=big or None))
    return rows


def one_machine(customers: int) -> list[BenchRow]:
    """Both engines on the same bank of `customers`: rows/s per stage and overall, RSS."""
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="bankml-bench-spark-") as folder:
        db, models = os.path.join(folder, "lake"), os.path.join(folder, "models")
        in_subprocess("bankml.bench.spark.prepare", customers=customers, folder=folder)
        local, local_peak = in_subprocess("bankml.bench.spark.local_run", db=db, models=models)
        spark, _ = in_subprocess("bankml.bench.spark.spark_run", source=db, models=models)
        label = f"{customers:,} customers"
        for stage in ("features", "scoring", "assign", "offers"):
            rows.append(
                BenchRow(
                    SECTION,
                    f"{stage} on Spark local[2], {label}",
                    customers / spark["seconds"][stage],
                    "customers/s",
                    customers / local["seconds"][stage],
                    "local engine",
                )
            )
        rows.append(
            BenchRow(
                SECTION,
                f"all four stages on Spark local[2], {label}",
                _rate(spark),
                "customers/s",
                _rate(local),
                "local engine",
                "reported (Spark slower on one machine)",
            )
        )
        rows.append(
            BenchRow(
                SECTION,
                "all four stages per Spark core",
                _rate(spark) / spark["cores"],
                "customers/s/core",
            )
        )
        rows.append(BenchRow(SECTION, "Spark session start", spark["seconds"]["start"], "s"))
        rows.append(BenchRow(SECTION, "local engine peak RSS", local_peak, "MB"))
        for kind, value in spark["rss_mb"].items():
            rows.append(BenchRow(SECTION, f"Spark peak RSS: {kind}", value, "MB"))
    return rows


def ten_million(customers: int = 10_000_000, lake: str | None = None) -> list[BenchRow]:
    """Generate a 10M lake (or take the one at `lake`), then features, PDs and assignment on
    Spark local[2]."""
    written = None
    os.environ.setdefault("BANKML_SPARK_DRIVER_MEMORY", "6g")  # inherited by the Spark child
    with tempfile.TemporaryDirectory(prefix="bankml-bench-lake-") as folder:
        models = os.path.join(folder, "models")
        prep = Path(folder) / "prep"
        prep.mkdir()
        in_subprocess("bankml.bench.spark.prepare", customers=1_000, folder=str(prep))
        os.replace(prep / "models", models)
        if lake is None:
            lake = os.path.join(folder, "lake")
            written, _ = in_subprocess(
                "bankml.bench.spark.lake_run", timeout=6 * 3600, customers=customers, folder=lake
            )
        else:
            customers = lake_customers(lake)
        spark, _ = in_subprocess(
            "bankml.bench.spark.spark_run",
            timeout=6 * 3600,
            source=lake,
            models=models,
            offers=False,
            reasons=False,
        )
    label = f"{customers / 1e6:.0f}M"
    rows = []
    total = sum(spark["seconds"].values())
    if written is not None:
        total += written["seconds"]
        rows += [
            BenchRow(
                SECTION, f"{label} lake: generate (chunks) wall time", written["seconds"], "s"
            ),
            BenchRow(
                SECTION, f"{label} lake: generate peak RSS", written["rss_mb"]["driver"], "MB"
            ),
        ]
    for stage in ("features", "scoring", "assign"):
        what = "PDs (reasons: the 1M rate)" if stage == "scoring" else stage
        rows.append(
            BenchRow(SECTION, f"{label} lake: {what} on Spark", spark["seconds"][stage], "s")
        )
    steps = "generate+features+score+assign" if written is not None else "features+score+assign"
    rows.append(BenchRow(SECTION, f"{label} lake: {steps}", total, "s"))
    for kind, value in spark["rss_mb"].items():
        rows.append(BenchRow(SECTION, f"{label} lake: Spark peak RSS {kind}", value, "MB"))
    return rows
