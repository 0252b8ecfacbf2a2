"""bankml features: customer-grain behavioural features from transactions, on DuckDB or Spark."""

from __future__ import annotations

import argparse
import time

from bankml.commands._common import add_engine_arguments, print_json, spark_for, write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "features", help="customer features (spend mix, RFM, flows, channels, holdings, credit)"
    )
    p.add_argument(
        "--db", help="bank database file or Parquet bank folder (default data/bank.duckdb)"
    )
    p.add_argument("--out", required=True, help="table to write (.csv, else Parquet)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_engine_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.engine == "spark":
        from bankml.spark.features import check_source, features_frame
        from bankml.spark.session import one_line_errors

        check_source(args.db)
        with one_line_errors():
            frame, categories = features_frame(spark_for(args), args.db)
            columns = len(frame.columns) - 2  # not customer_id, window_months
            out = write_table(frame, args.out)
    else:
        from bankml.customer_features import customer_features

        frame = customer_features(args.db).reset_index()
        frame["window_months"] = frame.attrs["window_months"]
        categories, columns = frame.attrs["categories"], len(frame.columns) - 2
        out = write_table(frame, args.out)
    payload = {
        "out": out,
        "engine": args.engine,
        "features": columns,
        "categories": list(categories),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if args.json:
        print_json(payload)
    else:
        print(f"{columns} customer features ({args.engine}) -> {out} in {payload['seconds']} s")
    return 0
