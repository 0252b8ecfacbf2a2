"""Bring your own data: train the active default model on an uploaded loans CSV with a binary target.

The upload goes through the same content-sniffing reader as batch scoring (encodings, delimiters,
binary files); training and registration are the default model's own (`train_default`, registry).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bankml.csvio import read_csv_upload
from bankml.errors import InputError

Progress = Callable[[float, str], None]


def read_upload(raw: bytes, name: str = "upload.csv") -> pd.DataFrame:
    """An uploaded training CSV as a frame (clear InputError for empty, binary or broken files)."""
    return read_csv_upload(raw, name)


def target_candidates(frame: pd.DataFrame) -> list[str]:
    """Columns that can be a binary target: exactly two distinct non-missing values."""
    counts = frame.nunique(dropna=True)
    return [str(c) for c in counts.index[counts == 2]]


def train_uploaded(
    frame: pd.DataFrame,
    target: str,
    source: str,
    registry: str | os.PathLike | None = None,
    protected: tuple[str, ...] = (),
    positive: str | None = None,
    progress: Progress | None = None,
    use_protected: tuple[str, ...] = (),
):
    """Train the quick candidate set on the frame, register the model and make it current.

    Returns (TrainResult, model folder). The previous model stays in the registry (switch back on
    the Model performance page) and stays current if anything fails.
    """
    from bankml import model_card
    from bankml import registry as reg
    from bankml.default import train_default
    from bankml.default.candidates import quick_for

    if target not in frame.columns:
        raise InputError(
            f"target column {target!r} is not in the file; columns: {', '.join(map(str, frame.columns))}"
        )
    if frame[target].nunique(dropna=True) != 2:
        raise InputError(
            f"target column {target!r} must have exactly two values (e.g. 0/1, yes/no, good/bad); "
            f"it has {frame[target].nunique(dropna=True)}"
        )
    missing = [c for c in protected if c not in frame.columns]
    if missing:
        raise InputError(f"protected column(s) not in the file: {', '.join(missing)}")
    options = {"protected": tuple(protected)} if protected else {}
    if positive is not None:
        options["positive"] = positive
    if use_protected:  # columns named like protected attributes the user opted to use as inputs
        options["use_protected"] = tuple(use_protected)
    result = train_default(
        frame,
        target=target,
        candidates=quick_for(len(frame)),  # below 5,000 rows: the small-data set, as documented
        progress=progress or (lambda f, m: None),
        **options,
    )
    card = model_card.make_card(
        result, model_card.frame_hash(frame), source=f"upload {Path(source).name}", frame=frame
    )
    return result, reg.save_model(result.model, card, registry, validation=result.validation)


def model_is_stale(card: dict, bank_content_hash: str) -> bool:
    """True when the model was trained on another version of the bank (not on a foreign CSV)."""
    return (
        str(card.get("source", "")).startswith("bank ")
        and card.get("data_hash") != bank_content_hash
    )
