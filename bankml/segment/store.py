"""A precomputed k="auto" segmentation stored beside the bank, keyed on the bank's content hash,
so the dashboard's first view of a bank needs no fitting.

The file is `.<bank name>.segments-<hash>.pkl` next to the bank; it is written at generation and
start-up (`precompute`), read by `stored_or_fit`, and ignored when the bank's content changed.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from bankml import config, data

FORMAT = (
    2  # bump when SegmentResult or the k rule changes, so older files are refitted (2: GAP_TIE 4 %)
)


def stored_path(path: str | os.PathLike | None, content_hash: str) -> Path:
    """Where the stored fit of the bank with this content hash lives."""
    bank = config.db_path(path)
    return bank.with_name(f".{bank.name}.segments-{content_hash[:16]}-v{FORMAT}.pkl")


def load(path: str | os.PathLike | None = None):
    """The stored SegmentResult for the bank as it is now, or None when there is none (or stale)."""
    info = data.bank_info(path)
    file = stored_path(path, info.content_hash)
    if not file.is_file():
        return None
    try:
        with file.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # a damaged or outdated file is refitted, never trusted


def save(result, path: str | os.PathLike | None = None) -> Path | None:
    """Write the result beside the bank atomically and drop fits of older banks; None if read-only."""
    info = data.bank_info(path)
    file = stored_path(path, info.content_hash)
    bank = config.db_path(path)
    try:
        with tempfile.NamedTemporaryFile(
            "wb", dir=file.parent, prefix=f".{bank.name}.segments-", suffix=".tmp", delete=False
        ) as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, file)
    except OSError:
        return None
    for old in file.parent.glob(f".{bank.name}.segments-*"):
        if old != file and old.suffix in {".pkl", ".tmp"} and old.name != Path(handle.name).name:
            old.unlink(missing_ok=True)
    return file


def precompute(path: str | os.PathLike | None = None) -> Path | None:
    """Fit k="auto" on the bank and store it, unless a fit for this content is already there."""
    from bankml.segment import segment_customers

    if load(path) is not None:
        return stored_path(path, data.bank_info(path).content_hash)
    return save(segment_customers(path, k="auto"), path)


def stored_or_fit(path: str | os.PathLike | None = None, k: int | str = "auto", progress=None):
    """The stored fit for k="auto" when present; otherwise fit (and store it when k="auto")."""
    from bankml.segment import segment_customers

    if k == "auto":
        stored = load(path)
        if stored is not None:
            return stored
    result = segment_customers(path, k=k, progress=progress)
    if k == "auto":
        save(result, path)
    return result
