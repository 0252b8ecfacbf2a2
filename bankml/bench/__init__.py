"""`bankml bench`: speed and quality targets, each measured beside its baseline in the same run.

Each section module under bankml/bench/ defines `run(quick: bool) -> list[BenchRow]`.
"""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

SECTIONS = ("generation", "default", "segment", "recommend", "app", "load", "spark")


@dataclass(frozen=True)
class BenchRow:
    """One measured figure, its baseline from the same run, and the target it is judged against."""

    section: str
    metric: str
    value: float
    unit: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    passed: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def _child(target: str, kwargs: dict, queue: multiprocessing.Queue) -> None:
    module_name, _, func_name = target.rpartition(".")
    try:
        result = getattr(importlib.import_module(module_name), func_name)(**kwargs)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(("ok", result, peak_mb))
    except BaseException as exc:  # report, never hang the parent
        queue.put(("error", f"{type(exc).__name__}: {exc}", 0.0))


def in_subprocess(target: str, timeout: float = 1800, **kwargs) -> tuple[dict, float]:
    """Run module.function(**kwargs) in a fresh process; returns (result, peak RSS in MB)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, kwargs, queue))
    process.start()
    try:
        status, result, peak_mb = queue.get(timeout=timeout)
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    if status != "ok":
        raise RuntimeError(f"{target} failed: {result}")
    return result, peak_mb


def timed(func: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def run_bench(
    quick: bool = False, sections: tuple[str, ...] | None = None, log: Callable[[str], None] = print
) -> list[BenchRow]:
    rows: list[BenchRow] = []
    for name in sections or SECTIONS:
        if importlib.util.find_spec(f"bankml.bench.{name}") is None:
            continue
        log(f"bench: {name} ...")
        started = time.perf_counter()
        try:
            rows.extend(importlib.import_module(f"bankml.bench.{name}").run(quick=quick))
        except Exception as exc:  # one broken section must not hide the others
            rows.append(
                BenchRow(name, f"section failed: {type(exc).__name__}: {exc}", float("nan"))
            )
        log(f"bench: {name} done in {time.perf_counter() - started:.1f} s")
    return rows


def format_table(rows: list[BenchRow]) -> str:
    header = f"{'section':<11} {'metric':<52} {'value':>12} {'baseline':>12} {'ratio':>8}  {'target':<24} ok"
    lines = [header, "-" * len(header)]
    for row in rows:
        baseline = "" if row.baseline is None else _fmt(row.baseline)
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        ok = {True: "yes", False: "NO", None: ""}[row.passed]
        metric = f"{row.metric} [{row.unit}]" if row.unit else row.metric
        lines.append(
            f"{row.section:<11} {metric[:52]:<52} {_fmt(row.value):>12} {baseline:>12} {ratio:>8}  {row.target[:24]:<24} {ok}"
        )
    return "\n".join(lines)


def _fmt(value: float) -> str:
    if value != value:
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(0)
