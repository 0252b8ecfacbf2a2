"""The `bankml` command: one subcommand module per capability under bankml/commands/.

Contract (docs/architecture.md): `--json` prints one JSON object on stdout, progress goes to stderr, and any
error exits non-zero with one line naming what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from bankml.errors import BankmlError, InputError

COMMANDS = (
    "generate",
    "train",
    "evaluate",
    "score",
    "report",
    "segment",
    "recommend",
    "features",
    "bench",
)
EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="bankml", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for name in COMMANDS:
        if importlib.util.find_spec(f"bankml.commands.{name}") is not None:
            importlib.import_module(f"bankml.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"bankml {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BankmlError as exc:
        print(f"bankml {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"bankml {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the promise is "no traceback": name the failure in one line
        print(
            f"bankml {args.command}: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
