"""Argument types and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable


def int_in(low: int, high: int) -> Callable[[str], int]:
    """argparse type: an integer within [low, high], with the range in the error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: allowed {low}..{high}")
        return value

    return parse


def float_in(low: float, high: float) -> Callable[[str], float]:
    """argparse type: a number within [low, high], with the range in the error."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: allowed {low}..{high}")
        return value

    return parse


def print_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=_jsonable) + "\n")


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class StderrProgress:
    """A one-line progress bar on stderr; plain lines when stderr is not a terminal."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_message = ""

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(fraction * 30)
        line = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {message}"
        if self.tty:
            sys.stderr.write("\r" + line[:120].ljust(120))
            if fraction >= 1.0:
                sys.stderr.write("\n")
        elif message != self.last_message:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self.last_message = message

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """--engine local|spark and --spark-master, shared by score, segment, recommend, features."""
    p.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local (pandas/DuckDB, default) or spark (PySpark: pip install 'bankml[spark]')",
    )
    p.add_argument(
        "--spark-master",
        help="Spark master URL (default local[*]; SPARK_REMOTE selects Spark Connect)",
    )


def spark_for(args: argparse.Namespace):
    """The SparkSession for --engine spark (InputError in one line when it cannot start)."""
    from bankml.spark.session import spark_session

    return spark_session(args.spark_master)


def write_table(table, out: str) -> str:
    """Write a pandas or Spark table: .csv (formula-safe, one file) or else Parquet (a Spark
    table as a folder of parts). Returns the path written."""
    from pathlib import Path

    from bankml.errors import InputError

    target = Path(out)
    if (
        target.suffix.lower() != ".csv"
        and target.exists()
        and target.is_file()
        and not hasattr(table, "to_csv")
    ):
        raise InputError(f"--out {out}: is a file; Spark writes Parquet as a folder")
    if hasattr(table, "toPandas"):  # a Spark DataFrame
        if target.suffix.lower() != ".csv":
            table.write.mode("overwrite").parquet(str(target))
            return str(target)
        table = table.toPandas()
    if target.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() == ".csv":
        from bankml.commands.score import _write_atomic
        from bankml.csvio import to_safe_csv

        _write_atomic(target, to_safe_csv(table))
    else:
        table.to_parquet(target, index=False)
    return str(target)
