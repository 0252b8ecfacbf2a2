"""bankml generate: build the synthetic bank and swap it into the store."""

from __future__ import annotations

import argparse

from bankml import config
from bankml.commands._common import StderrProgress, float_in, int_in, print_json
from bankml.lake import MAX_LAKE_CUSTOMERS
from synth import SCENARIOS, SUPPORTED_LOCALES
from synth.applicants import MAX_APPLICANTS, SHIFTS
from synth.params import MAX_CUSTOMERS, MAX_DEFAULT_RATE, MIN_CUSTOMERS, MIN_DEFAULT_RATE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate the synthetic bank (or a CSV of new applicants)")
    p.add_argument(
        "--customers",
        type=int_in(-(2**63), 2**63 - 1),  # its range depends on --format: checked in run
        help=f"default 10000; up to {MAX_CUSTOMERS:,} in DuckDB, {MAX_LAKE_CUSTOMERS:,} as Parquet",
    )
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), help="default 42")
    p.add_argument(
        "--default-rate", type=float_in(MIN_DEFAULT_RATE, MAX_DEFAULT_RATE), help="default 0.10"
    )
    p.add_argument(
        "--scenario",
        choices=tuple(SCENARIOS),
        help="a named generator setting (explicit options win); see docs/data-dictionary.md",
    )
    p.add_argument(
        "--defects",
        action="store_true",
        help="inject extract defects: missing values, sentinels, a rescaled slice, duplicates, drift",
    )
    p.add_argument(
        "--report",
        action="store_true",
        help="compute the difficulty report (model ceilings; implied by --json)",
    )
    p.add_argument("--locale", choices=SUPPORTED_LOCALES, default="en_US")
    p.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    p.add_argument("--if-missing", action="store_true", help="do nothing when the bank exists")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument(
        "--applicants",
        type=int_in(1, MAX_APPLICANTS),
        help="write a CSV of N new applicants to --out instead of touching the bank",
    )
    p.add_argument(
        "--shift", choices=SHIFTS, default="none", help="population shift for --applicants"
    )
    p.add_argument("--out", help="CSV file for --applicants, or the folder for --format parquet")
    p.add_argument(
        "--format",
        choices=("duckdb", "parquet"),
        default="duckdb",
        help="duckdb: the bank file (--db); parquet: a lake folder (--out DIR), written in chunks",
    )
    p.set_defaults(func=run)


def run_applicants(args: argparse.Namespace) -> int:
    """New applicants (no target) drawn from synth, optionally shifted; the bank is not touched."""
    from pathlib import Path

    from bankml.commands.score import _write_atomic
    from bankml.csvio import to_safe_csv
    from bankml.errors import InputError
    from synth.applicants import applicants

    if not args.out:
        raise InputError("--applicants needs --out FILE (the CSV to write)")
    out = Path(args.out)
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name")
    seed = 42 if args.seed is None else args.seed
    frame = applicants(args.applicants, seed=seed, shift=args.shift, locale=args.locale)
    _write_atomic(out, to_safe_csv(frame))
    payload = {"out": str(out), "applicants": len(frame), "shift": args.shift, "seed": seed}
    if args.json:
        print_json(payload)
    else:
        print(f"{len(frame):,} applicants (shift {args.shift}, seed {seed}) written to {out}")
    return 0


def check_customers(args: argparse.Namespace, maximum: int) -> None:
    """--customers within the format's range, with argparse's one-line wording."""
    from bankml.errors import InputError

    if args.customers is not None:
        try:
            int_in(MIN_CUSTOMERS, maximum)(str(args.customers))
        except argparse.ArgumentTypeError as exc:
            raise InputError(f"argument --customers: {exc}") from None


def run_parquet(args: argparse.Namespace) -> int:
    """The bank as a Parquet lake in chunks (bounded memory); the DuckDB bank is not touched."""
    import dataclasses

    from bankml.bank import make_params
    from bankml.errors import InputError
    from bankml.lake import CHUNK_CUSTOMERS, write_lake

    if not args.out:
        raise InputError("--format parquet needs --out DIR (the folder to write the bank to)")
    if args.shift != "none" or args.if_missing or args.report:
        raise InputError("--shift, --if-missing and --report do not apply to --format parquet")
    customers = 10_000 if args.customers is None else args.customers
    params = make_params(
        customers=min(customers, CHUNK_CUSTOMERS),
        seed=args.seed,
        default_rate=args.default_rate,
        locale=args.locale,
        defects=True if args.defects else None,
        scenario=args.scenario,
    )
    progress = StderrProgress("generate")
    meta = write_lake(dataclasses.replace(params, customers=customers), args.out, progress=progress)
    payload = {**meta, "path": args.out, "seconds": round(progress.elapsed, 3)}
    if args.json:
        print_json(payload)
    else:
        print(
            f"Parquet bank written to {args.out} in {payload['seconds']} s ({meta['chunks']} chunks)"
        )
        for table, rows in meta["row_counts"].items():
            print(f"  {table:<18} {rows:>14,}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.applicants is not None:
        return run_applicants(args)
    if args.format == "parquet":
        check_customers(args, MAX_LAKE_CUSTOMERS)
        return run_parquet(args)
    check_customers(args, MAX_CUSTOMERS)
    if args.out or args.shift != "none":
        from bankml.errors import InputError

        raise InputError("--out and --shift only apply with --applicants N")
    from bankml.bank import make_params, regenerate
    from bankml.data import bank_info, sweep_temp_files

    path = config.db_path(args.db)
    sweep_temp_files(path)
    if args.if_missing and path.exists():
        info = bank_info(path)
        if args.json:
            print_json({"path": str(path), "content_hash": info.content_hash, "generated": False})
        return 0
    params = make_params(
        customers=args.customers,
        seed=args.seed,
        default_rate=args.default_rate,
        locale=args.locale,
        defects=True if args.defects else None,
        scenario=args.scenario,
    )
    progress = StderrProgress("generate")
    info = regenerate(params, path, progress, report=args.json or args.report)
    payload = {
        "path": str(path),
        "generated": True,
        "row_counts": info.row_counts,
        "seconds": round(progress.elapsed, 3),
        "content_hash": info.content_hash,
        "realised_default_rate": info.realised_default_rate,
        "oracle_auc": info.oracle_auc,
        "seed": info.seed,
        "locale": info.locale,
        "scenario": args.scenario or "default",
        "defects": params.defects,
        "difficulty": info.difficulty,
    }
    if args.json:
        print_json(payload)
    else:
        print(f"bank written to {path} in {payload['seconds']} s (hash {info.short_hash})")
        for table, rows in info.row_counts.items():
            print(f"  {table:<16} {rows:>12,}")
        print(
            f"  default rate {info.realised_default_rate:.2%} (target {info.default_rate_target:.2%}),"
            f" oracle AUC {info.oracle_auc:.3f} (matured booked loans)"
        )
        for key, value in info.difficulty.items():
            if isinstance(value, int | float):
                print(f"  {key:<28} {value:.4g}")
    return 0
