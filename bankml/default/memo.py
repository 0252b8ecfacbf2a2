"""In-process memo of results that depend only on their data: keyed on content, bounded, copied.

The proxy check, the out-of-time test and the monotone trend of a column are recomputed for the
same data when a bank is retrained with other settings or its report is downloaded after the
CLI's evaluation. Each keeps its last few results here, keyed on a content hash of exactly what
it reads (`data_key` for frames, `array_key` for arrays) and the parameters that shape the
result: any change to a value, a column, a dtype or a parameter is a new key. Callers get deep
copies, so editing a returned value never reaches the memo.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

from bankml.model_card import frame_hash

T = TypeVar("T")


class Memo(Generic[T]):
    """The last `size` results by key (least recently used dropped first), safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, key: Hashable, compute: Callable[[], T], keep: Callable[[T], bool] | None = None
    ) -> T:
        """A copy of the result stored under `key`, else `compute()` (stored as a copy unless
        `keep` says no, e.g. a result too large to hold)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return copy.deepcopy(self._items[key])
        value = compute()
        if keep is not None and not keep(value):
            return value
        with self._lock:
            self._items[key] = copy.deepcopy(value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def data_key(frame: pd.DataFrame, columns: list[str], *params) -> str:
    """The training-data hash (`model_card.frame_hash`) of exactly the columns a computation
    reads, with their dtypes and the parameters: equal keys mean equal inputs."""
    part = frame.loc[:, columns]
    extra = repr(([str(t) for t in part.dtypes], params)).encode()
    return hashlib.sha256(frame_hash(part).encode() + extra).hexdigest()


def array_key(*arrays: np.ndarray, params: tuple = ()) -> str:
    """sha256 of each array's dtype, shape and values, and the parameters."""
    digest = hashlib.sha256(repr(params).encode())
    for array in arrays:
        array = np.asarray(array)
        digest.update(repr((array.dtype.str, array.shape)).encode())
        if array.dtype == object:  # hash the values, not the object pointers
            array = pd.util.hash_array(array.ravel())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
