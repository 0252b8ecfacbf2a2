"""`bankml.threads.one_thread`: one library thread inside, the pools as they were after."""

from __future__ import annotations

import sys
import types

from threadpoolctl import threadpool_info, threadpool_limits

from bankml import threads


def _threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info()]


def test_one_thread_inside_and_the_pools_restored_after():
    import sklearn.cluster  # noqa: F401  (loads scikit-learn's OpenMP and OpenBLAS pools)

    with threadpool_limits(2):  # as on a 2-core machine outside the test workers' limit
        before = _threads()
        assert before and max(before) == 2
        with threads.one_thread():
            assert set(_threads()) == {1}
        assert _threads() == before


def test_the_libraries_are_scanned_once_and_again_after_an_import():
    with threads.one_thread():
        pass
    first = threads._scanned[1]
    with threads.one_thread():
        pass
    assert threads._scanned[1] is first  # no new module: the scan is reused
    sys.modules["_bankml_test_new_module"] = types.ModuleType("_bankml_test_new_module")
    try:
        with threads.one_thread():
            pass
        assert threads._scanned[1] is not first  # a new module may bring a new pool
    finally:
        del sys.modules["_bankml_test_new_module"]
