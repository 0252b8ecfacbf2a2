"""bankml score: validate a CSV of applicants against the model, score the valid rows, list the rest."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from bankml import config
from bankml.commands._common import add_engine_arguments, print_json, spark_for
from bankml.errors import BankmlError, InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score a CSV of applicants with the current model")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--csv",
        help="applicants CSV (any delimiter and encoding; on Spark a file over 64 MB is parsed "
        "by Spark)",
    )
    given.add_argument(
        "--bank",
        help="a bank (DuckDB file or Parquet folder): every customer scored on their standard "
        "application (latest loan's credit facts, the bank's median terms)",
    )
    p.add_argument(
        "--out",
        required=True,
        help="scored CSV to write (formula-safe); with --bank a name ending .csv is a CSV, any "
        "other Parquet (a folder of parts on Spark)",
    )
    p.add_argument(
        "--pd-only",
        action="store_true",
        help="with --bank: customer_id and PD only (no grade, decision or reasons; faster)",
    )
    p.add_argument("--model", help="registry folder (its current model) or one model's folder")
    p.add_argument(
        "--errors", help="CSV of rejected rows and warnings (default: OUT with .errors.csv)"
    )
    p.add_argument("--db", help="bank whose loans are the drift reference (default: current)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_engine_arguments(p)
    p.set_defaults(func=run)


def _write_atomic(path: Path, payload: bytes) -> None:
    """Write beside the target, fsync, then swap in: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _reference(db: str | None):
    """The bank's loan frame as the drift reference, or None when there is no readable bank."""
    path = config.db_path(db)
    if not path.exists():
        return None
    try:
        from bankml.default import loan_frame

        return loan_frame(path)
    except BankmlError:
        return None


def run(args: argparse.Namespace) -> int:
    # cvxpy (pulled in by optbinning) logs solver-import notices to stderr at import time and
    # resets its logger's level while doing so; disabling the logger keeps errors to one line.
    logging.getLogger("__cvxpy__").disabled = True
    if args.bank:
        return run_bank(args)
    if args.pd_only:
        raise InputError("--pd-only goes with --bank (a CSV is scored with grades and reasons)")
    from bankml.default.cutoff import master_scale
    from bankml.default.scoring import score_batch
    from bankml.registry import load_model

    source = Path(args.csv)
    if not source.is_file():
        raise InputError(f"--csv {source}: no such file")
    out = Path(args.out)
    if out.resolve() == source.resolve():
        raise InputError(f"--out {out}: would overwrite the input file; choose another name")
    if out.exists() and out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name")
    errors_path = Path(args.errors) if args.errors else out.with_name(out.stem + ".errors.csv")
    model, _card = load_model(args.model)
    if args.engine == "spark":
        from bankml.spark.broadcast import registry_payload
        from bankml.spark.scoring import score_file_spark
        from bankml.spark.session import one_line_errors

        payload = registry_payload(args.model)  # the same checks; executors verify the sha256
        with one_line_errors():
            result = score_file_spark(
                lambda: spark_for(args),
                source,
                model,
                payload,
                source.name,
                _reference(args.db),
            )
    else:
        result = score_batch(
            source.read_bytes(), model, name=source.name, reference=_reference(args.db)
        )
    issues = result.issues()
    if len(issues):
        from bankml.csvio import to_safe_csv

        _write_atomic(errors_path, to_safe_csv(issues))
    if result.scored.empty:
        raise InputError(
            f"{source.name}: none of the {result.rows_in:,} rows is valid; "
            f"every problem is listed in {errors_path}"
        )
    _write_atomic(out, result.to_csv())
    payload = {
        **result.summary(),
        "out": str(out),
        "errors_file": str(errors_path) if len(issues) else None,
        "drift": result.drift.to_dict(orient="records") if result.drift is not None else None,
        "cutoff": float(model.cutoff_),
        "refer_band": [float(v) for v in model.refer_band_],
        "pricing_policy": model.policy_,
        "master_scale": master_scale().to_dict(orient="records"),
    }
    if args.json:
        print_json(payload)
    else:
        print(
            f"scored {payload['scored']:,} of {payload['rows_in']:,} rows -> {out}"
            f" ({payload['approve']:,} approve, mean PD {payload['mean_pd']:.2%})"
        )
        if payload["rejected"] or payload["warnings"]:
            print(
                f"{payload['rejected']:,} rows rejected, {payload['warnings']:,} warnings"
                f" -> {errors_path}"
            )
        if result.score_psi is not None:
            print(f"score PSI vs training data: {result.score_psi:.3f}")
    return 0


def _score_bank_local(path: str, model, pd_only: bool = False):
    """The local engine's --bank: the same standard applications as Spark's `pd_job`."""
    import numpy as np
    import pandas as pd

    from bankml import data, lake
    from bankml.recommend.risk import pds, risk_profiles

    names = ["customers", "loans"]
    read = lake.read_tables if lake.is_lake(path) else lambda p, n: data.read_tables(n, p)
    tables = read(path, names)
    frame = risk_profiles(tables["customers"], tables["loans"])
    ids = frame["customer_id"].to_numpy(np.int64)
    if pd_only:
        scores, why = pds(model, frame)
        if scores is None:
            raise InputError(why)
        return pd.DataFrame({"customer_id": ids, "pd": scores})
    scored = model.score_frame(frame).reset_index(drop=True)
    columns = ["pd", "grade", "decision", "reason_1", "reason_2", "reason_3"]
    return scored[columns].assign(customer_id=ids)[["customer_id", *columns]]


def run_bank(args: argparse.Namespace) -> int:
    """--bank: PD, grade, decision and three reasons for every customer of a bank, the rows
    written by the engine (on Spark, never collected unless --out ends in .csv)."""
    import time

    from bankml.commands._common import write_table
    from bankml.registry import load_model

    started = time.perf_counter()
    model, _card = load_model(args.model)
    if args.engine == "spark":
        from bankml.spark.features import check_source
        from bankml.spark.jobs import pd_job
        from bankml.spark.session import one_line_errors

        check_source(args.bank)
        with one_line_errors():
            reasons = not args.pd_only
            table = pd_job(spark_for(args), args.bank, args.model, reasons=reasons)
            out = write_table(table, args.out)
    else:
        out = write_table(_score_bank_local(args.bank, model, args.pd_only), args.out)
    payload = {
        "out": out,
        "engine": args.engine,
        "cutoff": float(model.cutoff_),
        "seconds": round(time.perf_counter() - started, 3),
    }
    if args.json:
        print_json(payload)
    else:
        print(f"every customer scored ({args.engine}) -> {out} in {payload['seconds']} s")
    return 0
