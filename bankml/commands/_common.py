"""Argument types and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable


def int_in(low: int, high: int) -> Callable[[str], int]:
    """argparse type: an integer within [low, high], with the range in the error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: allowed {low}..{high}")
        return value

    return parse


def float_in(low: float, high: float) -> Callable[[str], float]:
    """argparse type: a number within [low, high], with the range in the error."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: allowed {low}..{high}")
        return value

    return parse


def print_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=_jsonable) + "\n")


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class StderrProgress:
    """A one-line progress bar on stderr; plain lines when stderr is not a terminal."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_message = ""

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(fraction * 30)
        line = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {message}"
        if self.tty:
            sys.stderr.write("\r" + line[:120].ljust(120))
            if fraction >= 1.0:
                sys.stderr.write("\n")
        elif message != self.last_message:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self.last_message = message

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
