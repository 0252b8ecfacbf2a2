"""A precomputed k="auto" segmentation stored beside the bank, keyed on the bank's content hash,
so the dashboard's first view of a bank needs no fitting.

The file is `.<bank name>.segments-<hash>-v<format>.joblib` next to the bank, with a checksum card;
it is written at start-up and after a regeneration from the Data page (`precompute`), read by
`stored_or_fit`, and ignored when the bank's content changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from bankml import config, data, registry

# bump when SegmentResult, the k rule, the clustered features or the file format change: older
# files are refitted (4: fees and gambling left out of the fit; 5: features rescaled by their
# within-segment spread, k chosen on the rescaled features; 6: segments under 5 % of the customers
# do not count towards k, questioned rows flagged)
FORMAT = 6


def stored_path(path: str | os.PathLike | None, content_hash: str) -> Path:
    """Where the stored fit of the bank with this content hash lives."""
    bank = config.db_path(path)
    return bank.with_name(f".{bank.name}.segments-{content_hash[:16]}-v{FORMAT}.joblib")


def load(path: str | os.PathLike | None = None):
    """The stored SegmentResult for the bank as it is now, or None when there is none, it is
    stale, or its checksum or library versions do not match (`registry.load_artefact`)."""
    info = data.bank_info(path)
    file = stored_path(path, info.content_hash)
    if not file.is_file():
        return None
    return registry.load_artefact(file)


def save(result, path: str | os.PathLike | None = None) -> Path | None:
    """Write the result beside the bank with its checksum card and drop fits of older banks;
    None if the folder is read-only."""
    info = data.bank_info(path)
    file = stored_path(path, info.content_hash)
    bank = config.db_path(path)
    try:
        registry.save_artefact(result, file)
    except OSError:
        return None
    keep = {file.name, file.name + ".card.json"}
    for old in file.parent.glob(f".{bank.name}.segments-*"):
        if old.name not in keep:
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
