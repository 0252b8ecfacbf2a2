"""bankml train: compare candidates, calibrate the best explainable one, register it as current."""

from __future__ import annotations

import argparse
import sys

from bankml.commands._common import StderrProgress, int_in, print_json


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """--db or --csv/--target plus the options shared by train and evaluate."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    source.add_argument("--csv", help="any CSV with a binary target column (needs --target)")
    p.add_argument(
        "--target", help="the target column of --csv (0/1, yes/no, good/bad, true/false)"
    )
    p.add_argument("--positive", help="the target value that means default, when not obvious")
    p.add_argument(
        "--protected",
        help="comma-separated columns kept out of the features and used for the fairness report",
    )
    p.add_argument(
        "--use-protected",
        help="comma-separated columns named like protected attributes (SEX, AGE, MARRIAGE, ...)"
        " to use as inputs anyway; by default they are excluded (recorded in the model card)",
    )
    p.add_argument(
        "--models",
        help="quick, all, or a comma-separated list (scorecard, logistic, lightgbm, random_forest, ...)",
    )
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0, help="random_state (default 0)")
    p.add_argument("--include-age", action="store_true", help="use age as a feature (recorded)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    money = p.add_argument_group(
        "lending economics (price the cut-off; default: the stated policy)"
    )
    money.add_argument("--economics", help="JSON file of economics settings (flags below override)")
    money.add_argument("--lgd", type=float, help="loss given default, 0-1 (default 0.6)")
    money.add_argument("--funding-cost", type=float, help="cost of funds a year, 0-0.5 (0.03)")
    money.add_argument("--horizon-months", type=int, help="months of interest and risk (12)")
    money.add_argument(
        "--rate",
        type=float,
        help="%% a year for data without an interest_rate column (else the neutral policy)",
    )
    money.add_argument("--term-months", type=int, help="term for data without term_months")


def economics_from(args: argparse.Namespace):
    """The LendingEconomics of --economics FILE and the flags (flags win); validated."""
    import json
    from pathlib import Path

    from bankml.config import LendingEconomics
    from bankml.errors import InputError

    values: dict = {}
    if getattr(args, "economics", None):
        path = Path(args.economics)
        try:
            values = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"--economics {path}: not a readable JSON file ({exc})") from None
        if not isinstance(values, dict):
            raise InputError(f"--economics {path}: must hold one JSON object of settings")
    flags = {
        "loss_given_default": getattr(args, "lgd", None),
        "funding_cost": getattr(args, "funding_cost", None),
        "horizon_months": getattr(args, "horizon_months", None),
        "rate": getattr(args, "rate", None),
        "term_months": getattr(args, "term_months", None),
    }
    values.update({k: v for k, v in flags.items() if v is not None})
    return LendingEconomics.from_mapping(values)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the default-risk model and register it")
    add_data_arguments(p)
    p.add_argument("--out", help="model registry folder (default models/ or $BANKML_MODELS)")
    p.add_argument("--cv", type=int_in(2, 20), default=5, help="cross-validation folds")
    p.add_argument(
        "--reject-inference",
        choices=("none", "fuzzy", "parcelling"),
        default="none",
        help="learn from the declined applications too (the bank's applications table; "
        "default none): fuzzy augmentation or parcelling",
    )
    p.set_defaults(func=run)


def resolve_models(text: str | None, default: str) -> str | list[str]:
    if not text:
        return default
    if text in ("quick", "all"):
        return text
    return [item.strip() for item in text.split(",") if item.strip()]


def common_options(args: argparse.Namespace) -> dict:
    from bankml.errors import InputError

    if args.target and not args.csv:
        raise InputError("--target only applies to --csv FILE")
    if args.csv and not args.target:
        raise InputError("--csv needs --target COL naming the binary target column")
    protected = tuple(c.strip() for c in args.protected.split(",")) if args.protected else None
    options = {
        "random_state": args.seed,
        "include_age": args.include_age,
        "cv": args.cv,
        "economics": economics_from(args),
    }
    if protected is not None:
        options["protected"] = protected
    if args.positive:
        options["positive"] = args.positive
    if getattr(args, "use_protected", None):
        options["use_protected"] = tuple(c.strip() for c in args.use_protected.split(","))
    return options


def summary(result) -> dict:
    """The JSON shape shared by train and evaluate (issue item 11)."""
    board = result.leaderboard.drop(columns=["params"], errors="ignore")
    models = board.to_dict(orient="records")
    return {
        "models": models,
        "best": str(board.sort_values("roc_auc", ascending=False)["name"].iloc[0]),
        "chosen": result.chosen,
        "calibrated": {k: float(v) for k, v in result.metrics().items()},
        "cutoff": float(result.model.cutoff_),
        "refer_band": [float(v) for v in result.model.refer_band_],
        "economics": dict(vars(result.model.economics_)),
        "pricing_policy": result.model.policy_,
        "columns_used": list(result.model.features_),
        "columns_dropped": list(result.spec.dropped),
        "protected": list(result.spec.protected),
        "protected_notice": getattr(result, "diagnostics", {}).get("protected_notice", ""),
        "rows": int(len(result.validation)),
        "seconds": round(result.seconds, 3),
        **({"oracle": result.oracle} if result.oracle else {}),
    }


def print_board(result) -> None:
    board = result.leaderboard
    print(
        f"{'model':<30} {'imbalance':<12} {'ROC AUC':>8} {'PR AUC':>7} {'KS':>6} {'Brier':>7} {'fit s':>7}"
    )
    for row in board.itertuples():
        mark = "*" if row.chosen else " "
        sub = " (subsampled)" if row.subsampled else ""
        print(
            f"{mark}{row.name[:29]:<29} {row.imbalance:<12} {row.roc_auc:8.4f} {row.pr_auc:7.4f}"
            f" {row.ks:6.3f} {row.brier:7.4f} {row.fit_seconds:7.2f}{sub}"
        )
    if result.oracle:
        o = result.oracle
        print(
            f" {'oracle (true PD)':<29} {'':<12} {o['roc_auc']:8.4f} {o['pr_auc']:7.4f} {o['ks']:6.3f} {o['brier']:7.4f}"
        )
    leader = board[board["explainable"]].sort_values("roc_auc", ascending=False)["name"].iloc[0]
    if leader != result.chosen:
        print(
            f"kept {result.chosen}: {leader}'s lead is within one standard error across the folds"
        )
    notice = getattr(result, "diagnostics", {}).get("protected_notice")
    if notice:
        print(notice)
    m = result.metrics()
    print(
        f"chosen {result.chosen} (calibrated: Brier {m['brier']:.4f}, ECE {m['ece']:.4f});"
        f" cut-off PD {result.model.cutoff_:.3f}, approval rate {m['approval_rate']:.1%}"
    )
    band = getattr(result.model, "refer_band_", None)
    if band is not None:
        low, high = band
        print(f"refer band PD {low:.3f}-{high:.3f}; pricing: {result.model.policy_}")


def run(args: argparse.Namespace) -> int:
    from bankml.default import train_bank_model, train_csv_model

    options = common_options(args)
    progress = StderrProgress("train")
    models = resolve_models(args.models, "quick")
    if args.reject_inference != "none":
        if args.csv:
            from bankml.errors import InputError

            raise InputError(
                "--reject-inference needs the bank's declined applications (--db), not --csv"
            )
        options["reject_inference"] = args.reject_inference
    if args.csv:
        result, folder = train_csv_model(
            args.csv, args.target, args.out, candidates=models, progress=progress, **options
        )
    else:
        result, folder = train_bank_model(
            args.db, args.out, candidates=models, progress=progress, **options
        )
    if args.json:
        print_json({"model_id": folder.name, "path": str(folder), **summary(result)})
    else:
        print_board(result)
        print(f"registered {folder} as the current model", file=sys.stdout)
    return 0
