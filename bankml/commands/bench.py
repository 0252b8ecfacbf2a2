"""bankml bench: run every benchmark section beside its baselines and print ratios."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed and quality against baselines")
    p.add_argument("--quick", action="store_true", help="smaller sizes; finishes in minutes")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--section", action="append", help="run only this section (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bankml.bench import SECTIONS, format_table, run_bench
    from bankml.commands._common import print_json
    from bankml.errors import InputError

    unknown = [s for s in args.section or [] if s not in SECTIONS]
    if unknown:
        raise InputError(f"unknown section {unknown[0]!r}: allowed {', '.join(SECTIONS)}")
    rows = run_bench(
        quick=args.quick,
        sections=tuple(args.section) if args.section else None,
        log=lambda line: print(line, file=sys.stderr),
    )
    if args.json:
        print_json({"quick": args.quick, "rows": [row.to_dict() for row in rows]})
    else:
        print(format_table(rows))
    return 0
