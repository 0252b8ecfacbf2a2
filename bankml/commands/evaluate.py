"""bankml evaluate: compare every candidate on the same folds and report (nothing is saved)."""

from __future__ import annotations

import argparse

from bankml.commands._common import StderrProgress, int_in, print_json
from bankml.commands.train import (
    add_data_arguments,
    common_options,
    print_board,
    resolve_models,
    summary,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="compare default-risk models (or the recommender)")
    add_data_arguments(p)
    p.add_argument("--cv", type=int_in(2, 20), default=5, help="cross-validation folds")
    p.add_argument("--recommender", action="store_true", help="evaluate the recommender instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.recommender:
        from bankml.commands.recommend import run_evaluate

        return run_evaluate(args)
    from bankml.default import train_bank_model, train_csv_model

    options = common_options(args)
    progress = StderrProgress("evaluate")
    models = resolve_models(args.models, "all")
    if args.csv:
        result, _ = train_csv_model(
            args.csv, args.target, candidates=models, progress=progress, register=False, **options
        )
    else:
        result, _ = train_bank_model(
            args.db, candidates=models, progress=progress, register=False, **options
        )
    if args.json:
        print_json(summary(result))
    else:
        print_board(result)
    return 0
