"""bankml recommend: a customer's holdings and the products to offer them, with reasons.

`run_evaluate` is the recommender part of `bankml evaluate --recommender`.
"""

from __future__ import annotations

import argparse

from bankml.commands._common import (
    add_engine_arguments,
    int_in,
    print_json,
    spark_for,
    write_table,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recommend", help="products to offer one customer, with reasons")
    p.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", type=int, help="customer id")
    who.add_argument(
        "--all", action="store_true", help="top offers for every customer (needs --out)"
    )
    p.add_argument("--out", help="with --all: offers table to write (.csv, else Parquet)")
    p.add_argument("--top", type=int_in(1, 50), default=5, help="number of offers (1..50)")
    p.add_argument("--no-rules", action="store_true", help="skip eligibility and risk rules")
    p.add_argument(
        "--no-segments",
        action="store_true",
        help="leave the customer's segment out of the model (skips fitting the segmentation)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_engine_arguments(p)
    p.set_defaults(func=run)


def _memberships(db):
    """Each customer's soft membership of the bank's segments (the recommender's segment columns)."""
    from bankml.customer_features import customer_features
    from bankml.recommend import segment_memberships
    from bankml.segment import segment_customers

    features = customer_features(db)
    return segment_memberships(segment_customers(features), features)


def collaborators(db, use_segments: bool):
    """(bank, soft segment memberships or None, risk view) from one bank read and the registry's
    model."""
    from bankml import recommend, registry

    bank = recommend.read_bank(db)
    segments = None
    if use_segments:
        segments = _memberships(db)
    if registry.current_id() is None:
        risk = recommend.RiskView.off("no default model trained yet (run `bankml train`)")
    else:
        model, _ = registry.load_model()  # a damaged model: ModelError, one line, exit 2
        risk = recommend.risk_view(model, bank.customers, bank.loans)
    return bank, segments, risk


def run_all(args: argparse.Namespace) -> int:
    """Every customer's top offers (ids, names, scores; no reasons) on either engine."""
    import time

    from bankml import lake
    from bankml.errors import InputError

    if not args.out:
        raise InputError("--all needs --out FILE (.csv, else Parquet) for the offers table")
    started = time.perf_counter()
    if args.engine == "spark":
        from bankml.spark.features import check_source
        from bankml.spark.jobs import offers_job
        from bankml.spark.session import one_line_errors

        check_source(args.db)
        with one_line_errors():
            offers = offers_job(
                spark_for(args), args.db, args.top, not args.no_rules, not args.no_segments
            )
            out = write_table(offers, args.out)
        note = "segments and risk check as locally; fitted on the driver, ranked on Spark"
    else:
        from bankml.recommend import build_context
        from bankml.recommend.batch import offers_for_all

        if lake.is_lake(args.db):
            raise InputError(f"--db {args.db}: a Parquet bank; use --engine spark for --all")
        bank, segments, risk = collaborators(args.db, not args.no_segments)
        context = build_context(bank, segments=segments, risk=risk)
        offers = offers_for_all(context, args.top, rules=not args.no_rules)
        note = context.risk.note
        out = write_table(offers, args.out)
    payload = {"out": out, "top": args.top, "engine": args.engine, "note": note,
               "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
    if args.json:
        print_json(payload)
    else:
        print(f"top {args.top} offers for every customer -> {out} ({payload['seconds']} s)")
    return 0


def run(args: argparse.Namespace) -> int:
    from bankml.errors import InputError
    from bankml.recommend import build_context, customer_holdings, recommend_for_customer

    if args.all:
        return run_all(args)
    if args.out or args.engine != "local":
        raise InputError("--out and --engine spark apply to --all (every customer) only")

    bank, segments, risk = collaborators(args.db, not args.no_segments)
    context = build_context(bank, segments=segments, risk=risk)
    context.row_of(args.customer)  # unknown id -> InputError -> one line, exit 2
    holdings = customer_holdings(args.customer, context)
    offers = recommend_for_customer(args.customer, context, n=args.top, rules=not args.no_rules)
    if args.json:
        print_json(
            {
                "customer_id": args.customer,
                "holdings": holdings.astype({"opened_date": str}).to_dict(orient="records"),
                "recommendations": offers.to_dict(orient="records"),
                "segment_note": context.segment_note,
                "risk_note": context.risk.note,
            }
        )
        return 0
    print(f"customer {args.customer} holds {len(holdings)} product(s):")
    for row in holdings.itertuples():
        print(f"  {row.product_id:>3}  {row.name} ({row.family})")
    print(f"top {len(offers)} offers:")
    for rank, row in enumerate(offers.itertuples(), start=1):
        note = f" ({row.note})" if row.note else ""
        print(f"  {rank}. {row.name:<26} score {row.score:.3f}  {row.reason}{note}")
    print(f"({context.risk.note})")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """The recommender in use vs the baselines on the bank at args.db; args.json -> one object."""
    from bankml.recommend import evaluate_recommenders, unavailable_splits

    k = int(getattr(args, "k", None) or 5)
    table = evaluate_recommenders(
        args.db,
        segments=_memberships(args.db),
        k=k,
        random_state=int(getattr(args, "seed", 0) or 0),
    )
    if getattr(args, "json", False):
        print_json({"recommender": table.to_dict(orient="records"), "k": k})
        return 0
    print(f"recommender evaluation at k={k} (seeded leave-one-out and temporal splits):")
    shown = table[table["role"] != "unavailable"]
    print(shown.drop(columns=["note"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for split, reason in unavailable_splits(table).items():
        print(f"{split}: not evaluated on this bank. {reason}")
    return 0
