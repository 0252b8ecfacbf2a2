"""Build a test folder once per run and share it across pytest-xdist workers.

Every xdist worker is its own process, so a session fixture alone builds its object once per
worker. `built_once` makes the first worker that needs a folder build it under a file lock while
the others wait, then every worker reads that one folder (or its own `copy_of` it).
`run_in_process` runs a `bankml` command without an interpreter (or JVM) of its own.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder that `build` fills once per test run, shared by all xdist workers (read-only:
    copy it before writing into it). A failed build leaves no marker, so the next caller retries."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's temp root, common to every worker
    folder = base / f"shared-{name}"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


def copy_of(folder: Path, tmp_path_factory, name: str) -> Path:
    """A private copy of a shared folder (symlinks kept, so a bank's generation link still works)."""
    target = tmp_path_factory.mktemp(name)
    ignore = shutil.ignore_patterns(".built")
    shutil.copytree(folder, target, symlinks=True, dirs_exist_ok=True, ignore=ignore)
    return target


def run_in_process(*args: str) -> tuple[int, str, str]:
    """`bankml.cli.main(args)` in this process: (exit code, stdout, stderr), for commands whose
    own start-up is not what a test checks (the local engine beside a Spark run, argument
    errors). The tests of the entry point itself keep real `bankml` subprocesses."""
    import contextlib
    import io

    from bankml.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's one-line usage error
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()
