"""Opt-in pytest plugin: log every expensive library call of a test run, for finding fixed costs.

    FITLOG=/tmp/fit.jsonl python -m pytest -p tests.fitlog -m "not slow ..." -n 2 ...

Each call of the functions in `TARGETS` (training, fits, bank generation and reads, the proxy
check, tree-path compilation, segment fits, AppTest runs) appends one JSON line to `$FITLOG`: the
xdist worker, the test (and phase: setup, call or teardown), the function, its CPU and wall
seconds, its nesting depth among the logged calls, and for fits the candidate and row count.
Not loaded unless named with `-p`: a normal run pays nothing. Sum the lines by `fn` (depth 0
for totals without double counting) and by `test` to see which tests pay which fixed cost.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from collections.abc import Callable

# (module, attribute): module functions are replaced wherever they were imported by name,
# methods on their class
TARGETS = [
    ("bankml.default.training", "train_default"),
    ("bankml.default.workflow", "train_bank_model"),
    ("bankml.default.crossval", "out_of_fold"),
    ("bankml.default.crossval", "make_folds"),
    ("bankml.default.review", "scorecard_review"),
    ("bankml.default.fairness", "proxy_check"),
    ("bankml.default.treepath", "compile_paths"),
    ("bankml.default.features", "loan_frame"),
    ("bankml.bank", "regenerate"),
    ("bankml.difficulty", "difficulty_report"),
    ("bankml.segment.store", "precompute"),
    ("bankml.segment.store", "stored_or_fit"),
    ("bankml.default.estimator", "DefaultModel.fit"),
    ("bankml.default.blend", "BlendModel.fit"),
    ("bankml.segment.model", "CustomerSegmenter.fit"),
    ("streamlit.testing.v1.app_test", "AppTest.run"),
]
_state = {"test": "", "depth": 0}


def _detail(name: str, args: tuple, kwargs: dict) -> str:
    """The candidate and rows of a fit, the rows and candidates of a training."""
    try:
        if name == "DefaultModel.fit":
            return f"{args[0].candidate} rows={len(args[1])}"
        if name == "train_default":
            frame = args[0] if args else kwargs.get("frame")
            return f"rows={len(frame)} candidates={kwargs.get('candidates', 'quick')}"
    except (IndexError, TypeError, AttributeError):
        pass
    return ""


def _logged(function: Callable, name: str) -> Callable:
    @functools.wraps(function)
    def logged(*args, **kwargs):
        _state["depth"] += 1
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _state["depth"] -= 1
            line = {
                "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
                "test": _state["test"],
                "fn": name,
                "cpu": round(time.process_time() - cpu, 3),
                "wall": round(time.perf_counter() - wall, 3),
                "depth": _state["depth"],
                "detail": _detail(name, args, kwargs),
            }
            with open(os.environ.get("FITLOG", "fitlog.jsonl"), "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    logged.__fitlog__ = True
    return logged


def pytest_configure(config) -> None:
    """Wrap every target once per process (imports them first, as the tests would)."""
    for module_name, attribute in TARGETS:
        module = importlib.import_module(module_name)
        owner_name, _, method = attribute.rpartition(".")
        if owner_name:
            owner = getattr(module, owner_name)
            original = getattr(owner, method)
            if not getattr(original, "__fitlog__", False):
                setattr(owner, method, _logged(original, attribute))
            continue
        original = getattr(module, attribute)
        if getattr(original, "__fitlog__", False):
            continue
        wrapped = _logged(original, attribute)
        for loaded in list(sys.modules.values()):  # `from x import f` copies too
            if getattr(loaded, attribute, None) is original:
                setattr(loaded, attribute, wrapped)


def pytest_runtest_setup(item) -> None:
    _state["test"] = f"{item.nodeid}::setup"


def pytest_runtest_call(item) -> None:
    _state["test"] = item.nodeid


def pytest_runtest_teardown(item) -> None:
    _state["test"] = f"{item.nodeid}::teardown"
