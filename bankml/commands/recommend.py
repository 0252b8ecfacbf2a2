"""bankml recommend: a customer's holdings and the products to offer them, with reasons.

`run_evaluate` is the recommender part of `bankml evaluate --recommender`.
"""

from __future__ import annotations

import argparse

from bankml.commands._common import int_in, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recommend", help="products to offer one customer, with reasons")
    p.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    p.add_argument("--customer", type=int, required=True, help="customer id")
    p.add_argument("--top", type=int_in(1, 50), default=5, help="number of offers (1..50)")
    p.add_argument("--no-rules", action="store_true", help="skip eligibility and risk rules")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bankml.recommend import build_context, customer_holdings, recommend_for_customer

    # segmentation fits a clustering (slow on a big bank): only a cold-start customer needs it
    context = build_context(args.db, use_segments=False)
    context.row_of(args.customer)  # unknown id -> InputError -> one line, exit 2
    if customer_holdings(args.customer, context).empty:
        context = build_context(args.db, use_segments=True)
    holdings = customer_holdings(args.customer, context)
    offers = recommend_for_customer(
        args.customer, n=args.top, rules=not args.no_rules, context=context
    )
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
        print(f"  {rank}. {row.name:<26} score {row.score:.3f}  [{row.source}] {row.reason}")
    print(f"({context.risk.note})")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate item-CF against the baselines on the bank at args.db; args.json -> one object."""
    from bankml.recommend import evaluate_recommenders

    k = int(getattr(args, "k", None) or 5)
    table = evaluate_recommenders(args.db, k=k, random_state=int(getattr(args, "seed", 0) or 0))
    if getattr(args, "json", False):
        print_json({"recommender": table.to_dict(orient="records"), "k": k})
        return 0
    print(f"recommender evaluation at k={k} (seeded hold-out):")
    print(table.drop(columns=["note"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0
