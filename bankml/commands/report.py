"""bankml report: the model validation report as one self-contained HTML file."""

from __future__ import annotations

import argparse
import logging

from bankml.commands._common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the model validation report (one HTML file)")
    p.add_argument("--out", required=True, help="HTML file to write")
    p.add_argument("--model", help="registry folder (its current model) or one model's folder")
    p.add_argument("--db", help="the bank the model was trained on (default: current)")
    p.add_argument(
        "--no-out-of-time",
        action="store_true",
        help="skip the out-of-time refit (the slowest part: one training on the earlier loans)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.getLogger("__cvxpy__").disabled = True  # optbinning's solver notices stay off stderr
    from bankml.default import validation_report

    html = validation_report.render(args.model, args.db, out_of_time=not args.no_out_of_time)
    path = validation_report.write(args.out, html)
    if args.json:
        print_json({"path": str(path), "bytes": len(html.encode())})
    else:
        print(f"wrote {path}")
    return 0
