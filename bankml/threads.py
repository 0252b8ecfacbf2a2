"""One BLAS/OpenMP thread for a block of work, with the loaded libraries scanned once.

Fits run with one library thread: on a shared machine (a few cores, several page sessions or test
workers) OpenMP and BLAS pools on top of each other oversubscribe the cores and spin.
threadpoolctl's `threadpool_limits` scans every loaded shared library on each call, a few
milliseconds in a process that has loaded scikit-learn, LightGBM, CatBoost and DuckDB, and a
training enters the block once per fold and candidate. The scan's controller is kept and made
again only when modules were imported since (a new module may have loaded a new thread pool).
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

_scanned: tuple[int, ThreadpoolController] | None = None


def one_thread() -> AbstractContextManager:
    """Context manager: every BLAS and OpenMP pool loaded so far limited to one thread inside."""
    global _scanned
    if _scanned is None or _scanned[0] != len(sys.modules):
        _scanned = (len(sys.modules), ThreadpoolController())
    return _scanned[1].limit(limits=1)
