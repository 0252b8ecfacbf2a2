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
    p.add_argument(
        "--nested",
        action="store_true",
        help="also measure the whole `bankml train` (its candidate choice included) by nested CV:"
        " the unbiased figure, about cv times the training time",
    )
    p.add_argument("--recommender", action="store_true", help="evaluate the recommender instead")
    p.set_defaults(func=run)


def nested(args: argparse.Namespace, options: dict, progress: StderrProgress) -> dict:
    """Nested CV of what `bankml train` runs with the same options (models default "quick")."""
    from bankml import evaluate
    from bankml.default import loan_frame, read_training_csv, train_default, train_table_model

    models = resolve_models(args.models, "quick")
    if args.csv:
        frame, target = read_training_csv(args.csv), args.target
    else:
        frame, target = loan_frame(args.db), "defaulted"
    done = []

    def train_fn(train):
        progress(len(done) / args.cv, f"nested: training on outer fold {len(done) + 1}/{args.cv}")
        done.append(True)
        # only the model is scored: no scorecard review, no proxy check (train_default reviews)
        if args.csv:
            return train_table_model(
                train, target, candidates=models, reviews=False, **options
            ).model
        return train_default(train, candidates=models, reviews=False, **options).model

    result = evaluate.nested_cv_auc(
        frame, target, train_fn, cv=args.cv, random_state=args.seed, positive=args.positive
    )
    progress(1.0, f"nested: pooled ROC AUC {result.pooled_auc:.4f}")
    return {
        "models": models if isinstance(models, str) else list(models),
        "pooled_roc_auc": result.pooled_auc,
        "mean_roc_auc": result.mean_auc,
        "fold_roc_auc": list(result.fold_auc),
        "chosen": list(result.chosen),
    }


def out_of_time_report(args: argparse.Namespace, progress: StderrProgress) -> dict:
    """Out-of-time validation on the bank (models default "quick"): earlier matured vintages
    train, the latest 20 % of matured application dates test, beside the oracle and LightGBM."""
    from bankml.default import loan_frame, oracle_pd
    from bankml.default.oot import out_of_time

    progress(0.0, "out-of-time: training on the earlier vintages")
    result = out_of_time(
        loan_frame(args.db),
        oracle_pd(args.db),
        candidates=resolve_models(args.models, "quick"),
        cv=args.cv,
        random_state=args.seed,
    )
    progress(1.0, f"out-of-time: tested on {result.n_test} loans from {result.cutoff}")
    return result.as_dict()


def print_out_of_time(report: dict) -> None:
    """The in-time vs out-of-time table, one line per model and period."""
    print(
        f"\nout-of-time: trained on {report['n_train']} matured loans before {report['cutoff']},"
        f" tested on the {report['n_test']} matured loans from then on"
    )
    print(f"{'model':<28}{'period':<13}{'AUC':>7}{'Gini':>7}{'KS':>7}{'Brier':>8}{'/oracle':>9}")
    for row in report["rows"]:
        print(
            f"{row['model'][:27]:<28}{row['period']:<13}{row['roc_auc']:>7.3f}{row['gini']:>7.3f}"
            f"{row['ks']:>7.3f}{row['brier']:>8.4f}{row['auc_vs_oracle']:>9.3f}"
        )


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
    measured = nested(args, options, StderrProgress("evaluate --nested")) if args.nested else None
    timed = None if args.csv else out_of_time_report(args, StderrProgress("evaluate --oot"))
    if args.json:
        extra = {
            **({"nested": measured} if measured else {}),
            **({"out_of_time": timed} if timed else {}),
        }
        print_json({**summary(result), **extra})
        return 0
    print_board(result)
    if timed:
        print_out_of_time(timed)
    if measured:
        folds = ", ".join(f"{auc:.3f}" for auc in measured["fold_roc_auc"])
        print(
            f"nested {args.cv}-fold ROC AUC of `bankml train --models {measured['models']}`:"
            f" {measured['pooled_roc_auc']:.4f} pooled (folds {folds}; chose"
            f" {', '.join(dict.fromkeys(measured['chosen']))})"
        )
    return 0
