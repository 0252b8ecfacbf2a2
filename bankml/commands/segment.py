"""bankml segment: cluster the bank's customers and print k, quality, sizes and names."""

from __future__ import annotations

import argparse

from bankml import config
from bankml.commands._common import StderrProgress, int_in, print_json


def k_value(text: str) -> int | str:
    """argparse type: "auto" or an integer in 2..20."""
    if text == "auto":
        return text
    from bankml.segment.model import K_MAX, K_MIN

    try:
        return int_in(K_MIN, K_MAX)(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (or 'auto')") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "segment", help="find customer segments with KMeans (k by gap statistic and stability)"
    )
    p.add_argument("--db", help="bank database file (default data/bank.duckdb or $BANKML_DB)")
    p.add_argument("--k", type=k_value, default="auto", help="number of segments, 2..20 or auto")
    p.add_argument("--seed", type=int_in(0, 2**32 - 1), default=0, help="random_state")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bankml.segment import ari_against_truth, segment_customers

    path = config.db_path(args.db)
    progress = StderrProgress("segment")
    result = segment_customers(path, k=args.k, random_state=args.seed, progress=progress)
    ari = ari_against_truth(result, path)
    profiles = result.profiles
    payload = {
        "path": str(path),
        "k": result.k,
        "k_auto": args.k == "auto",
        "k_reason": result.choice.reason if result.choice else None,
        "clear_structure": result.k is not None,
        "silhouette": result.silhouette,
        "stability_ari": result.stability_ari,
        "ari_vs_truth": ari,
        "seconds": round(progress.elapsed, 3),
        "features": result.feature_list,
        "segments": [
            {
                "segment": int(segment),
                "name": row["name"],
                "size": int(row["size"]),
                "share": float(row["share"]),
                "traits": row["traits"],
                "default_rate": float(row.get("default_rate", float("nan"))),
            }
            for segment, row in profiles.iterrows()
        ],
        "k_scores": result.k_scores.reset_index().to_dict(orient="records"),
    }
    if args.json:
        print_json(payload)
        return 0
    if result.k is None:
        print("no clear cluster structure: all customers form one group")
    else:
        print(f"k = {result.k}{' (auto)' if args.k == 'auto' else ''}")
    if result.choice is not None:
        print(f"why: {result.choice.reason}")
    print(f"silhouette {result.silhouette:.3f} · stability ARI {result.stability_ari:.3f}")
    if ari is not None:
        print(f"adjusted Rand index vs truth_segments: {ari:.3f}")
    for segment, row in profiles.iterrows():
        print(f"  {segment:>2}  {row['size']:>9,}  {row['share']:6.1%}  {row['name']}")
    return 0
