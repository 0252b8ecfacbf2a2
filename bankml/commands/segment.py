"""bankml segment: cluster the bank's customers and print k, quality, sizes and names."""

from __future__ import annotations

import argparse

import pandas as pd

from bankml import config
from bankml.commands._common import (
    StderrProgress,
    add_engine_arguments,
    int_in,
    print_json,
    spark_for,
    write_table,
)
from bankml.errors import InputError


def k_value(text: str) -> int | str:
    """argparse type: "auto" or an integer in 2..20."""
    if text == "auto":
        return text
    from bankml.segment.model import K_MAX, K_MIN

    try:
        return int_in(K_MIN, K_MAX)(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (or 'auto')") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "segment", help="find customer segments with KMeans (k by gap statistic and stability)"
    )
    p.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    p.add_argument("--k", type=k_value, default="auto", help="number of segments, 2..20 or auto")
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0, help="random_state")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument(
        "--out", help="also write every customer's segment (.csv, else Parquet) to this path"
    )
    p.add_argument(
        "--features",
        help="with --engine spark: a feature table from `bankml features --engine spark` "
        "(Parquet), used instead of recomputing the features from the transactions",
    )
    add_engine_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bankml import lake
    from bankml.segment import ari_against_truth, segment_customers

    path = args.db if lake.is_lake(args.db) else config.db_path(args.db)
    progress = StderrProgress("segment")
    if args.features and args.engine != "spark":
        raise InputError("--features needs --engine spark (the local engine builds them in DuckDB)")
    if args.engine == "spark":
        from bankml.spark.session import one_line_errors

        with one_line_errors():
            return run_spark(args, path, progress)
    result = segment_customers(path, k=args.k, random_state=args.seed, progress=progress)
    if args.out:
        names = result.labels.map(result.names).rename("segment_name")
        write_table(pd.concat([result.labels, names], axis=1).reset_index(), args.out)
    ari = ari_against_truth(result, path)
    profiles = result.profiles
    payload = {
        "path": str(path),
        "k": result.k,
        "k_auto": args.k == "auto",
        "k_reason": result.choice.reason if result.choice else None,
        "clear_structure": result.k is not None,
        "silhouette": result.silhouette,
        "stability_ari": result.stability_ari,
        "ari_vs_truth": ari,
        "seconds": round(progress.elapsed, 3),
        "features": result.feature_list,
        "segments": [
            {
                "segment": int(segment),
                "name": row["name"],
                "size": int(row["size"]),
                "share": float(row["share"]),
                "traits": row["traits"],
                "default_rate": float(row.get("default_rate", float("nan"))),
            }
            for segment, row in profiles.iterrows()
        ],
        "k_scores": result.k_scores.reset_index().to_dict(orient="records"),
    }
    if args.json:
        print_json(payload)
        return 0
    if result.k is None:
        print("no clear cluster structure: all customers form one group")
    else:
        print(f"k = {result.k}{' (auto)' if args.k == 'auto' else ''}")
    if result.choice is not None:
        print(f"why: {result.choice.reason}")
    print(f"silhouette {result.silhouette:.3f} · stability ARI {result.stability_ari:.3f}")
    if ari is not None:
        print(f"adjusted Rand index vs truth_segments: {ari:.3f}")
    for segment, row in profiles.iterrows():
        print(f"  {segment:>2}  {row['size']:>9,}  {row['share']:6.1%}  {row['name']}")
    return 0


def run_spark(args: argparse.Namespace, path, progress: StderrProgress) -> int:
    """Features on Spark, the fit on the driver, every customer assigned on Spark."""
    from bankml.spark.features import check_source
    from bankml.spark.jobs import segment_job

    check_source(path)
    progress(0.05, "starting Spark")
    spark = spark_for(args)
    where = "read from --features" if args.features else "on Spark"
    progress(0.2, f"customer features {where}, fit on the driver")
    result, assigned = segment_job(
        spark, path, k=args.k, random_state=args.seed, features_path=args.features
    )
    progress(0.7, "assigning every customer on Spark")
    if args.out:
        write_table(assigned, args.out)
        assigned = spark.read.parquet(args.out) if not args.out.endswith(".csv") else assigned
    sizes = assigned.groupBy("segment", "segment_name").count().toPandas().sort_values("segment")
    progress(1.0, f"{len(sizes)} segments")
    payload = {
        "path": str(path),
        "engine": "spark",
        "k": result.k,
        "k_reason": result.choice.reason if result.choice else None,
        "fit_customers": len(result.labels),
        "silhouette": result.silhouette,
        "stability_ari": result.stability_ari,
        "seconds": round(progress.elapsed, 3),
        "out": args.out,
        "segments": [
            {"segment": int(r["segment"]), "name": r["segment_name"], "size": int(r["count"])}
            for _, r in sizes.iterrows()
        ],
    }
    if args.json:
        print_json(payload)
        return 0
    print(f"k = {result.k} (fitted on {len(result.labels):,} customers; assigned on Spark)")
    for row in payload["segments"]:
        print(f"  {row['segment']:>2}  {row['size']:>9,}  {row['name']}")
    return 0
