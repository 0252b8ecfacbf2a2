"""One call per use: train on the bank (or a CSV) and register the model (CLI, page, startup)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bankml import data
from bankml.default import candidates as cands
from bankml.default.features import loan_frame, oracle_pd, read_training_csv
from bankml.default.training import TrainResult, train_default

Progress = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    return None


def train_bank_model(
    db: str | os.PathLike | None = None,
    registry: str | os.PathLike | None = None,
    candidates: str | list[str] = "quick",
    progress: Progress = _quiet,
    register: bool = True,
    reject_inference: str | None = None,
    **options,
) -> tuple[TrainResult, Path | None]:
    """Train on the bank's loans (oracle metrics included) and save the model as current.

    `reject_inference` ("fuzzy" or "parcelling", default off) refits the chosen model on the booked
    loans plus the declined applications of the same period (`bankml.default.reject`).
    """
    from bankml import model_card
    from bankml import registry as reg

    info = data.bank_info(db)
    frame = loan_frame(db)
    oracle = oracle_pd(db) if info.has_truth else None
    result = train_default(
        frame, candidates=candidates, progress=progress, oracle=oracle, **options
    )
    if reject_inference not in (None, "none"):
        from bankml.default import reject

        progress(0.99, f"reject inference ({reject_inference})")
        apps = reject.application_frame(db)
        declined = apps[apps["declined"] & reject.in_window(apps, frame)]
        result = reject.with_reject_inference(
            result,
            frame,
            declined.reset_index(drop=True),
            reject_inference,
            cv=options.get("cv", 5),
            random_state=options.get("random_state", 0),
        )
    if not register:
        return result, None
    card = model_card.make_card(
        result, info.content_hash, source=f"bank {info.path} (seed {info.seed})", frame=frame
    )
    return result, reg.save_model(result.model, card, registry, validation=result.validation)


def train_table_model(
    frame: pd.DataFrame,
    target: str,
    candidates: str | list[str] = "quick",
    progress: Progress = _quiet,
    **options,
) -> TrainResult:
    """Train on any table with a binary target, as `train_csv_model` does (no registry).

    On fewer than `candidates.SMALL_DATA_ROWS` rows "quick" and "all" also compare the small-data
    presets (a bagged LightGBM forest, CatBoost, the logistic's L2 path), fixed in code, and the
    model is their blend (`blend.choose_blend`: only the L2 strength is chosen, on the
    comparison's own folds). `evaluate.nested_cv_auc` measures this whole call.
    """
    if isinstance(candidates, str):
        candidates = cands.quick_for(len(frame), candidates)
    return train_default(frame, target=target, candidates=candidates, progress=progress, **options)


def train_csv_model(
    csv: str | os.PathLike,
    target: str,
    registry: str | os.PathLike | None = None,
    candidates: str | list[str] = "quick",
    progress: Progress = _quiet,
    register: bool = True,
    **options,
) -> tuple[TrainResult, Path | None]:
    """Train on any CSV with a binary target (see `train_table_model`) and save it as current."""
    from bankml import model_card
    from bankml import registry as reg

    frame = read_training_csv(csv)
    result = train_table_model(frame, target, candidates=candidates, progress=progress, **options)
    if not register:
        return result, None
    card = model_card.make_card(
        result, model_card.frame_hash(frame), source=f"csv {Path(csv).name}", frame=frame
    )
    return result, reg.save_model(result.model, card, registry, validation=result.validation)
